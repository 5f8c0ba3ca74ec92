"""Pure: status-page text → `TreatyStatus`, or a named `ScrapeError`. No network, no database.

The page is classified before anything is read from it:

- empty, JSON or other non-HTML text              → `NotAStatusPage`
- maintenance text                                → `SiteUnavailable`
- no `</html>` or a grid whose `</table>` is missing → `TruncatedPage`
- neither the entry-into-force block nor the grid → `TreatyNotFound` (the site answers 200)
- grid or EIF block missing, first column not "Participant", rows that do not read,
  a date outside the plausible years (cells, entry into force, status timestamp)
                                                  → `LayoutChanged`
- a page that names another treaty than the one asked for → `WrongTreaty`. The page names its
  own MTDSG number in its form's action (`…ViewDetails.aspx?…mtdsg_no=XVIII-10…`, old and new
  id prefixes alike) and before its title ("10. Rome Statute…"); a page naming neither is read.

Elements are found by the ending of their generated ids (the prefix changed in 2016), the grid by
its `tblgrid` id (decoy tables with a "Participant" column exist before and after it). Only the
treaty header block and the grid are handed to BeautifulSoup (lxml backend): the rest of a page
(menus, a large `__VIEWSTATE`, scripts, declarations, end notes) is located by a byte scan and
never turned into a tree.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import zoneinfo
from typing import TYPE_CHECKING

from lxml import etree
from lxml.etree import _Element

from scrapers.columns import (
    MONTHS,
    CellError,
    ColumnSpec,
    check_plausible,
    looks_like_date,
    normalise_space,
    parse_date_cell,
    parse_header,
)
from scrapers.errors import (
    LayoutChanged,
    NotAStatusPage,
    SiteUnavailable,
    TreatyNotFound,
    TruncatedPage,
    WrongTreaty,
)
from scrapers.model import Action, Participant, TreatyStatus
from scrapers.pagetext import (
    form_treaty_id,
    id_of_printed_number,
    is_maintenance_page,
    same_treaty_id,
    split_number_title,
)
from scrapers.sections import SectionError, read_sections, section_spans
from scrapers.urls import shorten

if TYPE_CHECKING:
    from bs4 import BeautifulSoup

_ID_SUFFIXES = {
    "chapter_title": "rptHead_ctl00_tcText",
    "treaty": "rptTreaty_ctl00_tcTreaty",
    "conclusion": "rptTreaty_ctl00_tcText",
    "eif_block": "tcrptEIF",
    "eif": "rptEIF_ctl00_tcText",
    "registration": "rptRegistration_ctl00_tcText",
    "status": "rptStatus_ctl00_tcText",
}
_GRID_ID = re.compile(r"""<table\b[^>]*\bid\s*=\s*["']?[\w$]*tblgrid["'\s>]""", re.IGNORECASE)
_TABLE_TAG = re.compile(r"<(/?)table\b", re.IGNORECASE)
_STATUS_AS_AT = re.compile(
    r"(?:Status as at|État au)\s*:\s*(\d{2})-(\d{2})-(\d{4})"
    r"\s+(\d{2}):(\d{2}):(\d{2})\s*([A-Z]{3})?"
)
_EIF_DATE = re.compile(r"^(\d{1,2})\s+([A-Za-z]+)\s+(\d{4})\b")
_COUNT = r"\s*:\s*(\d[\d,]*|-)"
_SIGNATORIES = re.compile(r"Signatories" + _COUNT)
_PARTIES = re.compile(r"Parties" + _COUNT)
# Counts above this are not counts of states (fewer than 250 participants exist).
_MAX_COUNT = 10_000
_TRAILING_FOOTNOTE = re.compile(r"(\d{4})\s+\d{1,2}$")
_SECTIONS = ("thead", "tbody", "tfoot")
_GRID_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True)
_NEW_YORK = "America/New_York"
_SECTIONS_MARK = b"\x00sections v1"
_ZONE_OFFSETS = {"EDT": -4, "EST": -5}


def decode(page: bytes | str) -> str:
    if isinstance(page, str):
        return page
    try:
        return page.decode("utf-8")
    except UnicodeDecodeError:
        return page.decode("cp1252", errors="replace")


def _find_grid(text: str) -> int | None:
    """Offset of the `<table` whose id ends in `tblgrid`. Plain string scans: pages are large."""
    at = text.find("tblgrid")
    while at >= 0:
        start = text.rfind("<", 0, at)
        if start >= 0 and _GRID_ID.match(text, start):
            return start
        at = text.find("tblgrid", at + 7)
    return None


