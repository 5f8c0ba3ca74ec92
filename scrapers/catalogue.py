"""Pure: the MTDSG catalogue pages of treaties.un.org → chapters → treaty entries.

`parse_index` reads /Pages/ParticipationStatus.aspx (the list of chapters), `parse_chapter` one
/Pages/Treaties.aspx?id=N&subid=X page (the treaties of a chapter). No network, no clock.

Both anchor on link targets, never on element ids or positions: chapter links are
`Treaties.aspx?id=N&subid=X`, treaty links `ViewDetails*.aspx?…mtdsg_no=ID` or
`LONViewDetails.aspx?…id=N`. Links of other kinds or of other chapters (menus, "featured"
boxes) are ignored. The maintenance notice raises `SiteUnavailable("catalogue", …)`. An index
that yields no chapters raises `LayoutChanged`; a chapter page that yields no treaties is an empty
chapter (`[]`) only when the site says so ("No records found.") on a complete page, and raises
`LayoutChanged` otherwise (an empty or missing list with no such notice is a broken page).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urljoin, urlsplit

from bs4 import BeautifulSoup, Tag

from scrapers.errors import LayoutChanged, SiteUnavailable
from scrapers.model import CatalogueEntry
from scrapers.pagetext import is_maintenance_page, says_no_records, split_number_title
from scrapers.urls import TREATY_ID, chapter_url, int_to_roman, status_url

# Chapters split into sub-chapters (Treaties.aspx?id=11&subid=A..E). The index page is not known to
# list them, so they are always added.
SUBCHAPTERS: dict[int, str] = {11: "ABCDE"}
# The MTDSG has had 29 chapters for decades: fewer on the index means a broken page.
MIN_CHAPTERS = 29
_ERR = "catalogue"
_SEPARATOR = re.compile(r"\xa0\s*\xa0")  # "Title. &nbsp;&nbsp;Place, date" (non-breaking spaces)
_TRAILING_PLACE_DATE = re.compile(
    r"^(?P<title>.*\.)\s+(?P<pd>[^.]*\d{1,2} [A-Z][a-z]+ \d{4}[^.]*)$"
)
_CHAPTER_LABEL = re.compile(r"^chapter\s+[IVXL]+\b\s*[-–—:.]?\s*", re.IGNORECASE)
_ROMAN_OR_NUMBER = re.compile(r"^(?:[IVXL]+|\d+)\.?$")


@dataclass(frozen=True, slots=True)
class ChapterRef:
    """One chapter (or, for chapter XI, one sub-chapter) of the MTDSG.

    `subid` is None for undivided chapters; `url` is the canonical absolute
    Treaties.aspx?id=N&subid=A&clang=_en address.
    """

    number: int
    roman: str
    title: str
    url: str
    subid: str | None = None

    @property
    def label(self) -> str:
        """The chapter's short name: "XVIII", or "XI-B" for a sub-chapter."""
        return f"{self.roman}-{self.subid}" if self.subid else self.roman


def parse_index(html: bytes | str, base_url: str) -> list[ChapterRef]:
    """Chapters listed on ParticipationStatus.aspx, in order, each XI sub-chapter separately."""
    _check_maintenance(html)
    soup = BeautifulSoup(html, "lxml")
    pages = f"{base_url.rstrip('/')}/Pages/"
    subids: dict[int, set[str]] = {}
    titles: dict[int, tuple[bool, str]] = {}  # number → (found outside a table row, title)
    for link in soup.find_all("a", href=True):
        name, query, _ = _target(link, pages)
        chapter_id = query.get("id", "")
        if name != "treaties.aspx" or not chapter_id.isdigit() or not 0 < int(chapter_id) < 50:
            continue
        number = int(chapter_id)
        subids.setdefault(number, set()).add((query.get("subid") or "A").upper())
        row = link.find_parent("tr")
        title = _chapter_title(link, row)
        if title and (number not in titles or (titles[number][0] and row is not None)):
            titles[number] = (row is None, title)
    if not subids:
        raise LayoutChanged(_ERR, "index page has no chapter links (Treaties.aspx?id=N)")
    numbers = sorted(subids)
    missing = sorted(set(range(1, numbers[-1] + 1)) - set(numbers))
    if missing:
        raise LayoutChanged(_ERR, f"index skips chapter(s) {', '.join(map(int_to_roman, missing))}")
    if len(numbers) < MIN_CHAPTERS:
        raise LayoutChanged(_ERR, f"index lists {len(numbers)} chapters, expected {MIN_CHAPTERS}")
    untitled = [int_to_roman(n) for n in numbers if n not in titles]
    if untitled:
        raise LayoutChanged(_ERR, f"index gives no title for chapter(s) {', '.join(untitled)}")
    refs: list[ChapterRef] = []
    for number in numbers:
        subs = subids[number] | set(SUBCHAPTERS.get(number, ""))
        divided = len(subs) > 1 or number in SUBCHAPTERS
        for sub in sorted(subs) if divided else ["A"]:
            url = chapter_url(base_url, number, sub)
            title = titles[number][1]
            refs.append(
                ChapterRef(number, int_to_roman(number), title, url, sub if divided else None)
            )
    return refs


