"""Test helper: one real participants table stored as CSV → tuple[Participant, ...].

Reads the tables copied into tests/fixtures/history/ (row 1 = the real column header, then one row
per participant with the date cells as UNTC prints them). Uses the same header and cell readers as
the page parser (scrapers.columns), so a table is read the way a live page would be.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from scrapers.columns import normalise_space, parse_date_cell, parse_header
from scrapers.model import Action, Participant

HISTORY = Path(__file__).resolve().parent.parent / "fixtures" / "history"


def participants_from_rows(rows: Sequence[Sequence[str]]) -> tuple[Participant, ...]:
    """Header row, then one row per participant → Participants; undated cells go to `values`."""
    header, *body = rows
    specs = [parse_header(index, text) for index, text in enumerate(header)]
    participants: list[Participant] = []
    for row in body:
        actions: list[Action] = []
        values: list[tuple[int, str]] = []
        for spec, cell in zip(specs[1:], row[1:], strict=True):
            text = normalise_space(cell)
            if not text:
                continue
            parsed = parse_date_cell(text)
            if parsed is None:
                values.append((spec.index, text))
                continue
            kind = spec.kind_for(parsed.marker)
            actions.append(Action(kind, parsed.date, spec.index, text, parsed.bracketed))
        participants.append(
            Participant(normalise_space(row[0]), actions=tuple(actions), values=tuple(values))
        )
    return tuple(participants)


def participants_from_csv(path: Path) -> tuple[Participant, ...]:
    """The table stored at `path` (UTF-8 CSV, header first) as Participants."""
    with path.open(encoding="utf-8", newline="") as handle:
        return participants_from_rows(list(csv.reader(handle)))


def history_table(name: str) -> tuple[Participant, ...]:
    """A table of tests/fixtures/history/ by file name: `history_table("18-5.csv")`."""
    return participants_from_csv(HISTORY / name)
