"""Read side for the HTTP API, the Atom feeds and `/healthz`: events by sequence, the newest
events, the treaties' overview and the facts health is judged on.

Every function takes the database first so the service runs it through `Store.run` (on the
database thread). Read-only: nothing here writes, and nothing here decides what is healthy or
how a response looks — that is `bot.web`'s job.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from store.outbox import oldest_due_at
from store.treaties import event_filters

if TYPE_CHECKING:
    from store.countries import Country


def events_after(
    db: Database,
    *,
    after: int = 0,
    limit: int = 100,
    treaty_id: str | None = None,
    country: Country | None = None,
    event_type: str | None = None,
) -> list[tuple[int, dict[str, Any]]]:
    """Up to `limit` events with `seq > after`, oldest first, as (seq, stored event JSON)."""
    where, params = event_filters(treaty_id, country, event_type)
    sql = f"""SELECT seq, json FROM events WHERE {" AND ".join(["seq > ?", *where])}
              ORDER BY seq LIMIT ?"""
    rows = db.execute(sql, [after, *params, limit]).fetchall()
    return [(int(seq), json.loads(text)) for seq, text in rows]


def latest_events(
    db: Database, *, treaty_id: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """The newest `limit` events (of one treaty, or all), newest first, as stored JSON."""
    where, params = event_filters(treaty_id, None, None)
    sql = f"""SELECT json FROM events {"WHERE " + " AND ".join(where) if where else ""}
              ORDER BY seq DESC LIMIT ?"""
    return [json.loads(text) for (text,) in db.execute(sql, [*params, limit]).fetchall()]


def event_json(db: Database, event_id: str) -> dict[str, Any] | None:
    """One stored event's JSON by its id (None when unknown)."""
    row = db.execute("SELECT json FROM events WHERE id = ?", [event_id]).fetchone()
    return json.loads(row[0]) if row else None


def treaty_known(db: Database, treaty_id: str) -> bool:
    """Whether the database has heard of the treaty at all (catalogue, tracked or checked)."""
    return db.execute("SELECT 1 FROM treaties WHERE id = ?", [treaty_id]).fetchone() is not None


def overview(db: Database, *, tracked_only: bool) -> list[dict[str, Any]]:
    """Tracked treaties, or (`tracked_only=False`) also every treaty read at least once (the
    watch loop reads the whole catalogue): title, URL, counts from its snapshot, events stored,
    health, and its watch tier (None before the watch loop planned it).

    `qualifying` is as of the treaty's latest event (None before its first): reading it from
    the checks would scan every unchanged check of every treaty (half a second for 560
    treaties with 2,000 checks each), on the one database thread.
    """
    which = "t.tracked = 1" if tracked_only else "t.tracked = 1 OR t.last_success IS NOT NULL"
    cursor = db.execute(
        f"""SELECT t.id, t.title, t.url, t.status, t.projected_eif, t.last_check, t.last_success,
             t.consecutive_failures, t.last_error, t.quarantine_reason, w.tier,
             (SELECT COUNT(*) FROM events e WHERE e.treaty_id = t.id) AS events,
             (SELECT json_extract(e.json, '$.counts.qualifying') FROM events e
                WHERE e.treaty_id = t.id ORDER BY e.detected_at DESC, e.seq DESC LIMIT 1)
               AS qualifying
           FROM treaties t LEFT JOIN watch_state w ON w.treaty_id = t.id
          WHERE {which} ORDER BY t.id"""
    )
    names = [c[0] for c in cursor.description]
    out = []
    for values in cursor.fetchall():
        row = dict(zip(names, values, strict=True))
        facts = json.loads(row["status"]) if row["status"] else {}
        eif = (facts.get("entry_into_force") or {}).get("date")
        out.append(
            {
                "id": row["id"],
                "title": facts.get("title") or row["title"],
                "url": row["url"],
                "counts": {
                    "signatories": facts.get("signatories"),
                    "parties": facts.get("parties"),
                    "qualifying": row["qualifying"],
                },
                "entry_into_force": {
                    "date": eif or row["projected_eif"],
                    "state": "in_force"
                    if eif
                    else ("projected" if row["projected_eif"] else "not_yet"),
                },
                "events": row["events"],
                "tier": row["tier"],
                "health": {
                    "last_check": row["last_check"],
                    "last_success": row["last_success"],
                    "consecutive_failures": row["consecutive_failures"],
                    "last_error": row["last_error"],
                    "quarantine_reason": row["quarantine_reason"],
                },
            }
        )
    return out


def health_facts(db: Database, *, failures_before_alert: int, now: float) -> dict[str, Any]:
    """What `/healthz` judges: tracked treaties failing `failures_before_alert` checks in a row
    or quarantined, and when the oldest due, unsent delivery fell due (Unix seconds, or None)."""
    tracked = db.execute("SELECT COUNT(*) FROM treaties WHERE tracked = 1").fetchone()[0]
    failing = [
        {"id": i, "consecutive_failures": n, "last_error": e}
        for i, n, e in db.execute(
            """SELECT id, consecutive_failures, last_error FROM treaties
               WHERE tracked = 1 AND consecutive_failures >= ? ORDER BY id""",
            [failures_before_alert],
        ).fetchall()
    ]
    quarantined = [
        {"id": i, "reason": r}
        for i, r in db.execute(
            """SELECT id, quarantine_reason FROM treaties
               WHERE tracked = 1 AND quarantine_reason IS NOT NULL ORDER BY id"""
        ).fetchall()
    ]
    return {
        "tracked": int(tracked),
        "failing": failing,
        "quarantined": quarantined,
        "oldest_due_at": oldest_due_at(db, now),
    }
