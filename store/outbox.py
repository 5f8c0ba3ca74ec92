"""The delivery outbox: one row per (event, channel, target), claimed with a lease, and its log.

Rows are written by `enqueue` inside the transaction that inserts their events (see
`snapshots.insert_events`), so an event and its deliveries exist together or not at all. A
dispatcher then `claim_due`s rows: the claim sets a lease (`lease_until`); a row whose process
died comes back once its lease has expired. Each try ends in `mark_sent`, `mark_retry`,
`mark_failed` or `fail_target`, and every try is a row of `delivery_attempts` (when, outcome,
status code or error class, duration).

Times: `due_at` and `lease_until` are Unix seconds (floats), passed in by the caller — this
module never reads a clock, so tests control time. Text timestamps (`created_at`, `sent_at`,
`attempted_at`) are ISO 8601 UTC for people.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlite_utils import Database

from store.db import immediate


class Status(StrEnum):
    """Where a delivery stands; the table's CHECK constraint allows exactly these."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class Outcome(StrEnum):
    """What one try came to, as logged in `delivery_attempts`."""

    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    GONE = "gone"


@dataclass(frozen=True, slots=True)
class Claimed:
    """A claimed delivery: the row, its event (as stored JSON) and how many tries it had."""

    id: int
    event_id: str
    event_seq: int
    channel: str
    target: str
    attempts: int
    event: dict[str, Any]


def iso(moment: float | dt.datetime) -> str:
    """Unix seconds or an aware datetime → "2026-03-12T14:05:09.123Z"."""
    when = moment if isinstance(moment, dt.datetime) else dt.datetime.fromtimestamp(moment, dt.UTC)
    return when.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def enqueue(
    db: Database,
    event_id: str,
    event_seq: int,
    deliveries: Iterable[tuple[str, str]],
    *,
    now: float,
) -> int:
    """Queue (channel, target) deliveries of one event, due at once. Call inside the event's
    transaction. A delivery already queued is not queued twice. Returns how many were added."""
    stamp = iso(now)
    rows = [(event_id, event_seq, channel, target, now, stamp) for channel, target in deliveries]
    before = db.conn.total_changes
    db.conn.executemany(
        """INSERT OR IGNORE INTO outbox
             (event_id, event_seq, channel, target, status, attempts, due_at, created_at)
           VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)""",
        rows,
    )
    return db.conn.total_changes - before


def claim_due(
    db: Database,
    channel: str,
    now: float,
    limit: int,
    *,
    lease_s: float = 60.0,
    busy_targets: Iterable[str] = (),
    max_targets: int | None = None,
) -> list[Claimed]:
    """Claim up to `limit` due rows of `channel` (oldest event first), leased for `lease_s`.

    Rows of `busy_targets` (targets this dispatcher is still sending to) are left alone, so one
    slow target never has two sends in flight. A row leased by someone else is skipped until its
    lease expires. With `max_targets`, only the first `max_targets` targets with due rows (in
    event order) are claimed, each with all its due rows (up to `limit` in all): a target's rows
    of one check stay together even when a broadcast has more rows than `limit`, and nothing is
    claimed only to be given back.
    """
    busy = sorted(set(busy_targets))
    skip = f"AND target NOT IN ({', '.join('?' * len(busy))})" if busy else ""
    due = f"""channel = ? AND status = 'pending' AND due_at <= ?
              AND (lease_until IS NULL OR lease_until <= ?) {skip}"""
    params: list[Any] = [channel, now, now, *busy]
    only = ""
    if max_targets is not None:
        # The targets of the oldest due rows, read in index order (a few rows, not all).
        only = f"""AND target IN (SELECT DISTINCT target FROM (
                     SELECT target FROM outbox WHERE {due} ORDER BY event_seq, id LIMIT ?)
                   LIMIT ?)"""
        params = [*params, *params, max(1, max_targets) * 64, max(1, max_targets)]
    with immediate(db):
        cursor = db.execute(
            f"""UPDATE outbox SET lease_until = ?
                WHERE id IN (
                  SELECT id FROM outbox WHERE {due} {only}
                  ORDER BY event_seq, id LIMIT ?)
                RETURNING id""",
            [now + lease_s, *params, limit],
        )
        ids = [row[0] for row in cursor.fetchall()]
    if not ids:
        return []
    marks = ", ".join("?" * len(ids))
    cursor = db.execute(
        f"""SELECT o.id, o.event_id, o.event_seq, o.channel, o.target, o.attempts, e.json
            FROM outbox o JOIN events e ON e.id = o.event_id
            WHERE o.id IN ({marks}) ORDER BY o.event_seq, o.id""",
        ids,
    )
    return [
        Claimed(row[0], row[1], row[2], row[3], row[4], row[5], json.loads(row[6]))
        for row in cursor.fetchall()
    ]