def _ends_html(text: str, after: int = 0) -> bool:
    """A complete document ends with `</html>` (a dropped connection does not)."""
    return "</html" in text[max(after, len(text) - 2048) :].lower()


def _has_eif_block(text: str) -> bool:
    return "tcrptEIF" in text or "rptEIF_ctl00_tcText" in text


def page_fingerprint(page: bytes | str) -> str | None:
    """Cheap hash of the treaty block and grid, timestamp removed; None if they cannot be found.

    Equal fingerprints mean equal facts, so an unchanged page needs no parse and no diff.
    """
    text = decode(page)
    region = _region(text)
    if region is None or not _ends_html(text):
        return None
    head, grid = region
    blob = _STATUS_AS_AT.sub("", text[head : grid[1]])
    digest = hashlib.sha256(" ".join(blob.split()).encode("utf-8"))
    # The sections below the grid (declarations, objections …) are facts too. Hashed as they
    # are (white space included: a change there only costs a parse that finds nothing new).
    # The marker makes every fingerprint differ from those stored before sections were read, so
    # each treaty is parsed once after the upgrade and its sections stored as the baseline (a
    # page without sections would otherwise never store "none", and its first declaration
    # would be taken for that baseline).
    digest.update(_SECTIONS_MARK)
    for name, start, end in section_spans(text, head, grid):
        digest.update(f"\x00{name}\x00".encode() + text[start:end].encode("utf-8"))
    return digest.hexdigest()


def parse_status_page(page: bytes | str, treaty_id: str, url: str) -> TreatyStatus:
    """Classify the page, then read it completely — or raise the `ScrapeError` that says why."""
    text = decode(page)
    _check_is_html(text, treaty_id)
    if is_maintenance_page(text):
        raise SiteUnavailable(treaty_id, "the site shows its maintenance page; try again later")
    grid_start = _find_grid(text)
    has_eif = _has_eif_block(text)
    if grid_start is None:
        if not _ends_html(text):
            raise TruncatedPage(treaty_id, "the page ends before the participants grid")
        if not has_eif:
            raise TreatyNotFound(
                treaty_id, "the page has neither an entry-into-force block nor a participants grid"
            )
        raise LayoutChanged(treaty_id, "no participants grid (no table id ending in 'tblgrid')")
    grid_span = _table_span(text, grid_start)
    if grid_span is None or not _ends_html(text, grid_span[1]):
        raise TruncatedPage(treaty_id, "the page ends before the participants grid does")
    if not has_eif:
        raise LayoutChanged(treaty_id, "no entry-into-force block (id ending in 'tcrptEIF')")
    named = form_treaty_id(text)
    if named is not None and not same_treaty_id(named, treaty_id):
        raise WrongTreaty(treaty_id, named)
    head_at = text.rfind("rptHead_ctl00_tcText", 0, grid_start)
    head_start = text.rfind("<", 0, head_at) if head_at >= 0 else grid_start
    from bs4 import BeautifulSoup  # imported on first parse: unchanged pages never need it

    head = BeautifulSoup(text[head_start:grid_start], "lxml")
    # Plain lxml elements (not lxml.html's, whose per-element class lookup costs a third of
    # the parse on a 200-row grid).
    root = etree.fromstring(text[grid_span[0] : grid_span[1]], _GRID_PARSER)
    grid = root.find("body/table") if root is not None else None
    if grid is None:
        raise LayoutChanged(treaty_id, "the participants grid could not be read")
    fields = {name: _text_by_suffix(head, suffix) for name, suffix in _ID_SUFFIXES.items()}
    if fields["eif"] is None:
        raise LayoutChanged(
            treaty_id, "no entry-into-force text (id ending in 'rptEIF_ctl00_tcText')"
        )
    number, title = split_number_title(fields["treaty"] or "")
    # The page's own address is the authority; the number printed before the title (whose form
    # varies: "2-7a.", "7b.", "7. d") is compared only when the page names no address.
    answered = id_of_printed_number(number, treaty_id) if named is None else None
    if answered is not None:
        raise WrongTreaty(treaty_id, answered)
    columns, participants = _read_grid(grid, treaty_id)
    try:
        sections = read_sections(text, head_start, grid_span, (p.name for p in participants))
    except SectionError as exc:
        raise LayoutChanged(treaty_id, str(exc)) from exc
    eif_text = fields["eif"]
    try:
        eif_date = _eif_date(eif_text)
        status_as_at = parse_status_as_at(text)
    except CellError as exc:
        raise LayoutChanged(treaty_id, str(exc)) from exc
    return TreatyStatus(
        id=treaty_id,
        chapter=treaty_id.split("-")[0],
        chapter_title=fields["chapter_title"] or "",
        number=number,
        title=title,
        conclusion=_TRAILING_FOOTNOTE.sub(r"\1", fields["conclusion"] or ""),
        entry_into_force_text=eif_text,
        entry_into_force_date=eif_date,
        registration=fields["registration"],
        signatories=_count(_SIGNATORIES, fields["status"], treaty_id),
        parties=_count(_PARTIES, fields["status"], treaty_id),
        status_as_at=status_as_at,
        url=url,
        columns=columns,
        participants=participants,
        sections=sections,
    )


