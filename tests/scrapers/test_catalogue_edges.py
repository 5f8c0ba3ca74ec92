"""The catalogue at its edges: empty chapters, sub-numbered titles, the shared maintenance check."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scrapers.catalogue import ChapterRef, parse_chapter, parse_index, split_title
from scrapers.errors import LayoutChanged, SiteUnavailable
from scrapers.parse import parse_status_page

BASE = "https://treaties.un.org"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "catalogue"
NBSP = "\xa0"
LONE_TOKEN = re.compile(r"^(?:[a-z]|\d{1,2}[a-z]?)(?:[.)\s]|$)")
CHAPTER_PAGES = {
    "chapter-IV.html": "IV",
    "chapter-XI-B.html": "XI-B",
    "chapter-XVIII.html": "XVIII",
}


def page(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture(scope="module")
def chapters() -> dict[str, ChapterRef]:
    return {ref.label: ref for ref in parse_index(page("index.html"), BASE)}


def test_a_chapter_the_site_says_is_empty_lists_no_treaties(
    chapters: dict[str, ChapterRef],
) -> None:
    assert parse_chapter(page("empty-chapter.html"), chapters["XI-D"], BASE) == []


def test_an_empty_list_the_site_does_not_explain_still_raises(
    chapters: dict[str, ChapterRef],
) -> None:
    with pytest.raises(LayoutChanged, match="lists no treaty links"):
        parse_chapter(page("broken-chapter.html"), chapters["XVIII"], BASE)


def test_a_no_records_page_cut_short_still_raises(chapters: dict[str, ChapterRef]) -> None:
    html = page("empty-chapter.html").decode("utf-8")
    cut = html[: html.index("No records found.") + 40]
    with pytest.raises(LayoutChanged, match="lists no treaty links"):
        parse_chapter(cut, chapters["XI-D"], BASE)


def test_an_index_that_says_no_records_found_still_raises() -> None:
    with pytest.raises(LayoutChanged, match="no chapter links"):
        parse_index(page("broken-index.html"), BASE)


def test_catalogue_errors_do_not_repeat_the_word_catalogue(
    chapters: dict[str, ChapterRef],
) -> None:
    with pytest.raises(LayoutChanged) as caught:
        parse_chapter(page("broken-chapter.html"), chapters["XVIII"], BASE)
    assert caught.value.treaty_id == "catalogue"
    assert "catalogue" not in str(caught.value)


@pytest.mark.parametrize("name", sorted(CHAPTER_PAGES))
def test_no_catalogue_title_starts_with_a_lone_letter_or_number(
    name: str, chapters: dict[str, ChapterRef]
) -> None:
    entries = parse_chapter(page(name), chapters[CHAPTER_PAGES[name]], BASE)
    assert entries
    assert [e.title for e in entries if LONE_TOKEN.match(e.title)] == []


@pytest.mark.parametrize(
    ("text", "title"),
    [
        (f"7. d Paris Agreement. {NBSP}{NBSP}Paris, 12 December 2015", "Paris Agreement"),
        ("2. b Protocol on Prohibitions. Geneva, 10 October 1980", "Protocol on Prohibitions"),
        (
            "2. 1 Annex I - International Labour Organisation (ILO). San Francisco, 10 July 1948",
            "Annex I - International Labour Organisation (ILO)",
        ),
        ("16. Slavery Convention", "Slavery Convention"),
        ("1949 Convention on Road Traffic", "1949 Convention on Road Traffic"),
    ],
)
def test_split_title_drops_the_number_and_its_sub_number(text: str, title: str) -> None:
    assert split_title(text)[0] == title


# --- one maintenance detector for both parsers -------------------------------------------------

MAINTENANCE = [
    "The website is undergoing urgent maintenance and is currently unavailable.",
    "The website is undergoing URGENT\n   Maintenance and is currently unavailable.",
    "Urgent maintenance.",
]
NOT_MAINTENANCE = ["The text of this declaration is currently unavailable."]


def shell(text: str) -> str:
    return f"<html><head><title>UNTC</title></head><body><p>{text}</p></body></html>"


@pytest.mark.parametrize("text", MAINTENANCE)
def test_both_parsers_see_the_same_maintenance_notice(
    text: str, chapters: dict[str, ChapterRef]
) -> None:
    with pytest.raises(SiteUnavailable):
        parse_status_page(shell(text), "XVIII-16", "u")
    with pytest.raises(SiteUnavailable):
        parse_index(shell(text), BASE)
    with pytest.raises(SiteUnavailable):
        parse_chapter(shell(text), chapters["XVIII"], BASE)


@pytest.mark.parametrize("text", NOT_MAINTENANCE)
def test_currently_unavailable_alone_is_no_maintenance_notice_for_either_parser(
    text: str, chapters: dict[str, ChapterRef]
) -> None:
    with pytest.raises(LayoutChanged):
        parse_index(shell(text), BASE)
    with pytest.raises(LayoutChanged):
        parse_chapter(shell(text), chapters["XVIII"], BASE)
