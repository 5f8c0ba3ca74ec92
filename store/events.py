"""The closed catalogue of events: everything the bot can say about a treaty, one dataclass each.

This file is the contract between the diff (`store.diff`, which creates events), the store (which
keeps `to_json()` and reads it back with `event_from_json`) and every notifier and webhook
consumer. The types, by their stable `type` string:

- `treaty.signature`        a participant signed (signature, succession to signature …)
- `treaty.consent`          any other new action: ratification, accession, acceptance …
- `treaty.withdrawal`       a participant, or one of its actions, became bracketed
- `treaty.correction`       a known action's date or kind changed, or a bracket was removed
- `treaty.milestone`        the qualifying count crossed a milestone upward
- `treaty.threshold_reached` the N-th qualifying instrument was deposited
- `treaty.entry_into_force` the treaty entered into force (page date, or computed date arrived)
- `treaty.declaration`      a participant's declaration, reservation … is new, or has new text
- `treaty.objection`        a participant's objection is new, or has new text
- `treaty.territorial_application` a participant applied the treaty to territories

JSON fields may be added, never changed or removed. Ids are deterministic (`event_id`): the same
observation always gives the same id, whenever it is detected, so the store can deduplicate.

Pure: no I/O, no clock. Adding a type means a new dataclass here and an entry in `EVENT_TYPES`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from scrapers.model import TreatyStatus
from store.countries import participant_key


@dataclass(frozen=True, slots=True)
class TreatyRef:
    """Which treaty: its id (`XVIII-16`), short title (up to the first ";") and status-page URL."""

    id: str
    title: str
    url: str

    @classmethod
    def from_status(cls, status: TreatyStatus) -> TreatyRef:
        return cls(status.id, short_title(status.title), status.url)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "url": self.url}


@dataclass(frozen=True, slots=True)
class ParticipantRef:
    """Who: the participant's name as the page prints it, ISO alpha-2 code and flag (or None)."""

    name: str
    code: str | None
    flag: str | None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "code": self.code, "flag": self.flag}


@dataclass(frozen=True, slots=True)
class ActionRef:
    """What: the action's kind (`ratification`; None when the header is ambiguous) and date."""

    kind: str | None
    date: dt.date

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "date": self.date.isoformat()}


@dataclass(frozen=True, slots=True)
class Counts:
    """The treaty's state after the observation: signatories and parties (the page's figures
    when it gives them, else counted from the table) and progress toward entry into force."""

    signatories: int
    parties: int
    qualifying: int
    threshold: int | None
    remaining: int | None
    # A dual threshold's second part (Paris Agreement: % of the article 21 emissions table).
    weight: WeightCounts | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "signatories": self.signatories,
            "parties": self.parties,
            "qualifying": self.qualifying,
            "threshold": self.threshold,
            "remaining": self.remaining,
            "weight": self.weight.to_json() if self.weight else None,
        }


@dataclass(frozen=True, slots=True)
class WeightCounts:
    """The share (%, 2 decimals) of weight table `table` the qualifying deposits hold, of the
    `needed` share."""

    table: str
    share: float
    needed: float

    def to_json(self) -> dict[str, Any]:
        return {"table": self.table, "share": round(self.share, 2), "needed": self.needed}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> WeightCounts | None:
        if not data:
            return None
        return cls(str(data["table"]), float(data["share"]), float(data["needed"]))


