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
    # One lookup per distinct name (a few hundred), not per participant row (tens of thousands
    # across the catalogue): this runs on every turn of the watch loop.
    rows = db.execute(
        "SELECT name, group_concat(treaty_id, char(31)) FROM participants GROUP BY name"
    ).fetchall()
    for name, treaty_ids in rows:
        country = countries.lookup(str(name))
        if country is not None and country.code in codes:
            found.update(str(treaty_ids).split("\x1f"))
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


class FactsCache:
    """The facts that cost a scan — a treaty's latest action date (from every participant's
    actions) and its latest qualifying count (from its checks) — kept per treaty with the
    `last_check` they were read at. Both change only when a check of that treaty ends (in any
    process: it moves `last_check`), so a watch loop that re-plans after every check reads
    them again only for the treaties checked since its last turn, not for all 560."""

    def __init__(self) -> None:
        self.entries: dict[str, tuple[str | None, str | None, int | None]] = {}

    def refresh(self, db: Database, last_checks: dict[str, str | None]) -> None:
        for treaty_id, last_check in last_checks.items():
            cached = self.entries.get(treaty_id)
            if cached is not None and cached[0] == last_check:
                continue
            action = db.execute(
                """SELECT max(json_extract(a.value, '$.date'))
                     FROM participants p, json_each(p.actions) a WHERE p.treaty_id = ?""",
                [treaty_id],
            ).fetchone()
            counted = db.execute(
                """SELECT qualifying FROM checks WHERE treaty_id = ? AND qualifying IS NOT NULL
                    ORDER BY id DESC LIMIT 1""",
                [treaty_id],
            ).fetchone()
            self.entries[treaty_id] = (
                last_check,
                action[0] if action else None,
                int(counted[0]) if counted and counted[0] is not None else None,
            )


def facts_rows(
    db: Database, ids: Iterable[str], cache: FactsCache | None = None
) -> list[dict[str, Any]]:
    """One row of raw facts per id (a treaty the database has never seen: all empty). Pass
    the same `cache` on every call to read the costly facts only for treaties checked since."""
    wanted = list(ids)
    cache = cache if cache is not None else FactsCache()
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
    cache.refresh(db, {tid: (treaties.get(tid) or {}).get("last_check") for tid in wanted})
    last_action = {tid: cache.entries[tid][1] for tid in wanted}
    qualifying = {tid: cache.entries[tid][2] for tid in wanted}
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
