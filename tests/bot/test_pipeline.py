"""Checks end to end through the real pipeline: fake UN site → fetch → parse → diff → SQLite."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database

from bot import operations
from store import snapshots
from tests.bot.helpers import (
    CYBER,
    PAGES,
    scrape,
    with_app,
    with_france_ratifying,
    without_france,
    write_config,
)
from tests.fakesite import FakeUNSite, Reply
from tests.untc_pages import truncate


def table(db_path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db_path) as conn:
        return list(conn.execute(sql))


async def test_a_new_ratification_becomes_one_consent_event_with_counts(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    fake_site.pages["XVIII-16"] = CYBER.encode()
    config = write_config(tmp_path, fake_site.base_url)
    [baseline] = await scrape(config, "XVIII-16")
    assert (baseline.outcome, baseline.events) == ("baseline", ())

    fake_site.pages["XVIII-16"] = with_france_ratifying(CYBER).encode()
    [changed] = await scrape(config, "XVIII-16")

    assert changed.outcome == "changed"
    [event] = [e.to_json() for e in changed.events]
    assert event["type"] == "treaty.consent"
    assert event["detected_at"] == "2026-03-12T14:05:09Z"
    assert event["treaty"]["id"] == "XVIII-16"
    assert event["treaty"]["title"] == "United Nations Convention against Cybercrime"
    assert event["participant"] == {"name": "France", "code": "FR", "flag": "🇫🇷"}
    assert event["action"] == {"kind": "ratification", "date": "2026-03-12"}
    assert event["counts"]["qualifying"] == 1
    assert event["counts"]["threshold"] == 40
    assert event["counts"]["remaining"] == 39
    assert event["entry_into_force"] == {"date": None}
    stored = table(tmp_path / "treatybot.db", "SELECT json FROM events")
    assert [json.loads(str(row[0])) for row in stored] == [event]

    [again] = await scrape(config, "XVIII-16")
    assert (again.outcome, again.events) == ("unchanged", ())


async def test_failures_and_quarantine_never_touch_the_snapshot_nor_create_events(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    fake_site.etags = True
    fake_site.pages["XVIII-16"] = CYBER.encode()
    config = write_config(tmp_path, fake_site.base_url, retries=0)
    db_path = tmp_path / "treatybot.db"
    [baseline] = await scrape(config, "XVIII-16")
    assert baseline.outcome == "baseline"
    snapshot_before = table(db_path, "SELECT * FROM participants ORDER BY position")
    assert len(snapshot_before) == 31

    maintenance = (PAGES / "broken" / "maintenance.html").read_bytes()
    fake_site.script(
        "XVIII-16",
        Reply(body=maintenance),
        Reply(status=500),
        Reply(body=truncate(CYBER, 0.7).encode()),
        Reply(body=without_france(CYBER).encode()),
        Reply(status=429, headers={"Retry-After": "0"}),
    )
    outcomes = []
    for _ in range(5):
        [result] = await scrape(config, "XVIII-16")
        outcomes.append((result.outcome, result.error or ""))
    [not_modified] = await scrape(config, "XVIII-16")

    assert [o for o, _ in outcomes] == ["failed", "failed", "failed", "quarantined", "failed"]
    assert "maintenance" in outcomes[0][1]
    assert "HTTP 500" in outcomes[1][1]
    assert "page truncated" in outcomes[2][1]
    assert "France" in outcomes[3][1] and "vanished" in outcomes[3][1]
    assert "HTTP 429" in outcomes[4][1]
    assert not_modified.outcome == "unchanged"
    assert fake_site.log[-1].status == 304
    assert table(db_path, "SELECT count(*) FROM events") == [(0,)]
    assert table(db_path, "SELECT * FROM participants ORDER BY position") == snapshot_before
    checks = table(db_path, "SELECT outcome, error FROM checks ORDER BY id")
    assert [c[0] for c in checks] == [
        "baseline",
        "failed",
        "failed",
        "failed",
        "quarantined",
        "failed",
        "unchanged",
    ]
    assert all(c[1] for c in checks[1:6])  # every failure says why
    health = table(db_path, "SELECT consecutive_failures, last_error FROM treaties")
    assert health == [(0, None)]  # the 304 after them was a success


async def test_quarantine_persists_until_accept_rebaselines_without_events(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    fake_site.pages["XVIII-16"] = CYBER.encode()
    config = write_config(tmp_path, fake_site.base_url)
    await scrape(config, "XVIII-16")
    fake_site.pages["XVIII-16"] = without_france(CYBER).encode()

    first = await scrape(config, "XVIII-16")
    second = await scrape(config, "XVIII-16")

    assert [r[0].outcome for r in (first, second)] == ["quarantined", "quarantined"]
    with with_app(config) as app:
        reason = operations.accept(app, "XVIII-16")
    assert "France" in reason
    [after] = await scrape(config, "XVIII-16")
    assert (after.outcome, after.events) == ("unchanged", ())
    db_path = tmp_path / "treatybot.db"
    assert table(db_path, "SELECT count(*) FROM events") == [(0,)]
    assert table(db_path, "SELECT count(*) FROM participants") == [(30,)]
    with pytest.raises(LookupError), with_app(config) as app:
        operations.accept(app, "XVIII-16")


async def test_accept_takes_the_title_of_the_accepted_page(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    fake_site.pages["XVIII-16"] = CYBER.encode()
    config = write_config(tmp_path, fake_site.base_url)
    await scrape(config, "XVIII-16")
    renamed = without_france(CYBER).replace(
        "16. United Nations Convention against Cybercrime;", "16. Convention against Cybercrime;"
    )
    fake_site.pages["XVIII-16"] = renamed.encode()
    [held] = await scrape(config, "XVIII-16")
    assert held.outcome == "quarantined"

    with with_app(config) as app:
        operations.accept(app, "XVIII-16")

    [(title,)] = table(tmp_path / "treatybot.db", "SELECT title FROM treaties")
    assert str(title).startswith("Convention against Cybercrime;")


async def test_crash_between_snapshot_write_and_commit_leaves_nothing_then_rerun_once(
    fake_site: FakeUNSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_site.pages["XVIII-16"] = CYBER.encode()
    config = write_config(tmp_path, fake_site.base_url)
    db_path = tmp_path / "treatybot.db"
    await scrape(config, "XVIII-16")
    snapshot_before = table(db_path, "SELECT * FROM participants ORDER BY position")
    fake_site.pages["XVIII-16"] = with_france_ratifying(CYBER).encode()

    real_insert = snapshots.insert_events

    seen_inside: list[str] = []

    def crash_after_snapshot_write(db: Database, *args: object, **kwargs: object) -> object:
        # Read through the transaction's own connection: France's new row is written, not
        # yet committed (another connection could not tell).
        [(actions,)] = db.execute("SELECT actions FROM participants WHERE name = 'France'")
        seen_inside.append(str(actions))
        raise RuntimeError("simulated crash before commit")

    monkeypatch.setattr(snapshots, "insert_events", crash_after_snapshot_write)
    [crashed] = await scrape(config, "XVIII-16")
    assert (crashed.outcome, crashed.events) == ("failed", ())
    assert crashed.error == "internal error: RuntimeError: simulated crash before commit"
    assert len(seen_inside) == 1
    assert "2026-03-12" in seen_inside[0]
    assert table(db_path, "SELECT count(*) FROM events") == [(0,)]
    assert table(db_path, "SELECT * FROM participants ORDER BY position") == snapshot_before

    monkeypatch.setattr(snapshots, "insert_events", real_insert)
    [rerun] = await scrape(config, "XVIII-16")
    [rerun_again] = await scrape(config, "XVIII-16")

    assert rerun.outcome == "changed"
    assert [e.type for e in rerun.events] == ["treaty.consent"]
    assert rerun_again.outcome == "unchanged"
    assert table(db_path, "SELECT count(*), min(type) FROM events") == [(1, "treaty.consent")]
    france = table(db_path, "SELECT actions FROM participants WHERE name = 'France'")
    assert "2026-03-12" in str(france[0][0])


async def test_dry_run_computes_events_and_writes_nothing(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    fake_site.pages["XVIII-16"] = CYBER.encode()
    config = write_config(tmp_path, fake_site.base_url)
    await scrape(config, "XVIII-16")
    fake_site.pages["XVIII-16"] = with_france_ratifying(CYBER).encode()
    db_path = tmp_path / "treatybot.db"
    before = table(db_path, "SELECT * FROM participants ORDER BY position")

    [dry] = await scrape(config, "XVIII-16", dry_run=True)

    assert [e.type for e in dry.events] == ["treaty.consent"]
    assert table(db_path, "SELECT count(*) FROM events") == [(0,)]
    assert table(db_path, "SELECT * FROM participants ORDER BY position") == before
