"""Webhook endpoints in the database: the `webhook_endpoints` table and its `targets` row.

Owns: creating, reading, enabling/disabling and removing endpoints; their filters (kept as the
target's `types` and `subscriptions`, so the router needs nothing else); the stored forms of their
secrets and the rotation grace period; the run of failures used to disable a dead endpoint; the
endpoint's deliveries in the outbox (listing, failing them when it is disabled, replaying).

Must not: generate, seal or open secrets (`bot.webhooks.secrets` does; this module only stores
the strings it is given), check URLs, read a clock (callers pass `now`, Unix seconds) or send.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets as _random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlite_utils import Database

from store.db import immediate
from store.outbox import iso, list_rows
from store.snapshots import now_text

CHANNEL = "webhook"
ID_PREFIX = "wh_"

Source = Literal["cli", "config"]


def new_endpoint_id() -> str:
    """`wh_` + 24 random hex digits."""
    return ID_PREFIX + _random.token_hex(12)


@dataclass(frozen=True, slots=True)
class Filters:
    """What an endpoint receives: each filter that is set narrows; none set = every event.
    Countries are stored values (ISO code or `key:` participant key, see `store.targets`)."""

    types: tuple[str, ...] = ()
    treaties: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Endpoint:
    id: str
    url: str
    description: str
    source: Source
    enabled: bool
    disabled_reason: str | None
    disabled_at: str | None
    created_at: str
    filters: Filters = field(default_factory=Filters)
    last_delivery: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class SendInfo:
    """What a send needs, read at send time (a rotation shows up on the next delivery)."""

    url: str
    enabled: bool
    stored_secrets: tuple[str, ...]  # current first, then the previous one during its grace
    failing_since: float | None


def add(
    db: Database,
    endpoint_id: str,
    url: str,
    stored_secret: str,
    *,
    filters: Filters,
    description: str = "",
    source: Source = "cli",
    now: float,
) -> None:
    """Create the endpoint and its target (active, with its filters), in one transaction."""
    stamp = iso(now)
    with immediate(db):
        db.execute(
            """INSERT INTO webhook_endpoints (id, url, description, source, secret, created_at)
               VALUES (?, ?, ?, ?, ?, ?)""",
            [endpoint_id, url, description, source, stored_secret, stamp],
        )
        _write_target(db, endpoint_id, filters, stamp)


def update_config_endpoint(
    db: Database,
    endpoint_id: str,
    url: str,
    stored_secret: str | None,
    *,
    filters: Filters,
    description: str,
) -> None:
    """Bring a config-file endpoint up to date (url, filters, description; the secret when given).
    Whether it is enabled is left alone: a 410 or an operator's `disable` stands."""
    with immediate(db):
        db.execute(
            "UPDATE webhook_endpoints SET url = ?, description = ? WHERE id = ?",
            [url, description, endpoint_id],
        )
        if stored_secret is not None:
            db.execute(
                """UPDATE webhook_endpoints SET secret = ?, previous_secret = NULL,
                     previous_expires_at = NULL WHERE id = ?""",
                [stored_secret, endpoint_id],
            )
        created = db.execute(
            "SELECT created_at FROM webhook_endpoints WHERE id = ?", [endpoint_id]
        ).fetchone()
        _write_target(db, endpoint_id, filters, str(created[0]))


def _write_target(db: Database, endpoint_id: str, filters: Filters, stamp: str) -> None:
    types = json.dumps(sorted(set(filters.types))) if filters.types else None
    db.execute(
        """INSERT INTO targets (channel, address, active, match, types, created_at)
           VALUES (?, ?, 1, 'filter', ?, ?)
           ON CONFLICT (channel, address) DO UPDATE SET types = excluded.types""",
        [CHANNEL, endpoint_id, types, stamp],
    )
    target_id = _target_id(db, endpoint_id)
    db.execute("DELETE FROM subscriptions WHERE target_id = ?", [target_id])
    db.conn.executemany(
        """INSERT OR IGNORE INTO subscriptions (target_id, kind, value, created_at)
           VALUES (?, ?, ?, ?)""",
        [(target_id, "treaty", value, stamp) for value in filters.treaties]
        + [(target_id, "country", value, stamp) for value in filters.countries],
    )


def _target_id(db: Database, endpoint_id: str) -> int:
    row = db.execute(
        "SELECT id FROM targets WHERE channel = ? AND address = ?", [CHANNEL, endpoint_id]
    ).fetchone()
    return int(row[0])


_COLUMNS = (
    "e.id, e.url, e.description, e.source, e.enabled, t.active, e.disabled_reason,"
    " t.deactivated_reason, e.disabled_at, t.deactivated_at, e.created_at, t.id, t.types"
)


def get(db: Database, endpoint_id: str) -> Endpoint | None:
    found = _select(db, "WHERE e.id = ?", [endpoint_id])
    return found[0] if found else None


