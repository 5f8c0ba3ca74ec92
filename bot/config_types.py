"""Value types of the configuration file and the wording of its errors.

Owns: durations (`parse_duration` / `format_duration`), the constrained field types the models in
`bot.config` are built from (strict scalars: TOML types are never coerced, so `timeout_s = "60"`
is an error), reading secrets from the environment, and turning a pydantic `ValidationError` into
lines that name the key and say what was expected. Must not read files or know the sections.
A secret's value never appears in a message: errors about secrets name the variable, not the value.
"""

from __future__ import annotations

import base64
import binascii
import math
import os
import re
import types
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin
from urllib.parse import urlsplit

import annotated_types as at
from pydantic import BaseModel, BeforeValidator, Strict, ValidationError, WithJsonSchema
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from scrapers.model import KNOWN_KINDS
from scrapers.urls import TREATY_ID
from store import countries
from store.events import EVENT_TYPES


@dataclass(frozen=True, slots=True)
class Expect:
    """Annotated marker: what a field expects, in the words an error message uses."""

    text: str


@dataclass(frozen=True, slots=True)
class IsDuration:
    """Annotated marker: seconds that the file writes as a duration string."""


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_DURATION_WORDS = 'a duration like "1h", "30m", "5s" or "5d"'


def parse_duration(text: str) -> float:
    """`"1h"`, `"30m"`, `"5s"`, `"5d"` → seconds.

    Raises ValueError on anything else, including `"0s"`, `"-1h"` and `"inf"`.
    """
    match = _DURATION.fullmatch(text.strip())
    if not match:
        raise ValueError(f"expected {_DURATION_WORDS}, got {text!r}")
    seconds = float(match.group(1)) * _UNIT_S[match.group(2)]
    if not math.isfinite(seconds):
        raise ValueError(f"expected a duration of finite length, got {text!r}")
    if seconds <= 0:
        raise ValueError(f"expected a duration longer than zero, got {text!r}")
    return seconds


def format_duration(seconds: float) -> str:
    """Seconds → the shortest duration string `parse_duration` reads back to the same value."""
    for suffix in ("d", "h", "m", "s", "ms"):
        count = seconds / _UNIT_S[suffix]
        if count >= 1 and count == int(count):
            return f"{int(count)}{suffix}"
    return f"{seconds:g}s"


def _duration_of_at_least(minimum: float) -> Any:
    def check(value: Any) -> float:
        if not isinstance(value, str):
            raise ValueError(f"expected {_DURATION_WORDS}, got {value!r}")
        seconds = parse_duration(value)
        if seconds < minimum:
            raise ValueError(
                f"expected a duration of at least {format_duration(minimum)}, got {value!r}"
            )
        return seconds

    return check


_DURATION_SCHEMA = WithJsonSchema({"type": "string", "pattern": _DURATION.pattern})
Int = Annotated[int, Strict()]
Float = Annotated[float, Strict()]
Bool = Annotated[bool, Strict()]
Duration = Annotated[
    float, BeforeValidator(_duration_of_at_least(0.0)), IsDuration(), _DURATION_SCHEMA
]
Interval = Annotated[
    float, BeforeValidator(_duration_of_at_least(1.0)), IsDuration(), _DURATION_SCHEMA
]


def _non_empty(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected a non-empty string, got {value!r}")
    return value


NonEmptyStr = Annotated[str, BeforeValidator(_non_empty), Expect("a non-empty string")]

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _env_name(value: Any) -> str:
    if not isinstance(value, str) or not _ENV_NAME.fullmatch(value):
        raise ValueError(f"expected an environment variable name like MY_SECRET, got {value!r}")
    return value


EnvName = Annotated[str, BeforeValidator(_env_name), Expect("an environment variable name")]


def _url(value: Any, *, schemes: tuple[str, ...], base: bool) -> str:
    words = "an https URL" if schemes == ("https",) else "an http(s) URL"
    example = "https://treaties.un.org" if base else "https://example.org/hook"
    if not isinstance(value, str):
        raise ValueError(f"expected {words} such as {example}, got {value!r}")
    parts = urlsplit(value.strip())
    if parts.scheme not in schemes or not parts.hostname:
        raise ValueError(f"expected {words} such as {example}, got {value!r}")
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"expected {words} without user:password@, got a URL with credentials")
    text = value.strip()
    return text.rstrip("/") if base else text


def _base_url(value: Any) -> str:
    return _url(value, schemes=("http", "https"), base=True)


def _target_url(value: Any) -> str:
    return _url(value, schemes=("http", "https"), base=False)


def _https_url(value: Any) -> str:
    return _url(value, schemes=("https",), base=False)


