"""Participants-grid columns and cells. Pure: header text → letter map; cell text → date + kind.

Shared by the HTML parser and anything that reads the same grid (XML variant, real CSV tables).
The header explains the letters: `Ratification, Accession(a), Succession(d)` means an unmarked
date is a ratification, `… a` an accession, `… d` a succession. Letters are case-sensitive.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from scrapers.model import KNOWN_KINDS

# Exact labels (case-insensitive) that name one of the known kinds; anything else is slugified.
_KIND_BY_LABEL = {kind.replace("_", " "): kind for kind in KNOWN_KINDS}

MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH_WORD = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
# A date cell once white space is normalised: `10 Feb 2003`, `10 Feb 2003 a`, `[20 Jan 2021 A]`.
DATE_CELL = re.compile(
    rf"^(?P<open>\[)?\s*(?P<day>\d{{1,2}})\s+(?P<month>{_MONTH_WORD})\.?\s+(?P<year>\d{{4}})"
    rf"(?:\s*(?P<marker>[A-Za-z]{{1,2}}))?\s*(?P<close>\])?$"
)
# Loose: anything that a human would take for an attempted date.
LOOKS_LIKE_DATE = re.compile(
    rf"\b{_MONTH_WORD}\b|\b\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}}\b|\b\d{{1,2}}\s+\w{{3,9}}\s+\d{{4}}\b"
)
# Plausible years of any date a page prints (the oldest real grid date is from the 1920s; the
# League of Nations era starts in 1920). Outside this range a date is a misprint or hostile input:
# reading it as a date would let year 9999 reach date arithmetic (thresholds add delays) and
# overflow there. With 2150 as the upper bound, adding up to 2.8 million days cannot overflow.
MIN_YEAR = 1850
MAX_YEAR = 2150
_ITEM_LETTER = re.compile(r"^(?P<label>.*?)\s*\(\s*(?P<letter>[A-Za-z]{1,2})\s*\)\s*$")
_WS = re.compile(r"\s+")
_ODD_SPACE = re.compile(r"[^\S ]|  ")  # any white space but a single plain space


class CellError(ValueError):
    """A cell that looks like a date but cannot be read as one."""


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """What one grid column means, read from its own header text."""

    index: int
    header: str
    default_kind: str | None
    letters: tuple[tuple[str, str | None], ...]
    ambiguous: bool

    def kind_for(self, marker: str | None) -> str | None:
        if marker is None:
            return self.default_kind
        for letter, kind in self.letters:
            if letter == marker:
                return kind
        raise CellError(f"marker {marker!r} is not explained by the header {self.header!r}")


@dataclass(frozen=True, slots=True)
class DateCell:
    date: dt.date
    marker: str | None
    bracketed: bool


def normalise_space(text: str) -> str:
    """Tabs, non-breaking and repeated spaces → one space; trimmed."""
    if _ODD_SPACE.search(text) is None:  # the common case: nothing to fold
        return text.strip()
    return _WS.sub(" ", text.replace("\xa0", " ").replace("\u202f", " ")).strip()


def slugify(label: str) -> str:
    ascii_label = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_label.lower()).strip("_")


def kind_of_label(label: str) -> str:
    label = normalise_space(label)
    return _KIND_BY_LABEL.get(label.lower()) or slugify(label)


def parse_header(index: int, header: str) -> ColumnSpec:
    """Header text → ColumnSpec: `"Signature, Succession to signature(d)"` → default signature."""
    text = normalise_space(header)
    letters: list[tuple[str, str | None]] = []
    unlettered: list[str] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        match = _ITEM_LETTER.match(item)
        if match and match.group("label"):
            letter = match.group("letter")
            kind = kind_of_label(match.group("label"))
            if any(existing == letter for existing, _ in letters):
                # Two actions share one letter: the letter no longer says which.
                letters = [(lt, None if lt == letter else k) for lt, k in letters]
            else:
                letters.append((letter, kind))
        else:
            unlettered.append(kind_of_label(item))
    ambiguous = len(unlettered) > 1
    default = unlettered[0] if len(unlettered) == 1 else None
    if not unlettered and len(letters) == 1:
        # A column that lists one action only: an unmarked date can only be that action.
        default = letters[0][1]
    return ColumnSpec(index, text, default, tuple(letters), ambiguous)


def parse_date_cell(text: str) -> DateCell | None:
    """A normalised cell → its date, marker and brackets; None if it is not a date cell.

    Raises CellError for text that matches the date shape but is not a real date, or whose year
    is outside MIN_YEAR..MAX_YEAR.
    """
    match = DATE_CELL.match(text)
    if not match:
        return None
    month = MONTHS[match.group("month")[:3].lower()]
    try:
        date = dt.date(int(match.group("year")), month, int(match.group("day")))
    except ValueError as exc:
        raise CellError(f"{text!r} is not a real date ({exc})") from exc
    check_plausible(date, repr(text))
    opened, closed = bool(match.group("open")), bool(match.group("close"))
    if opened != closed:
        raise CellError(f"{text!r} has an unbalanced bracket")
    return DateCell(date, match.group("marker"), opened)


def is_plausible_year(year: int) -> bool:
    return MIN_YEAR <= year <= MAX_YEAR


def check_plausible(date: dt.date, what: str) -> dt.date:
    """`date` itself, or CellError saying "{what} is outside the plausible years …"."""
    if not is_plausible_year(date.year):
        raise CellError(f"{what} is outside the plausible years {MIN_YEAR}–{MAX_YEAR}")
    return date


def looks_like_date(text: str) -> bool:
    return bool(LOOKS_LIKE_DATE.search(text))
