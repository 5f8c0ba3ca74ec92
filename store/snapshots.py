"""The current snapshot of each treaty and the one transaction that moves it forward.

`save_observation` writes snapshot, check row, new events and their outbox rows (queued through
`store.outbox`, routed by the `Router` the caller passes) in a single
IMMEDIATE transaction: after a crash either all of it is there or none of it, and because event
ids are deterministic a re-run inserts each event exactly once. Failures and quarantines never
touch the snapshot.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from scrapers.model import Action, Participant, Sections, TreatyStatus
from store import outbox
from store.db import immediate

if TYPE_CHECKING:
    from store.events import Event

# Where the deliveries of newly inserted events go: (event id, channel, target) triples, decided
# inside the events' transaction. The composition root builds it (`bot/delivery/router.py`).
Router = Callable[[Database, Sequence["Event"]], Iterable[tuple[str, str, str]]]


@dataclass(frozen=True, slots=True)
class TreatyState:
    """What the store knows about one treaty before a check."""

    id: str
    url: str | None
    tracked: bool
    rule: dict[str, Any]
    snapshot: TreatyStatus | None
    fingerprint: str | None
    etag: str | None
    last_modified: str | None
    quarantine_reason: str | None
    consecutive_failures: int = 0
    has_snapshot: bool = False
    projected_eif: dt.date | None = None
    text_rule: dict[str, Any] | None = None  # the last rule read from the text (`text_parts`)
    last_success: dt.datetime | None = None  # the last good check: it saw the stored state


def now_text(now: dt.datetime) -> str:
    return now.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def ensure_treaty(db: Database, treaty_id: str, url: str | None = None) -> None:
    db.execute(
        "INSERT OR IGNORE INTO treaties (id, url, tracked, consecutive_failures)"
        " VALUES (?, ?, 0, 0)",
        [treaty_id, url],
    )


def load_state(db: Database, treaty_id: str, *, with_snapshot: bool = True) -> TreatyState:
    """The treaty's row; its participant snapshot too unless `with_snapshot` is False (an
    unchanged page needs only the fingerprint and validators)."""
    cursor = db.execute("SELECT * FROM treaties WHERE id = ?", [treaty_id])
    found = cursor.fetchone()
    if found is None:
        return TreatyState(treaty_id, None, False, {}, None, None, None, None, None)
    row = dict(zip([c[0] for c in cursor.description], found, strict=True))
    snapshot = (
        load_snapshot(db, treaty_id, row["status"], row.get("sections")) if with_snapshot else None
    )
    return TreatyState(
        id=treaty_id,
        url=row["url"],
        tracked=bool(row["tracked"]),
        rule=json.loads(row["rule"]) if row["rule"] else {},
        snapshot=snapshot,
        fingerprint=row["fingerprint"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        quarantine_reason=row["quarantine_reason"],
        consecutive_failures=row["consecutive_failures"] or 0,
        has_snapshot=bool(row["status"]),
        projected_eif=dt.date.fromisoformat(row["projected_eif"]) if row["projected_eif"] else None,
        text_rule=json.loads(row["text_rule"]) if row.get("text_rule") else None,
        last_success=_stamp_of(row["last_success"]),
    )


def _stamp_of(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    when = dt.datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def load_snapshot(
    db: Database,
    treaty_id: str,
    status_json: str | None = None,
    sections_json: str | None = None,
) -> TreatyStatus | None:
    """The current snapshot as a `TreatyStatus`, or None before the first success. Given the
    row's `status`, its `sections` should be given too (None: not read yet)."""
    if status_json is None:
        rows = list(
            db.table("treaties").rows_where("id = ?", [treaty_id], select="status, sections")
        )
        status_json = rows[0]["status"] if rows else None
        sections_json = rows[0]["sections"] if rows else None
    if not status_json:
        return None
    participants = [
        _participant_from_row(p)
        for p in db.table("participants").rows_where(
            "treaty_id = ?", [treaty_id], order_by="position"
        )
    ]
    status = status_from_json(json.loads(status_json), participants)
    if sections_json:
        status = dataclasses.replace(status, sections=Sections.from_json(json.loads(sections_json)))
    return status


