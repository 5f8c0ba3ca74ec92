"""`treatybot config check` shows every setting and where it came from, never a secret."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from tests.bot.helpers import write_config


def test_config_check_shows_sources_and_hides_the_token(tmp_path: Path) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:9", extra="[console]\nenabled = false\n")
    env = {"TELEGRAM_BOT_TOKEN": "123456:secret-token-value"}
    result = CliRunner().invoke(
        main, ["--config", str(config), "config", "check", "--json"], env=env
    )
    assert result.exit_code == 0, result.output
    assert "secret-token-value" not in result.output
    data = json.loads(result.output)
    settings = {s["key"]: (s["value"], s["source"]) for s in data["settings"]}
    assert settings["console.enabled"] == (False, "file")
    assert settings["http.port"] == (0, "file")
    assert settings["http.host"] == ("127.0.0.1", "default")
    assert settings["telegram.token"] == ("***", "environment")
    text = CliRunner().invoke(main, ["--config", str(config), "config", "check"], env=env)
    assert "secret-token-value" not in text.output
    assert text.output.startswith(f"configuration: {config} (valid)")


def test_config_check_of_a_bad_file_names_the_key_and_exits_1(tmp_path: Path) -> None:
    config = write_config(
        tmp_path, "http://127.0.0.1:9", extra="[service]\nshutdown_timeout_s = -1\n"
    )
    result = CliRunner().invoke(main, ["--config", str(config), "config", "check"])
    assert result.exit_code == 1
    assert "service.shutdown_timeout_s" in result.output