def mark_sent(
    db: Database,
    ids: Sequence[int],
    *,
    now: float,
    status_code: int | None = None,
    duration_ms: int | None = None,
) -> None:
    """Delivered: the rows are done."""
    with immediate(db):
        db.conn.executemany(
            """UPDATE outbox SET status = 'sent', attempts = attempts + 1, sent_at = ?,
                 lease_until = NULL, last_error = NULL WHERE id = ?""",
            [(iso(now), i) for i in ids],
        )
        _log(db, ids, now, Outcome.SENT, status_code, None, duration_ms)


def mark_retry(
    db: Database,
    ids: Sequence[int],
    *,
    now: float,
    next_attempt_at: float,
    error: str,
    status_code: int | None = None,
    duration_ms: int | None = None,
) -> None:
    """A failed try to be tried again at `next_attempt_at` (Unix seconds)."""
    with immediate(db):
        db.conn.executemany(
            """UPDATE outbox SET attempts = attempts + 1, due_at = ?, lease_until = NULL,
                 last_error = ? WHERE id = ?""",
            [(next_attempt_at, error, i) for i in ids],
        )
        _log(db, ids, now, Outcome.RETRY, status_code, error, duration_ms)


def mark_failed(
    db: Database,
    ids: Sequence[int],
    *,
    now: float,
    error: str,
    status_code: int | None = None,
    duration_ms: int | None = None,
    outcome: Outcome = Outcome.FAILED,
) -> None:
    """Failed for good (a permanent error, or the retry schedule is exhausted)."""
    with immediate(db):
        db.conn.executemany(
            """UPDATE outbox SET status = 'failed', attempts = attempts + 1, lease_until = NULL,
                 last_error = ? WHERE id = ?""",
            [(error, i) for i in ids],
        )
        _log(db, ids, now, outcome, status_code, error, duration_ms)


def fail_target(
    db: Database,
    channel: str,
    target: str,
    ids: Sequence[int],
    *,
    now: float,
    error: str,
    status_code: int | None = None,
    duration_ms: int | None = None,
) -> int:
    """The target is gone: log the try of `ids` as "gone", deactivate the target and fail every
    pending row of it (they would never arrive). Returns how many rows were failed."""
    with immediate(db):
        _log(db, ids, now, Outcome.GONE, status_code, error, duration_ms)
        db.conn.executemany(
            "UPDATE outbox SET attempts = attempts + 1 WHERE id = ?", [(i,) for i in ids]
        )
        cursor = db.execute(
            """UPDATE outbox SET status = 'failed', lease_until = NULL, last_error = ?
               WHERE channel = ? AND target = ? AND status = 'pending'""",
            [f"target gone: {error}", channel, target],
        )
        db.execute(
            """UPDATE targets SET active = 0, deactivated_at = ?, deactivated_reason = ?
               WHERE channel = ? AND address = ? AND active = 1""",
            [iso(now), error, channel, target],
        )
        return int(cursor.rowcount)


def release_claims(db: Database, channel: str | None = None, *, row_ids: Iterable[int] = ()) -> int:
    """Give leased pending rows back at once (clean shutdown, or a restart of the only
    instance). Only `row_ids` when given, else every claimed row (of `channel`)."""
    ids = list(row_ids)
    with immediate(db):
        if ids:
            db.conn.executemany(
                "UPDATE outbox SET lease_until = NULL WHERE id = ? AND status = 'pending'",
                [(i,) for i in ids],
            )
            return len(ids)
        where = "AND channel = ?" if channel else ""
        cursor = db.execute(
            f"""UPDATE outbox SET lease_until = NULL
                WHERE status = 'pending' AND lease_until IS NOT NULL {where}""",
            [channel] if channel else [],
        )
        return int(cursor.rowcount)


