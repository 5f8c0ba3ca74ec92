"""The cumulative instruments series of a treaty: for each date on which something happened,
how many participants had signed and how many had consented to be bound (ratification,
acceptance, approval, accession, succession…) by the end of that day.

Pure: takes participants, returns numbers. Must not: draw, read the database or the clock.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from scrapers.model import Participant

SIGNATURE_KINDS = frozenset({"signature", "succession_to_signature"})
# An action that is not a signature nor one of these is a consent to be bound.
NOT_CONSENT_KINDS = frozenset({"signature", "succession_to_signature", "provisional_application"})


@dataclass(frozen=True, slots=True)
class Point:
    """Totals at the end of `date`."""

    date: dt.date
    signatures: int
    consents: int

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "signatures": self.signatures,
            "consents": self.consents,
        }


def _first(actions: Iterable[dt.date]) -> dt.date | None:
    return min(actions, default=None)


def cumulative(participants: Sequence[Participant]) -> list[Point]:
    """One point per date with a signature or a first consent; a participant counts once in
    each line (its first signature, its first consent), withdrawn actions not at all."""
    signed: Counter[dt.date] = Counter()
    consented: Counter[dt.date] = Counter()
    for p in participants:
        live = [a for a in p.actions if not a.withdrawn]
        sig = _first(a.date for a in live if a.kind in SIGNATURE_KINDS)
        con = _first(a.date for a in live if a.kind is not None and a.kind not in NOT_CONSENT_KINDS)
        if sig is not None:
            signed[sig] += 1
        if con is not None:
            consented[con] += 1
    points: list[Point] = []
    signatures = consents = 0
    for day in sorted(set(signed) | set(consented)):
        signatures += signed[day]
        consents += consented[day]
        points.append(Point(day, signatures, consents))
    return points


def short_title(title: str, limit: int = 60) -> str:
    """A treaty's title short enough for a badge or a chart heading.

    UN titles often run "Main title; subtitle" (the Cybercrime Convention's is 250 characters):
    keep the part before the first semicolon, then cut on a word with "…" past `limit`.
    """
    head = " ".join(title.split(";", 1)[0].split())
    if len(head) <= limit:
        return head
    cut = head[: limit - 1].rsplit(" ", 1)[0] or head[: limit - 1]
    return cut.rstrip(",:") + "…"
