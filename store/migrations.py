"""Schema history as code: one sqlite-utils migration per step, applied at start-up.

Never edit a step that has shipped; add a new one. `treatybot db upgrade` applies pending steps.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("treatybot")


@migrations()
def m001_initial(db: Database) -> None:
    """Treaties, their participant snapshot, checks, the event log and the delivery outbox."""
    db.table("treaties").create(
        {
            "id": str,
            "chapter": str,
            "title": str,
            "place_date": str,
            "url": str,
            "tracked": int,
            "rule": str,  # JSON: EIF rule overrides given with `treatybot track`
            "last_check": str,
            "last_success": str,
            "consecutive_failures": int,
            "last_error": str,
            "quarantine_reason": str,
            "quarantined": str,  # JSON: the observation held back, applied by `accept`
            "etag": str,
            "last_modified": str,
            "fingerprint": str,  # cheap page fingerprint of the current snapshot
            "content_hash": str,
            "status": str,  # JSON: treaty-level facts of the current snapshot (no participants)
            "projected_eif": str,  # computed entry-into-force date, while the page shows none
        },
        pk="id",
        not_null={"id", "tracked", "consecutive_failures"},
        defaults={"tracked": 0, "consecutive_failures": 0},
    )
    db.table("participants").create(
        {
            "treaty_id": str,
            "key": str,  # normalised canonical name: how observations are matched
            "position": int,
            "name": str,
            "withdrawn": int,
            "footnotes": str,
            "actions": str,
            "cell_values": str,
            "declarations": int,
        },
        pk=("treaty_id", "key"),
        foreign_keys=[("treaty_id", "treaties", "id")],
    )
    db.table("checks").create(
        {
            "id": int,
            "treaty_id": str,
            "checked_at": str,
            "outcome": str,
            "status_as_at": str,
            "content_hash": str,
            "signatories": int,
            "parties": int,
            "rows": int,
            "qualifying": int,
            "events": int,
            "error": str,
        },
        pk="id",
        foreign_keys=[("treaty_id", "treaties", "id")],
    )
    db.table("checks").create_index(["treaty_id", "checked_at"])
    db.table("events").create(
        {
            "id": str,
            "seq": int,
            "treaty_id": str,
            "type": str,
            "detected_at": str,
            "participant": str,
            "country_code": str,
            "action_date": str,
            "json": str,
        },
        pk="id",
        not_null={"treaty_id", "type", "detected_at", "json"},
    )
    db.table("events").create_index(["treaty_id", "detected_at"])
    db.table("events").create_index(["country_code"])
    db.table("events").create_index(["type"])
    db.table("events").create_index(["seq"], unique=True)
    db.table("outbox").create(
        {
            "id": int,
            "event_id": str,
            "channel": str,
            "target": str,
            "status": str,  # pending | sent | failed | dead
            "attempts": int,
            "next_attempt_at": str,
            "last_error": str,
            "created_at": str,
            "sent_at": str,
        },
        pk="id",
        not_null={"event_id", "channel", "target", "status", "attempts"},
        defaults={"status": "pending", "attempts": 0},
        foreign_keys=[("event_id", "events", "id")],
    )
    db.table("outbox").create_index(["event_id", "channel", "target"], unique=True)
    db.table("outbox").create_index(["status", "next_attempt_at"])
