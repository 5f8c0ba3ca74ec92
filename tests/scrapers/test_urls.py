"""Treaty ids from users and config: whole-string match, trimmed, never echoed back at length."""

from __future__ import annotations

import pytest

from scrapers.urls import status_url, unique_treaty_ids, validate_treaty_id


@pytest.mark.parametrize(
    ("given", "normalised"),
    [
        ("XVIII-16", "XVIII-16"),
        ("XVIII-16\n", "XVIII-16"),
        ("  IV-11-d\t", "IV-11-d"),
        ("XI-B-16-1", "XI-B-16-1"),
        ("III-2-7a", "III-2-7a"),
    ],
)
def test_a_well_formed_id_is_returned_without_surrounding_white_space(
    given: str, normalised: str
) -> None:
    assert validate_treaty_id(given) == normalised


@pytest.mark.parametrize(
    "given",
    ["XVIII-16\nIV-11", "XVIII-16-", "xviii-16", "XVIII", "", "XVIII-16;rm", "XVIII-16\n\n!"],
)
def test_anything_but_one_whole_id_is_refused(given: str) -> None:
    with pytest.raises(ValueError, match="is not an MTDSG treaty id"):
        validate_treaty_id(given)


def test_a_huge_id_is_not_echoed_back_in_full() -> None:
    with pytest.raises(ValueError) as caught:
        validate_treaty_id("X" * 10_000)
    message = str(caught.value)
    assert len(message) < 200
    assert "…" in message


def test_the_status_url_carries_the_normalised_id() -> None:
    url = status_url("https://treaties.un.org", "XVIII-16\n")
    assert url == (
        "https://treaties.un.org/Pages/ViewDetails.aspx"
        "?src=TREATY&mtdsg_no=XVIII-16&chapter=18&clang=_en"
    )


def test_unique_ids_keep_the_first_order_and_drop_repeats() -> None:
    assert unique_treaty_ids(["XVIII-16", " IV-11", "XVIII-16\n", "IV-11", "I-1"]) == [
        "XVIII-16",
        "IV-11",
        "I-1",
    ]


def test_unique_ids_refuse_a_bad_id() -> None:
    with pytest.raises(ValueError, match="'nope' is not an MTDSG treaty id"):
        unique_treaty_ids(["XVIII-16", "nope"])
