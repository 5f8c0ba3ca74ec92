"""The sections below a status page's grid, in the site's shape, filled with real statements.

Shape: a heading, the site's explanatory note in parentheses, then one table row per
participant holding its name and a row with its texts, the name repeated before the first
paragraph — as the text of treaties.un.org's own IV-11 / IV-11-c section pages reads
("Declarations and Reservations / (Unless otherwise indicated, …) / Afghanistan / Afghanistan
Upon signature: / Declaration: / "…""). The exact tags are inferred (no raw copy of the HTML could
be fetched here); the parser matches headings by text, not by tags, for that reason.
"Territorial Application" is a table whose first header cell is "Participant" (format doc §2).

The statements are real: see `tests/fixtures/pages/SOURCES.md` for where each text comes from.
Used by the fixture builder, the parser and diff tests and the end-to-end tests.
"""

from __future__ import annotations

from collections.abc import Sequence

from tests.untc_pages import esc

DECLARATIONS_NOTE = (
    "(Unless otherwise indicated, the declarations and reservations were made upon "
    "ratification, acceptance, accession or succession.)"
)
OBJECTIONS_NOTE = (
    "(Unless otherwise indicated, the objections were made upon ratification, accession or "
    "succession.)"
)

# Convention on the Rights of the Child (IV-11), "Declarations and Reservations".
CRC_AFGHANISTAN = (
    "Upon signature:",
    "Declaration:",
    '"The Government of the Republic of Afghanistan reserves the right to express, upon '
    "ratifying the Convention, reservations on all provisions of the Convention that are "
    "incompatible with the laws of Islamic Shari'a and the local legislation in effect.\"",
)
CRC_ALGERIA = (
    "Interpretative declarations:",
    "1. Article 14, paragraphs 1 and 2 The provisions of paragraphs 1 and 2 of article 14 shall "
    "be interpreted by the Algerian Government in compliance with the basic foundations of the "
    "Algerian legal system, in particular:",
    "- With the Constitution, which stipulates in its article 2 that Islam is the State religion "
    'and in its article 35 that "there shall be no infringement of the inviolability of the '
    'freedom of conviction and the inviolability of the freedom of opinion"; - With Law No. '
    "84-11 of 9 June 1984, comprising the Family Code, which stipulates that a child's education "
    "is to take place in accordance with the religion of its father.",
)
# IV-11, "Objections": Slovakia's objection to Qatar's reservation made upon signature.
CRC_SLOVAKIA = (
    '"The Slovak Republic regards the general reservation made by the State of Qatar upon '
    "signature of the Convention on the Rights of the Child as incompatible with the object and "
    "purpose of the said Convention as well as in contradiction with the well established "
    "principle of the Law of Treaties according to which a State cannot invoke the provisions of "
    "its internal law as justification for its failure to perform a treaty. Therefore, the "
    'Slovak Republic objects to the said general reservation."',
)
# IV-11, "Territorial Application": the United Kingdom's extension to its territories.
CRC_UK_TERRITORIES = (
    "Anguilla, Bermuda, British Virgin Islands, Cayman Islands, Falkland Islands, Hong Kong, "
    "Montserrat, Pitcairn, Henderson, Ducie and Oeno Islands, St. Helena and St. Helena "
    "Dependencies, South Georgia and the South Sandwich Islands, Turks and Caicos Islands"
)
UK = "United Kingdom of Great Britain and Northern Ireland"


def statements_section(
    heading: str, note: str, entries: Sequence[tuple[str, Sequence[str]]], anchor: str = "EndDec"
) -> str:
    """A "Declarations and Reservations" or "Objections" section: name row, then text row."""
    rows = []
    for name, paragraphs in entries:
        first, *rest = paragraphs
        texts = "".join(f"<p>{esc(p)}</p>" for p in rest)
        rows.append(
            f'    <tr><td class="participantName"><a name="{esc(name)}"></a><b>{esc(name)}</b>'
            f"</td></tr>\n"
            f"    <tr><td><p>{esc(name)} {esc(first)}</p>{texts}</td></tr>\n"
        )
    return (
        f'  <div id="{anchor}">\n'
        f'  <p class="sectionTitle"><b>{esc(heading)}</b></p>\n'
        f'  <p class="sectionNote">{esc(note)}</p>\n'
        f'  <table class="table table-declarations">\n{"".join(rows)}  </table>\n  </div>\n'
    )


def territorial_section(rows: Sequence[tuple[str, str, str]]) -> str:
    """A "Territorial Application" table: participant, date of receipt, territories."""
    body = "".join(
        f"    <tr><td>{esc(name)}</td><td>{esc(date)}</td><td>{esc(places)}</td></tr>\n"
        for name, date, places in rows
    )
    return (
        '  <div id="EndTerr">\n  <p class="sectionTitle"><b>Territorial Application</b></p>\n'
        '  <table class="table">\n    <tr><td>Participant</td>'
        "<td>Date of receipt of the notification</td><td>Territories</td></tr>\n"
        f"{body}  </table>\n  </div>\n"
    )


def crc_sections(
    *,
    declarations: Sequence[tuple[str, Sequence[str]]] = (
        ("Afghanistan", CRC_AFGHANISTAN),
        ("Algeria", CRC_ALGERIA),
    ),
    objections: Sequence[tuple[str, Sequence[str]]] | None = (("Slovakia", CRC_SLOVAKIA),),
    territorial: Sequence[tuple[str, str, str]] | None = ((UK, "7 Sep 1994", CRC_UK_TERRITORIES),),
) -> str:
    """The CRC's sections (each part can be changed or left out, for diff tests)."""
    html = statements_section("Declarations and Reservations", DECLARATIONS_NOTE, declarations)
    if objections is not None:
        html += statements_section("Objections", OBJECTIONS_NOTE, objections, "EndObj")
    if territorial is not None:
        html += territorial_section(territorial)
    return html
