"""Declarations, objections and territorial applications as sentences (plain and Telegram
HTML, every value escaped), from events made by the diff of the real-shape CRC page."""

from __future__ import annotations

import dataclasses
import datetime as dt

from bot.render import render_batch_html
from bot.render.alerts import render_html, render_plain
from scrapers.parse import parse_status_page
from store.diff import compare
from store.events import DeclarationEvent, Event, ObjectionEvent, ParticipantRef
from store.thresholds import rule_from_text
from tests.fakes.telegram_html import html_error, visible_text
from tests.fixtures.pages.build import children_sections
from tests.untc_sections import CRC_AFGHANISTAN, CRC_ALGERIA, crc_sections

URL = "https://treaties.un.org/Pages/ViewDetails.aspx?src=TREATY&mtdsg_no=IV-11&chapter=4"
NOW = dt.datetime(2026, 3, 12, 14, 5, 9, tzinfo=dt.UTC)


def crc_events() -> list[Event]:
    before = parse_status_page(
        children_sections(
            crc_sections(declarations=[("Afghanistan", CRC_AFGHANISTAN)], objections=None,
                         territorial=None)
        ),
        "IV-11",
        URL,
    )  # fmt: skip
    after = parse_status_page(
        children_sections(
            crc_sections(declarations=[("Afghanistan", CRC_AFGHANISTAN), ("Algeria", CRC_ALGERIA)])
        ),
        "IV-11",
        URL,
    )
    rule = rule_from_text(after.entry_into_force_text)
    return list(compare(before, after, rule, NOW).events)


def test_each_statement_reads_as_one_sentence_naming_who_what_and_the_text() -> None:
    declaration, objection, territorial = (render_plain(e) for e in crc_events())

    assert declaration.startswith(
        "🇩🇿 Algeria made an interpretative declaration to the Convention on the Rights of the "
        "Child: “Interpretative declarations: 1. Article 14"
    )
    assert objection.startswith(
        "🇸🇰 Slovakia made an objection to Qatar's reservation to the Convention on the Rights "
        'of the Child: “"The Slovak Republic regards'
    )
    assert territorial.startswith(
        "🇬🇧 United Kingdom of Great Britain and Northern Ireland applied the Convention on the "
        "Rights of the Child to Anguilla, Bermuda"
    )
    assert territorial.endswith("(notified on 7 Sep 1994)")
    assert " · " not in declaration + objection + territorial  # no progress line: no count moved


def test_telegram_html_escapes_the_text_and_bolds_the_names() -> None:
    (_, objection, _) = crc_events()
    hostile = dataclasses.replace(objection, excerpt='<script>alert("x")</script> & more')

    markup = render_html(hostile)

    assert html_error(markup) is None
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    assert "<b>Slovakia</b>" in markup and "<b>Qatar</b>'s" in markup
    assert '<script>alert("x")</script> & more' in visible_text(markup)


def test_changed_and_withdrawn_statements_say_so() -> None:
    declaration, objection, _ = crc_events()
    assert isinstance(declaration, DeclarationEvent) and isinstance(objection, ObjectionEvent)

    changed = render_plain(dataclasses.replace(declaration, change="changed"))
    withdrawn = render_plain(dataclasses.replace(objection, change="withdrawn"))
    unnamed = render_plain(dataclasses.replace(objection, objected_to=(), change="changed"))

    assert "Algeria's declarations and reservations to the Convention" in changed
    assert "have new text: “" in changed
    assert "Slovakia's objections to the Convention on the Rights of the Child record a " in (
        withdrawn
    )
    assert "Slovakia made a further objection to the Convention" in unnamed


def test_several_objected_to_and_no_kind_are_said_plainly() -> None:
    declaration, objection, _ = crc_events()
    two = (ParticipantRef("Qatar", "QA", None), ParticipantRef("Bahamas", "BS", None))

    assert "to Qatar's and Bahamas' reservation" in render_plain(
        dataclasses.replace(objection, objected_to=two)
    )
    assert "made a declaration or reservation to" in render_plain(
        dataclasses.replace(declaration, kinds=())
    )


def test_a_batch_lists_statements_under_the_treaty_without_repeating_it() -> None:
    (message,) = render_batch_html(crc_events())

    assert html_error(message) is None
    text = visible_text(message)
    assert text.startswith("Convention on the Rights of the Child\n🇩🇿 Algeria made an ")
    assert "Slovakia made an objection to Qatar's reservation: “" in text
    assert "Northern Ireland applied it to Anguilla" in text
    assert "196 parties" not in text  # statements move no count: no progress line
