"""Operational state (what the operator was alerted about) and retention of old rows.

`ops_state` holds one row per subject in an alerting state ("treaty:XVIII-16" failing,
"webhook:wh_…" disabled); `set_state` reports whether the state changed, so the caller alerts
exactly on transitions. `prune` deletes check rows and delivered outbox rows (with their attempt
logs) older than the retention period; events are never deleted.
"""

from __future__ import annotations

from sqlite_utils import Database

from store.db import immediate


def get_state(db: Database, subject: str) -> str | None:
    row = db.execute("SELECT state FROM ops_state WHERE subject = ?", [subject]).fetchone()
    return str(row[0]) if row else None


def set_state(
    db: Database, subject: str, state: str | None, *, since: str, detail: str = ""
) -> bool:
    """Record `subject` as being in `state` (None: all clear). True when that is a change."""
    with immediate(db):
        before = get_state(db, subject)
        if before == state:
            return False
        if state is None:
            db.execute("DELETE FROM ops_state WHERE subject = ?", [subject])
        else:
            db.execute(
                """INSERT INTO ops_state (subject, state, since, detail) VALUES (?, ?, ?, ?)
                   ON CONFLICT (subject) DO UPDATE SET state = excluded.state,
                     since = excluded.since, detail = excluded.detail""",
                [subject, state, since, detail],
            )
        return True


def alerting(db: Database) -> list[dict[str, str]]:
    cursor = db.execute("SELECT subject, state, since, detail FROM ops_state ORDER BY subject")
    return [
        {"subject": s, "state": st, "since": since, "detail": detail or ""}
        for s, st, since, detail in cursor.fetchall()
    ]


def prune(db: Database, *, before: str) -> dict[str, int]:
    """Delete check rows and sent outbox rows (and their attempts) older than `before` (ISO
    8601 UTC). Pending and failed deliveries are kept: they still need a person or a retry."""
    with immediate(db):
        checks = db.execute("DELETE FROM checks WHERE checked_at < ?", [before]).rowcount
        old = "SELECT id FROM outbox WHERE status = 'sent' AND sent_at < ?"
        db.execute(f"DELETE FROM delivery_attempts WHERE outbox_id IN ({old})", [before])
        sent = db.execute(
            "DELETE FROM outbox WHERE status = 'sent' AND sent_at < ?", [before]
        ).rowcount
    return {"checks": int(checks), "deliveries": int(sent)}
