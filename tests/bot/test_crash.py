"""A process killed inside the save transaction loses nothing and duplicates nothing.

The child process writes a baseline, then saves a changed observation whose outbox router kills
the process (os._exit) after the snapshot rows and the event are written but before COMMIT.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

from scrapers.parse import parse_status_page
from store import snapshots
from store.db import connect, upgrade
from store.diff import compare
from store.thresholds import rule_from_text
from tests.bot.helpers import CYBER, NOW, PAGES, with_france_ratifying

ROOT = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent(
    """
    import datetime as dt, os, sys
    sys.path.insert(0, {root!r})
    from scrapers.parse import parse_status_page
    from store import snapshots
    from store.db import connect, upgrade
    from store.diff import compare
    from store.thresholds import rule_from_text
    db = connect({db!r}); upgrade(db)
    now = dt.datetime(2026, 3, 12, 14, 5, 9, tzinfo=dt.UTC)
    before = parse_status_page(open({before!r}, "rb").read(), "XVIII-16", "u")
    after = parse_status_page(open({after!r}, "rb").read(), "XVIII-16", "u")
    rule = rule_from_text(after.entry_into_force_text)
    snapshots.save_observation(db, before, [], outcome="baseline", now=now, fingerprint=None,
                               etag=None, last_modified=None, qualifying=0)
    result = compare(before, after, rule, now)
    assert [e.type for e in result.events] == ["treaty.consent"]

    def die(db, event):
        assert db.execute("SELECT count(*) FROM events").fetchone()[0] == 1  # written, uncommitted
        os._exit(9)

    snapshots.save_observation(db, after, result.events, outcome="changed", now=now,
                               fingerprint=None, etag=None, last_modified=None, qualifying=1,
                               previous=before, route=die)
    """
)


def test_kill_between_snapshot_write_and_commit_then_rerun_stores_each_event_once(
    tmp_path: Path,
) -> None:
    db_path = tmp_path / "crash.db"
    before_page = PAGES / "xviii-16-2025-11.html"
    after_page = tmp_path / "after.html"
    after_page.write_text(with_france_ratifying(CYBER), encoding="utf-8")
    script = CHILD.format(
        root=str(ROOT), db=str(db_path), before=str(before_page), after=str(after_page)
    )

    child = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)

    assert child.returncode == 9, child.stderr
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT count(*) FROM events").fetchone() == (0,)
        france = conn.execute("SELECT actions FROM participants WHERE name = 'France'").fetchone()
        assert "2026-03-12" not in france[0]  # the snapshot is the baseline's

    db = connect(db_path)
    upgrade(db)
    before = snapshots.load_snapshot(db, "XVIII-16")
    assert before is not None
    after = parse_status_page(after_page.read_bytes(), "XVIII-16", "u")
    rule = rule_from_text(after.entry_into_force_text)
    for _ in range(2):  # a re-run, then the same re-run again
        result = compare(before, after, rule, NOW)
        snapshots.save_observation(
            db, after, result.events, outcome=result.outcome, now=NOW, fingerprint=None,
            etag=None, last_modified=None, qualifying=1, previous=before,
        )  # fmt: skip
    assert db.execute("SELECT type FROM events").fetchall() == [("treaty.consent",)]
    assert snapshots.load_snapshot(db, "XVIII-16") == after
    db.close()
