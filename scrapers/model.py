"""The page model: what one status page of treaties.un.org says, as frozen dataclasses.

Pure data, no behaviour beyond JSON conversion. Produced by `scrapers.parse`, consumed by `store`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

# The one vocabulary of action kinds a column header can name (snake_case). A header's label is
# the kind with spaces ("Succession to signature" → succession_to_signature, case-insensitive);
# other labels are slugified (see `scrapers.columns`), so a kind outside this list is possible.
KNOWN_KINDS: tuple[str, ...] = (
    "signature",
    "succession_to_signature",
    "ratification",
    "acceptance",
    "approval",
    "accession",
    "succession",
    "formal_confirmation",
    "definitive_signature",
    "provisional_application",
    "consent_to_be_bound",
    "simplified_procedure",
    "application",
)
_KNOWN = frozenset(KNOWN_KINDS)


def is_known_kind(kind: str | None) -> bool:
    """True for a kind of `KNOWN_KINDS` (what config validation should accept as a kind name)."""
    return kind in _KNOWN


@dataclass(frozen=True, slots=True)
class Action:
    """One dated action in one cell: a signature, a ratification, an accession…

    `kind` is None when the column's header does not say which action an unmarked date is
    (several unlettered items); `raw` keeps the cell text as printed.
    """

    kind: str | None
    date: dt.date
    column: int
    raw: str
    withdrawn: bool = False
    footnotes: tuple[int, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "date": self.date.isoformat(),
            "withdrawn": self.withdrawn,
            "column": self.column,
            "raw": self.raw,
            "footnotes": list(self.footnotes),
        }


@dataclass(frozen=True, slots=True)
class Participant:
    """One row of the participants grid.

    `values` holds cells of columns that do not contain dates (e.g. resolution numbers in I-2),
    as (column index, text) pairs.
    """

    name: str
    withdrawn: bool = False
    footnotes: tuple[int, ...] = ()
    actions: tuple[Action, ...] = ()
    values: tuple[tuple[int, str], ...] = ()
    declarations: bool = False

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "withdrawn": self.withdrawn,
            "footnotes": list(self.footnotes),
            "actions": [a.to_json() for a in self.actions],
        }
        if self.values:
            data["values"] = {str(col): text for col, text in self.values}
        if self.declarations:
            data["declarations"] = True
        return data


@dataclass(frozen=True, slots=True)
class StatementEntry:
    """One participant's entry in a section below the grid (`scrapers.sections`).

    In "declarations" and "objections": the participant's paragraphs as printed (one entry per
    participant; a name printed twice is merged). In "territorial_applications": one row of
    the table, `date` its date of receipt and `territory` its territories cell.
    """

    participant: str
    paragraphs: tuple[str, ...] = ()
    footnotes: tuple[int, ...] = ()
    date: dt.date | None = None
    territory: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "participant": self.participant,
            "paragraphs": list(self.paragraphs),
        }
        if self.footnotes:
            data["footnotes"] = list(self.footnotes)
        if self.date is not None:
            data["date"] = self.date.isoformat()
        if self.territory is not None:
            data["territory"] = self.territory
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StatementEntry:
        return cls(
            participant=str(data["participant"]),
            paragraphs=tuple(str(p) for p in data.get("paragraphs", ())),
            footnotes=tuple(int(n) for n in data.get("footnotes", ())),
            date=dt.date.fromisoformat(data["date"]) if data.get("date") else None,
            territory=data.get("territory"),
        )


SECTION_NAMES: tuple[str, ...] = ("declarations", "objections", "territorial_applications")


@dataclass(frozen=True, slots=True)
class Sections:
    """The sections below the grid. A section the page does not have is None; one it has with
    no entry is `()`. (A `TreatyStatus` whose `sections` is None was stored before they were
    read: nothing is known about them, which is not the same as "none".)"""

    declarations: tuple[StatementEntry, ...] | None = None
    objections: tuple[StatementEntry, ...] | None = None
    territorial_applications: tuple[StatementEntry, ...] | None = None

    def get(self, name: str) -> tuple[StatementEntry, ...] | None:
        value: tuple[StatementEntry, ...] | None = getattr(self, name)
        return value

    def to_json(self) -> dict[str, Any]:
        return {
            name: None if entries is None else [e.to_json() for e in entries]
            for name in SECTION_NAMES
            for entries in [self.get(name)]
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Sections:
        def entries(name: str) -> tuple[StatementEntry, ...] | None:
            value = data.get(name)
            return None if value is None else tuple(StatementEntry.from_json(e) for e in value)

        return cls(*(entries(name) for name in SECTION_NAMES))


@dataclass(frozen=True, slots=True)
class TreatyStatus:
    """Everything a status page says about one treaty, parsed and checked."""

    id: str
    chapter: str
    chapter_title: str
    number: str
    title: str
    conclusion: str
    entry_into_force_text: str
    entry_into_force_date: dt.date | None
    registration: str | None
    signatories: int | None
    parties: int | None
    status_as_at: dt.datetime | None
    url: str
    columns: tuple[str, ...]
    participants: tuple[Participant, ...] = field(default=())
    sections: Sections | None = None

    def content_hash(self) -> str:
        """Hash of the normalised facts (never the page timestamp): equal hash = nothing new."""
        facts = {
            "eif": [self.entry_into_force_text, _iso(self.entry_into_force_date)],
            "status": [self.signatories, self.parties],
            "columns": list(self.columns),
            "participants": [p.to_json() for p in self.participants],
        }
        if self.sections is not None and self.sections != Sections():
            facts["sections"] = self.sections.to_json()  # absent when none: old hashes hold
        blob = json.dumps(facts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def to_json(self) -> dict[str, Any]:
        """The stable JSON contract of `treatybot parse` / `scrape` (fields may only be added)."""
        return {
            "id": self.id,
            "chapter": self.chapter,
            "chapter_title": self.chapter_title,
            "number": self.number,
            "title": self.title,
            "conclusion": self.conclusion,
            "url": self.url,
            "registration": self.registration,
            "status": {"signatories": self.signatories, "parties": self.parties},
            "entry_into_force": {
                "date": _iso(self.entry_into_force_date),
                "text": self.entry_into_force_text,
            },
            "status_as_at": self.status_as_at.isoformat() if self.status_as_at else None,
            "columns": list(self.columns),
            "participants": [p.to_json() for p in self.participants],
            "sections": self.sections.to_json() if self.sections is not None else None,
        }


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    """One treaty in the MTDSG catalogue (index of chapters → chapter treaty lists)."""

    id: str
    chapter: str
    chapter_title: str
    title: str
    place_date: str
    url: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "chapter": self.chapter,
            "chapter_title": self.chapter_title,
            "title": self.title,
            "place_date": self.place_date,
            "url": self.url,
        }


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None