def parse_chapter(html: bytes | str, chapter: ChapterRef, base_url: str) -> list[CatalogueEntry]:
    """Treaties listed on one chapter page, in page order, one entry per treaty id.

    `[]` for a chapter the site says is empty ("No records found."); LayoutChanged for a page
    that lists nothing and says nothing.

    When treaty links sit in table rows, links outside rows (sidebars, "featured" boxes) are
    ignored, so another chapter's page that merely cross-links one of ours is not taken for ours.
    """
    _check_maintenance(html)
    soup = BeautifulSoup(html, "lxml")
    pages = f"{base_url.rstrip('/')}/Pages/"
    found: dict[str, tuple[str, str, bool]] = {}  # id → (absolute status URL, link text, in a row)
    foreign: list[str] = []
    rows_used = False
    for link in soup.find_all("a", href=True):
        name, query, absolute = _target(link, pages)
        mtdsg_no = query.get("mtdsg_no", "").strip()
        match = TREATY_ID.fullmatch(mtdsg_no) if name.startswith("viewdetails") else None
        if match:
            treaty_id = mtdsg_no
            ours = match["chapter"] == chapter.roman and match["sub"] == chapter.subid
            url = status_url(base_url, treaty_id) if name == "viewdetails.aspx" else absolute
        elif name == "lonviewdetails.aspx" and query.get("id", "").isdigit():
            treaty_id, url = f"LON-{query['id']}", absolute
            ours = query.get("chapter") == str(chapter.number)
        else:
            continue
        in_row = link.find_parent("tr") is not None
        rows_used = rows_used or in_row
        if not ours:
            foreign.append(treaty_id)
            continue
        text = link.get_text()  # raw: the non-breaking spaces separate title from place and date
        if treaty_id not in found:
            found[treaty_id] = (url, text, in_row)
        elif text.strip() and not found[treaty_id][1].strip():  # e.g. an icon link came first
            found[treaty_id] = (found[treaty_id][0], text, in_row)
    if rows_used:
        found = {key: value for key, value in found.items() if value[2]}
    if not found:
        text = _decode(html)
        if says_no_records(text) and "</html" in text[-2048:].lower():
            return []  # the site says the chapter (still) lists no treaty
        detail = f"chapter {chapter.label} page lists no treaty links (ViewDetails.aspx?mtdsg_no=…)"
        if foreign:
            detail += f"; only other chapters' treaties: {', '.join(sorted(set(foreign))[:5])}"
        raise LayoutChanged(_ERR, detail)
    entries: list[CatalogueEntry] = []
    for treaty_id, (url, text, _) in found.items():
        title, place_date = split_title(text)
        if not title:
            raise LayoutChanged(_ERR, f"chapter {chapter.label}: link to {treaty_id} has no title")
        entries.append(
            CatalogueEntry(treaty_id, chapter.roman, chapter.title, title, place_date, url)
        )
    return entries


def split_title(text: str) -> tuple[str, str]:
    """Split a treaty link's text ("Title. &nbsp;&nbsp;New York, 24 December 2024") in two.

    The site separates the two with non-breaking spaces; without them the last ". " followed by a
    "D Month YYYY" date is used. Long titles the site cuts short keep their "..." marker.
    """
    parts = _SEPARATOR.split(text)
    if len(parts) > 1:
        title, place_date = " ".join(parts[:-1]), parts[-1]
    else:
        match = _TRAILING_PLACE_DATE.match(_clean(text))
        title, place_date = (match["title"], match["pd"]) if match else (text, "")
    title = split_number_title(_clean(title))[1]
    return title.removesuffix(".").rstrip(), _clean(place_date)


def _target(link: Tag, pages: str) -> tuple[str, dict[str, str], str]:
    """(lower-case page name, query with lower-case keys, absolute URL) of a link."""
    absolute = urljoin(pages, str(link["href"]).strip())
    parts = urlsplit(absolute)
    query = {key.lower(): value for key, value in parse_qsl(parts.query)}
    return parts.path.rsplit("/", 1)[-1].lower(), query, absolute


def _chapter_title(link: Tag, row: Tag | None) -> str:
    """The chapter's name: the link text or a cell of its table row, minus "CHAPTER IX" labels."""
    texts = [link.get_text(" ")]
    if row is not None:
        texts += [cell.get_text(" ") for cell in row.find_all(["td", "th"])]
    for text in texts:
        text = _CHAPTER_LABEL.sub("", _clean(text))
        if text and not _ROMAN_OR_NUMBER.match(text):
            return text
    return ""


def _decode(html: bytes | str) -> str:
    return html if isinstance(html, str) else html.decode("utf-8", errors="replace")


def _check_maintenance(html: bytes | str) -> None:
    if is_maintenance_page(_decode(html)):
        raise SiteUnavailable(_ERR, "the site shows its maintenance notice; try again later")


def _clean(text: str) -> str:
    return " ".join(text.split())
