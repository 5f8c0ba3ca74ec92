"""Test helper: real treaty histories as a sequence of status pages for the fake UN site.

A history is a real participants table (tests/fixtures/history/, sources in SOURCES.md there)
seen on given days: `page_as_of` keeps only the cells dated up to that day and renders the page
in the real markup (`tests.untc_pages`), so the pipeline reads each day's page as the site would
have served it.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from bot import operations
from bot.app import open_app
from bot.config import load_config
from bot.pipeline import CheckResult
from scrapers.columns import parse_date_cell
from tests.untc_pages import PageSpec, esc, render_page

HISTORY = Path(__file__).resolve().parents[1] / "fixtures" / "history"


def read_table(name: str) -> tuple[list[str], list[list[str]]]:
    header, *rows = list(csv.reader((HISTORY / name).open(encoding="utf-8")))
    return header, rows


def with_cell(rows: Sequence[Sequence[str]], name: str, column: int, cell: str) -> list[list[str]]:
    """The rows with `name`'s cell in `column` set (a new row when `name` is not listed)."""
    out = [list(row) for row in rows]
    for row in out:
        if row[0] == name:
            row[column] = cell
            return out
    width = len(out[0]) if out else column + 1
    new = [name, *([""] * (width - 1))]
    new[column] = cell
    return sorted([*out, new], key=lambda row: row[0])


def as_of(rows: Sequence[Sequence[str]], day: dt.date) -> list[list[str]]:
    """Only the cells dated on or before `day`; rows left without any cell are dropped."""
    out = []
    for row in rows:
        cells = []
        for cell in row[1:]:
            parsed = parse_date_cell(cell) if cell else None
            cells.append(cell if parsed is not None and parsed.date <= day else "")
        if any(cells):
            out.append([row[0], *cells])
    return out


def page(
    treaty_id: str,
    title: str,
    eif: str,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    chapter: str = "ENVIRONMENT",
    conclusion: str = "Paris, 12 December 2015",
) -> bytes:
    """One status page in the real markup around `rows` (plain-text cells)."""
    parties = sum(1 for row in rows if row[-1])
    spec = PageSpec(
        treaty_id=treaty_id,
        chapter_title=chapter,
        number=treaty_id.split("-", 1)[1].replace("-", ". "),
        title=title,
        conclusion=conclusion,
        eif=eif,
        status=f"Signatories : {sum(1 for row in rows if len(row) > 2 and row[1])}. "
        f"Parties : {parties}",
        columns=list(header),
        rows=[[esc(cell) for cell in row] for row in rows],
        viewstate_bytes=4_000,
    )
    return render_page(spec).encode("utf-8")


async def check_on(
    config: Path, day: dt.datetime, treaty_id: str, *, announce: bool = False
) -> CheckResult:
    """One check of `treaty_id` through the real composition root, on `day`'s clock."""
    async with open_app(load_config(str(config)), clock=lambda: day) as app:
        [result] = await operations.scrape(app, [treaty_id], announce=announce)
    return result


def at(year: int, month: int, day: int, hour: int = 23) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=dt.UTC)
