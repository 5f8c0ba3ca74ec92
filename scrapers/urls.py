"""Treaty ids → treaties.un.org addresses. Pure.

Owns what a well-formed MTDSG number is (`TREATY_ID`, always used with `fullmatch`) and the
addresses built from one. Knows nothing of pages or the network.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlencode

# MTDSG numbers seen: I-1, IV-11-d, XXVII-7-d, XVIII-10-g, XI-B-19, XI-B-16-1, III-2-7a.
# No anchors: use `TREATY_ID.fullmatch` (a `$` would let "XVIII-16\n" through).
TREATY_ID = re.compile(r"(?P<chapter>[IVXL]+)(?:-(?P<sub>[A-E]))?-(?P<num>\d+)(?:-[0-9a-z]+)*")
# Longer input is cut to this many characters in error messages.
_SHOWN_MAX = 40

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


def shorten(text: str, limit: int = _SHOWN_MAX) -> str:
    """`text` cut to `limit` characters with "…", for quoting untrusted input in messages."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def validate_treaty_id(treaty_id: str) -> str:
    """The id without surrounding white space if it is a well-formed MTDSG number.

    Raise ValueError otherwise; the message quotes at most 40 characters of the input.
    """
    normalised = treaty_id.strip()
    if not TREATY_ID.fullmatch(normalised):
        raise ValueError(
            f"{shorten(normalised)!r} is not an MTDSG treaty id "
            "(expected e.g. XVIII-16, IV-11-d, XI-B-19)"
        )
    return normalised


def unique_treaty_ids(treaty_ids: Iterable[str]) -> list[str]:
    """Validate each id (see `validate_treaty_id`) and drop repeats, keeping the first order."""
    return list(dict.fromkeys(validate_treaty_id(treaty_id) for treaty_id in treaty_ids))


def chapter_of(treaty_id: str) -> str:
    match = TREATY_ID.fullmatch(treaty_id)
    if not match:
        raise ValueError(f"{shorten(treaty_id)!r} is not an MTDSG treaty id")
    return match.group("chapter")


def status_url(base_url: str, treaty_id: str) -> str:
    """The English HTML status page of one treaty."""
    treaty_id = validate_treaty_id(treaty_id)
    chapter = roman_to_int(chapter_of(treaty_id))
    query = urlencode({"src": "TREATY", "mtdsg_no": treaty_id, "chapter": chapter, "clang": "_en"})
    return f"{base_url.rstrip('/')}/Pages/ViewDetails.aspx?{query}"


def index_url(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/Pages/ParticipationStatus.aspx?clang=_en"


def chapter_url(base_url: str, chapter: int, subid: str = "A") -> str:
    query = urlencode({"id": chapter, "subid": subid, "clang": "_en"})
    return f"{base_url.rstrip('/')}/Pages/Treaties.aspx?{query}"
