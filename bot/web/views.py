"""What the status pages show, computed from plain data: the rule in words, the participants
table rows and their sort orders, the progress gauge and the embeddable badge (both SVG).

Pure: takes the status object (`bot.operations.status`), participants and events as
arguments. The status object is read with `.get` throughout: fields may be added (per-party
entry-into-force dates, weighted thresholds) and a treaty never read has nulls.
Must not: read the database, the clock or the network, or know any route.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from bot.charts.series import NOT_CONSENT_KINDS, SIGNATURE_KINDS, short_title
from scrapers.model import Participant, Sections

SORTS = ("name", "signature", "consent")
# Characters HTML and XML forbid in text (control characters a hostile page could carry).
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")


def clean_text(text: str) -> str:
    return _FORBIDDEN.sub("", text)


ORDERS = ("asc", "desc")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def rule_words(rule: Mapping[str, Any] | None) -> str:
    """ "40 instruments; European Union not counted; 90 days after"."""
    if not rule:
        return "The entry-into-force rule is not known yet."
    parts: list[str] = []
    threshold = rule.get("threshold")
    parts.append(_plural(threshold, "instrument") if threshold else "no threshold")
    not_counted = list(rule.get("not_counted") or ())
    if not_counted:
        parts.append(f"{', '.join(not_counted)} not counted")
    if rule.get("delay_months"):
        parts.append(f"{_plural(int(rule['delay_months']), 'month')} after")
    elif rule.get("delay_days") is not None:
        parts.append(f"{_plural(int(rule['delay_days']), 'day')} after")
    return "; ".join(parts)


def counted_words(rule: Mapping[str, Any] | None) -> str:
    kinds = [str(k).replace("_", " ") for k in (rule or {}).get("counted_kinds") or ()]
    return f"Counts: {', '.join(kinds)}." if kinds else ""


@dataclass(frozen=True, slots=True)
class Row:
    name: str
    signature: str | None  # ISO date
    consent: str | None
    consent_kind: str | None
    withdrawn: bool


def participant_rows(participants: Sequence[Participant]) -> list[Row]:
    rows = []
    for p in participants:
        live = [a for a in p.actions if not a.withdrawn]
        sig = min((a.date for a in live if a.kind in SIGNATURE_KINDS), default=None)
        consents = sorted(
            (a for a in live if a.kind is not None and a.kind not in NOT_CONSENT_KINDS),
            key=lambda a: a.date,
        )
        first = consents[0] if consents else None
        rows.append(
            Row(
                name=p.name,
                signature=sig.isoformat() if sig else None,
                consent=first.date.isoformat() if first else None,
                consent_kind=first.kind.replace("_", " ") if first and first.kind else None,
                withdrawn=p.withdrawn,
            )
        )
    return rows


def sort_rows(rows: Sequence[Row], sort: str, order: str) -> list[Row]:
    """By name, or by a date with undated rows last in either order (then by name)."""
    by_name = sorted(rows, key=lambda r: r.name.casefold(), reverse=order == "desc")
    if sort == "name":
        return by_name
    dated = [r for r in by_name if getattr(r, sort)]
    undated = [r for r in by_name if not getattr(r, sort)]
    dated.sort(key=lambda r: str(getattr(r, sort)), reverse=order == "desc")
    return dated + undated


def progress_numbers(status: Mapping[str, Any]) -> tuple[int | None, int | None]:
    counts = status.get("counts") or {}
    return counts.get("qualifying"), counts.get("threshold")


def gauge_svg(qualifying: int | None, threshold: int | None) -> str:
    """An inline progress bar toward the threshold, labelled "k of N"."""
    k, n = qualifying or 0, threshold or 0
    share = min(k / n, 1.0) if n else 0.0
    label = f"{k} of {n} instruments counted toward entry into force" if n else f"{k} instruments"
    width = round(300 * share, 1)
    return (
        '<svg class="gauge" role="img" aria-labelledby="gauge-title gauge-desc"'
        f' viewBox="0 0 300 24" width="300" height="24" data-qualifying="{k}" data-threshold="{n}">'
        f'<title id="gauge-title">Progress: {k}/{n}</title>'
        f'<desc id="gauge-desc">{escape(label)}</desc>'
        '<rect width="300" height="24" rx="4" fill="#e6e6e6"/>'
        f'<rect width="{width}" height="24" rx="4" fill="#1f5f99"/></svg>'
    )


def badge_svg(title: str, qualifying: int | None, threshold: int | None) -> str:
    """A shields-style badge: "Cybercrime Convention: 38/40" (white on dark: 10:1 contrast)."""
    value = f"{qualifying if qualifying is not None else '?'}/{threshold or '?'}"
    label = short_title(clean_text(title), 48)
    left = 12 + 7 * len(label)
    right = 12 + 8 * len(value)
    text = f"{label}: {value}"
    return (
        '<svg xmlns="http://www.w3.org/2000/svg"'
        f' width="{left + right}" height="20" viewBox="0 0 {left + right} 20">'
        f"<title>{escape(text)}</title>"
        f'<rect width="{left}" height="20" fill="#333333"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="#1f5f99"/>'
        '<g fill="#ffffff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="6" y="14">{escape(label)}</text>'
        f'<text x="{left + 6}" y="14">{escape(value)}</text></g></svg>'
    )


SECTION_HEADINGS = {
    "declarations": "Declarations and reservations",
    "objections": "Objections",
    "territorial_applications": "Territorial application",
}


@dataclass(frozen=True, slots=True)
class Statement:
    participant: str
    paragraphs: tuple[str, ...]
    date: str | None  # ISO date (territorial applications)
    territory: str | None


@dataclass(frozen=True, slots=True)
class SectionView:
    name: str
    heading: str
    entries: tuple[Statement, ...]


def section_views(sections: Sections | None) -> list[SectionView]:
    """The sections the page has, in the UN's order, their entries by participant."""
    if sections is None:
        return []
    views = []
    for name, heading in SECTION_HEADINGS.items():
        entries = sections.get(name)
        if entries is None:
            continue
        shown = tuple(
            Statement(
                participant=e.participant,
                paragraphs=e.paragraphs,
                date=e.date.isoformat() if e.date else None,
                territory=e.territory,
            )
            for e in sorted(
                entries,
                key=lambda e: (e.participant.casefold(), e.date.isoformat() if e.date else ""),
            )
        )
        views.append(SectionView(name, heading, shown))
    return views