def save_observation(
    db: Database,
    status: TreatyStatus,
    events: Sequence[Event],
    *,
    outcome: str,
    now: dt.datetime,
    fingerprint: str | None,
    etag: str | None,
    last_modified: str | None,
    qualifying: int | None,
    projected_eif: dt.date | None = None,
    previous: TreatyStatus | None = None,
    route: Router | None = None,
    text_rule: dict[str, Any] | None = None,
) -> list[Event]:
    """Move the snapshot to `status` and append `events`, atomically. Returns the new events.

    Given the `previous` snapshot (as loaded from this store), only participant rows that
    changed are rewritten. `text_rule`, when given, replaces the remembered rule read from the
    text (None keeps the one stored: the page may no longer state it).
    """
    stamp = now_text(now)
    content_hash = fingerprint or status.content_hash()
    with immediate(db):
        ensure_treaty(db, status.id, status.url)
        _write_snapshot(db, status, previous)
        db.execute(
            """UPDATE treaties SET chapter = ?,
                 title = CASE WHEN ? THEN ? ELSE COALESCE(title, ?) END, url = ?,
                 last_check = ?, last_success = ?, consecutive_failures = 0, last_error = NULL,
                 quarantine_reason = NULL, quarantined = NULL, etag = ?, last_modified = ?,
                 fingerprint = ?, content_hash = ?, status = ?, projected_eif = ?,
                 text_rule = COALESCE(?, text_rule), sections = ?
               WHERE id = ?""",
            [
                status.chapter,
                int(outcome == "accepted"),  # a maintainer accepted this page: its title too
                status.title,
                status.title,
                status.url,
                stamp,
                stamp,
                etag,
                last_modified,
                fingerprint,
                content_hash,
                json.dumps(_status_facts(status), ensure_ascii=False),
                projected_eif.isoformat() if projected_eif else None,
                json.dumps(text_rule) if text_rule else None,
                _sections_json(status),
                status.id,
            ],
        )
        inserted = insert_events(db, events, route)
        _insert_check(
            db, status.id, stamp, outcome, status, qualifying, len(inserted), None, content_hash
        )
    return inserted


def record_unchanged(
    db: Database,
    treaty_id: str,
    *,
    now: dt.datetime,
    events: Sequence[Event] = (),
    etag: str | None = None,
    last_modified: str | None = None,
    route: Router | None = None,
    clear_projection: bool = False,
) -> list[Event]:
    """A check that found nothing new on the page (304 or same fingerprint): health only, plus
    due events (then the check is recorded as "changed"). `clear_projection` forgets the
    computed entry-into-force date once its day has been dealt with."""
    stamp = now_text(now)
    with immediate(db):
        db.execute(
            """UPDATE treaties SET last_check = ?, last_success = ?, consecutive_failures = 0,
                 last_error = NULL, quarantine_reason = NULL, quarantined = NULL,
                 etag = COALESCE(?, etag), last_modified = COALESCE(?, last_modified),
                 projected_eif = CASE WHEN ? THEN NULL ELSE projected_eif END
               WHERE id = ?""",
            [stamp, stamp, etag, last_modified, int(clear_projection), treaty_id],
        )
        inserted = insert_events(db, events, route)
        outcome = "changed" if inserted else "unchanged"
        _insert_check(db, treaty_id, stamp, outcome, None, None, len(inserted), None)
    return inserted


def record_failure(db: Database, treaty_id: str, error: str, *, now: dt.datetime) -> None:
    """A failed check: the snapshot stays as it was; the failure is counted and explained."""
    stamp = now_text(now)
    with immediate(db):
        ensure_treaty(db, treaty_id)
        db.execute(
            """UPDATE treaties SET last_check = ?, last_error = ?,
                 consecutive_failures = consecutive_failures + 1 WHERE id = ?""",
            [stamp, error, treaty_id],
        )
        _insert_check(db, treaty_id, stamp, "failed", None, None, 0, error)