BaseUrl = Annotated[str, BeforeValidator(_base_url), Expect("an http(s) URL")]
HttpUrl = Annotated[str, BeforeValidator(_target_url), Expect("an http(s) URL")]
HttpsUrl = Annotated[str, BeforeValidator(_https_url), Expect("an https URL")]


def _treaty_id(value: Any) -> str:
    # A FULL match: TREATY_ID ends in `$`, which `re.match` lets match before a trailing newline.
    text = value.strip() if isinstance(value, str) else value
    if not isinstance(text, str) or not re.fullmatch(TREATY_ID.pattern, text):
        raise ValueError(
            f"expected an MTDSG treaty id such as XVIII-16, IV-11-d or XI-B-19, got {value!r}"
        )
    return text


TreatyId = Annotated[str, BeforeValidator(_treaty_id), Expect("an MTDSG treaty id")]


def _kind(value: Any) -> str:
    if value not in KNOWN_KINDS:
        raise ValueError(
            f"expected an action kind, one of: {', '.join(KNOWN_KINDS)}; got {value!r}"
        )
    return str(value)


Kind = Annotated[
    str,
    BeforeValidator(_kind),
    Expect("an action kind"),
    WithJsonSchema({"type": "string", "enum": list(KNOWN_KINDS)}),
]


def _chat_id(value: Any) -> int | str:
    if isinstance(value, int) and not isinstance(value, bool) and value != 0:
        return value
    if isinstance(value, str) and re.fullmatch(r"@[A-Za-z][A-Za-z0-9_]{3,31}", value):
        return value
    raise ValueError(
        f'expected a chat id: "@channelname" or a number like -1001234567890, got {value!r}'
    )


ChatId = Annotated[int | str, BeforeValidator(_chat_id), Expect('"@channelname" or a chat id')]


# --- secrets -------------------------------------------------------------------------------------


def env_value(environ: Mapping[str, str], name: Any) -> str | None:
    """The variable's value, None when the name is not a valid name, unset or empty."""
    if not isinstance(name, str) or not _ENV_NAME.fullmatch(name):
        return None
    value = environ.get(name, "").strip()
    return value or None


def secret_error(loc: tuple[str | int, ...], text: str) -> PydanticCustomError:
    """An error about a secret at `loc` (relative to the section): never carries the value."""
    return PydanticCustomError("config_secret", text, {"loc": loc})


def is_webhook_secret(value: str) -> bool:
    """Standard Webhooks: `whsec_` + base64 of 24-64 random bytes (the prefix is optional)."""
    raw = value.removeprefix("whsec_")
    try:
        decoded = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        return False
    return 24 <= len(decoded) <= 64


def is_telegram_secret_token(value: str) -> bool:
    """Telegram's `secret_token`: 1-256 of A-Z a-z 0-9 _ -."""
    return re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value) is not None


# --- errors -------------------------------------------------------------------------------------


def dotted(loc: tuple[str | int, ...]) -> str:
    """`("treaties", 0, "id")` → `treaties[0].id`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def error_lines(exc: ValidationError, root: type[BaseModel]) -> list[str]:
    """One `key '…': …` line per error, in the file's own key names."""
    lines = []
    errors = exc.errors(include_url=False)
    locs = [tuple(error["loc"]) for error in errors]
    for error, loc in zip(errors, locs, strict=True):
        if any(len(other) > len(loc) and other[: len(loc)] == loc for other in locs):
            continue  # e.g. "too short" after an item was refused: the item's error says it
        ctx = error.get("ctx") or {}
        kind = error["type"]
        if kind == "extra_forbidden":
            lines.append(_unknown(root, loc))
        elif kind == "config_unknown":
            lines.append(_unknown(root, (*loc, ctx["key"])))
        elif kind in ("config_secret", "config_value"):
            lines.append(f"key '{dotted((*loc, *ctx['loc']))}': {error['msg']}")
        elif kind == "value_error":
            lines.append(f"key '{dotted(loc)}': {ctx['error']}")
        elif kind == "missing":
            lines.append(f"key '{dotted(loc)}': missing; expected {_expected(root, loc)}")
        else:
            finite = "finite " if kind == "finite_number" else ""
            what = _expected(root, loc, finite) or error["msg"].lower().replace(
                "input should be ", ""
            )
            lines.append(f"key '{dotted(loc)}': expected {what}, got {error['input']!r}")
    return lines


def _unknown(root: type[BaseModel], loc: tuple[str | int, ...]) -> str:
    model = _model_at(root, loc[:-1])
    allowed = file_keys(model) if model is not None else []
    return f"unknown key '{dotted(loc)}'; expected one of: {', '.join(allowed)}"


