"""Config loading: defaults, precedence, and errors that name the file, the key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Config, ConfigError, load_config, parse_duration

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
