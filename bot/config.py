"""Configuration: one TOML file → frozen, validated objects.

Found via `--config PATH`, else `$TREATYBOT_CONFIG`, else `./config.toml`; a missing file means the
built-in defaults. Unknown keys and bad values raise `ConfigError` naming the file, the key and what
was expected. Secrets never live here (they come from the environment).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from bot.errors import ConfigError
from scrapers.urls import validate_treaty_id
from store.thresholds import RuleOverrides

__all__ = ["Config", "ConfigError", "load_config"]

DEFAULT_USER_AGENT = (
    "treatybot/0.1 (+https://github.com/treatybot/treatybot; "
    "watches treaty status for public alerts)"
)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class UntcConfig:
    base_url: str = "https://treaties.un.org"
    timeout_s: float = 60.0
    max_concurrency: int = 2
    min_interval_s: float = 1.0
    retries: int = 3
    user_agent: str = DEFAULT_USER_AGENT


@dataclass(frozen=True, slots=True)
class DatabaseConfig:
    path: str = "treatybot.db"


@dataclass(frozen=True, slots=True)
class ConsoleConfig:
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class TreatyConfig:
    """Per-treaty overrides of the entry-into-force rule and the check interval."""

    id: str
    threshold: int | None = None
    delay_days: int | None = None
    counted_kinds: tuple[str, ...] | None = None
    not_counted: tuple[str, ...] | None = None
    milestones: tuple[int, ...] | None = None
    interval_s: float = 3600.0

    @property
    def overrides(self) -> RuleOverrides:
        """The entry-into-force rule parts this config sets."""
        return RuleOverrides(
            threshold=self.threshold,
            delay_days=self.delay_days,
            counted_kinds=frozenset(self.counted_kinds) if self.counted_kinds else None,
            not_counted=frozenset(self.not_counted) if self.not_counted else None,
            milestones=self.milestones,
        )


@dataclass(frozen=True, slots=True)
class Config:
    source: str = "(built-in defaults)"
    untc: UntcConfig = field(default_factory=UntcConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    console: ConsoleConfig = field(default_factory=ConsoleConfig)
    treaties: tuple[TreatyConfig, ...] = ()

    def treaty(self, treaty_id: str) -> TreatyConfig | None:
        for treaty in self.treaties:
            if treaty.id == treaty_id:
                return treaty
        return None


_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h|d)$")
_UNIT_S = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(text: str) -> float:
    """`"1h"`, `"30m"`, `"5s"` → seconds. Raises ValueError on anything else."""
    match = _DURATION.match(text.strip())
    if not match:
        raise ValueError(f'{text!r} is not a duration like "1h", "30m" or "5s"')
    seconds = float(match.group(1)) * _UNIT_S[match.group(2)]
    if seconds <= 0:
        raise ValueError(f"{text!r} must be longer than zero")
    return seconds


def find_config_path(explicit: str | None) -> Path | None:
    """`--config` wins, then `$TREATYBOT_CONFIG`, then `./config.toml`; None if nothing exists."""
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"{explicit}: config file not found (given with --config)")
        return path
    env = os.environ.get("TREATYBOT_CONFIG")
    if env:
        path = Path(env)
        if not path.is_file():
            raise ConfigError(f"{env}: config file not found (named by $TREATYBOT_CONFIG)")
        return path
    local = Path("config.toml")
    return local if local.is_file() else None


def load_config(explicit: str | None = None) -> Config:
    path = find_config_path(explicit)
    if path is None:
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    return config_from_mapping(data, str(path))


def config_from_mapping(data: Mapping[str, Any], source: str) -> Config:
    reader = _Reader(source)
    reader.no_unknown(data, "", {"untc", "database", "console", "treaties"})
    untc_raw = reader.table(data, "untc")
    defaults = UntcConfig()
    untc = UntcConfig(
        base_url=reader.get(untc_raw, "untc.base_url", defaults.base_url, _http_url),
        timeout_s=reader.get(untc_raw, "untc.timeout_s", defaults.timeout_s, _positive_float),
        max_concurrency=reader.get(
            untc_raw, "untc.max_concurrency", defaults.max_concurrency, _positive_int
        ),
        min_interval_s=reader.get(
            untc_raw, "untc.min_interval_s", defaults.min_interval_s, _non_negative_float
        ),
        retries=reader.get(untc_raw, "untc.retries", defaults.retries, _non_negative_int),
        user_agent=reader.get(untc_raw, "untc.user_agent", defaults.user_agent, _non_empty_str),
    )
    reader.no_unknown(untc_raw, "untc", set(UntcConfig.__slots__))
    db_raw = reader.table(data, "database")
    database = DatabaseConfig(
        path=reader.get(db_raw, "database.path", DatabaseConfig().path, _non_empty_str)
    )
    reader.no_unknown(db_raw, "database", {"path"})
    console_raw = reader.table(data, "console")
    console = ConsoleConfig(enabled=reader.get(console_raw, "console.enabled", True, _bool))
    reader.no_unknown(console_raw, "console", {"enabled"})
    treaties_raw = data.get("treaties", [])
    if not isinstance(treaties_raw, list):
        raise ConfigError(f"{source}: key 'treaties': expected [[treaties]] tables")
    treaties = []
    seen: set[str] = set()
    for index, raw in enumerate(treaties_raw):
        where = f"treaties[{index}]"
        if not isinstance(raw, dict):
            raise ConfigError(f"{source}: key '{where}': expected a table")
        reader.no_unknown(
            raw,
            where,
            {
                "id",
                "threshold",
                "delay_days",
                "counted_kinds",
                "not_counted",
                "milestones",
                "interval",
            },
        )
        if "id" not in raw:
            raise ConfigError(f"{source}: key '{where}.id': missing; expected a treaty id")
        treaty_id = reader.get(raw, f"{where}.id", "", _treaty_id)
        if treaty_id in seen:
            raise ConfigError(f"{source}: key '{where}.id': {treaty_id} is configured twice")
        seen.add(treaty_id)
        treaties.append(
            TreatyConfig(
                id=treaty_id,
                threshold=reader.get(raw, f"{where}.threshold", None, _positive_int),
                delay_days=reader.get(raw, f"{where}.delay_days", None, _non_negative_int),
                counted_kinds=reader.get(raw, f"{where}.counted_kinds", None, _str_tuple),
                not_counted=reader.get(raw, f"{where}.not_counted", None, _str_tuple),
                milestones=reader.get(raw, f"{where}.milestones", None, _int_tuple),
                interval_s=reader.get(raw, f"{where}.interval", 3600.0, _duration),
            )
        )
    return Config(
        source=source, untc=untc, database=database, console=console, treaties=tuple(treaties)
    )


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def table(self, data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, dict):
            raise ConfigError(f"{self.source}: key '{key}': expected a [{key}] table")
        return value

    def no_unknown(self, data: Mapping[str, Any], where: str, allowed: set[str]) -> None:
        for key in data:
            if key not in allowed:
                name = f"{where}.{key}" if where else key
                raise ConfigError(
                    f"{self.source}: unknown key '{name}'; expected one of: "
                    + ", ".join(sorted(allowed))
                )

    def get(self, data: Mapping[str, Any], dotted: str, default: T, check: Callable[[Any], T]) -> T:
        key = dotted.rsplit(".", 1)[-1]
        if key not in data:
            return default
        try:
            return check(data[key])
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{self.source}: key '{dotted}': {exc}") from exc


def _positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"expected a whole number ≥ 1, got {value!r}")
    return value


def _non_negative_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"expected a whole number ≥ 0, got {value!r}")
    return value


def _non_negative_float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"expected a number ≥ 0, got {value!r}")
    return float(value)


def _positive_float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValueError(f"expected a number > 0, got {value!r}")
    return float(value)


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def _non_empty_str(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected a non-empty string, got {value!r}")
    return value


def _http_url(value: Any) -> str:
    text = _non_empty_str(value)
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"expected an http(s) URL such as https://treaties.un.org, got {text!r}")
    return text.rstrip("/")


def _treaty_id(value: Any) -> str:
    return validate_treaty_id(_non_empty_str(value))


def _str_tuple(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError(f"expected a list of strings, got {value!r}")
    return tuple(value)


def _int_tuple(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list):
        raise ValueError(f"expected a list of whole numbers, got {value!r}")
    return tuple(_positive_int(v) for v in value)


def _duration(value: Any) -> float:
    return parse_duration(_non_empty_str(value))
