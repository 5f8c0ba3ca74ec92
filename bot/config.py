"""Configuration: one TOML file → frozen, validated pydantic models.

Found via `--config PATH`, else `$TREATYBOT_CONFIG`, else `./config.toml`; a missing file means the
built-in defaults. Unknown keys and bad values raise `ConfigError` naming the file, the key and what
was expected. Secrets never live in the file: it names environment variables (`token_env`,
`secret_env`, …) whose values are read once, at load time, into `SecretStr` fields that print as
`**********`. `effective_settings` (bot.config_settings) lists every key and where it came from.

Owns the sections and their cross-key rules; value types and error wording are in
`bot.config_types`. Must not open the database, the network or anything but the config file.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Self

import annotated_types as at
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from bot.config_settings import Setting, effective_settings
from bot.config_types import (
    BaseUrl,
    Bool,
    ChatId,
    CountryCode,
    Duration,
    EnvName,
    EventType,
    Float,
    HttpsUrl,
    HttpUrl,
    Int,
    Interval,
    Kind,
    NonEmptyStr,
    TreatyId,
    UserPath,
    env_value,
    error_lines,
    format_duration,
    is_telegram_secret_token,
    is_webhook_secret,
    parse_duration,
    secret_error,
)
from bot.errors import ConfigError
from bot.telegram.pacing import PacingLimits
from scrapers.fetch import FetchPolicy
from store.overrides import parse_fraction
from store.thresholds import RuleOverrides

__all__ = [
    "DEFAULT_INTERVAL_S",
    "DEFAULT_USER_AGENT",
    "Config",
    "ConfigError",
    "ConsoleConfig",
    "DatabaseConfig",
    "HealthConfig",
    "HttpConfig",
    "ServiceConfig",
    "Setting",
    "TelegramChannel",
    "TelegramConfig",
    "TreatyConfig",
    "UntcConfig",
    "WebhookEndpoint",
    "WebhooksConfig",
    "config_from_mapping",
    "effective_settings",
    "find_config_path",
    "format_duration",
    "load_config",
    "parse_duration",
]

DEFAULT_USER_AGENT = (
    "treatybot/0.1 (+https://github.com/treatybot/treatybot; "
    "watches treaty status for public alerts)"
)
# How often `treatybot run` checks a treaty that sets no `interval`.
DEFAULT_INTERVAL_S = 3600.0
# The fetcher's own defaults are the config's defaults: one place, so they cannot drift apart.
_FETCH_DEFAULTS: dict[str, Any] = {f.name: f.default for f in dataclasses.fields(FetchPolicy)}
_PACING_DEFAULTS: dict[str, Any] = {f.name: f.default for f in dataclasses.fields(PacingLimits)}


def _value_error(loc: tuple[str | int, ...], text: str) -> PydanticCustomError:
    return PydanticCustomError("config_value", text, {"loc": loc})


class _Section(BaseModel):
    """One table of the file: frozen, no unknown keys, no inf/nan, file keys are the aliases."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        allow_inf_nan=False,
        validate_by_name=True,
        validate_by_alias=True,
        hide_input_in_errors=True,
    )
    # Fields filled in at load time (from the environment or the loader), never keys of the file.
    _derived: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _prepare(cls, data: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, dict):
            return data
        context: dict[str, Any] = info.context if isinstance(info.context, dict) else {}
        if context.get("file"):
            for key in data:
                if key in cls._derived:
                    raise PydanticCustomError("config_unknown", "unknown key", {"key": key})
        return cls._complete(dict(data), context, context.get("environ", os.environ))

    @classmethod
    def _complete(
        cls, data: dict[str, Any], context: dict[str, Any], environ: Mapping[str, str]
    ) -> dict[str, Any]:
        return data

    @classmethod
    def _read_secret(
        cls, data: dict[str, Any], field: str, env_key: str, environ: Mapping[str, str]
    ) -> None:
        if field not in data:
            data[field] = env_value(environ, data.get(env_key, cls.model_fields[env_key].default))


class UntcConfig(_Section):
    """How treaties.un.org is read (defaults: `scrapers.fetch.FetchPolicy`)."""

    base_url: BaseUrl = "https://treaties.un.org"
    timeout_s: Float = Field(_FETCH_DEFAULTS["timeout_s"], gt=0)
    max_concurrency: Int = Field(_FETCH_DEFAULTS["max_concurrency"], ge=1, le=16)
    min_interval_s: Float = Field(_FETCH_DEFAULTS["min_interval_s"], ge=0)
    retries: Int = Field(_FETCH_DEFAULTS["retries"], ge=0, le=10)
    user_agent: NonEmptyStr = DEFAULT_USER_AGENT