def list_all(db: Database) -> list[Endpoint]:
    """Every endpoint, oldest first, with its filters and its last delivery attempt."""
    return _select(db, "", [])


def _select(db: Database, where: str, params: list[Any]) -> list[Endpoint]:
    rows = db.execute(
        f"""SELECT {_COLUMNS} FROM webhook_endpoints e
            LEFT JOIN targets t ON t.channel = '{CHANNEL}' AND t.address = e.id
            {where} ORDER BY e.created_at, e.id""",
        params,
    ).fetchall()
    out = []
    for row in rows:
        (ident, url, description, source, enabled, active, reason, target_reason) = row[:8]
        disabled_at, target_disabled_at, created_at, target_id, types = row[8:]
        subs: dict[str, list[str]] = {"treaty": [], "country": []}
        if target_id is not None:
            for kind, value in db.execute(
                "SELECT kind, value FROM subscriptions WHERE target_id = ? ORDER BY value",
                [target_id],
            ).fetchall():
                subs[kind].append(value)
        on = bool(enabled) and bool(active)
        out.append(
            Endpoint(
                id=ident,
                url=url,
                description=description,
                source=source,
                enabled=on,
                disabled_reason=None if on else (reason or target_reason),
                disabled_at=None if on else (disabled_at or target_disabled_at),
                created_at=created_at,
                filters=Filters(
                    types=tuple(json.loads(types)) if types else (),
                    treaties=tuple(subs["treaty"]),
                    countries=tuple(subs["country"]),
                ),
                last_delivery=_last_attempt(db, ident),
            )
        )
    return out


def _last_attempt(db: Database, endpoint_id: str) -> dict[str, Any] | None:
    cursor = db.execute(
        """SELECT a.attempted_at, a.outcome, a.status_code, a.error, o.event_id
           FROM delivery_attempts a JOIN outbox o ON o.id = a.outbox_id
           WHERE o.channel = ? AND o.target = ? ORDER BY a.id DESC LIMIT 1""",
        [CHANNEL, endpoint_id],
    )
    row = cursor.fetchone()
    if row is None:
        return None
    return dict(zip([c[0] for c in cursor.description], row, strict=True))


def source_of(db: Database, endpoint_id: str) -> Source | None:
    row = db.execute("SELECT source FROM webhook_endpoints WHERE id = ?", [endpoint_id]).fetchone()
    return None if row is None else row[0]


def config_ids(db: Database) -> list[str]:
    return [
        str(r[0])
        for r in db.execute("SELECT id FROM webhook_endpoints WHERE source = 'config'").fetchall()
    ]


def stored_secret(db: Database, endpoint_id: str) -> str | None:
    row = db.execute("SELECT secret FROM webhook_endpoints WHERE id = ?", [endpoint_id]).fetchone()
    return None if row is None else str(row[0])


def send_info(db: Database, endpoint_id: str, now: float) -> SendInfo | None:
    """The endpoint's URL, state and the secrets that sign at `now`; None if it is gone."""
    row = db.execute(
        """SELECT e.url, e.enabled AND COALESCE(t.active, 0), e.secret, e.previous_secret,
                  e.previous_expires_at, e.failing_since
           FROM webhook_endpoints e
           LEFT JOIN targets t ON t.channel = ? AND t.address = e.id
           WHERE e.id = ?""",
        [CHANNEL, endpoint_id],
    ).fetchone()
    if row is None:
        return None
    url, enabled, current, previous, expires, failing_since = row
    secrets = [current]
    if previous is not None and expires is not None and now < expires:
        secrets.append(previous)
    return SendInfo(url, bool(enabled), tuple(secrets), failing_since)


def rotate(
    db: Database, endpoint_id: str, new_stored: str, *, previous_stored: str, grace_until: float
) -> bool:
    """Make `new_stored` the secret; the old one keeps signing until `grace_until`."""
    with immediate(db):
        cursor = db.execute(
            """UPDATE webhook_endpoints SET secret = ?, previous_secret = ?,
                 previous_expires_at = ? WHERE id = ?""",
            [new_stored, previous_stored, grace_until, endpoint_id],
        )
    return cursor.rowcount == 1


def note_failure(db: Database, endpoint_id: str, now: float) -> float:
    """A delivery failed: returns since when the endpoint has failed every delivery."""
    with immediate(db):
        row = db.execute(
            """UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, ?)
               WHERE id = ? RETURNING failing_since""",
            [now, endpoint_id],
        ).fetchone()
    return float(row[0]) if row else now


def note_success(db: Database, endpoint_id: str) -> None:
    with immediate(db):
        db.execute(
            """UPDATE webhook_endpoints SET failing_since = NULL
               WHERE id = ? AND failing_since IS NOT NULL""",
            [endpoint_id],
        )


