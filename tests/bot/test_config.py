"""Config loading: defaults, precedence, and errors that name the file, the key and the fix."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import (
    DEFAULT_INTERVAL_S,
    Config,
    ConfigError,
    UntcConfig,
    config_from_mapping,
    format_duration,
    load_config,
    parse_duration,
)
from scrapers.fetch import FetchPolicy

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "treatybot.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_file_means_built_in_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TREATYBOT_CONFIG", raising=False)
    config = load_config(None)
    assert config == Config()
    assert config.untc.base_url == "https://treaties.un.org"
    assert config.untc.max_concurrency == 2
    assert config.untc.min_interval_s == 1.0
    assert "http" in config.untc.user_agent
    assert config.database.path == "treatybot.db"


def test_shipped_config_toml_is_valid_and_states_the_defaults() -> None:
    config = load_config(str(ROOT / "config.toml"))
    assert config.untc == Config().untc
    assert config.database == Config().database
    assert [t.id for t in config.treaties] == ["XVIII-16"]
    assert config.treaties[0].interval_s == 3600.0


def test_explicit_path_wins_over_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = write(tmp_path, '[database]\npath = "env.db"\n')
    explicit = tmp_path / "explicit.toml"
    explicit.write_text('[database]\npath = "explicit.db"\n')
    monkeypatch.setenv("TREATYBOT_CONFIG", str(env))
    assert load_config(None).database.path == "env.db"
    assert load_config(str(explicit)).database.path == "explicit.db"


def test_unknown_key_names_the_file_and_the_key(tmp_path: Path) -> None:
    path = write(tmp_path, "[untc]\nbase_ulr = 'https://x'\n")
    with pytest.raises(ConfigError) as caught:
        load_config(str(path))
    message = str(caught.value)
    assert str(path) in message
    assert "untc.base_ulr" in message
    assert "base_url" in message  # what was expected


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ("[untc]\nmax_concurrency = 0\n", "untc.max_concurrency", "≥ 1"),
        ("[untc]\nbase_url = 'ftp://x'\n", "untc.base_url", "http(s) URL"),
        ("[untc]\ntimeout_s = 'slow'\n", "untc.timeout_s", "number > 0"),
        ("[[treaties]]\nid = 'XVIII-16'\ninterval = 'often'\n", "treaties[0].interval", "duration"),
        ("[[treaties]]\nid = 'nope'\n", "treaties[0].id", "MTDSG"),
        ("[[treaties]]\nthreshold = 40\n", "treaties[0].id", "missing"),
    ],
)
def test_bad_value_says_which_key_and_what_was_expected(
    tmp_path: Path, text: str, key: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(str(write(tmp_path, text)))
    assert key in str(caught.value)
    assert expected in str(caught.value)


def test_invalid_toml_is_reported_with_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[untc\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(str(path))


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(str(tmp_path / "absent.toml"))


@pytest.mark.parametrize(
    ("text", "seconds"), [("1h", 3600), ("30m", 1800), ("5s", 5), ("2d", 172800)]
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(str(write(tmp_path, text)))
    return str(caught.value)


def treaty(extra: str) -> str:
    return f"[[treaties]]\nid = 'XVIII-16'\n{extra}\n"


def test_fetch_defaults_are_the_fetchers_own() -> None:
    policy_defaults = {f.name: f.default for f in dataclasses.fields(FetchPolicy)}
    untc = UntcConfig()
    for name in ("timeout_s", "max_concurrency", "min_interval_s", "retries"):
        assert (name, getattr(untc, name)) == (name, policy_defaults[name])


def test_a_treaty_without_interval_is_checked_at_the_module_default() -> None:
    config = config_from_mapping({"treaties": [{"id": "XVIII-16"}]}, "t.toml")
    assert config.treaties[0].interval_s == DEFAULT_INTERVAL_S


def test_config_objects_are_frozen() -> None:
    config = Config()
    with pytest.raises(ValidationError):
        config.untc.timeout_s = 1.0  # type: ignore[misc]  # the point: frozen models refuse it


def test_rule_values_at_their_limits_are_accepted(tmp_path: Path) -> None:
    text = (
        treaty("threshold = 10000\ndelay_days = 3650\nmilestones = [1, 9999]\nnot_counted = []")
        + "[[treaties]]\nid = 'IV-11-d'\ndelay_months = 120\n"
    )
    config = load_config(str(write(tmp_path, text)))
    first, second = config.treaties
    assert (first.threshold, first.delay_days, first.milestones) == (10000, 3650, (1, 9999))
    assert first.not_counted == ()
    assert (second.delay_months, second.delay_days) == (120, None)


@pytest.mark.parametrize(
    ("extra", "key", "expected"),
    [
        ("threshold = 0", "treaties[0].threshold", "≥ 1 and ≤ 10000, got 0"),
        ("threshold = 10001", "treaties[0].threshold", "≤ 10000, got 10001"),
        ("threshold = true", "treaties[0].threshold", "whole number"),
        ("delay_days = -1", "treaties[0].delay_days", "≥ 0 and ≤ 3650, got -1"),
        ("delay_days = 3651", "treaties[0].delay_days", "≤ 3650"),
        ("delay_months = 121", "treaties[0].delay_months", "≥ 0 and ≤ 120, got 121"),
        ("delay_days = 90\ndelay_months = 3", "treaties[0].delay_months", "exclude each other"),
        ("counted_kinds = []", "treaties[0].counted_kinds", "non-empty list"),
        ("counted_kinds = ['ratifcation']", "treaties[0].counted_kinds[0]", "ratification, "),
        ("milestones = [0]", "treaties[0].milestones[0]", "≥ 1, got 0"),
        (
            "threshold = 40\nmilestones = [10, 40]",
            "treaties[0].milestones[1]",
            "below the threshold",
        ),
        ("not_counted = ['']", "treaties[0].not_counted[0]", "non-empty string"),
        ("not_counted = [' ']", "treaties[0].not_counted[0]", "non-empty string"),
        ("interval = '0s'", "treaties[0].interval", "longer than zero"),
        ("interval = '-1h'", "treaties[0].interval", "duration"),
        ("interval = 'inf'", "treaties[0].interval", "duration"),
        ("interval = '500ms'", "treaties[0].interval", "at least 1s"),
        ("interval = 3600", "treaties[0].interval", "duration"),
    ],
)
def test_hostile_rule_values_are_refused_where_they_enter(
    tmp_path: Path, extra: str, key: str, expected: str
) -> None:
    message = error_of(tmp_path, treaty(extra))
    assert f"key '{key}'" in message
    assert expected in message


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ("timeout_s = inf", "untc.timeout_s", "finite number > 0, got inf"),
        ("timeout_s = nan", "untc.timeout_s", "finite number > 0, got nan"),
        ("timeout_s = -1", "untc.timeout_s", "expected a number > 0, got -1"),
        ("timeout_s = 0", "untc.timeout_s", "number > 0, got 0"),
        ("timeout_s = '60'", "untc.timeout_s", "number > 0, got '60'"),
        ("min_interval_s = inf", "untc.min_interval_s", "finite number ≥ 0"),
        ("min_interval_s = -0.5", "untc.min_interval_s", "number ≥ 0, got -0.5"),
        ("retries = 11", "untc.retries", "≥ 0 and ≤ 10, got 11"),
        ("retries = -1", "untc.retries", "≥ 0 and ≤ 10, got -1"),
        ("max_concurrency = 17", "untc.max_concurrency", "≥ 1 and ≤ 16, got 17"),
        ("max_concurrency = true", "untc.max_concurrency", "whole number"),
        ("user_agent = ' '", "untc.user_agent", "non-empty string"),
    ],
)
def test_hostile_fetch_values_are_refused(
    tmp_path: Path, text: str, key: str, expected: str
) -> None:
    message = error_of(tmp_path, f"[untc]\n{text}\n")
    assert f"{tmp_path / 'treatybot.toml'}: key '{key}': " in message
    assert expected in message


def test_error_message_has_the_file_key_expected_and_got_form(tmp_path: Path) -> None:
    path = write(tmp_path, "[untc]\ntimeout_s = -1\n")
    with pytest.raises(ConfigError) as caught:
        load_config(str(path))
    assert str(caught.value) == f"{path}: key 'untc.timeout_s': expected a number > 0, got -1"


def test_every_error_is_reported_one_per_line(tmp_path: Path) -> None:
    message = error_of(tmp_path, "[untc]\nretries = 11\n[http]\nport = -1\n")
    lines = message.splitlines()
    assert [("untc.retries" in lines[0]), ("http.port" in lines[1]), len(lines)] == [True, True, 2]


@pytest.mark.parametrize(
    ("text", "unknown", "allowed"),
    [
        ("[untc]\nfoo = 1\n", "untc.foo", "base_url, max_concurrency, min_interval_s"),
        (
            "foo = 1\n",
            "foo",
            "console, database, fetch, health, http, service, telegram, treaties, untc, watch",
        ),
        (treaty("interval_s = '1h'"), "treaties[0].interval_s", "interval, milestones"),
        ("[[telegram.channels]]\nchat_id = 1\nfoo = 2\n", "telegram.channels[0].foo", "chat_id"),
        ("[telegram]\ntoken = 'x'\n", "telegram.token", "token_env"),
    ],
)
def test_unknown_keys_are_errors_that_list_the_known_ones(
    tmp_path: Path, text: str, unknown: str, allowed: str
) -> None:
    message = error_of(tmp_path, text)
    assert f"unknown key '{unknown}'; expected one of: " in message
    assert allowed in message


def test_treaty_id_is_stripped_then_matched_in_full(tmp_path: Path) -> None:
    config = config_from_mapping({"treaties": [{"id": " XVIII-16\n"}]}, "t.toml")
    assert config.treaties[0].id == "XVIII-16"
    message = error_of(tmp_path, '[[treaties]]\nid = "XVIII-16\\nXX"\n')
    assert "key 'treaties[0].id'" in message
    assert "MTDSG" in message


def test_a_treaty_configured_twice_is_an_error(tmp_path: Path) -> None:
    message = error_of(tmp_path, "[[treaties]]\nid = 'XVIII-16'\n[[treaties]]\nid = ' XVIII-16'\n")
    assert "key 'treaties[1].id': XVIII-16 is configured twice" in message


@pytest.mark.parametrize("how", ["explicit", "environment"])
def test_a_config_path_that_is_a_directory_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    if how == "environment":
        monkeypatch.setenv("TREATYBOT_CONFIG", str(tmp_path))
    with pytest.raises(ConfigError, match="is a directory, not a config file"):
        load_config(str(tmp_path) if how == "explicit" else None)


def test_tilde_in_the_config_path_is_the_home_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    write(tmp_path, '[database]\npath = "~/data/treatybot.db"\n')
    config = load_config("~/treatybot.toml")
    assert config.source == str(tmp_path / "treatybot.toml")
    assert config.database.path == str(tmp_path / "data" / "treatybot.db")


@pytest.mark.parametrize("text", ["0s", "-1h", "inf", "1e3s", "", "5", "1h30m", "nan"])
def test_durations_refuse_zero_negative_infinite_and_malformed(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


@pytest.mark.parametrize("seconds", [0.5, 1.0, 90.0, 3600.0, 86400.0, 5 * 86400.0, 1.25])
def test_formatted_durations_read_back_the_same(seconds: float) -> None:
    assert parse_duration(format_duration(seconds)) == seconds
