"""`treatybot schedule`: each watched treaty's tier, why and next due time, from the store."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from tests.bot.helpers import CYBER, scrape, write_config
from tests.fakesite import FakeUNSite


async def test_schedule_lists_a_tracked_treaty_as_hot_and_due_one_hot_interval_after_its_check(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    fake_site.pages["XVIII-16"] = CYBER.encode()
    config = write_config(tmp_path, fake_site.base_url, extra='\n[watch]\nhot_interval = "5m"\n')
    runner = CliRunner()
    assert runner.invoke(main, ["--config", str(config), "track", "XVIII-16"]).exit_code == 0
    await scrape(config, "XVIII-16")

    result = runner.invoke(main, ["--config", str(config), "schedule", "--json"])

    assert result.exit_code == 0, result.output
    [entry] = json.loads(result.stdout)
    assert (entry["id"], entry["tier"], entry["reason"]) == ("XVIII-16", "hot", "tracked by hand")
    due = dt.datetime.fromisoformat(entry["next_due"])
    checked = dt.datetime.fromisoformat(entry["last_checked"])
    assert due - checked == dt.timedelta(minutes=5)


def test_schedule_on_an_empty_database_says_how_to_start_watching(tmp_path: Path) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:9")
    runner = CliRunner()
    (tmp_path / "treatybot.db").touch()

    result = runner.invoke(main, ["--config", str(config), "schedule"])

    assert result.exit_code == 0
    assert "nothing is watched yet" in result.stderr