def record_quarantine(db: Database, status: TreatyStatus, reason: str, *, now: dt.datetime) -> None:
    """Hold an implausible observation back: no events, snapshot unchanged, reason recorded."""
    stamp = now_text(now)
    with immediate(db):
        ensure_treaty(db, status.id, status.url)
        db.execute(
            """UPDATE treaties SET last_check = ?, last_error = ?, quarantine_reason = ?,
                 quarantined = ? WHERE id = ?""",
            [
                stamp,
                f"quarantined: {reason}",
                reason,
                json.dumps(status.to_json(), ensure_ascii=False),
                status.id,
            ],
        )
        _insert_check(db, status.id, stamp, "quarantined", status, None, 0, reason)


def quarantined_observation(db: Database, treaty_id: str) -> TreatyStatus | None:
    rows = list(db.table("treaties").rows_where("id = ?", [treaty_id], select="quarantined"))
    if not rows or not rows[0]["quarantined"]:
        return None
    data = json.loads(rows[0]["quarantined"])
    return status_from_json(data, [participant_from_json(p) for p in data["participants"]])


def insert_events(db: Database, events: Sequence[Event], route: Router | None) -> list[Event]:
    """Append events not seen before (by deterministic id) and queue their deliveries.

    `route` decides, for the newly inserted events, which (event id, channel, target) deliveries
    to queue (`store.outbox.enqueue`), inside the caller's transaction. None routes nothing (a
    baseline, an announced backfill, a dry run).
    """
    inserted: list[Event] = []
    seqs: dict[str, int] = {}
    for event in events:
        cursor = db.execute(
            """INSERT OR IGNORE INTO events
                 (id, seq, treaty_id, type, detected_at, participant, country_code, action_date,
                  json)
               VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM events), ?, ?, ?, ?, ?, ?, ?)
               RETURNING seq""",
            [
                event.id,
                event.treaty.id,
                event.type,
                now_text(event.detected_at),
                event.participant.name if event.participant else None,
                event.participant.code if event.participant else None,
                event.action.date.isoformat() if event.action else None,
                json.dumps(event.to_json(), ensure_ascii=False),
            ],
        )
        row = cursor.fetchone()
        if row is None:
            continue
        seqs[event.id] = int(row[0])
        inserted.append(event)
    if route is not None and inserted:
        by_event: dict[str, list[tuple[str, str]]] = {}
        for event_id, channel, target in route(db, inserted):
            by_event.setdefault(event_id, []).append((channel, target))
        for event in inserted:
            deliveries = by_event.get(event.id)
            if deliveries:
                outbox.enqueue(
                    db, event.id, seqs[event.id], deliveries, now=event.detected_at.timestamp()
                )
    return inserted


