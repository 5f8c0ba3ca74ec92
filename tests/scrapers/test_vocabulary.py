"""One vocabulary of action kinds (scrapers.model.KNOWN_KINDS) and the header labels naming them."""

from __future__ import annotations

import pytest

from scrapers.columns import kind_of_label, parse_header
from scrapers.model import KNOWN_KINDS, is_known_kind


@pytest.mark.parametrize("kind", KNOWN_KINDS)
def test_every_known_kind_is_named_by_its_label_in_any_case(kind: str) -> None:
    label = kind.replace("_", " ")
    assert kind_of_label(label) == kind
    assert kind_of_label(label.upper()) == kind
    assert kind_of_label(label.capitalize()) == kind
    assert is_known_kind(kind)


def test_a_label_outside_the_vocabulary_is_slugified_and_not_known() -> None:
    assert kind_of_label("Date of adoption") == "date_of_adoption"
    assert not is_known_kind("date_of_adoption")
    assert not is_known_kind(None)


def test_a_header_letter_maps_to_a_known_kind() -> None:
    spec = parse_header(2, "Ratification, Formal confirmation(c), Succession(d)")
    assert spec.default_kind == "ratification"
    assert spec.letters == (("c", "formal_confirmation"), ("d", "succession"))
    assert all(is_known_kind(kind) for _, kind in spec.letters)