def _check_is_html(text: str, treaty_id: str) -> None:
    """An empty answer, JSON or plain text is no status page (nor a truncated one)."""
    start = text.lstrip("\ufeff \t\r\n")
    if not start:
        raise NotAStatusPage(treaty_id, "the site answered with an empty body")
    if start[0] in "{[":
        raise NotAStatusPage(treaty_id, f"the site answered with JSON: {shorten(start)!r}")
    if start[0] != "<":
        raise NotAStatusPage(
            treaty_id, f"the site answered with text, not HTML: {shorten(start)!r}"
        )


def page_treaty_id(page: bytes | str) -> str | None:
    """The MTDSG number a status page names in its form's action (its own address), if any."""
    return form_treaty_id(decode(page))


def parse_status_as_at(text: str) -> dt.datetime | None:
    """`Status as at : 30-09-2025 05:00:44 EDT` → aware datetime (US Eastern), or None.

    Raises CellError for a timestamp whose year is outside the plausible range.
    """
    at = text.find("Status as at")
    if at < 0:
        at = text.find("État au")
    match = _STATUS_AS_AT.match(text, at) if at >= 0 else None
    if not match:
        return None
    day, month, year, hour, minute, second = (int(g) for g in match.groups()[:6])
    try:
        naive = dt.datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
    check_plausible(naive.date(), f"status timestamp {match.group(0)!r}")
    try:
        return naive.replace(tzinfo=zoneinfo.ZoneInfo(_NEW_YORK))
    except zoneinfo.ZoneInfoNotFoundError:  # no tz database: trust the printed zone
        hours = _ZONE_OFFSETS.get(match.group(7) or "EST", -5)
        return naive.replace(tzinfo=dt.timezone(dt.timedelta(hours=hours)))


def _region(text: str) -> tuple[int, tuple[int, int]] | None:
    grid_start = _find_grid(text)
    if grid_start is None:
        return None
    span = _table_span(text, grid_start)
    if span is None:
        return None
    head_at = text.rfind("rptHead_ctl00_tcText", 0, grid_start)
    return (head_at if head_at >= 0 else span[0]), span


def _table_span(text: str, start: int) -> tuple[int, int] | None:
    """Start and end offsets of the table opening at `start`, nested tables included."""
    depth = 0
    for match in _TABLE_TAG.finditer(text, start):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            end = text.find(">", match.end())
            return (start, end + 1) if end >= 0 else None
    return None


def _text_by_suffix(soup: BeautifulSoup, suffix: str) -> str | None:
    from bs4 import Tag

    element = soup.find(id=lambda value: bool(value) and value.endswith(suffix))
    if not isinstance(element, Tag):
        return None
    for sup in element.find_all("sup"):
        sup.decompose()
    return normalise_space(element.get_text(" "))


def _eif_date(text: str) -> dt.date | None:
    """The date an entry-into-force text starts with; None if it starts with no date.

    Raises CellError for a date that is not real or not plausible.
    """
    match = _EIF_DATE.match(text)
    if not match or match.group(2)[:3].lower() not in MONTHS:
        return None
    what = f"entry-into-force date {match.group(0)!r}"
    try:
        date = dt.date(int(match.group(3)), MONTHS[match.group(2)[:3].lower()], int(match.group(1)))
    except ValueError as exc:
        raise CellError(f"{what} is not a real date ({exc})") from exc
    return check_plausible(date, what)


def _count(pattern: re.Pattern[str], text: str | None, treaty_id: str) -> int | None:
    match = pattern.search(text or "")
    if not match or match.group(1) == "-":
        return None
    value = int(match.group(1).replace(",", "")[:12])
    if value > _MAX_COUNT:
        raise LayoutChanged(treaty_id, f"status count {shorten(match.group(0))!r} is implausible")
    return value


def _cells(row: _Element) -> list[_Element]:
    return [c for c in row if c.tag in ("td", "th")]


