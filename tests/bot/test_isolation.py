"""One treaty's unexpected failure never stops the others (a real CLI process, a real site)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.bot.helpers import CYBER, PAGES, run_cli, write_config
from tests.fakesite import FakeUNSite


async def test_an_unexpected_error_in_one_treaty_is_recorded_and_the_sweep_goes_on(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    fake_site.pages["XVIII-16"] = CYBER.encode()
    fake_site.pages["XVIII-5"] = (PAGES / "xviii-5-old-prefix.html").read_bytes()
    fake_site.pages["XXVII-7-a"] = (PAGES / "xxvii-7-a-kyoto-withdrawn.html").read_bytes()
    config = write_config(tmp_path, fake_site.base_url)
    assert (await run_cli(config, "track", "XVIII-16", "XVIII-5", "XXVII-7-a")).code == 0
    # A damaged row (as a bad manual edit or a disk fault would leave it): reading the treaty's
    # stored rule raises while checking it — an error no check was written to expect.
    with sqlite3.connect(tmp_path / "treatybot.db") as conn:
        conn.execute("UPDATE treaties SET rule = '{not json' WHERE id = 'XVIII-5'")

    sweep = await run_cli(config, "scrape", "--all", "--json")

    assert sweep.code == 1, sweep.stderr
    outcomes = {line["treaty"]: line["outcome"] for line in sweep.json_array()}
    assert outcomes == {"XVIII-16": "baseline", "XVIII-5": "failed", "XXVII-7-a": "baseline"}
    [failed] = [line for line in sweep.json_array() if line["treaty"] == "XVIII-5"]
    assert failed["error"].startswith("internal error: JSONDecodeError")
    assert "Traceback" in sweep.stderr  # logged with its traceback for the maintainer
    with sqlite3.connect(tmp_path / "treatybot.db") as conn:
        saved = conn.execute("SELECT DISTINCT treaty_id FROM participants ORDER BY 1").fetchall()
    assert saved == [("XVIII-16",), ("XXVII-7-a",)]

    listing = await run_cli(config, "treaties", "--json")
    health = {row["id"]: row for row in listing.json_array()}
    assert health["XVIII-5"]["last_error"].startswith("internal error: JSONDecodeError")
    assert health["XVIII-5"]["consecutive_failures"] == 1
    table = await run_cli(config, "treaties")
    [line] = [row for row in table.stdout.splitlines() if row.startswith("XVIII-5 ")]
    assert "1 failure: internal error: JSONDecodeError" in line
