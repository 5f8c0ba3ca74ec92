"""Who wants which events: delivery targets per channel and what each subscribed to.

A target is one address on one channel (a Telegram chat id, a webhook endpoint id, `stdout` for
the console). It matches events in one of two ways:

- `subscribed` (Telegram chats): the treaties it subscribed to OR the countries it follows;
  nothing subscribed means nothing received;
- `filter` (webhooks, console): every event, narrowed by each filter that is set (treaties AND
  countries AND types).

Both honour the target's event-type filter (`types`, None = every type). Countries are stored as
their ISO code, or the participant key for participants without one (`country_value`). The
decision itself is pure and lives in `bot/delivery/router.py`; this module only reads and writes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any, Literal

from sqlite_utils import Database

from store.db import immediate
from store.snapshots import now_text
from store.targets import Match, TargetRoute


def upsert_target(
    db: Database,
    channel: str,
    address: str,
    *,
    match: Match,
    now: dt.datetime,
    meta: dict[str, Any] | None = None,
    reactivate: bool = True,
) -> int:
    """The target's id, creating it if needed; `reactivate` makes an inactive one active."""
    with immediate(db):
        db.execute(
            """INSERT INTO targets (channel, address, active, match, meta, created_at)
               VALUES (?, ?, 1, ?, ?, ?)
               ON CONFLICT (channel, address) DO UPDATE SET match = excluded.match,
                 meta = COALESCE(excluded.meta, targets.meta)""",
            [channel, address, match, json.dumps(meta) if meta else None, now_text(now)],
        )
        if reactivate:
            db.execute(
                """UPDATE targets SET active = 1, deactivated_at = NULL, deactivated_reason = NULL
                   WHERE channel = ? AND address = ? AND active = 0""",
                [channel, address],
            )
        row = db.execute(
            "SELECT id FROM targets WHERE channel = ? AND address = ?", [channel, address]
        ).fetchone()
    return int(row[0])


def target(db: Database, channel: str, address: str) -> dict[str, Any] | None:
    cursor = db.execute(
        "SELECT * FROM targets WHERE channel = ? AND address = ?", [channel, address]
    )
    row = cursor.fetchone()
    if row is None:
        return None
    data = dict(zip([c[0] for c in cursor.description], row, strict=True))
    data["types"] = json.loads(data["types"]) if data["types"] else None
    data["meta"] = json.loads(data["meta"]) if data["meta"] else None
    data["active"] = bool(data["active"])
    data["subscriptions"] = subscriptions_of(db, int(data["id"]))
    return data


def set_active(
    db: Database, channel: str, address: str, active: bool, *, now: dt.datetime, reason: str = ""
) -> bool:
    """Activate or deactivate a target; False when there is no such target."""
    with immediate(db):
        cursor = db.execute(
            """UPDATE targets SET active = ?, deactivated_at = ?, deactivated_reason = ?
               WHERE channel = ? AND address = ?""",
            [
                int(active),
                None if active else now_text(now),
                None if active else reason,
                channel,
                address,
            ],
        )
    return cursor.rowcount == 1


def set_types(db: Database, target_id: int, types: Iterable[str] | None) -> None:
    """The event types a target receives (None: every type)."""
    value = json.dumps(sorted(set(types))) if types is not None else None
    with immediate(db):
        db.execute("UPDATE targets SET types = ? WHERE id = ?", [value, target_id])


def subscribe(
    db: Database,
    target_id: int,
    kind: Literal["treaty", "country"],
    value: str,
    *,
    now: dt.datetime,
) -> bool:
    """Add one subscription; False when it was already there."""
    with immediate(db):
        cursor = db.execute(
            """INSERT OR IGNORE INTO subscriptions (target_id, kind, value, created_at)
               VALUES (?, ?, ?, ?)""",
            [target_id, kind, value, now_text(now)],
        )
    return cursor.rowcount == 1


def unsubscribe(
    db: Database, target_id: int, kind: Literal["treaty", "country"], value: str
) -> bool:
    with immediate(db):
        cursor = db.execute(
            "DELETE FROM subscriptions WHERE target_id = ? AND kind = ? AND value = ?",
            [target_id, kind, value],
        )
    return cursor.rowcount == 1


def subscriptions_of(db: Database, target_id: int) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {"treaty": [], "country": []}
    for kind, value in db.execute(
        "SELECT kind, value FROM subscriptions WHERE target_id = ? ORDER BY kind, value",
        [target_id],
    ).fetchall():
        out[kind].append(value)
    return out