def _split_cell(cell: _Element) -> tuple[str, tuple[int, ...]]:
    """Cell → (text without footnotes, footnote numbers)."""
    if len(cell) == 0:  # no child elements: most cells
        return normalise_space(cell.text or "").rstrip(" ,;"), ()
    notes: list[int] = []
    parts: list[str] = []
    _walk(cell, parts, notes)
    text = normalise_space("".join(parts))
    return text.rstrip(" ,;"), tuple(notes)


def _walk(element: _Element, parts: list[str], notes: list[int]) -> None:
    if element.text and isinstance(element.tag, str):
        parts.append(element.text)
    for child in element:
        if child.tag == "sup":
            notes.extend(int(d) for d in re.findall(r"\d+", "".join(map(str, child.itertext()))))
        elif isinstance(child.tag, str):
            _walk(child, parts, notes)
        if child.tail:
            parts.append(child.tail)


def _read_grid(grid: _Element, treaty_id: str) -> tuple[tuple[str, ...], tuple[Participant, ...]]:
    """The grid → column headers and participants; any row that does not read → LayoutChanged."""
    rows = [
        row
        for child in grid
        for row in ([child] if child.tag == "tr" else child if child.tag in _SECTIONS else [])
        if row.tag == "tr"
    ]
    if not rows:
        raise LayoutChanged(treaty_id, "the participants grid has no rows")
    headers = [_split_cell(c)[0] for c in _cells(rows[0])]
    if not headers or headers[0] != "Participant":
        raise LayoutChanged(
            treaty_id, f"the grid's first column is {headers[:1]!r}, expected 'Participant'"
        )
    if len(rows) < 2:
        raise LayoutChanged(treaty_id, "the participants grid has a header but no rows")
    specs = [parse_header(i, h) for i, h in enumerate(headers) if i > 0]
    table: list[tuple[_Element, str, tuple[int, ...], list[tuple[str, tuple[int, ...]]]]] = []
    for number, row in enumerate(rows[1:], start=2):
        cells = _cells(row)
        if len(cells) != len(headers):
            raise LayoutChanged(
                treaty_id, f"grid row {number} has {len(cells)} cells, the header {len(headers)}"
            )
        name, notes = _split_cell(cells[0])
        if not name:
            raise LayoutChanged(treaty_id, f"grid row {number} has no participant name")
        table.append((cells[0], name, notes, [_split_cell(c) for c in cells[1:]]))
    date_columns = {
        spec.index
        for spec in specs
        if any(looks_like_date(values[spec.index - 1][0]) for *_, values in table)
    }
    participants = []
    for name_cell, name, notes, values in table:
        participants.append(
            _participant(name_cell, name, notes, values, specs, date_columns, treaty_id)
        )
    return tuple(headers), tuple(participants)


def _participant(
    name_cell: _Element,
    name: str,
    notes: tuple[int, ...],
    values: list[tuple[str, tuple[int, ...]]],
    specs: list[ColumnSpec],
    date_columns: set[int],
    treaty_id: str,
) -> Participant:
    withdrawn = name.startswith("[") and name.endswith("]")
    if withdrawn:
        name = name[1:-1].strip()
    actions: list[Action] = []
    raw_values: list[tuple[int, str]] = []
    for spec, (text, cell_notes) in zip(specs, values, strict=True):
        if not text:
            continue
        if spec.index not in date_columns:
            raw_values.append((spec.index, text))
            continue
        try:
            cell = parse_date_cell(text)
            if cell is None:
                raise CellError(f"{text!r} is not a date")
            kind = spec.kind_for(cell.marker)
        except CellError as exc:
            raise LayoutChanged(treaty_id, f"{name}, column {spec.header!r}: {exc}") from exc
        actions.append(Action(kind, cell.date, spec.index, text, cell.bracketed, cell_notes))
    declarations = any("noteIndex" in (a.get("class") or "").split() for a in name_cell.iter("a"))
    return Participant(
        name=name,
        withdrawn=withdrawn,
        footnotes=notes,
        actions=tuple(actions),
        values=tuple(raw_values),
        declarations=declarations,
    )


_MTDSG_NO = re.compile(r"mtdsg_no=([IVXL]+(?:-[0-9A-Za-z]+)+)")


def guess_treaty_id(page: bytes | str) -> str | None:
    """The treaty id a saved page names: its form action, else the first `mtdsg_no=` link."""
    text = decode(page)
    own = page_treaty_id(text)
    if own is not None:
        return own
    match = _MTDSG_NO.search(text)
    return match.group(1) if match else None
