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


@migrations()
def m002_delivery(db: Database) -> None:
    """The delivery core: a checked, leased outbox; the attempt log; targets and subscriptions.

    The m001 outbox had no CHECK on its status and no lease: it is rebuilt (SQLite cannot add a
    CHECK constraint in place). Nothing was ever routed into it, but any rows are carried over.
    `due_at` and `lease_until` are Unix seconds (REAL): they are compared on every claim.
    """
    db.execute(
        """CREATE TABLE outbox_v2 (
             id INTEGER PRIMARY KEY,
             event_id TEXT NOT NULL REFERENCES events(id),
             event_seq INTEGER NOT NULL,
             channel TEXT NOT NULL,
             target TEXT NOT NULL,
             status TEXT NOT NULL DEFAULT 'pending'
               CHECK (status IN ('pending', 'sent', 'failed')),
             attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
             due_at REAL NOT NULL,
             lease_until REAL,
             last_error TEXT,
             created_at TEXT NOT NULL,
             sent_at TEXT,
             UNIQUE (event_id, channel, target)
           )"""
    )
    db.execute(
        """INSERT INTO outbox_v2 (id, event_id, event_seq, channel, target, status, attempts,
             due_at, last_error, created_at, sent_at)
           SELECT o.id, o.event_id, COALESCE(e.seq, 0), o.channel, o.target,
             CASE o.status WHEN 'sent' THEN 'sent' WHEN 'pending' THEN 'pending'
               ELSE 'failed' END,
             o.attempts, COALESCE(unixepoch(o.next_attempt_at), unixepoch('now')), o.last_error,
             COALESCE(o.created_at, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')), o.sent_at
           FROM outbox o LEFT JOIN events e ON e.id = o.event_id"""
    )
    db.execute("DROP TABLE outbox")
    db.execute("ALTER TABLE outbox_v2 RENAME TO outbox")
    db.execute("CREATE INDEX outbox_due ON outbox (channel, status, due_at)")
    db.execute("CREATE INDEX outbox_target ON outbox (channel, target, status)")
    db.execute(
        """CREATE TABLE delivery_attempts (
             id INTEGER PRIMARY KEY,
             outbox_id INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
             attempted_at TEXT NOT NULL,
             outcome TEXT NOT NULL CHECK (outcome IN ('sent', 'retry', 'failed', 'gone')),
             status_code INTEGER,
             error TEXT,
             duration_ms INTEGER
           )"""
    )
    db.execute("CREATE INDEX delivery_attempts_row ON delivery_attempts (outbox_id)")
    db.execute(
        """CREATE TABLE targets (
             id INTEGER PRIMARY KEY,
             channel TEXT NOT NULL,
             address TEXT NOT NULL,
             active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
             match TEXT NOT NULL DEFAULT 'filter' CHECK (match IN ('subscribed', 'filter')),
             types TEXT,
             meta TEXT,
             created_at TEXT NOT NULL,
             deactivated_at TEXT,
             deactivated_reason TEXT,
             UNIQUE (channel, address)
           )"""
    )
    db.execute(
        """CREATE TABLE subscriptions (
             target_id INTEGER NOT NULL REFERENCES targets(id) ON DELETE CASCADE,
             kind TEXT NOT NULL CHECK (kind IN ('treaty', 'country')),
             value TEXT NOT NULL,
             created_at TEXT NOT NULL,
             PRIMARY KEY (target_id, kind, value)
           )"""
    )
    db.execute("CREATE INDEX subscriptions_value ON subscriptions (kind, value)")


@migrations()
def m003_webhooks(db: Database) -> None:
    """Webhook endpoints. Each is also a `targets` row (channel "webhook", address = its id), so
    the router routes to it and its filters are the target's types and subscriptions.

    `secret` and `previous_secret` hold the stored form (sealed when a secrets key is set);
    `previous_expires_at` (Unix seconds) ends the rotation grace period; `failing_since` (Unix
    seconds) is when the endpoint's current run of failures began (NULL after a success).
    """
    db.execute(
        """CREATE TABLE webhook_endpoints (
             id TEXT PRIMARY KEY,
             url TEXT NOT NULL,
             description TEXT NOT NULL DEFAULT '',
             source TEXT NOT NULL DEFAULT 'cli' CHECK (source IN ('cli', 'config')),
             enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
             disabled_reason TEXT,
             disabled_at TEXT,
             secret TEXT NOT NULL,
             previous_secret TEXT,
             previous_expires_at REAL,
             failing_since REAL,
             created_at TEXT NOT NULL
           )"""
    )


@migrations()
def m004_text_rule(db: Database) -> None:
    """The last entry-into-force rule read from the treaty's text (JSON, `EifRule.text_parts`):
    once the threshold is reached the page shows the date instead of the rule, and the rule read
    earlier is still needed to count (regional organisations not counted) and to label events."""
    db.execute("ALTER TABLE treaties ADD COLUMN text_rule TEXT")


@migrations()
def m005_ops_state(db: Database) -> None:
    """What the operator has been told: one row per subject of an operational alert (a treaty,
    a webhook endpoint) in an alerting state, so a restart never repeats or forgets an alert."""
    db.execute(
        """CREATE TABLE ops_state (
             subject TEXT PRIMARY KEY,
             state TEXT NOT NULL,
             since TEXT NOT NULL,
             detail TEXT
           )"""
    )


@migrations()
def m006_watch_state(db: Database) -> None:
    """What the watch scheduler must remember across a restart: each watched treaty's tier and
    why (so a tier change is logged once), and when a check last saw its page change (hot at
    once). The next due time is derived: the last check (`treaties.last_check`) + the tier's
    interval."""
    db.execute(
        """CREATE TABLE watch_state (
             treaty_id TEXT PRIMARY KEY,
             tier TEXT NOT NULL,
             reason TEXT NOT NULL,
             since TEXT NOT NULL,
             last_change TEXT
           )"""
    )


@migrations()
def m007_sections(db: Database) -> None:
    """The sections below the grid of the current snapshot (JSON, `Sections.to_json()`):
    declarations and reservations, objections, territorial applications. NULL for a snapshot
    stored before they were read: the next check takes them as a silent baseline."""
    db.execute("ALTER TABLE treaties ADD COLUMN sections TEXT")