def move_target(db: Database, channel: str, old: str, new: str) -> None:
    """A target changed address (a Telegram group migrated to a supergroup): its subscriptions,
    filters and pending deliveries follow it."""
    with immediate(db):
        exists = db.execute(
            "SELECT 1 FROM targets WHERE channel = ? AND address = ?", [channel, new]
        ).fetchone()
        if exists:
            old_id = db.execute(
                "SELECT id FROM targets WHERE channel = ? AND address = ?", [channel, old]
            ).fetchone()
            new_id = db.execute(
                "SELECT id FROM targets WHERE channel = ? AND address = ?", [channel, new]
            ).fetchone()
            if old_id and new_id:
                db.execute(
                    "UPDATE OR IGNORE subscriptions SET target_id = ? WHERE target_id = ?",
                    [new_id[0], old_id[0]],
                )
                db.execute("DELETE FROM targets WHERE id = ?", [old_id[0]])
        else:
            db.execute(
                "UPDATE targets SET address = ? WHERE channel = ? AND address = ?",
                [new, channel, old],
            )
        db.execute(
            """UPDATE OR IGNORE outbox SET target = ?
               WHERE channel = ? AND target = ? AND status = 'pending'""",
            [new, channel, old],
        )


def routes(db: Database) -> list[TargetRoute]:
    """Every active target with its subscriptions, as the router needs them."""
    subs: dict[int, dict[str, set[str]]] = {}
    for target_id, kind, value in db.execute(
        """SELECT s.target_id, s.kind, s.value FROM subscriptions s
           JOIN targets t ON t.id = s.target_id WHERE t.active = 1"""
    ).fetchall():
        subs.setdefault(target_id, {"treaty": set(), "country": set()})[kind].add(value)
    out = []
    for target_id, channel, address, match, types in db.execute(
        "SELECT id, channel, address, match, types FROM targets WHERE active = 1 ORDER BY id"
    ).fetchall():
        mine = subs.get(target_id, {"treaty": set(), "country": set()})
        out.append(
            TargetRoute(
                channel=channel,
                address=address,
                match=match,
                treaties=frozenset(mine["treaty"]),
                countries=frozenset(mine["country"]),
                types=frozenset(json.loads(types)) if types else None,
            )
        )
    return out


def list_targets(db: Database, channel: str | None = None) -> list[dict[str, Any]]:
    """Targets (active or not) with their subscriptions and filters, oldest first."""
    where, params = ("WHERE channel = ?", [channel]) if channel else ("", [])
    cursor = db.execute(f"SELECT channel, address FROM targets {where} ORDER BY id", params)
    out = []
    for row_channel, address in cursor.fetchall():
        found = target(db, row_channel, address)
        if found is not None:
            out.append(found)
    return out


def chat_stats(db: Database, channel: str) -> dict[str, Any]:
    """Targets of a channel, active and not, and their subscriptions by kind (for /stats)."""
    active, inactive = db.execute(
        """SELECT COALESCE(SUM(active), 0), COALESCE(SUM(1 - active), 0) FROM targets
           WHERE channel = ?""",
        [channel],
    ).fetchone()
    counts = dict(
        db.execute(
            """SELECT s.kind, COUNT(*) FROM subscriptions s JOIN targets t ON t.id = s.target_id
               WHERE t.channel = ? GROUP BY s.kind""",
            [channel],
        ).fetchall()
    )
    return {
        "chats_active": int(active),
        "chats_inactive": int(inactive),
        "treaty_subscriptions": int(counts.get("treaty", 0)),
        "country_subscriptions": int(counts.get("country", 0)),
    }


def outcomes_since(db: Database, channel: str, since: float) -> dict[str, int]:
    """Delivery tries of a channel since `since` (Unix seconds), by outcome (for /stats)."""
    stamp = dt.datetime.fromtimestamp(since, dt.UTC).isoformat(timespec="milliseconds")
    rows = db.execute(
        """SELECT a.outcome, COUNT(*) FROM delivery_attempts a JOIN outbox o ON o.id = a.outbox_id
           WHERE o.channel = ? AND a.attempted_at >= ? GROUP BY a.outcome""",
        [channel, stamp.replace("+00:00", "Z")],
    ).fetchall()
    return {str(outcome): int(count) for outcome, count in rows}
