"""The status parser against pages that lie: another treaty's page, absurd dates, non-HTML answers.

Also: the number printed before a title is split from it on every fixture page.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from scrapers.errors import LayoutChanged, NotAStatusPage, ScrapeError, WrongTreaty
from scrapers.fetch import Fetcher, FetchPolicy
from scrapers.parse import guess_treaty_id, page_treaty_id, parse_status_page
from scrapers.urls import status_url
from tests.fakesite import FakeUNSite, Reply
from tests.scrapers.test_parse import GOOD_PAGES
from tests.untc_pages import OLD_PREFIX, PageSpec, render_page

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
ROME = (PAGES / "broken" / "wrong-treaty.html").read_text(encoding="utf-8")
# A token that is a number or letter standing alone before a title ("d Paris…", "1 Annex…").
LONE_TOKEN = re.compile(r"^(?:[a-z]|\d{1,2}[a-z]?)(?:[.)\s]|$)")


def small_page(**changes: object) -> str:
    spec = PageSpec(
        treaty_id="XVIII-16",
        chapter_title="PENAL MATTERS",
        number="16",
        title="United Nations Convention against Cybercrime",
        conclusion="New York, 24 December 2024",
        eif="in accordance with article 65(1)",
        status="Signatories : 72.",
        columns=["Participant", "Signature"],
        rows=[["Algeria", "25 Oct 2025"], ["Angola", "25 Oct 2025"]],
        viewstate_bytes=1_000,
        menus=False,
    )
    for key, value in changes.items():
        setattr(spec, key, value)
    return render_page(spec)


def without_form_action(page: str) -> str:
    return re.sub(r'<form method="post" action="[^"]*"', '<form method="post"', page)


# --- 1. another treaty's page ----------------------------------------------------------------


def test_the_rome_statute_page_served_for_xviii_16_is_a_wrong_treaty() -> None:
    with pytest.raises(WrongTreaty) as caught:
        parse_status_page(ROME, "XVIII-16", "u")
    assert (caught.value.treaty_id, caught.value.answered) == ("XVIII-16", "XVIII-10")
    assert "the site answered with XVIII-10" in str(caught.value)


async def test_the_wrong_page_behind_the_right_url_is_refused(fake_site: FakeUNSite) -> None:
    fake_site.pages["XVIII-16"] = ROME.encode("utf-8")
    policy = FetchPolicy(user_agent="test", min_interval_s=0)
    url = status_url(fake_site.base_url, "XVIII-16")
    async with Fetcher(policy) as fetcher:
        fetched = await fetcher.fetch(url, treaty_id="XVIII-16")
    with pytest.raises(WrongTreaty, match="the site answered with XVIII-10"):
        parse_status_page(fetched.body, "XVIII-16", fetched.final_url)


def test_the_number_before_the_title_alone_also_names_the_wrong_treaty() -> None:
    with pytest.raises(WrongTreaty, match="the site answered with XVIII-10"):
        parse_status_page(without_form_action(ROME), "XVIII-16", "u")


def test_a_sub_numbered_page_of_the_same_treaty_number_is_still_another_treaty() -> None:
    kyoto = (PAGES / "xxvii-7-a-kyoto-withdrawn.html").read_text(encoding="utf-8")
    with pytest.raises(WrongTreaty, match="answered with XXVII-7-a"):
        parse_status_page(kyoto, "XXVII-7-d", "u")
    with pytest.raises(WrongTreaty, match="answered with XXVII-7-a"):
        parse_status_page(without_form_action(kyoto), "XXVII-7-d", "u")


def test_the_old_id_prefix_page_names_its_treaty_too() -> None:
    page = small_page(prefix=OLD_PREFIX, treaty_id="XVIII-10", number="10")
    with pytest.raises(WrongTreaty, match="answered with XVIII-10"):
        parse_status_page(page, "XVIII-16", "u")


@pytest.mark.parametrize("name", sorted(GOOD_PAGES))
def test_every_fixture_page_names_its_own_treaty(name: str) -> None:
    page = (PAGES / name).read_bytes()
    assert page_treaty_id(page) == GOOD_PAGES[name]
    assert guess_treaty_id(page) == GOOD_PAGES[name]


def test_a_page_that_does_not_name_its_number_is_still_read() -> None:
    page = without_form_action(small_page(number="", title="Untitled"))
    status = parse_status_page(page, "XVIII-16", "u")
    assert (status.number, status.title, len(status.participants)) == ("", ". Untitled", 2)


def test_a_page_without_its_letter_is_accepted_for_the_lettered_id() -> None:
    page = without_form_action(small_page(treaty_id="XXVII-7-d", number="7", title="Paris"))
    assert parse_status_page(page, "XXVII-7-d", "u").number == "7"


# --- 3. dates outside the plausible years ------------------------------------------------------


def test_a_cell_dated_year_9999_fails_the_page_naming_the_cell() -> None:
    page = small_page(rows=[["Algeria", "28 Oct 9999"], ["Angola", "25 Oct 2025"]])
    with pytest.raises(LayoutChanged) as caught:
        parse_status_page(page, "XVIII-16", "u")
    assert "Algeria, column 'Signature': '28 Oct 9999' is outside the plausible years" in str(
        caught.value
    )


def test_an_entry_into_force_dated_year_9999_fails_the_page() -> None:
    page = small_page(eif="28 Oct 9999, in accordance with article 65(1).")
    with pytest.raises(LayoutChanged, match="entry-into-force date '28 Oct 9999' is outside"):
        parse_status_page(page, "XVIII-16", "u")


def test_an_impossible_entry_into_force_date_fails_the_page() -> None:
    page = small_page(eif="31 February 2016, in accordance with article 21(1).")
    with pytest.raises(LayoutChanged, match="entry-into-force date '31 February 2016' is not a"):
        parse_status_page(page, "XVIII-16", "u")


def test_a_status_timestamp_in_year_9999_fails_the_page() -> None:
    page = small_page(status_as_at="Status as at : 16-11-9999 10:16:04 EDT")
    with pytest.raises(LayoutChanged, match=r"status timestamp .* is outside the plausible years"):
        parse_status_page(page, "XVIII-16", "u")


def test_an_absurd_count_fails_the_page() -> None:
    page = small_page(status="Signatories : 99999999999999999999999999999.")
    with pytest.raises(LayoutChanged, match=r"status count .* is implausible"):
        parse_status_page(page, "XVIII-16", "u")


def test_plausible_old_and_recent_dates_are_read() -> None:
    page = small_page(rows=[["Algeria", "1 Jan 1850"], ["Angola", "31 Dec 2150"]])
    status = parse_status_page(page, "XVIII-16", "u")
    assert [p.actions[0].date for p in status.participants] == [
        dt.date(1850, 1, 1),
        dt.date(2150, 12, 31),
    ]


# --- 6. answers that are no HTML page at all ---------------------------------------------------


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"", "an empty body"),
        (b"  \r\n", "an empty body"),
        (b'{"d": {"results": []}}', "JSON"),
        (b"[]", "JSON"),
        (b"Service temporarily overloaded", "text, not HTML"),
    ],
)
def test_an_answer_that_is_no_html_is_not_a_status_page(body: bytes, fragment: str) -> None:
    with pytest.raises(NotAStatusPage) as caught:
        parse_status_page(body, "XVIII-16", "u")
    assert str(caught.value).startswith("not a status page: ")
    assert fragment in str(caught.value)
    assert isinstance(caught.value, LayoutChanged)


async def test_a_json_answer_from_the_site_is_not_a_status_page(fake_site: FakeUNSite) -> None:
    body = b'{"Message": "An error has occurred."}'
    fake_site.script("XVIII-16", Reply(body=body, content_type="application/json"))
    async with Fetcher(FetchPolicy(user_agent="test", min_interval_s=0)) as fetcher:
        fetched = await fetcher.fetch(status_url(fake_site.base_url, "XVIII-16"), treaty_id="X")
    with pytest.raises(NotAStatusPage, match="JSON"):
        parse_status_page(fetched.body, "XVIII-16", fetched.final_url)


def test_error_text_is_reason_then_detail_and_the_treaty_is_an_attribute() -> None:
    with pytest.raises(ScrapeError) as caught:
        parse_status_page(b"", "XVIII-16", "u")
    error = caught.value
    assert (error.treaty_id, error.reason, error.detail) == (
        "XVIII-16",
        "not a status page",
        "the site answered with an empty body",
    )
    assert str(error) == "not a status page: the site answered with an empty body"


# --- 7. sub-numbered titles --------------------------------------------------------------------


def test_the_paris_agreement_is_number_7_d_titled_paris_agreement() -> None:
    page = (PAGES / "xxvii-7-d-paris-bracketed-date.html").read_bytes()
    status = parse_status_page(page, "XXVII-7-d", "u")
    assert (status.number, status.title) == ("7.d", "Paris Agreement")


@pytest.mark.parametrize(
    ("printed", "number", "title"),
    [
        ("7. d Paris Agreement", "7.d", "Paris Agreement"),
        ("2. b Protocol on Prohibitions or Restrictions", "2.b", "Protocol on Prohibitions or Re…"),
        ("2. 1 Annex I - International Labour Organisation", "2.1", "Annex I - International Lab…"),
    ],
)
def test_a_sub_number_on_the_page_goes_to_the_number_not_the_title(
    printed: str, number: str, title: str
) -> None:
    treaty_id = f"XXVI-{number.replace('.', '-')}"
    head, rest = printed.split(" ", 1)
    page = small_page(treaty_id=treaty_id, number=head.rstrip("."), title=rest)
    status = parse_status_page(page, treaty_id, "u")
    assert status.number == number
    assert status.title.startswith(title.removesuffix("…"))


@pytest.mark.parametrize("name", sorted(GOOD_PAGES))
def test_no_fixture_title_starts_with_a_lone_letter_or_number(name: str) -> None:
    status = parse_status_page((PAGES / name).read_bytes(), GOOD_PAGES[name], "u")
    assert LONE_TOKEN.match(status.title) is None, status.title
    assert status.number != ""


def test_a_page_whose_address_names_the_treaty_is_accepted_whatever_number_it_prints() -> None:
    """Sub-numbered treaties print their number in several forms ("2-7a.", "7b."): the page's
    own address is the authority (seen as a false "wrong treaty" in the soak benchmark)."""
    from pathlib import Path

    from tests.untc_pages import page_from_table, render_page, rows_from_csv

    table = Path(__file__).parents[1] / "fixtures" / "untc" / "status-2015" / "3-2-7b.csv"
    header, rows = rows_from_csv(table.read_text(encoding="utf-8"))
    page = render_page(page_from_table("III-2-7b", header, rows)).encode()
    assert b"7b. Treaty III-2-7b" in page  # the short form of the number

    status = parse_status_page(page, "III-2-7b", "https://treaties.un.org/x")

    assert status.id == "III-2-7b"