def _utc_second(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class Detection:
    """When treatybot first saw a change, and the earliest it could have: the previous check
    that still saw the old state (None: no earlier good check). `first_seen_at -
    changed_after` bounds the detection latency. `tier` is the watch tier the treaty was
    checked in (None: not known)."""

    first_seen_at: dt.datetime
    changed_after: dt.datetime | None
    tier: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "first_seen_at": _utc_second(self.first_seen_at),
            "changed_after": _utc_second(self.changed_after) if self.changed_after else None,
            "tier": self.tier,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Detection:
        def when(text: Any) -> dt.datetime | None:
            if not text:
                return None
            return dt.datetime.strptime(str(text), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)

        first = when(data["first_seen_at"])
        if first is None:
            raise ValueError("detection.first_seen_at is empty")
        return cls(first, when(data.get("changed_after")), data.get("tier"))


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """The fields every event carries. Never emitted itself: use one of the subclasses.

    `participant` and `action` are None for treaty-level events. `detected_at` must be aware; it
    is stored in UTC to the second (the precision of the JSON form).
    """

    type: ClassVar[str] = ""

    id: str
    detected_at: dt.datetime
    treaty: TreatyRef
    participant: ParticipantRef | None
    action: ActionRef | None
    counts: Counts
    entry_into_force_date: dt.date | None = None
    # Added by the pipeline to new events (issue 13); events stored before it have none.
    detection: Detection | None = None

    def __post_init__(self) -> None:
        if self.detected_at.utcoffset() is None:
            raise ValueError(f"detected_at must be an aware datetime, not {self.detected_at!r}")
        utc = self.detected_at.astimezone(dt.UTC).replace(microsecond=0)
        object.__setattr__(self, "detected_at", utc)  # frozen: normalise once, at construction

    def to_json(self) -> dict[str, Any]:
        """The stable JSON contract (fields may be added, these may not change)."""
        data: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "detected_at": self.detected_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "treaty": self.treaty.to_json(),
            "participant": self.participant.to_json() if self.participant else None,
            "action": self.action.to_json() if self.action else None,
            "counts": self.counts.to_json(),
            "entry_into_force": {"date": _iso(self.entry_into_force_date)},
        }
        if self.detection is not None:
            data["detection"] = self.detection.to_json()
        data.update(self._extra_json())
        return data

    def _extra_json(self) -> dict[str, Any]:
        return {}

    @classmethod
    def _extra_fields(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        return {}


@dataclass(frozen=True, slots=True, kw_only=True)
class SignatureEvent(Event):
    """treaty.signature — a participant signed: `action.kind` is `signature`,
    `succession_to_signature` or another signature kind (`signature_ad_referendum` …)."""

    type: ClassVar[str] = "treaty.signature"


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsentEvent(Event):
    """treaty.consent — any other new action: ratification, acceptance, approval, accession,
    succession, definitive signature, formal confirmation, provisional application …
    `action.kind` says which (None when the column header does not say)."""

    type: ClassVar[str] = "treaty.consent"

    # The day the treaty enters into force for this participant, once the threshold is met:
    # the general date (deposited by the threshold, or by the entry into force, as the
    # treaty's later-parties clause says) or its own date from that clause. None before.
    party_entry_into_force_date: dt.date | None = None
    party_entry_into_force_basis: str | None = None  # "general" | "own"

    def _extra_json(self) -> dict[str, Any]:
        return {
            "party_entry_into_force": {
                "date": _iso(self.party_entry_into_force_date),
                "basis": self.party_entry_into_force_basis,
            }
        }

    @classmethod
    def _extra_fields(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        # Events stored before the field existed have none: read them as unknown.
        party = data.get("party_entry_into_force") or {}
        return {
            "party_entry_into_force_date": _date(party.get("date")),
            "party_entry_into_force_basis": party.get("basis"),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class WithdrawalEvent(Event):
    """treaty.withdrawal — a participant or one of its actions became bracketed on the page.

    `action` is the bracketed action, or None when the participant's name was bracketed (one
    event per participant then, whatever its actions did)."""

    type: ClassVar[str] = "treaty.withdrawal"


@dataclass(frozen=True, slots=True, kw_only=True)
class CorrectionEvent(Event):
    """treaty.correction — the date or kind of a known action changed, or a bracket was removed.

    `action` is the action as it is now (None when only the participant's brackets were
    removed), `previous_action` as it was. `previous_withdrawn` / `withdrawn` say whether the
    action (or, when `action` is None, the participant) was bracketed before / is now.
    """

    type: ClassVar[str] = "treaty.correction"

    previous_action: ActionRef | None
    previous_withdrawn: bool
    withdrawn: bool

    def _extra_json(self) -> dict[str, Any]:
        previous = self.previous_action.to_json() if self.previous_action else None
        return {
            "correction": {
                "previous_action": previous,
                "previous_withdrawn": self.previous_withdrawn,
                "withdrawn": self.withdrawn,
            }
        }

    @classmethod
    def _extra_fields(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        correction = data["correction"]
        return {
            "previous_action": _action(correction["previous_action"]),
            "previous_withdrawn": bool(correction["previous_withdrawn"]),
            "withdrawn": bool(correction["withdrawn"]),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class MilestoneEvent(Event):
    """treaty.milestone — the qualifying count reached `reached` (of `threshold`, None when the
    threshold is unknown and the milestones come from config)."""

    type: ClassVar[str] = "treaty.milestone"

    reached: int
    of: int | None

    def _extra_json(self) -> dict[str, Any]:
        return {"milestone": {"reached": self.reached, "of": self.of}}

    @classmethod
    def _extra_fields(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        return {"reached": int(data["milestone"]["reached"]), "of": data["milestone"]["of"]}


@dataclass(frozen=True, slots=True, kw_only=True)
class ThresholdReachedEvent(Event):
    """treaty.threshold_reached — the N-th qualifying instrument was deposited on
    `nth_deposit_date`; `entry_into_force_date` is the computed date (None if the rule has no
    known delay)."""

    type: ClassVar[str] = "treaty.threshold_reached"

    nth_deposit_date: dt.date | None

    def _extra_json(self) -> dict[str, Any]:
        return {"nth_deposit_date": _iso(self.nth_deposit_date)}

    @classmethod
    def _extra_fields(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        return {"nth_deposit_date": _date(data["nth_deposit_date"])}


@dataclass(frozen=True, slots=True, kw_only=True)
class EntryIntoForceEvent(Event):
    """treaty.entry_into_force — the treaty is in force from `entry_into_force_date`.

    `source` is "page" (the status page newly shows the date) or "computed" (the date computed
    from the rule has arrived). Both give the same id for the same date, so one is kept."""

    type: ClassVar[str] = "treaty.entry_into_force"

    source: str

    def _extra_json(self) -> dict[str, Any]:
        return {"source": self.source}

    @classmethod
    def _extra_fields(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        return {"source": str(data["source"])}


# Statement changes (`StatementEvent.change`): the participant's entry is new in its section;
# it has new paragraphs; its new paragraphs say something was withdrawn.
STATEMENT_CHANGES = ("new", "changed", "withdrawn")


@dataclass(frozen=True, slots=True, kw_only=True)
class StatementEvent(Event):
    """What the three section events share: `change` (one of `STATEMENT_CHANGES`), `excerpt`
    (the new text, at most 280 characters, cut on a word with "…") and the `dates` the new
    paragraphs start with. `action` is None; `participant` is who made the statement."""

    change: str
    excerpt: str
    dates: tuple[dt.date, ...] = ()

    def _statement_json(self) -> dict[str, Any]:
        return {
            "change": self.change,
            "excerpt": self.excerpt,
            "dates": [d.isoformat() for d in self.dates],
        }

    @classmethod
    def _statement_fields(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "change": str(data["change"]),
            "excerpt": str(data["excerpt"]),
            "dates": tuple(dt.date.fromisoformat(d) for d in data["dates"]),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class DeclarationEvent(StatementEvent):
    """treaty.declaration — in "Declarations and Reservations": `kinds` are what the text's own
    labels call it ("reservation", "declaration", "interpretative_declaration" …; empty when
    none is printed)."""

    type: ClassVar[str] = "treaty.declaration"

    kinds: tuple[str, ...] = ()

    def _extra_json(self) -> dict[str, Any]:
        return {"declaration": {**self._statement_json(), "kinds": list(self.kinds)}}

    @classmethod
    def _extra_fields(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        part = data["declaration"]
        return {**cls._statement_fields(part), "kinds": tuple(part["kinds"])}


@dataclass(frozen=True, slots=True, kw_only=True)
class ObjectionEvent(StatementEvent):
    """treaty.objection — in "Objections": `objected_to` are the participants of the table
    that the new text names (whose reservation is objected to), when it names them."""

    type: ClassVar[str] = "treaty.objection"

    objected_to: tuple[ParticipantRef, ...] = ()

    def _extra_json(self) -> dict[str, Any]:
        to = [p.to_json() for p in self.objected_to]
        return {"objection": {**self._statement_json(), "objected_to": to}}

    @classmethod
    def _extra_fields(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        part = data["objection"]
        refs = tuple(ParticipantRef(p["name"], p["code"], p["flag"]) for p in part["objected_to"])
        return {**cls._statement_fields(part), "objected_to": refs}


@dataclass(frozen=True, slots=True, kw_only=True)
class TerritorialApplicationEvent(StatementEvent):
    """treaty.territorial_application — a new row of "Territorial Application": `territory`
    as printed, `date` the date of receipt of the notification (None when not printed)."""

    type: ClassVar[str] = "treaty.territorial_application"

    territory: str
    date: dt.date | None = None

    def _extra_json(self) -> dict[str, Any]:
        return {
            "territorial_application": {
                **self._statement_json(),
                "territory": self.territory,
                "date": _iso(self.date),
            }
        }

    @classmethod
    def _extra_fields(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        part = data["territorial_application"]
        return {
            **cls._statement_fields(part),
            "territory": str(part["territory"]),
            "date": _date(part["date"]),
        }


EVENT_TYPES: dict[str, type[Event]] = {
    SignatureEvent.type: SignatureEvent,
    ConsentEvent.type: ConsentEvent,
    WithdrawalEvent.type: WithdrawalEvent,
    CorrectionEvent.type: CorrectionEvent,
    MilestoneEvent.type: MilestoneEvent,
    ThresholdReachedEvent.type: ThresholdReachedEvent,
    EntryIntoForceEvent.type: EntryIntoForceEvent,
    DeclarationEvent.type: DeclarationEvent,
    ObjectionEvent.type: ObjectionEvent,
    TerritorialApplicationEvent.type: TerritorialApplicationEvent,
}


def short_title(title: str) -> str:
    """The treaty title up to its first ";" (the UN appends long sub-titles after one)."""
    return title.split(";", 1)[0].strip()


def event_id(
    event_type: str,
    treaty_id: str,
    *,
    participant: str | None = None,
    action: ActionRef | None = None,
    column: int | None = None,
    extra: Iterable[object] = (),
) -> str:
    """`evt_` + 24 hex digits of sha256 over what was observed — never over when.

    Covers the treaty, the type, the participant's key (so a rename keeps the id), the action's
    kind, date and column, and `extra`: what else distinguishes the observation (previous values
    of a correction, a milestone's number, the date of a threshold or entry into force).
    """
    parts: list[object] = [
        treaty_id,
        event_type,
        participant_key(participant) if participant is not None else None,
        action.kind if action else None,
        action.date.isoformat() if action else None,
        column,
        *(item.isoformat() if isinstance(item, dt.date) else item for item in extra),
    ]
    blob = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    return "evt_" + hashlib.sha256(blob.encode("utf-8")).hexdigest()[:24]


def event_from_json(data: Mapping[str, Any]) -> Event:
    """`Event.to_json()` → the same Event. Raises ValueError for an unknown `type`."""
    cls = EVENT_TYPES.get(str(data.get("type")))
    if cls is None:
        raise ValueError(f"unknown event type {data.get('type')!r}")
    treaty = data["treaty"]
    participant = data["participant"]
    counts = data["counts"]
    detected_at = dt.datetime.strptime(data["detected_at"], "%Y-%m-%dT%H:%M:%SZ")
    return cls(
        id=str(data["id"]),
        detected_at=detected_at.replace(tzinfo=dt.UTC),
        treaty=TreatyRef(treaty["id"], treaty["title"], treaty["url"]),
        participant=(
            ParticipantRef(participant["name"], participant["code"], participant["flag"])
            if participant is not None
            else None
        ),
        action=_action(data["action"]),
        counts=Counts(
            signatories=counts["signatories"],
            parties=counts["parties"],
            qualifying=counts["qualifying"],
            threshold=counts["threshold"],
            remaining=counts["remaining"],
            weight=WeightCounts.from_json(counts.get("weight")),
        ),
        entry_into_force_date=_date(data["entry_into_force"]["date"]),
        detection=Detection.from_json(data["detection"]) if data.get("detection") else None,
        **cls._extra_fields(data),
    )


def _action(data: Mapping[str, Any] | None) -> ActionRef | None:
    return ActionRef(data["kind"], dt.date.fromisoformat(data["date"])) if data else None


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None
