"""The sections below the grid: declarations, objections, territorial application.

Pages are the CRC (IV-11) in the site's shape with its real statements
(tests/fixtures/pages/iv-11-crc-sections.html, `tests/untc_sections.py`; SOURCES.md).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from scrapers.errors import LayoutChanged
from scrapers.model import Sections, StatementEntry
from scrapers.parse import page_fingerprint, parse_status_page
from scrapers.sections import stated_dates, statement_kinds
from tests.fixtures.pages.build import children_sections
from tests.untc_sections import (
    CRC_AFGHANISTAN,
    CRC_ALGERIA,
    CRC_SLOVAKIA,
    CRC_UK_TERRITORIES,
    OBJECTIONS_NOTE,
    UK,
    crc_sections,
    statements_section,
)

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
URL = "https://treaties.un.org/Pages/ViewDetails.aspx?src=TREATY&mtdsg_no=IV-11&chapter=4"


def parse(page: str | bytes) -> Sections:
    sections = parse_status_page(page, "IV-11", URL).sections
    assert sections is not None
    return sections


def test_real_shape_page_reads_every_section_with_its_participants_and_texts() -> None:
    sections = parse((PAGES / "iv-11-crc-sections.html").read_bytes())

    assert sections.declarations == (
        StatementEntry("Afghanistan", CRC_AFGHANISTAN),
        StatementEntry("Algeria", CRC_ALGERIA),
    )
    assert sections.objections == (StatementEntry("Slovakia", CRC_SLOVAKIA),)
    assert sections.territorial_applications == (
        StatementEntry(UK, (CRC_UK_TERRITORIES,), (), dt.date(1994, 9, 7), CRC_UK_TERRITORIES),
    )


def test_a_section_the_page_lacks_is_none_and_an_empty_one_is_empty() -> None:
    sections = parse(children_sections(crc_sections(declarations=(), objections=None)))

    assert (sections.declarations, sections.objections) == ((), None)


def test_the_name_repeated_before_the_first_paragraph_is_dropped() -> None:
    sections = parse(children_sections(crc_sections()))

    assert sections.declarations is not None
    assert sections.declarations[0].paragraphs[0] == "Upon signature:"


def test_labels_inside_a_statement_are_not_headings() -> None:
    # "Declaration:" and "Reservations:" inside a text must not start a section.
    text = ("Reservations:", "Declaration:", "Objections:", "The Government objects.")
    sections = parse(children_sections(crc_sections(declarations=[("Algeria", text)])))

    assert sections.declarations == (StatementEntry("Algeria", text),)
    assert sections.objections is not None and len(sections.objections) == 1


def test_a_name_printed_twice_in_a_section_is_one_entry_with_both_texts() -> None:
    twice = [("Slovakia", ("First.",)), ("Slovakia", ("Second.",))]
    sections = parse(children_sections(crc_sections(objections=twice)))

    assert sections.objections == (StatementEntry("Slovakia", ("First.", "Second.")),)


def test_a_participant_in_bold_that_the_grid_lacks_still_starts_an_entry() -> None:
    # Predecessor states (e.g. Czechoslovakia) can be named in a section but not in the grid.
    html = statements_section("Objections", OBJECTIONS_NOTE, [("Czechoslovakia", ("Text.",))])
    sections = parse(children_sections(crc_sections(objections=None) + html))

    assert sections.objections == (StatementEntry("Czechoslovakia", ("Text.",)),)


def test_a_bold_word_inside_a_statement_starts_no_entry() -> None:
    text = ("Declaration:", "The Government declares:", "Note", "the rest of its text.")
    html = crc_sections(declarations=[("Algeria", text)]).replace(
        "<p>Note</p>", "<p><b>Note</b></p>"
    )
    sections = parse(children_sections(html))

    assert sections.declarations == (StatementEntry("Algeria", text),)


def test_optional_declarations_sections_join_the_declarations() -> None:
    # ICCPR-style pages have "Declarations recognizing the competence of the Human Rights
    # Committee under article 41" after the objections: declarations, not objections.
    optional = statements_section(
        "Declarations recognizing the competence of the Human Rights Committee under article 41",
        "(Declarations under article 41.)",
        [("Algeria", ("The Government recognizes the competence of the Committee.",))],
        "EndArt41",
    )
    html = crc_sections(territorial=None) + optional
    sections = parse(children_sections(html))

    assert sections.objections == (StatementEntry("Slovakia", CRC_SLOVAKIA),)
    assert sections.declarations == (
        StatementEntry("Afghanistan", CRC_AFGHANISTAN),
        StatementEntry(
            "Algeria", (*CRC_ALGERIA, "The Government recognizes the competence of the Committee.")
        ),
    )


def test_notifications_and_end_notes_end_a_section() -> None:
    notes = "<p><b>Notifications under article 4 (3)</b></p><p><b>Slovakia</b></p><p>Text.</p>"
    sections = parse(children_sections(crc_sections(territorial=None) + notes))

    assert sections.objections == (StatementEntry("Slovakia", CRC_SLOVAKIA),)


def test_long_text_before_the_first_participant_is_a_layout_change() -> None:
    stray = "<p>" + "The Government of a State that is not named objects. " * 20 + "</p>"
    html = crc_sections(objections=None).replace(
        '<p class="sectionNote">(Unless', stray + '<p class="sectionNote">(Unless', 1
    )
    with pytest.raises(LayoutChanged, match="text before its first participant"):
        parse(children_sections(html))


def test_many_short_lines_without_any_participant_are_a_layout_change() -> None:
    # Statement text whose participant headings were not recognised is never dropped silently.
    lines = "<p>The Government objects to the reservation.</p>" * 60
    html = crc_sections(objections=None) + f'<p class="sectionTitle"><b>Objections</b></p>{lines}'

    with pytest.raises(LayoutChanged, match="'Objections' section has text before"):
        parse(children_sections(html))


def test_territorial_row_with_an_unreadable_date_is_a_layout_change() -> None:
    html = crc_sections(territorial=[(UK, "31 Feb 1994", "Bermuda")])

    with pytest.raises(LayoutChanged, match="Territorial"):
        parse(children_sections(html))


def test_territorial_table_that_does_not_start_with_participant_is_a_layout_change() -> None:
    html = crc_sections().replace("<tr><td>Participant</td>", "<tr><td>State</td>")

    with pytest.raises(LayoutChanged, match="not 'Participant'"):
        parse(children_sections(html))


def test_section_headings_in_scripts_and_links_are_ignored() -> None:
    decoys = (
        "<script>var h = '<p>Objections</p>';</script>"
        '<p><a href="/Pages/Objections.aspx">Objections</a></p>'
    )
    sections = parse(children_sections(crc_sections(objections=None) + decoys))

    assert sections.objections is None


def test_a_changed_statement_changes_the_fingerprint_and_the_timestamp_does_not() -> None:
    page = children_sections()
    changed = children_sections(crc_sections(objections=[("Slovakia", ("Changed text.",))]))
    later = page.replace("30-09-2025 05:00:44", "01-10-2025 07:11:02")

    assert page_fingerprint(page) != page_fingerprint(changed)
    assert page_fingerprint(page) == page_fingerprint(later)


def test_statement_kinds_come_from_the_texts_own_labels() -> None:
    assert statement_kinds(CRC_AFGHANISTAN) == ("declaration",)
    assert statement_kinds(CRC_ALGERIA) == ("interpretative_declaration",)
    assert statement_kinds(["Upon signature: Reservation: …", "Declarations:", "Text."]) == (
        "reservation",
        "declaration",
    )
    assert statement_kinds(CRC_SLOVAKIA) == ()


def test_stated_dates_are_the_dates_paragraphs_start_with() -> None:
    paragraphs = ["9 August 1993", "21 Dec 2005: text", "Text of 3 May 2001.", "31 February 2001"]

    assert stated_dates(paragraphs) == (dt.date(1993, 8, 9), dt.date(2005, 12, 21))


def test_sections_round_trip_through_their_json() -> None:
    sections = parse((PAGES / "iv-11-crc-sections.html").read_bytes())

    assert Sections.from_json(sections.to_json()) == sections