class DatabaseConfig(_Section):
    path: UserPath = "treatybot.db"
    keep_days: Int = Field(90, ge=1)
    busy_timeout_s: Float = Field(10.0, gt=0, le=3600)


class ConsoleConfig(_Section):
    enabled: Bool = True


class TelegramChannel(_Section):
    chat_id: ChatId
    treaties: tuple[TreatyId, ...] = ()


class TelegramConfig(_Section):
    _derived = frozenset({"token", "webhook_secret"})

    token_env: EnvName = "TELEGRAM_BOT_TOKEN"
    api_base_url: BaseUrl = "https://api.telegram.org"
    admin_chat_ids: tuple[Int, ...] = ()
    global_rate_per_s: Float = Field(_PACING_DEFAULTS["global_rate_per_s"], gt=0)
    per_chat_interval_s: Float = Field(_PACING_DEFAULTS["per_chat_interval_s"], ge=0)
    group_per_minute: Int = Field(_PACING_DEFAULTS["group_per_minute"], ge=1)
    allow_user_tracking: Bool = True
    max_subscriptions_per_chat: Int = Field(50, ge=1)
    webhook_url: HttpsUrl | None = None
    webhook_secret_env: EnvName = "TELEGRAM_WEBHOOK_SECRET"
    channels: tuple[TelegramChannel, ...] = ()
    token: SkipJsonSchema[SecretStr | None] = None
    webhook_secret: SkipJsonSchema[SecretStr | None] = None

    @classmethod
    def _complete(
        cls, data: dict[str, Any], context: dict[str, Any], environ: Mapping[str, str]
    ) -> dict[str, Any]:
        cls._read_secret(data, "token", "token_env", environ)
        cls._read_secret(data, "webhook_secret", "webhook_secret_env", environ)
        return data

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.webhook_url is not None:
            name = self.webhook_secret_env
            if self.webhook_secret is None:
                raise secret_error(
                    ("webhook_secret_env",),
                    f"environment variable {name} is not set; a Telegram webhook needs a secret",
                )
            if not is_telegram_secret_token(self.webhook_secret.get_secret_value()):
                raise secret_error(
                    ("webhook_secret_env",),
                    f"environment variable {name} must hold 1-256 of A-Z a-z 0-9 _ -",
                )
        seen: set[int | str] = set()
        for index, channel in enumerate(self.channels):
            if channel.chat_id in seen:
                raise _value_error(
                    ("channels", index, "chat_id"), f"{channel.chat_id} is configured twice"
                )
            seen.add(channel.chat_id)
        return self


class WebhookEndpoint(_Section):
    """One receiver of signed Standard Webhooks; empty filters mean "everything"."""

    _derived = frozenset({"secret"})

    url: HttpUrl
    secret_env: EnvName
    types: tuple[EventType, ...] = ()
    treaties: tuple[TreatyId, ...] = ()
    countries: tuple[CountryCode, ...] = ()
    description: str = ""
    secret: SkipJsonSchema[SecretStr | None] = None

    @classmethod
    def _complete(
        cls, data: dict[str, Any], context: dict[str, Any], environ: Mapping[str, str]
    ) -> dict[str, Any]:
        if "secret" not in data:
            data["secret"] = env_value(environ, data.get("secret_env"))
        return data

    @model_validator(mode="after")
    def _check(self) -> Self:
        name = self.secret_env
        if self.secret is None:
            raise secret_error(
                ("secret_env",), f"environment variable {name} is not set; expected whsec_…"
            )
        if not is_webhook_secret(self.secret.get_secret_value()):
            raise secret_error(
                ("secret_env",),
                f"environment variable {name} does not hold a Standard Webhooks secret "
                "(whsec_ + base64 of 24-64 random bytes)",
            )
        return self


_RETRY_SCHEDULE_S = (5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0)


