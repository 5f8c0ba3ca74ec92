"""store.watch: which treaties are watched without `[watch] all`, and the facts read for them."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from sqlite_utils import Database

from scrapers.parse import parse_status_page
from store import snapshots, subscribers, treaties, watch
from store.db import connect, upgrade

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
NOW = dt.datetime(2026, 3, 12, 14, 5, 9, tzinfo=dt.UTC)


def database(tmp_path: Path) -> Database:
    db = connect(tmp_path / "watch.db")
    upgrade(db)
    status = parse_status_page((PAGES / "iv-11-crc-large.html").read_bytes(), "IV-11", "u")
    snapshots.save_observation(
        db, status, [], outcome="baseline", now=NOW, fingerprint=None, etag=None,
        last_modified=None, qualifying=0,
    )  # fmt: skip
    snapshots.ensure_treaty(db, "XVIII-16")
    snapshots.ensure_treaty(db, "I-1")
    return db


def test_without_watch_all_a_treaty_subscription_makes_its_treaty_watched(tmp_path: Path) -> None:
    db = database(tmp_path)
    chat = subscribers.upsert_target(db, "telegram", "42", match="subscribed", now=NOW)
    subscribers.subscribe(db, chat, "treaty", "XVIII-16", now=NOW)

    assert watch.watched_ids(db, every=False) == ["XVIII-16"]


def test_without_watch_all_a_followed_country_watches_the_treaties_it_is_party_to(
    tmp_path: Path,
) -> None:
    db = database(tmp_path)
    chat = subscribers.upsert_target(db, "telegram", "42", match="subscribed", now=NOW)
    subscribers.subscribe(db, chat, "country", "FR", now=NOW)  # France is a party to the CRC

    assert watch.watched_ids(db, every=False) == ["IV-11"]


def test_a_followed_country_watches_every_treaty_it_appears_in(tmp_path: Path) -> None:
    db = database(tmp_path)
    for treaty_id in ("IV-11-b", "IV-11-c"):  # the same table under two more ids
        status = parse_status_page((PAGES / "iv-11-crc-large.html").read_bytes(), "IV-11", "u")
        snapshots.save_observation(
            db, dataclasses.replace(status, id=treaty_id), [], outcome="baseline", now=NOW,
            fingerprint=None, etag=None, last_modified=None, qualifying=0,
        )  # fmt: skip
    chat = subscribers.upsert_target(db, "telegram", "42", match="subscribed", now=NOW)
    subscribers.subscribe(db, chat, "country", "FR", now=NOW)

    watched = watch.watched_ids(db, every=False)

    assert watched == ["IV-11", "IV-11-b", "IV-11-c"]


def test_tracked_treaties_are_watched_and_with_watch_all_every_known_one(tmp_path: Path) -> None:
    db = database(tmp_path)
    treaties.track(db, ["I-1"])

    assert watch.watched_ids(db, every=False) == ["I-1"]
    assert watch.watched_ids(db, every=True) == ["I-1", "IV-11", "XVIII-16"]


def test_facts_give_the_latest_action_date_and_the_remembered_change(tmp_path: Path) -> None:
    db = database(tmp_path)
    watch.saw_change(db, "IV-11", now=NOW)

    [row] = watch.facts_rows(db, ["IV-11"])
    status = snapshots.load_snapshot(db, "IV-11")
    assert status is not None
    latest = max(a.date for p in status.participants for a in p.actions)
    assert (row["last_action"], row["last_change"], row["has_snapshot"]) == (
        latest.isoformat(),
        snapshots.now_text(NOW),
        True,
    )


def test_a_facts_cache_reads_a_treatys_actions_again_only_after_a_check_of_it(
    tmp_path: Path,
) -> None:
    db = database(tmp_path)
    cache = watch.FactsCache()
    [before] = watch.facts_rows(db, ["IV-11"], cache)
    # A later action lands in the snapshot without a check (as no code path does): the cache
    # keeps what it read; a check of the treaty (it moves last_check) makes it read again.
    db.execute(
        """UPDATE participants SET actions = json_insert(actions, '$[#]',
             json_object('kind', 'ratification', 'date', '2026-03-01'))
            WHERE treaty_id = 'IV-11' AND rowid = (SELECT min(rowid) FROM participants)"""
    )
    [cached] = watch.facts_rows(db, ["IV-11"], cache)
    db.execute("UPDATE treaties SET last_check = '2026-03-12T15:00:00Z' WHERE id = 'IV-11'")
    [after_check] = watch.facts_rows(db, ["IV-11"], cache)
    [uncached] = watch.facts_rows(db, ["IV-11"])

    assert before["last_action"] != "2026-03-01"
    assert cached["last_action"] == before["last_action"]
    assert (after_check["last_action"], uncached["last_action"]) == ("2026-03-01", "2026-03-01")