def _write_snapshot(db: Database, status: TreatyStatus, previous: TreatyStatus | None) -> None:
    """Rewrite the rows that changed (all of them without `previous`); drop vanished keys."""
    from store.countries import keyed_participants  # name tables: loaded only when writing

    current = keyed_participants(status.participants)
    before: dict[str, tuple[int, Participant]] = {}
    if previous is None:
        db.execute("DELETE FROM participants WHERE treaty_id = ?", [status.id])
    else:
        before = {
            key: (position, p)
            for position, (key, p) in enumerate(keyed_participants(previous.participants).items())
        }
    rows = []
    for position, (key, p) in enumerate(current.items()):
        if before.get(key) == (position, p):
            continue  # row unchanged
        rows.append(
            (
                status.id,
                key,
                position,
                p.name,
                int(p.withdrawn),
                json.dumps(list(p.footnotes)),
                json.dumps([a.to_json() for a in p.actions], ensure_ascii=False),
                json.dumps([list(v) for v in p.values], ensure_ascii=False) if p.values else None,
                int(p.declarations),
            )
        )
    db.conn.executemany(
        """INSERT OR REPLACE INTO participants
             (treaty_id, key, position, name, withdrawn, footnotes, actions, cell_values,
              declarations)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        rows,
    )
    gone = [(status.id, key) for key in before if key not in current]
    db.conn.executemany("DELETE FROM participants WHERE treaty_id = ? AND key = ?", gone)


def _insert_check(
    db: Database,
    treaty_id: str,
    stamp: str,
    outcome: str,
    status: TreatyStatus | None,
    qualifying: int | None,
    events: int,
    error: str | None,
    content_hash: str | None = None,
) -> None:
    # Plain SQL: this runs on every check, and the unchanged path is the hot one.
    db.execute(
        """INSERT INTO checks (treaty_id, checked_at, outcome, status_as_at, content_hash,
             signatories, parties, rows, qualifying, events, error)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            treaty_id,
            stamp,
            outcome,
            status.status_as_at.isoformat() if status and status.status_as_at else None,
            content_hash or (status.content_hash() if status else None),
            status.signatories if status else None,
            status.parties if status else None,
            len(status.participants) if status else None,
            qualifying,
            events,
            error,
        ],
    )


def _status_facts(status: TreatyStatus) -> dict[str, Any]:
    data = dataclasses.replace(status, participants=(), sections=None).to_json()
    data.pop("participants")
    data.pop("sections")  # their own column (`m007_sections`)
    return data


def _sections_json(status: TreatyStatus) -> str | None:
    if status.sections is None:
        return None
    return json.dumps(status.sections.to_json(), ensure_ascii=False, separators=(",", ":"))


def status_from_json(data: dict[str, Any], participants: Sequence[Participant]) -> TreatyStatus:
    eif = data["entry_into_force"]
    at = data.get("status_as_at")
    return TreatyStatus(
        id=data["id"],
        chapter=data["chapter"],
        chapter_title=data.get("chapter_title", ""),
        number=data.get("number", ""),
        title=data["title"],
        conclusion=data.get("conclusion", ""),
        entry_into_force_text=eif["text"],
        entry_into_force_date=dt.date.fromisoformat(eif["date"]) if eif["date"] else None,
        registration=data.get("registration"),
        signatories=data["status"]["signatories"],
        parties=data["status"]["parties"],
        status_as_at=dt.datetime.fromisoformat(at) if at else None,
        url=data["url"],
        columns=tuple(data["columns"]),
        participants=tuple(participants),
        # A quarantined observation keeps its sections in its JSON; the snapshot's `status`
        # does not (they have their own column, read by `load_snapshot`).
        sections=Sections.from_json(data["sections"]) if data.get("sections") else None,
    )


def _action_from_json(a: dict[str, Any]) -> Action:
    return Action(
        kind=a["kind"],
        date=dt.date.fromisoformat(a["date"]),
        column=a["column"],
        raw=a["raw"],
        withdrawn=a["withdrawn"],
        footnotes=tuple(a.get("footnotes", ())),
    )


def participant_from_json(p: dict[str, Any]) -> Participant:
    return Participant(
        name=p["name"],
        withdrawn=p["withdrawn"],
        footnotes=tuple(p.get("footnotes", ())),
        actions=tuple(_action_from_json(a) for a in p["actions"]),
        values=tuple((int(k), v) for k, v in p.get("values", {}).items()),
        declarations=bool(p.get("declarations", False)),
    )


def _participant_from_row(row: dict[str, Any]) -> Participant:
    values = json.loads(row["cell_values"]) if row["cell_values"] else []
    return Participant(
        name=row["name"],
        withdrawn=bool(row["withdrawn"]),
        footnotes=tuple(json.loads(row["footnotes"])),
        actions=tuple(_action_from_json(a) for a in json.loads(row["actions"])),
        values=tuple((int(c), str(v)) for c, v in values),
        declarations=bool(row["declarations"]),
    )