class WebhooksConfig(_Section):
    _derived = frozenset({"secret_key"})

    retry_schedule_s: tuple[Duration, ...] = Field(
        _RETRY_SCHEDULE_S, alias="retry_schedule", min_length=1
    )
    timeout_s: Float = Field(15.0, gt=0)
    max_concurrency: Int = Field(16, ge=1)
    per_endpoint_concurrency: Int = Field(2, ge=1)
    disable_after_s: Duration = Field(5 * 86400.0, alias="disable_after")
    rotation_grace_s: Duration = Field(86400.0, alias="rotation_grace")
    allow_private_targets: Bool = False
    allow_http: Bool = False
    secret_key_env: EnvName | None = None
    endpoints: tuple[WebhookEndpoint, ...] = ()
    secret_key: SkipJsonSchema[SecretStr | None] = None

    @classmethod
    def _complete(
        cls, data: dict[str, Any], context: dict[str, Any], environ: Mapping[str, str]
    ) -> dict[str, Any]:
        cls._read_secret(data, "secret_key", "secret_key_env", environ)
        return data

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.per_endpoint_concurrency > self.max_concurrency:
            raise _value_error(
                ("per_endpoint_concurrency",),
                f"expected at most max_concurrency ({self.max_concurrency}), "
                f"got {self.per_endpoint_concurrency}",
            )
        if self.secret_key_env is not None and self.secret_key is None:
            raise secret_error(
                ("secret_key_env",), f"environment variable {self.secret_key_env} is not set"
            )
        seen: set[str] = set()
        for index, endpoint in enumerate(self.endpoints):
            if endpoint.url.lower().startswith("http://") and not self.allow_http:
                raise _value_error(
                    ("endpoints", index, "url"),
                    "expected an https URL (http only with allow_http = true), "
                    f"got {endpoint.url!r}",
                )
            if endpoint.url in seen:
                raise _value_error(
                    ("endpoints", index, "url"), f"{endpoint.url} is configured twice"
                )
            seen.add(endpoint.url)
        return self


class HttpConfig(_Section):
    host: NonEmptyStr = "127.0.0.1"
    port: Int = Field(8080, ge=0, le=65535)  # 0: any free port (tests; the log says which)


class HealthConfig(_Section):
    _derived = frozenset({"webhook_secret"})

    failures_before_alert: Int = Field(3, ge=1)
    max_outbox_lag_s: Duration = Field(600.0, alias="max_outbox_lag")
    webhook_url: HttpUrl | None = None
    webhook_secret_env: EnvName | None = None
    webhook_secret: SkipJsonSchema[SecretStr | None] = None

    @classmethod
    def _complete(
        cls, data: dict[str, Any], context: dict[str, Any], environ: Mapping[str, str]
    ) -> dict[str, Any]:
        cls._read_secret(data, "webhook_secret", "webhook_secret_env", environ)
        return data

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.webhook_secret_env is not None and self.webhook_secret is None:
            raise secret_error(
                ("webhook_secret_env",),
                f"environment variable {self.webhook_secret_env} is not set",
            )
        return self


class ServiceConfig(_Section):
    shutdown_timeout_s: Float = Field(10.0, gt=0)


class FetchConfig(_Section):
    """The request budget shared by every process on the database (`bot/budget.py`)."""

    requests_per_minute: Int = Field(60, ge=1, le=6000)
    budget_window_s: Interval = Field(60.0, alias="budget_window")


class WatchConfig(_Section):
    """Which treaties `treatybot run` checks and how often (`bot/watch.py` decides)."""

    all: Bool = True
    hot_interval_s: Interval = Field(180.0, alias="hot_interval")
    warm_interval_s: Interval = Field(3600.0, alias="warm_interval")
    quiet_interval_s: Interval = Field(43_200.0, alias="quiet_interval")
    hot_within_instruments: Int = Field(5, ge=0)
    hot_recent_days: Int = Field(30, ge=0)
    hot_entry_into_force_days: Int = Field(30, ge=0)
    quiet_after_days: Int = Field(1095, ge=1)

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not self.hot_interval_s <= self.warm_interval_s <= self.quiet_interval_s:
            raise _value_error(
                ("quiet_interval",), "needs hot_interval <= warm_interval <= quiet_interval"
            )
        return self


