"""The stored snapshot reads back exactly as it was written."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from scrapers.parse import parse_status_page
from store import snapshots
from store.db import connect, upgrade

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
NOW = dt.datetime(2026, 3, 12, 14, 5, 9, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("page", "treaty_id"),
    [
        ("iv-11-crc-large.html", "IV-11"),
        ("iv-11-crc-sections.html", "IV-11"),
        ("i-2-special-table.html", "I-2"),
        ("xxvii-7-a-kyoto-withdrawn.html", "XXVII-7-a"),
    ],
)
def test_snapshot_round_trips_through_the_database(
    tmp_path: Path, page: str, treaty_id: str
) -> None:
    status = parse_status_page((PAGES / page).read_bytes(), treaty_id, "u")
    db = connect(tmp_path / "round.db")
    upgrade(db)
    snapshots.save_observation(
        db, status, [], outcome="baseline", now=NOW, fingerprint=None, etag=None,
        last_modified=None, qualifying=0,
    )  # fmt: skip
    assert snapshots.load_snapshot(db, treaty_id) == status
    db.close()


def test_a_name_listed_twice_is_stored_twice_and_reads_back_identically(tmp_path: Path) -> None:
    page = parse_status_page((PAGES / "xviii-16-2025-11.html").read_bytes(), "XVIII-16", "u")
    doubled = dataclasses.replace(page, participants=(page.participants[0], *page.participants))
    db = connect(tmp_path / "twice.db")
    upgrade(db)
    snapshots.save_observation(
        db, doubled, [], outcome="baseline", now=NOW, fingerprint=None, etag=None,
        last_modified=None, qualifying=0,
    )  # fmt: skip
    assert snapshots.load_snapshot(db, "XVIII-16") == doubled
    db.close()


def test_a_snapshot_stored_before_sections_were_read_loads_with_sections_unknown(
    tmp_path: Path,
) -> None:
    status = parse_status_page((PAGES / "iv-11-crc-sections.html").read_bytes(), "IV-11", "u")
    db = connect(tmp_path / "old.db")
    upgrade(db)
    snapshots.save_observation(
        db, status, [], outcome="baseline", now=NOW, fingerprint=None, etag=None,
        last_modified=None, qualifying=0,
    )  # fmt: skip
    db.execute("UPDATE treaties SET sections = NULL")  # as m007 leaves an older snapshot

    assert snapshots.load_snapshot(db, "IV-11") == dataclasses.replace(status, sections=None)
    db.close()
