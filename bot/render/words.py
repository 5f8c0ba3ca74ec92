"""The words of every alert: dates, ordinals, plurals, a verb per action kind, the progress line.

Owns the vocabulary only; the sentences are built in `bot.render.alerts`. Pure: no I/O, no clock,
no locale (month names are spelled here, never taken from `strftime`).
"""

from __future__ import annotations

import datetime as dt

from store.events import Counts

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# kind → (verb, preposition before the treaty). "acceded" + "to" → "acceded to the Convention";
# without a treaty (one line of a batch under its treaty header) the verb stands alone.
VERBS: dict[str, tuple[str, str]] = {
    "signature": ("signed", ""),
    "succession_to_signature": ("succeeded to the signature", "of"),
    "ratification": ("ratified", ""),
    "acceptance": ("accepted", ""),
    "approval": ("approved", ""),
    "accession": ("acceded", "to"),
    "succession": ("succeeded", "to"),
    "formal_confirmation": ("formally confirmed", ""),
    "definitive_signature": ("definitively signed", ""),
    "provisional_application": ("began provisionally applying", ""),
    "consent_to_be_bound": ("consented to be bound", "by"),
    "simplified_procedure": ("consented (simplified procedure)", "to"),
    "application": ("began applying", ""),
}


def human_date(value: str | dt.date | None) -> str:
    """`2026-03-02` or a date → `2 Mar 2026`; None → `—`."""
    if value is None:
        return "—"
    date = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return f"{date.day} {_MONTHS[date.month - 1]} {date.year}"


def ordinal(number: int) -> str:
    """1st 2nd 3rd 4th … 11th 12th 13th … 21st 22nd 23rd … 101st 111th 112th."""
    if number % 100 in (11, 12, 13):
        return f"{number}th"
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def plural(count: int, singular: str, many: str | None = None) -> str:
    """`1 party`, `2 parties`; `many` defaults to singular + "s"."""
    return f"{count} {singular if count == 1 else (many or singular + 's')}"


def verb(kind: str | None) -> tuple[str, str]:
    """What a participant did, as (verb, preposition before the treaty).

    Unknown slugs are said plainly ("deposited an instrument (signature ad referendum)"), and
    so is an ambiguous column (kind None: "deposited an instrument")."""
    if kind is None:
        return ("deposited an instrument", "for")
    return VERBS.get(kind) or (f"deposited an instrument ({noun(kind)})", "for")


def noun(kind: str | None) -> str:
    """The action as a noun: `ratification`, `succession to signature`; None → `instrument`."""
    return kind.replace("_", " ") if kind else "instrument"


def progress_text(counts: Counts) -> str:
    """Where the treaty stands: `17 of 40 — 23 to go`, `41 instruments (40 needed) — threshold
    reached`, or `43 parties` when the threshold is unknown. Never "41 of 40"."""
    threshold, count = counts.threshold, counts.qualifying
    if counts.weight is not None and threshold is not None:
        return _dual_progress_text(counts, threshold)
    if threshold is None:
        return plural(counts.parties, "party", "parties")
    if count < threshold:
        return f"{count} of {threshold} — {threshold - count} to go"
    return f"{plural(count, 'instrument')} ({threshold} needed) — threshold reached"


def _dual_progress_text(counts: Counts, threshold: int) -> str:
    """`72 of 55 parties … ; 56.87 % of 55 %`: both parts of a dual threshold, e.g.
    `63 instruments (55 needed); 52.13 % of 55 % — 2.87 % to go`."""
    weight, count = counts.weight, counts.qualifying
    assert weight is not None
    share = f"{weight.share:.2f} % of {weight.needed:g} %"
    if count < threshold:
        return f"{count} of {threshold} — {threshold - count} to go; {share}"
    counted = f"{plural(count, 'instrument')} ({threshold} needed); {share}"
    if round(weight.share, 6) < weight.needed:
        return f"{counted} — {weight.needed - weight.share:.2f} % to go"
    return f"{counted} — threshold reached"
