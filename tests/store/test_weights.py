"""The Paris Agreement's article 21 weight table, shipped as package data, and how it is used."""

from __future__ import annotations

import datetime as dt

import pytest

from store.weights import (
    WeightedThreshold,
    load_table,
    weight_progress,
    weighted_from_text,
)

PARIS = WeightedThreshold("paris-article21", 55.0)
DAY = dt.date(2016, 10, 5)


def test_the_shipped_table_has_the_printed_total_and_the_countries_shares() -> None:
    table = load_table("paris-article21")

    assert table.total == 37_168_339  # FCCC/CP/2015/10, Annex I, "Total"
    assert round(table.share_of("China"), 2) == 20.09
    assert round(table.share_of("United States of America"), 2) == 17.89
    assert round(table.share_of("Germany"), 2) == 2.56


def test_the_european_union_adds_nothing_of_its_own() -> None:
    # Footnote a: its emissions "are not counted as additional to those of the member States".
    assert load_table("paris-article21").share_of("European Union") == 0.0


@pytest.mark.parametrize(
    ("name", "same_as"),
    [
        ("Bolivia (Plurinational State of)", "Bolivia"),
        ("Türkiye", "Turkey"),
        ("United Kingdom of Great Britain and Northern Ireland", "United Kingdom"),
        ("Viet Nam", "Vietnam"),
    ],
)
def test_participants_are_matched_by_country_whatever_the_spelling(name: str, same_as: str) -> None:
    table = load_table("paris-article21")

    assert table.share_of(name) > 0
    assert table.share_of(name) == table.share_of(same_as)


def test_a_participant_the_table_does_not_list_weighs_nothing() -> None:
    assert load_table("paris-article21").share_of("Republic of Atlantis") == 0.0


def test_the_share_is_reached_on_the_day_of_the_deposit_that_crosses_it() -> None:
    # An order of deposits made up for the arithmetic (shares as printed in the table).
    deposits = [
        ("China", dt.date(2016, 9, 3)),  # 20.09
        ("United States of America", dt.date(2016, 9, 3)),  # 17.89
        ("India", dt.date(2016, 10, 2)),  # 4.10
        ("European Union", DAY),  # 0
        ("Japan", dt.date(2016, 11, 8)),  # 3.79 → 45.87
        ("Russian Federation", dt.date(2019, 10, 7)),  # 7.53 → 53.40
    ]
    short = weight_progress(deposits, PARIS)
    crossed = weight_progress([*deposits, ("Brazil", dt.date(2019, 12, 1))], PARIS)  # 2.48

    assert (round(short.share, 2), short.reached_on, short.met) == (53.4, None, False)
    assert (round(crossed.share, 2), crossed.reached_on) == (55.88, dt.date(2019, 12, 1))
    assert crossed.met


def test_a_greenhouse_gas_text_names_the_paris_table_and_its_percentage() -> None:
    text = "at least an estimated 55 per cent of the total global greenhouse gas emissions"

    assert weighted_from_text(text) == (PARIS, None)


def test_a_table_that_is_not_shipped_says_so() -> None:
    weighted, reason = weighted_from_text(
        "at least 55 per cent of the total carbon dioxide emissions for 1990 of the Parties"
    )

    assert weighted is None
    assert reason is not None and "no weight table" in reason
