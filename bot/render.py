"""Pure: events, statuses and check results → human text. Works on the stable JSON forms.

No I/O; the CLI (and later the Telegram sender) print what these return.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from scrapers.model import TreatyStatus

_VERBS = {
    "signature": "signed",
    "succession_to_signature": "succeeded to the signature of",
    "ratification": "ratified",
    "acceptance": "accepted",
    "approval": "approved",
    "accession": "acceded to",
    "succession": "succeeded to",
    "formal_confirmation": "formally confirmed",
    "definitive_signature": "definitively signed",
    "provisional_application": "began provisionally applying",
    "consent_to_be_bound": "consented to be bound by",
    "simplified_procedure": "consented (simplified procedure) to",
    "application": "began applying",
}


def human_date(value: str | dt.date | None) -> str:
    if value is None:
        return "—"
    date = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return f"{date.day} {date.strftime('%b %Y')}"


def _who(event: Mapping[str, Any]) -> str:
    participant = event.get("participant") or {}
    flag = participant.get("flag")
    name = participant.get("name", "?")
    return f"{flag} {name}" if flag else name


def _progress(counts: Mapping[str, Any]) -> str:
    threshold = counts.get("threshold")
    if not threshold:
        return f"{counts.get('parties') or 0} parties"
    remaining = counts.get("remaining")
    tail = f", {remaining} to go" if remaining else ""
    return f"{counts.get('qualifying', 0)} of {threshold} instruments needed{tail}"


def event_text(event: Mapping[str, Any]) -> str:
    """One line a subscriber can read: who did what to which treaty, and where it stands."""
    kind = event["type"]
    treaty = event["treaty"]["title"] or event["treaty"]["id"]
    counts = event.get("counts") or {}
    action = event.get("action") or {}
    eif = (event.get("entry_into_force") or {}).get("date")
    if kind in ("treaty.signature", "treaty.consent"):
        kind_name = action.get("kind")
        verb = _VERBS.get(kind_name or "") or (
            f"deposited an instrument ({kind_name.replace('_', ' ')}) for"
            if kind_name
            else "deposited an instrument for"
        )
        return (
            f"{_who(event)} {verb} the {treaty} on {human_date(action.get('date'))}"
            f" — {_progress(counts)}"
        )
    if kind == "treaty.withdrawal":
        return f"{_who(event)} withdrew from the {treaty} — {_progress(counts)}"
    if kind == "treaty.correction":
        return (
            f"Correction: {_who(event)}, {treaty}: now {action.get('kind')} of "
            f"{human_date(action.get('date'))}"
        )
    if kind == "treaty.milestone":
        milestone = event.get("milestone") or {}
        return (
            f"Milestone: the {treaty} has {milestone.get('reached')} of "
            f"{milestone.get('of')} instruments needed to enter into force"
        )
    if kind == "treaty.threshold_reached":
        return (
            f"Threshold reached: the {treaty} has its {counts.get('threshold')}th qualifying "
            f"instrument and enters into force on {human_date(eif)}"
        )
    if kind == "treaty.entry_into_force":
        return f"The {treaty} entered into force on {human_date(eif)}"
    return f"{kind}: {treaty}"


def status_table(status: TreatyStatus) -> str:
    """The readable form of `treatybot parse` / `scrape --table`."""
    lines = [
        f"{status.id}  {status.title}",
        f"  concluded:         {status.conclusion}",
        f"  entry into force:  {human_date(status.entry_into_force_date)}"
        + ("" if status.entry_into_force_date else "  (not yet in force)"),
        f"  signatories:       {_count(status.signatories)}    parties: {_count(status.parties)}",
        f"  status as at:      {status.status_as_at.isoformat() if status.status_as_at else '—'}",
        f"  url:               {status.url}",
        "",
    ]
    headers = [short_header(h) for h in status.columns]
    rows: list[list[str]] = []
    for p in status.participants:
        cells = [("[" + p.name + "]") if p.withdrawn else p.name]
        for column in range(1, len(status.columns)):
            cell = [
                ("[" if a.withdrawn else "")
                + f"{human_date(a.date)} {a.kind or '?'}"
                + ("]" if a.withdrawn else "")
                for a in p.actions
                if a.column == column
            ] + [text for c, text in p.values if c == column]
            cells.append(", ".join(cell))
        rows.append(cells)
    lines.extend(table(headers, rows))
    lines.append(f"\n{len(status.participants)} participants")
    return "\n".join(lines)


def short_header(header: str) -> str:
    return header if len(header) <= 28 else header[:27] + "…"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=False)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [fmt.format(*headers).rstrip(), "  ".join("-" * w for w in widths)]
    out.extend(fmt.format(*row).rstrip() for row in rows)
    return out


def _count(value: int | None) -> str:
    return "—" if value is None else str(value)


def progress_bar(done: int, total: int, width: int = 30) -> str:
    filled = min(width, round(width * done / total)) if total else 0
    return "█" * filled + "░" * (width - filled)
