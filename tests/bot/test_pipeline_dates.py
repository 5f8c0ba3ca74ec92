"""Counting through the real pipeline: running counts of a backfill, and a computed entry into
force arriving on a page that no longer changes."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from bot import operations
from bot.app import open_app
from bot.config import load_config
from bot.pipeline import CheckResult
from store.thresholds import RuleOverrides
from tests.bot.helpers import CYBER, ratify, with_app, write_config
from tests.fakesite import FakeUNSite


async def check_on(config: Path, day: dt.datetime, **options: object) -> CheckResult:
    async with open_app(load_config(str(config)), clock=lambda: day) as app:
        [result] = await operations.scrape(app, ["XVIII-16"], **options)  # type: ignore[arg-type]
    return result


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return list(conn.execute(sql))


async def test_an_announced_backfill_carries_running_counts(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    page = ratify(ratify(CYBER, "France", "12 Mar 2026"), "Ghana", "1 Apr 2026")
    fake_site.pages["XVIII-16"] = page.encode()
    config = write_config(tmp_path, fake_site.base_url)

    result = await check_on(config, dt.datetime(2026, 4, 2, tzinfo=dt.UTC), announce=True)

    consents = [e for e in result.events if e.type == "treaty.consent"]
    assert [
        (e.participant.name if e.participant else "", e.counts.qualifying) for e in consents
    ] == [
        ("France", 1),
        ("Ghana", 2),
    ]
    assert [e.counts.remaining for e in consents] == [39, 38]


async def test_a_computed_entry_into_force_fires_on_its_day_on_an_unchanged_page_then_rests(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    fake_site.pages["XVIII-16"] = CYBER.encode()
    config = write_config(tmp_path, fake_site.base_url)
    db = tmp_path / "treatybot.db"
    with with_app(config) as app:
        operations.track(app, ["XVIII-16"], RuleOverrides(threshold=2, delay_days=10))
    await check_on(config, dt.datetime(2026, 3, 1, tzinfo=dt.UTC))  # baseline
    fake_site.pages["XVIII-16"] = ratify(
        ratify(CYBER, "France", "12 Mar 2026"), "Ghana", "13 Mar 2026"
    ).encode()
    reached = await check_on(config, dt.datetime(2026, 3, 14, tzinfo=dt.UTC))
    assert "treaty.threshold_reached" in [e.type for e in reached.events]
    assert rows(db, "SELECT projected_eif FROM treaties") == [("2026-03-23",)]

    before = await check_on(config, dt.datetime(2026, 3, 22, 23, 59, tzinfo=dt.UTC))
    assert (before.outcome, before.events) == ("unchanged", ())

    on_the_day = await check_on(config, dt.datetime(2026, 3, 23, 0, 1, tzinfo=dt.UTC))

    assert on_the_day.outcome == "changed"
    [event] = on_the_day.events
    assert (event.type, event.entry_into_force_date) == (
        "treaty.entry_into_force",
        dt.date(2026, 3, 23),
    )
    assert rows(db, "SELECT outcome, events FROM checks ORDER BY id DESC LIMIT 1") == [
        ("changed", 1)
    ]
    assert rows(db, "SELECT projected_eif FROM treaties") == [(None,)]  # later checks stay cheap

    after = await check_on(config, dt.datetime(2026, 3, 24, tzinfo=dt.UTC))
    assert (after.outcome, after.events) == ("unchanged", ())
    assert rows(db, "SELECT count(*) FROM events WHERE type = 'treaty.entry_into_force'") == [(1,)]