def requeue(db: Database, ids: Sequence[int] = (), *, failed: bool = False, now: float) -> int:
    """Due again at once: the given rows, or with `failed` every failed row. Sent rows given
    by id are queued again too (a deliberate re-send). Returns how many rows were queued."""
    with immediate(db):
        if failed:
            cursor = db.execute(
                """UPDATE outbox SET status = 'pending', due_at = ?, lease_until = NULL
                   WHERE status = 'failed'""",
                [now],
            )
            return int(cursor.rowcount)
        count = 0
        for row_id in ids:
            cursor = db.execute(
                """UPDATE outbox SET status = 'pending', due_at = ?, lease_until = NULL
                   WHERE id = ?""",
                [now, row_id],
            )
            count += cursor.rowcount
        return count


def next_due(db: Database, channel: str, busy_targets: Iterable[str] = ()) -> float | None:
    """When the next pending row of `channel` falls due (Unix seconds), leases aside."""
    busy = sorted(set(busy_targets))
    skip = f"AND target NOT IN ({', '.join('?' * len(busy))})" if busy else ""
    row = db.execute(
        f"""SELECT MIN(MAX(due_at, COALESCE(lease_until, 0))) FROM outbox
            WHERE channel = ? AND status = 'pending' {skip}""",
        [channel, *busy],
    ).fetchone()
    return float(row[0]) if row and row[0] is not None else None


def oldest_due_at(db: Database, now: float) -> float | None:
    """The `due_at` of the oldest delivery that is due and not yet sent (for health checks)."""
    row = db.execute(
        "SELECT MIN(due_at) FROM outbox WHERE status = 'pending' AND due_at <= ?", [now]
    ).fetchone()
    return float(row[0]) if row and row[0] is not None else None


def list_rows(
    db: Database,
    *,
    status: str | None = None,
    channel: str | None = None,
    target: str | None = None,
    limit: int = 100,
    with_attempts: bool = True,
) -> list[dict[str, Any]]:
    """Outbox rows, newest first, each with its attempt log (oldest try first)."""
    where, params = ["1 = 1"], []
    for column, value in (("o.status", status), ("o.channel", channel), ("o.target", target)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    cursor = db.execute(
        f"""SELECT o.id, o.event_id, o.channel, o.target, o.status, o.attempts, o.due_at,
              o.lease_until, o.last_error, o.created_at, o.sent_at, e.type, e.treaty_id
            FROM outbox o JOIN events e ON e.id = o.event_id
            WHERE {" AND ".join(where)} ORDER BY o.id DESC LIMIT ?""",
        [*params, limit],
    )
    names = [c[0] for c in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        row["due_at"] = iso(row["due_at"])
        row["lease_until"] = iso(row["lease_until"]) if row["lease_until"] else None
        row["event_type"] = row.pop("type")
        row["treaty"] = row.pop("treaty_id")
        if with_attempts:
            row["attempts_log"] = attempts_of(db, row["id"])
    return rows


def attempts_of(db: Database, outbox_id: int) -> list[dict[str, Any]]:
    cursor = db.execute(
        """SELECT attempted_at, outcome, status_code, error, duration_ms FROM delivery_attempts
           WHERE outbox_id = ? ORDER BY id""",
        [outbox_id],
    )
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def counts_by_status(db: Database) -> dict[str, dict[str, int]]:
    """{channel: {status: rows}} over the whole outbox."""
    out: dict[str, dict[str, int]] = {}
    for channel, status, count in db.execute(
        "SELECT channel, status, COUNT(*) FROM outbox GROUP BY channel, status"
    ).fetchall():
        out.setdefault(channel, {})[status] = count
    return out


def _log(
    db: Database,
    ids: Sequence[int],
    now: float,
    outcome: Outcome,
    status_code: int | None,
    error: str | None,
    duration_ms: int | None,
) -> None:
    stamp = iso(now)
    db.conn.executemany(
        """INSERT INTO delivery_attempts
             (outbox_id, attempted_at, outcome, status_code, error, duration_ms)
           VALUES (?, ?, ?, ?, ?, ?)""",
        [(i, stamp, str(outcome), status_code, error, duration_ms) for i in ids],
    )