def file_keys(model: type[BaseModel]) -> list[str]:
    derived: frozenset[str] = getattr(model, "_derived", frozenset())
    return sorted(f.alias or n for n, f in model.model_fields.items() if n not in derived)


def _field(model: type[BaseModel], key: str | int) -> Any:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info
    return None


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _model_at(root: type[BaseModel], loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    model: type[BaseModel] | None = root
    for part in loc:
        if isinstance(part, int):
            continue
        info = _field(model, part) if model is not None else None
        if info is None:
            return None
        model = _model_in(info.annotation)
    return model


def _expected(root: type[BaseModel], loc: tuple[str | int, ...], finite: str = "") -> str:
    """What the field at `loc` expects, from its type and constraints; "" if it cannot be told."""
    index = max((i for i, part in enumerate(loc) if isinstance(part, str)), default=-1)
    model = _model_at(root, loc[:index])
    info = _field(model, loc[index]) if model is not None and index >= 0 else None
    if info is None:
        return ""
    annotation: Any = info.annotation
    metadata = list(info.metadata)
    for _ in loc[index + 1 :]:  # an item of a list: describe the item type
        annotation, metadata = _item_type(annotation), []
    key = dotted(loc[: index + 1])
    return _describe(annotation, metadata, finite, key, item=len(loc) > index + 1)


def _item_type(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated or _is_optional(annotation):
        annotation = (
            get_args(annotation)[0] if get_origin(annotation) is Annotated else _strip(annotation)
        )
    args = get_args(annotation)
    return args[0] if args else annotation


def _is_optional(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, types.UnionType) and type(None) in get_args(annotation)


def _strip(annotation: Any) -> Any:
    args = [a for a in get_args(annotation) if a is not type(None)]
    return args[0] if len(args) == 1 else annotation


def _flat(metadata: list[Any]) -> list[Any]:
    """`Field(ge=1)` inside `Annotated` carries its constraints in its own metadata."""
    out = []
    for marker in metadata:
        out.extend(marker.metadata if isinstance(marker, FieldInfo) else [marker])
    return out


def _describe(
    annotation: Any, metadata: list[Any], finite: str, key: str, *, item: bool = False
) -> str:
    if get_origin(annotation) is Annotated:
        base, *extra = get_args(annotation)
        return _describe(base, [*metadata, *_flat(extra)], finite, key, item=item)
    for marker in metadata:
        if isinstance(marker, Expect):
            return marker.text
        if isinstance(marker, IsDuration):
            return _DURATION_WORDS
    if _is_optional(annotation):
        return _describe(_strip(annotation), metadata, finite, key, item=item)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"a [[{key}]] table" if item else f"a [{key}] table"
    if get_origin(annotation) is tuple:
        each = _describe(get_args(annotation)[0], [], "", key, item=True)
        non_empty = any(isinstance(m, at.MinLen) and m.min_length > 0 for m in metadata)
        return f"a {'non-empty ' if non_empty else ''}list, each item {each}"
    if annotation is bool:
        return "true or false"
    noun = {int: "whole number", float: "number", str: "string"}.get(annotation, str(annotation))
    bounds = []
    for marker in metadata:
        for attr, sign in (("gt", ">"), ("ge", "≥"), ("lt", "<"), ("le", "≤")):
            bound = getattr(marker, attr, None)
            if isinstance(marker, at.BaseMetadata) and bound is not None:
                bounds.append(f"{sign} {bound:g}")
    return " ".join(["a", finite + noun, " and ".join(bounds)]).strip()


def _user_path(value: Any) -> str:
    return os.path.expanduser(_non_empty(value))


UserPath = Annotated[str, BeforeValidator(_user_path), Expect("a file path")]


def _event_type(value: Any) -> str:
    if value not in EVENT_TYPES:
        raise ValueError(f"expected an event type, one of: {', '.join(EVENT_TYPES)}; got {value!r}")
    return str(value)


EventType = Annotated[
    str,
    BeforeValidator(_event_type),
    Expect("an event type"),
    WithJsonSchema({"type": "string", "enum": list(EVENT_TYPES)}),
]


def _country(value: Any) -> str:
    code = value.strip().upper() if isinstance(value, str) else None
    found = countries.lookup(code) if code and len(code) == 2 else None
    if code is None or found is None or found.code != code:
        raise ValueError(f"expected an ISO 3166 alpha-2 country code such as FR, got {value!r}")
    return code


CountryCode = Annotated[str, BeforeValidator(_country), Expect("an ISO 3166 alpha-2 code")]
