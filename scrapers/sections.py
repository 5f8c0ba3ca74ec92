"""Pure: the sections below the grid — declarations and reservations, objections, territorial
application — read from a status page's text into `Sections`. No network, no database.

Tolerant in what it finds, strict in what it accepts:

- a section starts at an element whose whole text is its heading ("Declarations and
  Reservations", "Reservations", "Objections", "Territorial Application", in any case; a
  singular or a colon — "Declaration:", "Objections:" — is a label inside a statement; the
  optional "Declarations recognizing the competence of …" count as declarations), never inside
  a script, a link or an option; it ends at the next heading of any section, at
  "Notifications under …" or "End Notes", at the grid, or at the end of the form;
- "Declarations" and "Objections" are text: an entry starts at a line that is a participant's
  name (a name of the grid, or a short bold line the next line repeats at its start, as the
  site prints names), its paragraphs are the lines that follow (a repeat of the name at the
  start of the first one is dropped); a bold "Note" inside a text starts nothing; an
  explanatory note in parentheses before the first name is not an entry;
- "Territorial Application" is a table whose first header cell is "Participant": one entry per
  row, the date from the column whose header says "date", the territories from the one that
  says "territor" (both optional);
- what does not read is `LayoutChanged`: text before the first participant that is no note (a
  line over 400 characters, or over 1,500 in all), a territorial row with a short cell or an
  unreadable date. A section that reads as nothing is never guessed at.

`statement_kinds` and `stated_dates` say what a statement's own words say it is ("Reservation:",
"Upon signature: Declaration:") and the dates its paragraphs start with.

Only the sections' own byte ranges are handed to lxml; the rest of the page is scanned as text.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from lxml import etree
from lxml.etree import _Element

from scrapers.columns import (
    MONTHS,
    CellError,
    check_plausible,
    normalise_space,
    parse_date_cell,
)
from scrapers.model import Sections, StatementEntry

_HEADINGS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "declarations",
        # Also the sections of optional declarations some treaties have ("Declarations
        # recognizing the competence of the Human Rights Committee under article 41"): they
        # are declarations too, and their entries join the participant's.
        re.compile(
            r"^(?:declarations|reservations)(?: and (?:declarations|reservations|statements))?$"
            r"|^declarations? recogni[sz]ing [^:]{5,200}$"
        ),
    ),
    ("objections", re.compile(r"^objections$")),
    ("territorial_applications", re.compile(r"^territorial applications?$")),
)
_TITLES = {
    "declarations": "Declarations and Reservations",
    "objections": "Objections",
    "territorial_applications": "Territorial Application",
}
_STOP = re.compile(r"^(?:notifications? under\b[^:]{0,80}|end ?notes)$")
# A text node that may be a heading (it starts with the first letter of one): a cheap scan,
# the label is checked afterwards.
_TEXT_NODE = re.compile(r">\s*([DdRrOoTtNnEe][^<>]{2,220})<")
_SCRIPT = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG_NAME = re.compile(r"<\s*([A-Za-z][A-Za-z0-9]*)")
_NOT_HEADINGS = frozenset({"a", "option", "title", "textarea", "button", "label"})
_BLOCKS = frozenset(
    {"p", "div", "br", "tr", "td", "th", "li", "ul", "ol", "table", "blockquote", "hr"}
    | {f"h{i}" for i in range(1, 7)}
)
_BOLD = frozenset({"b", "strong"})
_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True)
_MAX_NAME = 80
_MAX_NOTE = 400  # one line of explanatory note before the first participant
_MAX_PREAMBLE = 1_500  # all of them: more is statement text whose participant was not found

_KIND_LABEL = re.compile(
    r"^(?:upon [a-z ]{4,30}?[:,]?\s+)?"
    r"(interpretative declarations?|declarations?|reservations?|understandings?|"
    r"interpretative statements?|statements?|objections?)\s*(?:\([^)]{0,40}\)\s*)?[:.]",
    re.IGNORECASE,
)
_LEADING_DATE = re.compile(r"^(\d{1,2})\s+([A-Za-z]{3,9})\.?\s+(\d{4})\b")


class SectionError(ValueError):
    """A section that does not read; `scrapers.parse` turns it into LayoutChanged."""


@dataclass
class _Line:
    text: str = ""
    bold: bool = True  # every letter of the line is inside <b>/<strong>
    notes: list[int] = field(default_factory=list)


def section_spans(text: str, start: int, grid: tuple[int, int]) -> list[tuple[str, int, int]]:
    """(section name, start, end) of every section found after `start`, in page order.

    The grid's own span is never part of a section; a section whose heading comes before the
    grid ends at the grid. Cheap: a regex scan of text nodes, no tree.
    """
    hidden = [(m.start(), m.end()) for m in _SCRIPT.finditer(text, start)]
    marks: list[tuple[int, int, str | None]] = []  # (heading start, content start, name|None)
    before_grid = _TEXT_NODE.finditer(text, start, max(start, grid[0]))
    after_grid = _TEXT_NODE.finditer(text, max(start, grid[1]))
    for match in (*before_grid, *after_grid):
        at = match.start()
        if any(a <= at < b for a, b in hidden):
            continue
        # "Declarations:" or "Reservation" is a label inside a statement, not a heading.
        label = normalise_space(html.unescape(match.group(1))).casefold()
        name = _heading(label)
        if name is None and not _STOP.match(label):
            continue
        tag_at = text.rfind("<", 0, at + 1)
        tag = _TAG_NAME.match(text, tag_at)
        if tag is None or tag.group(1).lower() in _NOT_HEADINGS:
            continue  # a closing tag before the text, or a link / menu item
        marks.append((tag_at, match.end() - 1, name))
    form_end = max(text.rfind("</form"), text.rfind("</FORM"))
    end_of_page = form_end if form_end > start else len(text)
    spans = []
    for i, (_, content, name) in enumerate(marks):
        if name is None:
            continue
        end = marks[i + 1][0] if i + 1 < len(marks) else end_of_page
        if content < grid[0] < end:
            end = grid[0]
        spans.append((name, content, max(end, content)))
    return spans


def _heading(label: str) -> str | None:
    for name, pattern in _HEADINGS:
        if pattern.match(label):
            return name
    return None


def read_sections(
    text: str, start: int, grid: tuple[int, int], participants: Iterable[str]
) -> Sections:
    """Every section of the page; `participants` are the grid's names (they mark entries).

    Raises SectionError for a section that does not read.
    """
    names = {_name_key(n): n for n in participants}
    found: dict[str, list[StatementEntry]] = {}
    for name, begin, end in section_spans(text, start, grid):
        root = etree.fromstring(f"<div>{text[begin:end]}</div>", _PARSER)
        body = root.find("body/div") if root is not None else None
        if body is None:
            entries: list[StatementEntry] = []
        elif name == "territorial_applications":
            entries = _table_entries(body, _TITLES[name])
        else:
            entries = _text_entries(body, names, _TITLES[name])
        found.setdefault(name, []).extend(entries)
    merged = {
        name: tuple(_merge(entries)) if name != "territorial_applications" else tuple(entries)
        for name, entries in found.items()
    }
    return Sections(**merged)


def _name_key(name: str) -> str:
    return normalise_space(name.strip("[] ")).casefold()


def _merge(entries: Sequence[StatementEntry]) -> list[StatementEntry]:
    """One entry per participant: a name printed twice adds its paragraphs to the first."""
    by_key: dict[str, StatementEntry] = {}
    for entry in entries:
        key = _name_key(entry.participant)
        old = by_key.get(key)
        if old is None:
            by_key[key] = entry
        else:
            by_key[key] = StatementEntry(
                old.participant,
                old.paragraphs + entry.paragraphs,
                tuple(dict.fromkeys(old.footnotes + entry.footnotes)),
            )
    return list(by_key.values())


def _text_entries(body: _Element, names: Mapping[str, str], section: str) -> list[StatementEntry]:
    lines = [line for line in _lines(body) if line.text]
    entries: list[StatementEntry] = []
    who: str | None = None
    notes: list[int] = []
    paragraphs: list[str] = []
    preamble = 0
    for number, line in enumerate(lines):
        following = lines[number + 1].text if number + 1 < len(lines) else ""
        name = _entry_name(line, following, names)
        if name is not None:
            if who is not None:
                entries.append(StatementEntry(who, tuple(paragraphs), tuple(notes)))
            who, notes, paragraphs = name, list(line.notes), []
            continue
        if who is None:
            preamble += len(line.text)
            if preamble <= _MAX_PREAMBLE and (
                line.text.startswith("(") or len(line.text) <= _MAX_NOTE
            ):
                continue  # the section's explanatory note
            raise SectionError(
                f"the {section!r} section has text before its first participant: {line.text[:60]!r}"
            )
        body_text = line.text
        if not paragraphs and body_text.casefold().startswith(who.casefold() + " "):
            body_text = body_text[len(who) :].strip()  # the name repeated before the text
        paragraphs.append(body_text)
    if who is not None:
        entries.append(StatementEntry(who, tuple(paragraphs), tuple(notes)))
    return entries


def _entry_name(line: _Line, following: str, names: Mapping[str, str]) -> str | None:
    """The participant a line names, when the whole line is a name: a name of the grid, or a
    short bold line that the next line repeats at its start (the site prints "Afghanistan",
    then "Afghanistan Upon signature: …"), for a participant the grid no longer lists."""
    text = line.text.rstrip(" ,;:")
    known = names.get(_name_key(text))
    if known is not None:
        return text.strip("[] ")
    if (
        line.bold
        and len(text) <= _MAX_NAME
        and following.casefold().startswith(text.casefold() + " ")
        and not _KIND_LABEL.match(text + ":")
        and not text.casefold().startswith("upon ")
        and not re.search(r"\d|[:.\"“”]$", line.text)
    ):
        return text.strip("[] ")
    return None


def _lines(body: _Element) -> list[_Line]:
    """The text of `body` as lines: a block element (p, div, td, br …) ends a line; footnote
    numbers (`<sup>`) are taken out of the text; `bold` says whether all of a line is bold."""
    lines: list[_Line] = [_Line()]

    def add(text: str | None, bold: bool) -> None:
        if text and text.strip():
            line = lines[-1]
            line.text = normalise_space(line.text + " " + text)
            line.bold = line.bold and bold
        elif text and lines[-1].text:
            lines[-1].text += " "

    def walk(element: _Element, bold: bool) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag == "sup":
            digits = re.findall(r"\d+", "".join(str(t) for t in element.itertext()))
            lines[-1].notes.extend(int(d) for d in digits)
            return
        block = tag in _BLOCKS
        if block:
            lines.append(_Line())
        inner = bold or tag in _BOLD
        add(element.text, inner)
        for child in element:
            walk(child, inner)
            add(child.tail, inner)
        if block:
            lines.append(_Line())

    walk(body, False)
    for line in lines:
        line.text = normalise_space(line.text)
    return lines


def _table_entries(body: _Element, section: str) -> list[StatementEntry]:
    table = next(iter(body.iter("table")), None)
    if table is None:
        return []
    rows = [row for row in table.iter("tr")]
    if not rows:
        return []
    headers = [_cell_text(c)[0] for c in rows[0] if c.tag in ("td", "th")]
    if not headers or headers[0] != "Participant":
        raise SectionError(f"the {section!r} table starts with {headers[:1]!r}, not 'Participant'")
    date_col = next((i for i, h in enumerate(headers) if "date" in h.casefold()), None)
    place_col = next((i for i, h in enumerate(headers) if "territor" in h.casefold()), None)
    entries = []
    for number, row in enumerate(rows[1:], start=2):
        cells = [_cell_text(c) for c in row if c.tag in ("td", "th")]
        if len(cells) != len(headers):
            raise SectionError(
                f"{section!r} row {number} has {len(cells)} cells, the header {len(headers)}"
            )
        name, notes = cells[0]
        if not name:
            raise SectionError(f"{section!r} row {number} has no participant name")
        date = None
        if date_col is not None and cells[date_col][0]:
            try:
                cell = parse_date_cell(cells[date_col][0])
                if cell is None:
                    raise CellError(f"{cells[date_col][0]!r} is not a date")
                date = cell.date
            except CellError as exc:
                raise SectionError(f"{section!r} row {number} ({name}): {exc}") from exc
        territory = cells[place_col][0] if place_col is not None else None
        entries.append(
            StatementEntry(
                name.strip("[] "), (territory,) if territory else (), notes, date, territory
            )
        )
    return entries


def _cell_text(cell: _Element) -> tuple[str, tuple[int, ...]]:
    lines = [line for line in _lines(cell) if line.text]
    notes = tuple(n for line in _lines(cell) for n in line.notes)
    return normalise_space(" ".join(line.text for line in lines)).rstrip(" ,;"), notes


def statement_kinds(paragraphs: Iterable[str]) -> tuple[str, ...]:
    """What the statement's own labels call it, in order: `("reservation", "declaration")`.

    "Reservations:" → reservation; "Upon signature: Declaration:" → declaration;
    "Interpretative declarations:" → interpretative_declaration. Empty when no label is printed.
    """
    kinds: dict[str, None] = {}
    for paragraph in paragraphs:
        match = _KIND_LABEL.match(paragraph)
        if match:
            label = match.group(1).casefold()
            label = label[:-1] if label.endswith("s") else label
            kinds[label.replace(" ", "_")] = None
    return tuple(kinds)


def stated_dates(paragraphs: Iterable[str]) -> tuple[dt.date, ...]:
    """The dates paragraphs start with (objections are often listed under their date)."""
    dates: list[dt.date] = []
    for paragraph in paragraphs:
        match = _LEADING_DATE.match(paragraph)
        month = MONTHS.get(match.group(2)[:3].casefold()) if match else None
        if match is None or month is None:
            continue
        try:
            date = dt.date(int(match.group(3)), month, int(match.group(1)))
            dates.append(check_plausible(date, "statement date"))
        except (ValueError, CellError):
            continue  # a number that is no date is text, not a broken page
    return tuple(dict.fromkeys(dates))
