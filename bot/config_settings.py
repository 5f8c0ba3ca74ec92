"""Every configuration key with its effective value and where it came from.

Owns `effective_settings` (for `treatybot config check [--json]`). Secrets are never shown: a
secret is "***" when present and None when absent. Must not validate or load anything.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel, SecretStr

from bot.config_types import IsDuration, format_duration

SettingSource = Literal["default", "file", "environment"]
SECRET_SHOWN = "***"


@dataclasses.dataclass(frozen=True, slots=True)
class Setting:
    """One key of the configuration, its effective value (JSON-ready) and where it came from."""

    key: str
    value: Any
    source: SettingSource

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "value": self.value, "source": self.source}


def effective_settings(config: BaseModel) -> list[Setting]:
    """Every key of `config` (a `bot.config.Config`) in file order, as the file spells it.

    Durations are shown as duration strings ("1h"); tables in lists as `treaties[0].id`; an empty
    list of tables as one key with `[]`. Secrets only as "***" (present) or None (absent).
    """
    return list(_settings(config, ""))


def _settings(model: BaseModel, prefix: str) -> Iterator[Setting]:
    derived: frozenset[str] = getattr(model, "_derived", frozenset())
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        key = prefix + (info.alias or name)
        if name in derived and not _is_secret(info.annotation):
            continue  # filled in by the loader (Config.source): not a setting
        if name in derived:
            shown = SECRET_SHOWN if value is not None else None
            yield Setting(key, shown, "environment" if value is not None else "default")
        elif isinstance(value, BaseModel):
            yield from _settings(value, key + ".")
        elif _holds_tables(info.annotation) and value:
            for index, item in enumerate(value):
                yield from _settings(item, f"{key}[{index}].")
        else:
            source: SettingSource = "file" if name in model.model_fields_set else "default"
            yield Setting(key, _shown(value, info.annotation, info.metadata), source)


def _is_secret(annotation: Any) -> bool:
    if annotation is SecretStr:
        return True
    return any(_is_secret(arg) for arg in get_args(annotation))


def _holds_tables(annotation: Any) -> bool:
    args = get_args(annotation)
    return (
        get_origin(annotation) is tuple
        and isinstance(args[0], type)
        and issubclass(args[0], BaseModel)
    )


def _shown(value: Any, annotation: Any, metadata: list[Any]) -> Any:
    if isinstance(value, SecretStr):  # never reached for well-formed models; belt and braces
        return SECRET_SHOWN
    if any(isinstance(marker, IsDuration) for marker in metadata) and isinstance(value, float):
        return format_duration(value)
    if isinstance(value, tuple):
        item = get_args(annotation)[0] if get_origin(annotation) is tuple else Any
        item_meta = list(get_args(item)[1:]) if get_origin(item) is Annotated else []
        return [_shown(v, item, item_meta) for v in value]
    return value
