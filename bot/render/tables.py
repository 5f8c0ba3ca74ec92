"""The CLI's tables: a parsed status page as a table, aligned columns, a text progress bar.

Pure: no I/O; the CLI prints what these return.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.render.words import human_date
from scrapers.model import TreatyStatus


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
    lines.extend(_sections(status))
    return "\n".join(lines)


def _sections(status: TreatyStatus) -> list[str]:
    """One line per section below the grid that the page has: its participants."""
    if status.sections is None:
        return []
    out = []
    for title, entries in (
        ("declarations and reservations", status.sections.declarations),
        ("objections", status.sections.objections),
        ("territorial application", status.sections.territorial_applications),
    ):
        if entries is not None:
            names = list(dict.fromkeys(e.participant for e in entries))
            shown = ", ".join(names[:8]) + (
                f" (and {len(names) - 8} more)" if len(names) > 8 else ""
            )
            out.append(f"{title}: {len(entries)} — {shown}" if entries else f"{title}: none")
    return out


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
