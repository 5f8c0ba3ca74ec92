"""Declarations, objections and territorial applications: two observations → events, or a
quarantine. Observations are the CRC page (IV-11) with its real statements, changed one part at
a time (`tests/untc_sections.py`)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from scrapers.model import Sections, TreatyStatus
from scrapers.parse import parse_status_page
from store.diff import compare
from store.events import (
    DeclarationEvent,
    ObjectionEvent,
    TerritorialApplicationEvent,
    event_from_json,
)
from store.statement_diff import excerpt, named_participants
from store.thresholds import rule_from_text
from tests.fixtures.pages.build import children_sections
from tests.untc_sections import (
    CRC_AFGHANISTAN,
    CRC_ALGERIA,
    CRC_SLOVAKIA,
    CRC_UK_TERRITORIES,
    crc_sections,
)

URL = "https://treaties.un.org/Pages/ViewDetails.aspx?src=TREATY&mtdsg_no=IV-11&chapter=4"
NOW = dt.datetime(2026, 3, 12, 14, 5, 9, tzinfo=dt.UTC)
AFGHANISTAN = ("Afghanistan", CRC_AFGHANISTAN)
ALGERIA = ("Algeria", CRC_ALGERIA)


def page(**parts: object) -> TreatyStatus:
    html = children_sections(crc_sections(**parts))  # type: ignore[arg-type]
    return parse_status_page(html, "IV-11", URL)


BEFORE = page(declarations=[AFGHANISTAN], objections=None, territorial=None)
RULE = rule_from_text(BEFORE.entry_into_force_text)


def changes(before: TreatyStatus, after: TreatyStatus) -> list[object]:
    comparison = compare(before, after, RULE, NOW)
    assert comparison.outcome == "changed", comparison.reason
    return list(comparison.events)


def test_a_new_declaration_is_one_event_with_its_kind_and_an_excerpt() -> None:
    (event,) = changes(BEFORE, page(declarations=[AFGHANISTAN, ALGERIA], objections=None,
                                    territorial=None))  # fmt: skip

    assert isinstance(event, DeclarationEvent)
    assert (event.participant and event.participant.name, event.participant.code) == (
        "Algeria",
        "DZ",
    )
    assert (event.change, event.kinds, event.action) == (
        "new",
        ("interpretative_declaration",),
        None,
    )
    assert event.excerpt.startswith("Interpretative declarations: 1. Article 14")
    assert len(event.excerpt) <= 280 and event.excerpt.endswith("…")


def test_a_new_objection_names_the_participant_objected_to() -> None:
    (event,) = changes(BEFORE, page(declarations=[AFGHANISTAN], territorial=None))

    assert isinstance(event, ObjectionEvent)
    assert event.participant is not None and event.participant.name == "Slovakia"
    assert [(p.name, p.code) for p in event.objected_to] == [("Qatar", "QA")]
    assert event.change == "new"


def test_a_new_territorial_application_carries_territory_and_date() -> None:
    (event,) = changes(BEFORE, page(declarations=[AFGHANISTAN], objections=None))

    assert isinstance(event, TerritorialApplicationEvent)
    assert event.participant is not None and event.participant.code == "GB"
    assert (event.territory, event.date) == (CRC_UK_TERRITORIES, dt.date(1994, 9, 7))


def test_new_paragraphs_of_a_known_entry_are_a_change_and_only_they_are_quoted() -> None:
    more = ("Afghanistan", (*CRC_AFGHANISTAN, "Reservation: the new text of 2026."))
    (event,) = changes(BEFORE, page(declarations=[more], objections=None, territorial=None))

    assert isinstance(event, DeclarationEvent)
    assert (event.change, event.excerpt, event.kinds) == (
        "changed",
        "Reservation: the new text of 2026.",
        ("reservation",),
    )


def test_new_text_saying_a_statement_was_withdrawn_is_a_withdrawal() -> None:
    text = (
        "On 21 May 2026, the Government notified the Secretary-General that it withdraws the "
        "declaration."
    )
    more = ("Afghanistan", (*CRC_AFGHANISTAN, text))
    (event,) = changes(BEFORE, page(declarations=[more], objections=None, territorial=None))

    assert isinstance(event, DeclarationEvent) and event.change == "withdrawn"


def test_ids_depend_on_participant_and_text_never_on_the_time() -> None:
    after = page(declarations=[AFGHANISTAN, ALGERIA], objections=None, territorial=None)
    first = compare(BEFORE, after, RULE, NOW).events
    again = compare(BEFORE, after, RULE, NOW + dt.timedelta(days=3)).events
    other = page(declarations=[AFGHANISTAN, ("Algeria", ("Other text.",))], objections=None,
                 territorial=None)  # fmt: skip

    assert [e.id for e in first] == [e.id for e in again]
    assert first[0].id != compare(BEFORE, other, RULE, NOW).events[0].id


def test_removed_or_reworded_text_without_a_new_paragraph_is_no_event() -> None:
    shorter = ("Afghanistan", CRC_AFGHANISTAN[:2])
    after = page(declarations=[shorter], objections=None, territorial=None)

    assert compare(BEFORE, after, RULE, NOW).outcome == "unchanged"


def test_unchanged_sections_are_no_event() -> None:
    same = page(declarations=[AFGHANISTAN], objections=None, territorial=None)

    assert compare(BEFORE, same, RULE, NOW).outcome == "unchanged"


@pytest.mark.parametrize(
    ("after", "reason"),
    [
        (
            {"declarations": (), "objections": None, "territorial": None},
            "declarations and reservations section vanished (1 entry before)",
        ),
        (
            {"declarations": [ALGERIA], "objections": None, "territorial": None},
            "the entry of 'Afghanistan' vanished",
        ),
    ],
)
def test_a_vanished_section_or_entry_is_a_quarantine_without_events(
    after: dict[str, object], reason: str
) -> None:
    comparison = compare(BEFORE, page(**after), RULE, NOW)

    assert (comparison.outcome, comparison.events) == ("quarantined", ())
    assert comparison.reason is not None and reason in comparison.reason


def test_a_whole_page_without_its_sections_is_a_quarantine() -> None:
    full = page()
    bare = dataclasses.replace(full, sections=Sections(declarations=()))

    comparison = compare(full, bare, RULE, NOW)

    assert comparison.outcome == "quarantined"


def test_sections_first_seen_after_an_upgrade_are_a_silent_baseline() -> None:
    old_snapshot = dataclasses.replace(BEFORE, sections=None)

    assert compare(old_snapshot, page(), RULE, NOW).outcome == "unchanged"


def test_first_sight_stays_silent_and_a_backfill_announces_no_statement() -> None:
    assert compare(None, page(), RULE, NOW).events == ()
    announced = compare(None, page(), RULE, NOW, announce=True).events
    assert not [e for e in announced if e.type.startswith(("treaty.decl", "treaty.obj"))]


def test_statement_events_round_trip_through_json() -> None:
    events = changes(BEFORE, page(declarations=[AFGHANISTAN, ALGERIA]))

    assert [type(e).__name__ for e in events] == [
        "DeclarationEvent",
        "ObjectionEvent",
        "TerritorialApplicationEvent",
    ]
    for event in events:
        assert event_from_json(event.to_json()) == event  # type: ignore[attr-defined]


def test_excerpt_is_cut_on_a_word_with_an_ellipsis() -> None:
    assert excerpt("short text") == "short text"
    cut = excerpt("word " * 100)
    assert cut.endswith("word…") and len(cut) <= 280
    assert (
        excerpt(CRC_SLOVAKIA[0], 60) == '"The Slovak Republic regards the general reservation made…'
    )


def test_objected_to_prefers_the_longest_name_and_finds_names_before_a_parenthesis() -> None:
    text = (
        "The Government of Slovakia objects to the reservations made by Equatorial Guinea, by "
        "the Islamic Republic of Iran and by the Democratic People's Republic of Korea."
    )
    grid = [
        "Equatorial Guinea", "Guinea", "Iran (Islamic Republic of)", "Republic of Korea",
        "Democratic People's Republic of Korea", "Slovakia",
    ]  # fmt: skip

    assert named_participants(text, "Slovakia", grid) == [
        "Equatorial Guinea",
        "Iran (Islamic Republic of)",
        "Democratic People's Republic of Korea",
    ]


def test_objected_to_knows_other_spellings_of_a_participant() -> None:
    text = (
        "The Government of Sweden objects to the reservations of the United Kingdom, of Turkey"
        " and of COTE D'IVOIRE, and to those of the United States."
    )
    grid = [
        "Sweden", "United Kingdom of Great Britain and Northern Ireland", "Türkiye",
        "Côte d’Ivoire", "United States of America", "Viet Nam",
    ]  # fmt: skip

    assert named_participants(text, "Sweden", grid) == [
        "United Kingdom of Great Britain and Northern Ireland",
        "Türkiye",
        "Côte d’Ivoire",
        "United States of America",
    ]
