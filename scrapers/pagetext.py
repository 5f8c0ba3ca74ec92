"""Pure: conventions of treaties.un.org's text shared by the status-page and catalogue parsers.

Owns the one maintenance-page detector, the "No records found." notice, the split of a printed
treaty number from its title ("7. d Paris Agreement" → "7.d", "Paris Agreement") and how a page
names its own treaty (form action, printed number). Plain string and regex work only: no HTML
tree (so the status parser can use it before building one), no network, no errors raised.
"""

from __future__ import annotations

import re

from scrapers.urls import TREATY_ID

# The site's maintenance notice: "… is undergoing urgent maintenance and is currently unavailable".
# Only "urgent maintenance" is required: a status page's own end notes may well say that some text
# is "currently unavailable", so that phrase alone is no sign of maintenance.
_MAINTENANCE = re.compile(r"urgent\s+maintenance", re.IGNORECASE)
# ASP.NET grids with no rows: "No records found." (catalogue), "No record found." (not-found page).
_NO_RECORDS = re.compile(r"\bno\s+records?\s+found\b", re.IGNORECASE)

# A printed treaty number and its sub-number(s), then the title:
#   "16. United Nations …"   "7. d Paris Agreement"   "7. a. Kyoto Protocol …"
#   "2. b Protocol on Prohibitions …"   "2. 1 Annex I - …"   "2-7a. Revised text …"   "2.a) …"
# The main number must be followed by ".", ")" or "-"; a sub-number is one lower-case letter or
# one or two digits with an optional letter, standing alone (so "1949 Convention" is a title).
_SUB = r"(?:\d{1,2}[a-z]?|[a-z])"
_NUMBER_TITLE = re.compile(
    rf"(?P<main>\d+[a-z]?)\s*[.)-]\s*(?P<subs>(?:{_SUB}(?:\s*[.)-]\s*|\s+))*)(?P<title>.*)",
    re.DOTALL,
)
_SUB_PART = re.compile(_SUB)
# An ASP.NET form posts back to the page's own address, which names the treaty (old and new
# id prefixes alike): <form … action="./ViewDetails.aspx?src=TREATY&amp;mtdsg_no=XVIII-16&amp;…">.
_FORM_ACTION = re.compile(r"""<form\b[^>]*?\baction\s*=\s*(["'])(?P<action>.*?)\1""", re.I | re.S)
_MTDSG_IN_URL = re.compile(r"[?&](?:amp;)?mtdsg_no=([IVXL]+(?:-[0-9A-Za-z]+)+)", re.IGNORECASE)


def is_maintenance_page(text: str) -> bool:
    """True if the page is the site's maintenance notice (case and line breaks do not matter)."""
    if "aintenance" not in text and "AINTENANCE" not in text:  # the common case, cheaply
        return False
    return _MAINTENANCE.search(text) is not None


def says_no_records(text: str) -> bool:
    """True if the page carries the site's "No records found." notice."""
    return _NO_RECORDS.search(text) is not None


def split_number_title(text: str) -> tuple[str, str]:
    """`"7. d Paris Agreement"` → `("7.d", "Paris Agreement")`; no number → `("", text)`.

    Number parts are joined with "." whatever the page separates them with ("2-7a" → "2.7a").
    """
    match = _NUMBER_TITLE.fullmatch(text.strip())
    if match is None or not match["title"].strip():
        return "", text.strip()
    parts = [match["main"], *_SUB_PART.findall(match["subs"])]
    return ".".join(parts), match["title"].strip()


def number_parts(number: str) -> list[str]:
    """`"7.d"` → `["7", "d"]`: the parts of a number made by `split_number_title`."""
    return [part for part in number.split(".") if part]


def form_treaty_id(text: str) -> str | None:
    """The `mtdsg_no` of the first form posting back to a status page, if any."""
    for form in _FORM_ACTION.finditer(text):
        match = _MTDSG_IN_URL.search(form["action"])
        if match:
            return match.group(1)
    return None


def same_treaty_id(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def id_of_printed_number(number: str, treaty_id: str) -> str | None:
    """The treaty a page's printed number names, if it disagrees with `treaty_id`; else None.

    "10" asked for as XVIII-16 → "XVIII-10" (the Rome Statute; the chapter is assumed to be the
    one asked for, the number alone does not say). "7" for XXVII-7-d agrees (a page may omit the
    letter); "7.a" for XXVII-7-d → "XXVII-7-a". No number, or an id that is not an MTDSG number:
    nothing to compare, None.
    """
    match = TREATY_ID.fullmatch(treaty_id.strip())
    if not number or match is None:
        return None
    chapter = match["chapter"] + (f"-{match['sub']}" if match["sub"] else "")
    wanted = [part.casefold() for part in treaty_id.strip()[len(chapter) + 1 :].split("-")]
    printed = number_parts(number)
    if [part.casefold() for part in printed] == wanted[: len(printed)]:
        return None
    return "-".join([chapter, *printed])