class TreatyConfig(_Section):
    """Per-treaty overrides of the entry-into-force rule and the check interval."""

    id: TreatyId
    threshold: Int | None = Field(None, ge=1, le=RuleOverrides.MAX_THRESHOLD)
    delay_days: Int | None = Field(None, ge=0, le=RuleOverrides.MAX_DELAY_DAYS)
    delay_months: Int | None = Field(None, ge=0, le=RuleOverrides.MAX_DELAY_MONTHS)
    counted_kinds: tuple[Kind, ...] | None = Field(None, min_length=1)
    not_counted: tuple[NonEmptyStr, ...] | None = None
    milestones: tuple[Annotated[Int, at.Ge(1)], ...] | None = None
    party_delay_days: Int | None = Field(None, ge=0, le=RuleOverrides.MAX_DELAY_DAYS)
    party_delay_months: Int | None = Field(None, ge=0, le=RuleOverrides.MAX_DELAY_MONTHS)
    party_month_start: bool | None = None
    party_after: Literal["threshold", "entry_into_force"] | None = None
    threshold_fraction: Annotated[str, Field(pattern=r"^\d{1,3}/\d{1,3}$")] | None = None
    parent: TreatyId | None = None
    parent_parties: Int | None = Field(None, ge=1, le=RuleOverrides.MAX_THRESHOLD)
    interval_s: Interval = Field(DEFAULT_INTERVAL_S, alias="interval")

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.delay_days is not None and self.delay_months is not None:
            raise _value_error(
                ("delay_months",), "delay_days and delay_months exclude each other; set only one"
            )
        if self.party_delay_days is not None and self.party_delay_months is not None:
            raise _value_error(
                ("party_delay_months",),
                "party_delay_days and party_delay_months exclude each other; set only one",
            )
        if self.threshold_fraction is not None:
            try:
                parse_fraction(self.threshold_fraction)
            except ValueError as exc:
                raise _value_error(("threshold_fraction",), str(exc)) from None
        if self.threshold is not None:
            for index, count in enumerate(self.milestones or ()):
                if count >= self.threshold:
                    raise _value_error(
                        ("milestones", index),
                        f"expected a count below the threshold ({self.threshold}), got {count}",
                    )
        return self

    @property
    def overrides(self) -> RuleOverrides:
        """The entry-into-force rule parts this config sets."""
        return RuleOverrides(
            threshold=self.threshold,
            delay_days=self.delay_days,
            delay_months=self.delay_months,
            counted_kinds=frozenset(self.counted_kinds) if self.counted_kinds else None,
            not_counted=frozenset(self.not_counted) if self.not_counted else None,
            milestones=self.milestones,
            party_delay_days=self.party_delay_days,
            party_delay_months=self.party_delay_months,
            party_month_start=self.party_month_start,
            party_after=self.party_after,
            threshold_fraction=self.threshold_fraction,
            parent=self.parent,
            parent_parties=self.parent_parties,
        )


class Config(_Section):
    _derived = frozenset({"source"})

    source: SkipJsonSchema[str] = "(built-in defaults)"
    untc: UntcConfig = Field(default_factory=UntcConfig)
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    console: ConsoleConfig = Field(default_factory=ConsoleConfig)
    telegram: TelegramConfig = Field(default_factory=TelegramConfig)
    webhooks: WebhooksConfig = Field(default_factory=WebhooksConfig)
    http: HttpConfig = Field(default_factory=HttpConfig)
    health: HealthConfig = Field(default_factory=HealthConfig)
    service: ServiceConfig = Field(default_factory=ServiceConfig)
    fetch: FetchConfig = Field(default_factory=FetchConfig)
    watch: WatchConfig = Field(default_factory=WatchConfig)
    treaties: tuple[TreatyConfig, ...] = ()

    @classmethod
    def _complete(
        cls, data: dict[str, Any], context: dict[str, Any], environ: Mapping[str, str]
    ) -> dict[str, Any]:
        if "source" in context:
            data["source"] = context["source"]
        return data

    @model_validator(mode="after")
    def _check(self) -> Self:
        seen: set[str] = set()
        for index, treaty in enumerate(self.treaties):
            if treaty.id in seen:
                raise _value_error(("treaties", index, "id"), f"{treaty.id} is configured twice")
            seen.add(treaty.id)
        return self

    def treaty(self, treaty_id: str) -> TreatyConfig | None:
        for treaty in self.treaties:
            if treaty.id == treaty_id:
                return treaty
        return None


# --- loading -------------------------------------------------------------------------------------


def _existing_file(text: str, how: str) -> Path:
    path = Path(text).expanduser()
    if path.is_dir():
        raise ConfigError(f"{path}: is a directory, not a config file ({how})")
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found ({how})")
    return path


def find_config_path(explicit: str | None) -> Path | None:
    """`--config` wins, then `$TREATYBOT_CONFIG`, then `./config.toml`; None if nothing exists."""
    if explicit:
        return _existing_file(explicit, "given with --config")
    env = os.environ.get("TREATYBOT_CONFIG")
    if env:
        return _existing_file(env, "named by $TREATYBOT_CONFIG")
    local = Path("config.toml")
    if local.is_dir():
        raise ConfigError(f"{local}: is a directory, not a config file")
    return local if local.is_file() else None


def load_config(explicit: str | None = None) -> Config:
    path = find_config_path(explicit)
    if path is None:
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc.strerror}") from exc
    return config_from_mapping(data, str(path))


def config_from_mapping(
    data: Mapping[str, Any], source: str, *, environ: Mapping[str, str] | None = None
) -> Config:
    """Validate parsed TOML; secrets are read from `environ` (default: the process environment)."""
    context = {
        "file": True,
        "source": source,
        "environ": os.environ if environ is None else environ,
    }
    try:
        return Config.model_validate(dict(data), context=context, by_alias=True, by_name=False)
    except ValidationError as exc:
        lines = error_lines(exc, Config)
    # Outside the `except`: the pydantic error (which holds the input) is not chained.
    raise ConfigError("\n".join(f"{source}: {line}" for line in lines))
