"""Config sections for delivery: console, Telegram, webhooks, HTTP, health, service; secrets from
the environment that never show; and the effective settings behind `treatybot config check`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.config import (
    Config,
    ConfigError,
    config_from_mapping,
    effective_settings,
    load_config,
)

ROOT = Path(__file__).resolve().parents[2]
# Standard Webhooks' known-answer secret (docs/channels.md): base64 of 24 bytes.
WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
ENDPOINT = "[[webhooks.endpoints]]\nurl = 'https://hooks.example.org/a'\nsecret_env = 'WH_A'\n"


def load(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "treatybot.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(str(path))


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    return str(caught.value)


@pytest.fixture(autouse=True)
def _no_secrets_from_the_host(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "WH_A", "WH_B", "KEY", "HS"):
        monkeypatch.delenv(name, raising=False)


def test_new_sections_default_as_documented() -> None:
    config = Config()
    assert (config.database.keep_days, config.console.enabled) == (90, True)
    telegram = config.telegram
    assert (telegram.token_env, telegram.token, telegram.webhook_url) == (
        "TELEGRAM_BOT_TOKEN",
        None,
        None,
    )
    assert telegram.api_base_url == "https://api.telegram.org"
    assert (telegram.global_rate_per_s, telegram.per_chat_interval_s) == (25.0, 1.0)
    assert (telegram.group_per_minute, telegram.max_subscriptions_per_chat) == (20, 50)
    assert (telegram.admin_chat_ids, telegram.channels, telegram.allow_user_tracking) == (
        (),
        (),
        True,
    )
    hooks = config.webhooks
    assert hooks.retry_schedule_s == (5, 300, 1800, 7200, 18000, 36000, 36000)
    assert (hooks.timeout_s, hooks.max_concurrency, hooks.per_endpoint_concurrency) == (15, 16, 2)
    assert (hooks.disable_after_s, hooks.rotation_grace_s) == (5 * 86400, 86400)
    assert (hooks.allow_private_targets, hooks.allow_http, hooks.secret_key) == (False, False, None)
    assert (config.http.host, config.http.port) == ("127.0.0.1", 8080)
    assert (config.health.failures_before_alert, config.health.max_outbox_lag_s) == (3, 600)
    assert config.service.shutdown_timeout_s == 10


def test_shipped_config_toml_states_the_defaults_of_every_section() -> None:
    shipped = load_config(str(ROOT / "config.toml"))
    defaults = Config()
    for section in ("untc", "database", "console", "telegram", "webhooks", "http", "health"):
        assert (section, getattr(shipped, section)) == (section, getattr(defaults, section))
    assert shipped.service == defaults.service


def test_shipped_config_toml_documents_every_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WH_A", WHSEC)
    full = config_from_mapping(
        {
            "treaties": [{"id": "XVIII-16"}],
            "telegram": {"channels": [{"chat_id": "@treaty_alerts"}]},
            "webhooks": {"endpoints": [{"url": "https://x.example", "secret_env": "WH_A"}]},
        },
        "t.toml",
    )
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    secrets = {"token", "webhook_secret", "secret", "secret_key"}
    leaves = {s.key.rsplit(".", 1)[-1] for s in effective_settings(full)} - secrets
    undocumented = [k for k in sorted(leaves) if not re.search(rf"^(# )?{k} = ", text, re.M)]
    assert undocumented == []


def test_telegram_token_is_read_from_the_named_variable_at_load_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MY_BOT", "123456:AAH-token")
    config = load(tmp_path, "[telegram]\ntoken_env = 'MY_BOT'\n")
    monkeypatch.setenv("MY_BOT", "changed later")
    assert config.telegram.token is not None
    assert config.telegram.token.get_secret_value() == "123456:AAH-token"


@pytest.mark.parametrize("value", [None, "", "   "])
def test_telegram_token_unset_or_empty_is_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is not None:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", value)
    assert load(tmp_path, "").telegram.token is None


def test_telegram_channels_take_a_name_or_a_chat_id_and_treaty_ids(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        "[telegram]\nadmin_chat_ids = [42]\n"
        "[[telegram.channels]]\nchat_id = '@treaty_alerts'\ntreaties = ['XVIII-16']\n"
        "[[telegram.channels]]\nchat_id = -1001234567890\n",
    )
    first, second = config.telegram.channels
    assert (first.chat_id, first.treaties) == ("@treaty_alerts", ("XVIII-16",))
    assert (second.chat_id, second.treaties) == (-1001234567890, ())
    assert config.telegram.admin_chat_ids == (42,)


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ("global_rate_per_s = 0", "telegram.global_rate_per_s", "number > 0"),
        ("per_chat_interval_s = -1", "telegram.per_chat_interval_s", "number ≥ 0"),
        ("group_per_minute = 0", "telegram.group_per_minute", "≥ 1"),
        ("max_subscriptions_per_chat = 0", "telegram.max_subscriptions_per_chat", "≥ 1"),
        ("admin_chat_ids = ['42']", "telegram.admin_chat_ids[0]", "whole number"),
        ("allow_user_tracking = 'yes'", "telegram.allow_user_tracking", "true or false"),
        ("token_env = 'not a name'", "telegram.token_env", "environment variable name"),
        ("api_base_url = 'telegram'", "telegram.api_base_url", "http(s) URL"),
        ("webhook_url = 'http://bot.example.org/t'", "telegram.webhook_url", "https URL"),
        ("webhook_url = 'https://bot.example.org/t'", "telegram.webhook_secret_env", "not set"),
        ("[[telegram.channels]]\nchat_id = 'alerts'", "telegram.channels[0].chat_id", "@channel"),
        (
            "[[telegram.channels]]\nchat_id = 1\ntreaties = ['nope']",
            "telegram.channels[0].treaties[0]",
            "MTDSG",
        ),
        (
            "[[telegram.channels]]\nchat_id = 1\n[[telegram.channels]]\nchat_id = 1",
            "telegram.channels[1].chat_id",
            "configured twice",
        ),
    ],
)
def test_bad_telegram_values_are_refused(
    tmp_path: Path, text: str, key: str, expected: str
) -> None:
    message = error_of(tmp_path, f"[telegram]\n{text}\n")
    assert f"key '{key}'" in message
    assert expected in message


def test_telegram_webhook_secret_must_be_a_valid_secret_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = "[telegram]\nwebhook_url = 'https://bot.example.org/t'\n"
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "has spaces in it")
    message = error_of(tmp_path, text)
    assert "key 'telegram.webhook_secret_env'" in message
    assert "has spaces" not in message
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "s3cret_token-1")
    secret = load(tmp_path, text).telegram.webhook_secret
    assert secret is not None
    assert secret.get_secret_value() == "s3cret_token-1"


def test_webhook_endpoints_read_their_secret_and_filters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WH_A", WHSEC)
    config = load(
        tmp_path,
        "[webhooks]\nretry_schedule = ['1s', '2m']\ndisable_after = '1d'\n"
        "rotation_grace = '30m'\n"
        + ENDPOINT
        + "types = ['treaty.consent']\ntreaties = ['XVIII-16']\ncountries = ['fr', 'EU']\n"
        "description = 'Partner A'\n",
    )
    hooks = config.webhooks
    assert (hooks.retry_schedule_s, hooks.disable_after_s, hooks.rotation_grace_s) == (
        (1.0, 120.0),
        86400.0,
        1800.0,
    )
    (endpoint,) = hooks.endpoints
    assert endpoint.secret is not None
    assert endpoint.secret.get_secret_value() == WHSEC
    assert (endpoint.url, endpoint.types, endpoint.treaties, endpoint.countries) == (
        "https://hooks.example.org/a",
        ("treaty.consent",),
        ("XVIII-16",),
        ("FR", "EU"),
    )
    assert endpoint.description == "Partner A"


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ("[[webhooks.endpoints]]\nurl = 'https://x.example'", "secret_env", "missing"),
        (ENDPOINT.replace("WH_A", "WH_B"), "webhooks.endpoints[0].secret_env", "WH_B is not set"),
        (ENDPOINT.replace("https:", "http:"), "webhooks.endpoints[0].url", "allow_http"),
        (ENDPOINT.replace("https://", "https://u:p@"), "webhooks.endpoints[0].url", "credentials"),
        (ENDPOINT.replace("https:", "ftp:"), "webhooks.endpoints[0].url", "http(s) URL"),
        (ENDPOINT + ENDPOINT, "webhooks.endpoints[1].url", "configured twice"),
        (ENDPOINT + "types = ['signature']", "webhooks.endpoints[0].types[0]", "treaty.consent"),
        (ENDPOINT + "treaties = ['XVIII-16 ; x']", "webhooks.endpoints[0].treaties[0]", "MTDSG"),
        (ENDPOINT + "countries = ['XX']", "webhooks.endpoints[0].countries[0]", "ISO 3166"),
        (ENDPOINT + "countries = ['FRA']", "webhooks.endpoints[0].countries[0]", "alpha-2"),
        ("[webhooks]\nretry_schedule = []", "webhooks.retry_schedule", "non-empty list"),
        ("[webhooks]\nretry_schedule = ['5s', '0s']", "webhooks.retry_schedule[1]", "zero"),
        ("[webhooks]\ndisable_after = 'never'", "webhooks.disable_after", "duration"),
        ("[webhooks]\ntimeout_s = 0", "webhooks.timeout_s", "number > 0"),
        ("[webhooks]\nper_endpoint_concurrency = 17", "per_endpoint_concurrency", "at most"),
        ("[webhooks]\nsecret_key_env = 'KEY'", "webhooks.secret_key_env", "KEY is not set"),
        ("[http]\nport = -1", "http.port", "≥ 0 and ≤ 65535, got -1"),
        ("[http]\nport = 65536", "http.port", "≤ 65535"),
        ("[http]\nhost = ''", "http.host", "non-empty string"),
        ("[database]\nkeep_days = 0", "database.keep_days", "≥ 1"),
        ("[console]\nenabled = 1", "console.enabled", "true or false"),
        ("[health]\nfailures_before_alert = 0", "health.failures_before_alert", "≥ 1"),
        ("[health]\nmax_outbox_lag = '0s'", "health.max_outbox_lag", "zero"),
        ("[health]\nwebhook_url = 'hook'", "health.webhook_url", "http(s) URL"),
        ("[health]\nwebhook_secret_env = 'HS'", "health.webhook_secret_env", "HS is not set"),
        ("[service]\nshutdown_timeout_s = inf", "service.shutdown_timeout_s", "finite"),
        ("[service]\nshutdown_timeout_s = 0", "service.shutdown_timeout_s", "number > 0"),
    ],
)
def test_bad_delivery_values_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, key: str, expected: str
) -> None:
    monkeypatch.setenv("WH_A", WHSEC)
    message = error_of(tmp_path, text + "\n")
    assert key in message
    assert expected in message


def test_a_malformed_webhook_secret_is_refused_without_showing_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WH_A", "whsec_tooshort")
    message = error_of(tmp_path, ENDPOINT)
    assert "key 'webhooks.endpoints[0].secret_env'" in message
    assert "Standard Webhooks secret" in message
    assert "tooshort" not in message


def test_http_endpoints_and_private_targets_only_when_allowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WH_A", WHSEC)
    text = "[webhooks]\nallow_http = true\nallow_private_targets = true\n" + ENDPOINT.replace(
        "https://hooks.example.org", "http://127.0.0.1:8099"
    )
    hooks = load(tmp_path, text).webhooks
    assert (hooks.allow_http, hooks.allow_private_targets) == (True, True)
    assert hooks.endpoints[0].url == "http://127.0.0.1:8099/a"


def test_health_and_service_sections_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HS", "health-signing-key")
    config = load(
        tmp_path,
        "[health]\nfailures_before_alert = 5\nmax_outbox_lag = '2m'\n"
        "webhook_url = 'https://ops.example.org/h'\nwebhook_secret_env = 'HS'\n"
        "[service]\nshutdown_timeout_s = 2.5\n[http]\nhost = '0.0.0.0'\nport = 9000\n"
        "[console]\nenabled = false\n[database]\nkeep_days = 7\n",
    )
    health = config.health
    assert (health.failures_before_alert, health.max_outbox_lag_s) == (5, 120.0)
    assert health.webhook_url == "https://ops.example.org/h"
    assert health.webhook_secret is not None
    assert health.webhook_secret.get_secret_value() == "health-signing-key"
    assert (config.service.shutdown_timeout_s, config.http.host, config.http.port) == (
        2.5,
        "0.0.0.0",
        9000,
    )
    assert (config.console.enabled, config.database.keep_days) == (False, 7)


SECRETS = {
    "TELEGRAM_BOT_TOKEN": "123456:AAHtelegram-token-value",
    "TELEGRAM_WEBHOOK_SECRET": "tg-webhook-secret-value",
    "WH_A": WHSEC,
    "KEY": "at-rest-encryption-key-value",
    "HS": "health-secret-value",
}
ALL_SECRETS_TOML = (
    "[telegram]\nwebhook_url = 'https://bot.example.org/t'\n"
    "[webhooks]\nsecret_key_env = 'KEY'\n" + ENDPOINT + "[health]\nwebhook_secret_env = 'HS'\n"
)


def test_secrets_never_show_in_repr_str_dumps_or_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    config = load(tmp_path, ALL_SECRETS_TOML)
    shown = [
        repr(config),
        str(config),
        config.model_dump_json(),
        json.dumps([setting.to_json() for setting in effective_settings(config)]),
    ]
    leaked = [(name, i) for name, v in SECRETS.items() for i, text in enumerate(shown) if v in text]
    assert leaked == []
    # …and yet they are there for the code that needs them.
    assert config.webhooks.secret_key is not None
    assert config.webhooks.secret_key.get_secret_value() == SECRETS["KEY"]


def test_effective_settings_say_where_each_value_came_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    config = load(tmp_path, ALL_SECRETS_TOML + "[[treaties]]\nid = 'XVIII-16'\ninterval = '30m'\n")
    settings = {s.key: (s.value, s.source) for s in effective_settings(config)}
    assert settings["telegram.token"] == ("***", "environment")
    assert settings["telegram.webhook_secret"] == ("***", "environment")
    assert settings["webhooks.endpoints[0].secret"] == ("***", "environment")
    assert settings["webhooks.secret_key"] == ("***", "environment")
    assert settings["health.webhook_secret"] == ("***", "environment")
    assert settings["webhooks.secret_key_env"] == ("KEY", "file")
    assert settings["webhooks.endpoints[0].url"] == ("https://hooks.example.org/a", "file")
    assert settings["webhooks.endpoints[0].types"] == ([], "default")
    assert settings["treaties[0].interval"] == ("30m", "file")
    assert settings["treaties[0].threshold"] == (None, "default")
    assert settings["untc.timeout_s"] == (60.0, "default")
    assert settings["webhooks.retry_schedule"] == (
        ["5s", "5m", "30m", "2h", "5h", "10h", "10h"],
        "default",
    )
    assert settings["telegram.channels"] == ([], "default")
    assert "source" not in settings


def test_absent_secrets_are_null_in_the_settings() -> None:
    settings = {s.key: (s.value, s.source) for s in effective_settings(Config())}
    assert settings["telegram.token"] == (None, "default")
    assert settings["webhooks.secret_key"] == (None, "default")


def test_json_schema_describes_the_file_not_the_secrets() -> None:
    schema = Config.model_json_schema(by_alias=True)
    defs = schema["$defs"]
    telegram = defs["TelegramConfig"]["properties"]
    assert "token_env" in telegram
    assert "token" not in telegram
    assert "secret" not in defs["WebhookEndpoint"]["properties"]
    assert "source" not in schema["properties"]
    assert defs["TreatyConfig"]["properties"]["interval"]["type"] == "string"
    assert defs["TreatyConfig"]["additionalProperties"] is False