def set_enabled(
    db: Database, endpoint_id: str, enabled: bool, *, now: float, reason: str = ""
) -> bool:
    """Enable or disable an endpoint (and its target); False when there is no such endpoint.

    Disabling fails its pending deliveries (they can be replayed once it is enabled again);
    enabling forgets its run of failures."""
    stamp = iso(now)
    with immediate(db):
        cursor = db.execute(
            """UPDATE webhook_endpoints SET enabled = ?, disabled_reason = ?, disabled_at = ?,
                 failing_since = CASE WHEN ? THEN NULL ELSE failing_since END
               WHERE id = ?""",
            [int(enabled), None if enabled else reason, None if enabled else stamp, int(enabled),
             endpoint_id],
        )  # fmt: skip
        if cursor.rowcount != 1:
            return False
        db.execute(
            """UPDATE targets SET active = ?, deactivated_at = ?, deactivated_reason = ?
               WHERE channel = ? AND address = ?""",
            [int(enabled), None if enabled else stamp, None if enabled else reason, CHANNEL,
             endpoint_id],
        )  # fmt: skip
        if not enabled:
            _fail_pending(db, endpoint_id, f"endpoint disabled: {reason}")
    return True


def remove(db: Database, endpoint_id: str) -> bool:
    """Delete the endpoint and its target; its pending deliveries fail, its log is kept."""
    with immediate(db):
        cursor = db.execute("DELETE FROM webhook_endpoints WHERE id = ?", [endpoint_id])
        if cursor.rowcount != 1:
            return False
        db.execute("DELETE FROM targets WHERE channel = ? AND address = ?", [CHANNEL, endpoint_id])
        _fail_pending(db, endpoint_id, "endpoint removed")
    return True


def _fail_pending(db: Database, endpoint_id: str, error: str) -> None:
    db.execute(
        """UPDATE outbox SET status = 'failed', lease_until = NULL, last_error = ?
           WHERE channel = ? AND target = ? AND status = 'pending'""",
        [error, CHANNEL, endpoint_id],
    )


def deliveries(
    db: Database, endpoint_id: str, *, failed_only: bool = False, limit: int = 100
) -> list[dict[str, Any]]:
    """The endpoint's deliveries, newest first, each with its attempt log."""
    return list_rows(
        db,
        channel=CHANNEL,
        target=endpoint_id,
        status="failed" if failed_only else None,
        limit=limit,
    )


def replay(
    db: Database,
    endpoint_id: str,
    *,
    now: float,
    event_ids: Sequence[str] = (),
    since: dt.datetime | None = None,
) -> int:
    """Queue the endpoint's deliveries again, due now, with a fresh retry schedule.

    `event_ids`: those events (queued even if they were never routed here); `since`: every
    delivery of an event detected at or after it (sent or failed); neither: every failed one.
    The webhook id stays the event id, so receivers de-duplicate. Returns how many were queued.
    """
    with immediate(db):
        ids: list[int] = []
        if event_ids:
            ids.extend(_ensure_rows(db, endpoint_id, event_ids, now))
        elif since is not None:
            stamp = now_text(since)
            ids.extend(
                r[0]
                for r in db.execute(
                    """SELECT o.id FROM outbox o JOIN events e ON e.id = o.event_id
                       WHERE o.channel = ? AND o.target = ? AND e.detected_at >= ?""",
                    [CHANNEL, endpoint_id, stamp],
                ).fetchall()
            )
        else:
            ids.extend(
                r[0]
                for r in db.execute(
                    "SELECT id FROM outbox WHERE channel = ? AND target = ? AND status = 'failed'",
                    [CHANNEL, endpoint_id],
                ).fetchall()
            )
        db.conn.executemany(
            """UPDATE outbox SET status = 'pending', attempts = 0, due_at = ?, lease_until = NULL,
                 last_error = NULL WHERE id = ?""",
            [(now, i) for i in ids],
        )
    return len(ids)


def _ensure_rows(db: Database, endpoint_id: str, event_ids: Iterable[str], now: float) -> list[int]:
    out = []
    for event_id in event_ids:
        seq = db.execute("SELECT seq FROM events WHERE id = ?", [event_id]).fetchone()
        if seq is None:
            raise LookupError(f"no event with id {event_id}")
        db.execute(
            """INSERT OR IGNORE INTO outbox
                 (event_id, event_seq, channel, target, status, attempts, due_at, created_at)
               VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)""",
            [event_id, seq[0], CHANNEL, endpoint_id, now, iso(now)],
        )
        row = db.execute(
            "SELECT id FROM outbox WHERE event_id = ? AND channel = ? AND target = ?",
            [event_id, CHANNEL, endpoint_id],
        ).fetchone()
        out.append(int(row[0]))
    return out
