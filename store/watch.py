"""The facts the watch planner needs, read in a few queries for every watched treaty, and the
watch state it keeps (`watch_state`, migration m006).

Which treaties are watched: with `every` (`[watch] all`) every treaty the database knows (the
catalogue and anything tracked or read); otherwise the tracked ones, those a chat or webhook
subscribed to, and those where a followed country is a participant (from stored snapshots).
Must not decide tiers or due times (that is `bot/watch.py`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from sqlite_utils import Database

from store import countries
from store.db import immediate
from store.snapshots import now_text


def _followed_treaties(db: Database) -> set[str]:
    codes = {
        str(row[0])
        for row in db.execute(
            """SELECT DISTINCT s.value FROM subscriptions s JOIN targets t ON t.id = s.target_id
                WHERE s.kind = 'country' AND t.active = 1"""
        ).fetchall()
    }
    if not codes:
        return set()
    found: set[str] = set()
    for treaty_id, name in db.execute("SELECT treaty_id, name FROM participants").fetchall():
        country = countries.lookup(str(name))
        if country is not None and country.code in codes:
            found.add(str(treaty_id))
    return found


def watched_ids(db: Database, *, every: bool) -> list[str]:
    """The ids of every watched treaty, sorted."""
    if every:
        return [str(r[0]) for r in db.execute("SELECT id FROM treaties ORDER BY id").fetchall()]
    ids = {str(r[0]) for r in db.execute("SELECT id FROM treaties WHERE tracked = 1").fetchall()}
    ids |= {
        str(row[0])
        for row in db.execute(
            """SELECT DISTINCT s.value FROM subscriptions s JOIN targets t ON t.id = s.target_id
                WHERE s.kind = 'treaty' AND t.active = 1"""
        ).fetchall()
    }
    return sorted(ids | _followed_treaties(db))


def facts_rows(db: Database, ids: Iterable[str]) -> list[dict[str, Any]]:
    """One row of raw facts per id (a treaty the database has never seen: all empty)."""
    wanted = list(ids)
    treaties = {
        row["id"]: row
        for row in db.query(
            """SELECT id, tracked, last_check, status IS NOT NULL AS has_snapshot, projected_eif,
                      text_rule, json_extract(status, '$.entry_into_force.date') AS in_force
                 FROM treaties"""
        )
    }
    subscribers = dict(
        db.execute(
            """SELECT s.value, count(*) FROM subscriptions s JOIN targets t ON t.id = s.target_id
                WHERE s.kind = 'treaty' AND t.active = 1 GROUP BY s.value"""
        ).fetchall()
    )
    last_action = dict(
        db.execute(
            """SELECT p.treaty_id, max(json_extract(a.value, '$.date'))
                 FROM participants p, json_each(p.actions) a GROUP BY p.treaty_id"""
        ).fetchall()
    )
    qualifying = dict(
        db.execute(
            """SELECT c.treaty_id, c.qualifying FROM checks c
                WHERE c.id = (SELECT max(id) FROM checks d
                               WHERE d.treaty_id = c.treaty_id AND d.qualifying IS NOT NULL)"""
        ).fetchall()
    )
    state = {row["treaty_id"]: row for row in db.query("SELECT * FROM watch_state")}
    rows = []
    for treaty_id in wanted:
        row = treaties.get(treaty_id, {})
        threshold = _threshold(row.get("text_rule"))
        counted = qualifying.get(treaty_id)
        missing = None
        if threshold is not None and counted is not None and not row.get("in_force"):
            missing = max(threshold - int(counted), 0)
        rows.append(
            {
                "treaty_id": treaty_id,
                "tracked": bool(row.get("tracked")),
                "subscribers": int(subscribers.get(treaty_id, 0)),
                "has_snapshot": bool(row.get("has_snapshot")),
                "last_checked": row.get("last_check"),
                "last_change": (state.get(treaty_id) or {}).get("last_change"),
                "last_action": last_action.get(treaty_id),
                "missing_instruments": missing,
                "projected_eif": row.get("projected_eif"),
                "tier": (state.get(treaty_id) or {}).get("tier"),
            }
        )
    return rows


def _threshold(text_rule: str | None) -> int | None:
    if not text_rule:
        return None
    try:
        value = json.loads(text_rule).get("threshold")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, int) else None


def save_tiers(db: Database, tiers: Iterable[tuple[str, str, str]], *, now: dt.datetime) -> None:
    """Remember (treaty id, tier, reason) for each treaty whose tier changed."""
    with immediate(db):
        for treaty_id, tier, reason in tiers:
            db.execute(
                """INSERT INTO watch_state (treaty_id, tier, reason, since) VALUES (?, ?, ?, ?)
                   ON CONFLICT (treaty_id) DO UPDATE SET tier = excluded.tier,
                     reason = excluded.reason, since = excluded.since""",
                [treaty_id, tier, reason, now_text(now)],
            )


def saw_change(db: Database, treaty_id: str, *, now: dt.datetime) -> None:
    """A check saw the page of `treaty_id` change: it is hot from now on."""
    with immediate(db):
        db.execute(
            """INSERT INTO watch_state (treaty_id, tier, reason, since, last_change)
               VALUES (?, 'hot', 'changed', ?, ?)
               ON CONFLICT (treaty_id) DO UPDATE SET last_change = excluded.last_change""",
            [treaty_id, now_text(now), now_text(now)],
        )


def someone_relies_on(db: Database, treaty_id: str) -> bool:
    """Tracked by hand, or subscribed to by an active chat or webhook: worth an operator alert
    when its checks fail (a quiet catalogue treaty nobody follows is only logged)."""
    row = db.execute(
        """SELECT EXISTS (SELECT 1 FROM treaties WHERE id = ? AND tracked = 1)
               OR EXISTS (SELECT 1 FROM subscriptions s JOIN targets t ON t.id = s.target_id
                           WHERE s.kind = 'treaty' AND s.value = ? AND t.active = 1)""",
        [treaty_id, treaty_id],
    ).fetchone()
    return bool(row[0])


def remembered_tier(db: Database, treaty_id: str) -> str | None:
    """The tier the watch loop last gave `treaty_id` (None: never planned, e.g. `scrape`)."""
    row = db.execute("SELECT tier FROM watch_state WHERE treaty_id = ?", [treaty_id]).fetchone()
    return str(row[0]) if row else None
