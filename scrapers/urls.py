"""Treaty ids → treaties.un.org addresses. Pure."""

from __future__ import annotations

import re
from urllib.parse import urlencode

# MTDSG numbers seen: I-1, IV-11-d, XXVII-7-d, XVIII-10-g, XI-B-19, XI-B-16-1.
TREATY_ID = re.compile(r"^(?P<chapter>[IVXL]+)(?:-(?P<sub>[A-E]))?-(?P<num>\d+)(?:-[0-9a-z]+)*$")

_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50}


def roman_to_int(roman: str) -> int:
    total = 0
    for i, ch in enumerate(roman):
        value = _ROMAN[ch]
        if i + 1 < len(roman) and _ROMAN[roman[i + 1]] > value:
            total -= value
        else:
            total += value
    return total


def int_to_roman(number: int) -> str:
    out = []
    table = ((50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    for value, letters in table:
        while number >= value:
            out.append(letters)
            number -= value
    return "".join(out)


def validate_treaty_id(treaty_id: str) -> str:
    """Return the id unchanged if it is a well-formed MTDSG number, else raise ValueError."""
    if not TREATY_ID.match(treaty_id):
        raise ValueError(
            f"{treaty_id!r} is not an MTDSG treaty id (expected e.g. XVIII-16, IV-11-d, XI-B-19)"
        )
    return treaty_id


def chapter_of(treaty_id: str) -> str:
    match = TREATY_ID.match(treaty_id)
    if not match:
        raise ValueError(f"{treaty_id!r} is not an MTDSG treaty id")
    return match.group("chapter")


def status_url(base_url: str, treaty_id: str) -> str:
    """The English HTML status page of one treaty."""
    chapter = roman_to_int(chapter_of(validate_treaty_id(treaty_id)))
    query = urlencode({"src": "TREATY", "mtdsg_no": treaty_id, "chapter": chapter, "clang": "_en"})
    return f"{base_url.rstrip('/')}/Pages/ViewDetails.aspx?{query}"


def index_url(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/Pages/ParticipationStatus.aspx?clang=_en"


def chapter_url(base_url: str, chapter: int, subid: str = "A") -> str:
    query = urlencode({"id": chapter, "subid": subid, "clang": "_en"})
    return f"{base_url.rstrip('/')}/Pages/Treaties.aspx?{query}"
