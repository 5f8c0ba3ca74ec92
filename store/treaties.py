"""The treaty list: catalogue entries, which treaties are tracked, their rule overrides, health.

Also the read side used by `treatybot treaties`, `status`, `events` and `timeline`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from scrapers.model import CatalogueEntry
from store.db import immediate

if TYPE_CHECKING:
    from store.countries import Country


def save_catalogue(db: Database, entries: Iterable[CatalogueEntry]) -> int:
    """Upsert catalogue entries (tracking state and health are kept). Returns the count."""
    count = 0
    with immediate(db):
        for entry in entries:
            db.execute(
                """INSERT INTO treaties (id, chapter, title, place_date, url, tracked,
                     consecutive_failures) VALUES (?, ?, ?, ?, ?, 0, 0)
                   ON CONFLICT(id) DO UPDATE SET chapter = excluded.chapter,
                     title = excluded.title, place_date = excluded.place_date,
                     url = COALESCE(treaties.url, excluded.url)""",
                [entry.id, entry.chapter, entry.title, entry.place_date, entry.url],
            )
            count += 1
    return count


def track(db: Database, treaty_ids: Sequence[str], rule: dict[str, Any] | None = None) -> None:
    """Mark treaties as tracked; `rule` (EIF overrides) replaces any stored one when given."""
    with immediate(db):
        for treaty_id in treaty_ids:
            db.execute(
                """INSERT INTO treaties (id, tracked, consecutive_failures) VALUES (?, 1, 0)
                   ON CONFLICT(id) DO UPDATE SET tracked = 1""",
                [treaty_id],
            )
            if rule is not None:
                db.execute(
                    "UPDATE treaties SET rule = ? WHERE id = ?",
                    [json.dumps(rule) if rule else None, treaty_id],
                )


def untrack(db: Database, treaty_id: str) -> bool:
    with immediate(db):
        cursor = db.execute("UPDATE treaties SET tracked = 0 WHERE id = ?", [treaty_id])
    return cursor.rowcount == 1


def forget(db: Database, treaty_id: str) -> str:
    """Delete a treaty that was never read successfully (a mistyped id): its row and its checks.

    Returns "forgotten", "unknown" (no such row) or "has history" (it has a snapshot or events,
    which are kept: nothing is deleted then).
    """
    with immediate(db):
        row = db.execute("SELECT status FROM treaties WHERE id = ?", [treaty_id]).fetchone()
        if row is None:
            return "unknown"
        has_events = db.execute(
            "SELECT 1 FROM events WHERE treaty_id = ? LIMIT 1", [treaty_id]
        ).fetchone()
        if row[0] or has_events:
            return "has history"
        db.execute("DELETE FROM checks WHERE treaty_id = ?", [treaty_id])
        db.execute("DELETE FROM participants WHERE treaty_id = ?", [treaty_id])
        db.execute("DELETE FROM treaties WHERE id = ?", [treaty_id])
    return "forgotten"


def tracked_ids(db: Database) -> list[str]:
    return [row["id"] for row in db.table("treaties").rows_where("tracked = 1", order_by="id")]


def list_treaties(
    db: Database, *, tracked_only: bool = False, search: str | None = None
) -> list[dict[str, Any]]:
    where = ["1 = 1"]
    params: list[Any] = []
    if tracked_only:
        where.append("tracked = 1")
    for word in (search or "").split():
        where.append("(id LIKE ? OR title LIKE ? OR place_date LIKE ?)")
        params.extend([f"%{word}%"] * 3)
    return [
        {
            "id": row["id"],
            "chapter": row["chapter"],
            "title": row["title"],
            "place_date": row["place_date"],
            "url": row["url"],
            "tracked": bool(row["tracked"]),
            "last_check": row["last_check"],
            "last_error": row["last_error"],
            "consecutive_failures": row["consecutive_failures"],
            "quarantine_reason": row["quarantine_reason"],
        }
        for row in db.table("treaties").rows_where(" AND ".join(where), params, order_by="id")
    ]


def projected_due(db: Database, today: str) -> list[str]:
    """Tracked treaties whose computed entry-into-force date (ISO) is today or past."""
    cursor = db.execute(
        """SELECT id FROM treaties WHERE tracked = 1 AND projected_eif IS NOT NULL
             AND projected_eif <= ? ORDER BY id""",
        [today],
    )
    return [str(row[0]) for row in cursor.fetchall()]


def titled_count(db: Database) -> int:
    """How many treaties have a title (the catalogue has been fetched when this is large)."""
    row = db.execute("SELECT count(*) FROM treaties WHERE title IS NOT NULL").fetchone()
    return int(row[0])


def empty_row(treaty_id: str) -> dict[str, Any]:
    """The `list_treaties` form of a treaty the database has never seen."""
    return {
        "id": treaty_id,
        "chapter": None,
        "title": None,
        "place_date": None,
        "url": None,
        "tracked": False,
        "last_check": None,
        "last_error": None,
        "consecutive_failures": 0,
        "quarantine_reason": None,
    }


def treaty_row(db: Database, treaty_id: str) -> dict[str, Any] | None:
    rows = list(db.table("treaties").rows_where("id = ?", [treaty_id]))
    return rows[0] if rows else None


def recent_checks(db: Database, treaty_id: str, limit: int = 5) -> list[dict[str, Any]]:
    return list(
        db.table("checks").rows_where(
            "treaty_id = ?",
            [treaty_id],
            order_by="id desc",
            limit=limit,
            select="checked_at, outcome, events, error",
        )
    )


def event_filters(
    treaty_id: str | None, country: Country | None, event_type: str | None
) -> tuple[list[str], list[Any]]:
    """WHERE clauses (and their parameters) selecting events of a treaty, a participant (by ISO
    code, or by name when it has none) and a type; shared by the CLI and the HTTP API."""
    where: list[str] = []
    params: list[Any] = []
    if treaty_id:
        where.append("treaty_id = ?")
        params.append(treaty_id)
    if country is not None:
        if country.code:
            where.append("country_code = ?")
            params.append(country.code)
        else:
            where.append("participant = ?")
            params.append(country.name)
    if event_type:
        where.append("type = ?")
        params.append(event_type)
    return where, params


def query_events(
    db: Database,
    *,
    treaty_id: str | None = None,
    country: Country | None = None,
    event_type: str | None = None,
    since: str | None = None,
    tracked_only: bool = False,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Events as their stable JSON, oldest first, filtered."""
    filters, params = event_filters(treaty_id, country, event_type)
    where = ["1 = 1", *filters]
    if since:
        where.append("detected_at >= ?")
        params.append(since)
    if tracked_only:
        where.append("treaty_id IN (SELECT id FROM treaties WHERE tracked = 1)")
    rows = db.table("events").rows_where(
        " AND ".join(where), params, order_by="seq desc" if limit else "seq", limit=limit,
        select="json",
    )  # fmt: skip
    found = [json.loads(row["json"]) for row in rows]
    return list(reversed(found)) if limit else found
