"""The status-page parser against fixture pages built from real UN data (tests/fixtures/pages)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from scrapers.errors import (
    LayoutChanged,
    ScrapeError,
    SiteUnavailable,
    TreatyNotFound,
    TruncatedPage,
)
from scrapers.parse import page_fingerprint, parse_status_page
from tests.untc_pages import OLD_PREFIX, PageSpec, esc, page_from_table, render_page, rows_from_csv

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PAGES = FIXTURES / "pages"
TABLES = FIXTURES / "untc" / "status-2015"

GOOD_PAGES = {
    "xviii-16-2025-11.html": "XVIII-16",
    "iv-11-crc-large.html": "IV-11",
    "iv-11-crc-sections.html": "IV-11",
    "xxvii-7-a-kyoto-withdrawn.html": "XXVII-7-a",
    "xxvii-7-d-paris-bracketed-date.html": "XXVII-7-d",
    "xviii-5-old-prefix.html": "XVIII-5",
    "i-2-special-table.html": "I-2",
    "family-xii-4.html": "XII-4",
    "family-xxvii-1-j.html": "XXVII-1-j",
    "family-iii-2-7a.html": "III-2-7a",
    "family-xii-5.html": "XII-5",
    "family-xxvii-1-b.html": "XXVII-1-b",
    "family-xxiii-2.html": "XXIII-2",
    "family-xix-41-a.html": "XIX-41-a",
    "family-vii-6.html": "VII-6",
    "family-xxvii-11.html": "XXVII-11",
}


def parse_fixture(name: str) -> dict[str, object]:
    status = parse_status_page(
        (PAGES / name).read_bytes(), GOOD_PAGES[name], f"https://example/{name}"
    )
    return status.to_json()


def participant(data: dict[str, object], name: str) -> dict[str, object]:
    rows = data["participants"]
    assert isinstance(rows, list)
    return next(row for row in rows if row["name"] == name)


@pytest.mark.parametrize("name", sorted(GOOD_PAGES))
def test_fixture_parse_equals_hand_checked_expected_json(name: str) -> None:
    expected = json.loads((FIXTURES / "expected" / name.replace(".html", ".json")).read_text())
    assert parse_fixture(name) == expected


def test_cybercrime_page_reads_as_published_in_november_2025() -> None:
    data = parse_fixture("xviii-16-2025-11.html")
    assert data["id"] == "XVIII-16"
    assert data["chapter"] == "XVIII"
    assert str(data["title"]).startswith("United Nations Convention against Cybercrime; ")
    assert data["status"] == {"signatories": 72, "parties": None}
    eif = data["entry_into_force"]
    assert isinstance(eif, dict)
    assert eif["date"] is None
    assert eif["text"].startswith("in accordance with article 65(1) which reads as follows:")
    assert data["status_as_at"] == "2025-11-16T10:16:04-05:00"
    assert data["columns"] == [
        "Participant",
        "Signature",
        "Acceptance(A), Ratification, Approval(AA), Accession(a)",
    ]
    first = participant(data, "Algeria")
    assert first["withdrawn"] is False
    assert first["footnotes"] == []
    assert [(a["kind"], a["date"], a["withdrawn"]) for a in first["actions"]] == [
        ("signature", "2025-10-25", False)
    ]
    assert len(data["participants"]) == 31  # the surviving rows of the real table


def test_tab_inside_a_date_is_normalised() -> None:
    data = parse_fixture("xviii-16-2025-11.html")
    assert participant(data, "Angola")["actions"][0]["date"] == "2025-10-25"


def test_html_entities_in_names_are_decoded() -> None:
    data = parse_fixture("xviii-16-2025-11.html")
    assert participant(data, "Côte d'Ivoire")["actions"][0]["kind"] == "signature"


def test_footnotes_are_removed_from_names_and_dates_and_kept_as_numbers() -> None:
    data = parse_fixture("iv-11-crc-large.html")
    albania = participant(data, "Albania")  # one footnote on the name
    assert albania["footnotes"] == [2]
    several = participant(data, "Angola")  # footnote pair `<sup>5</sup>, <sup>6</sup>`
    assert several["footnotes"] == [5, 6]
    dated = participant(data, "Algeria")  # a footnote after the consent date
    assert dated["actions"][-1]["footnotes"] == [3]
    assert dated["actions"][-1]["date"] == "1993-04-16"


def test_declaring_states_are_links_whose_text_is_the_name() -> None:
    data = parse_fixture("iv-11-crc-large.html")
    andorra = participant(data, "Andorra")
    assert andorra["declarations"] is True


def test_large_page_has_every_row_and_the_decoy_table_before_the_grid_is_ignored() -> None:
    data = parse_fixture("iv-11-crc-large.html")
    names = [row["name"] for row in data["participants"]]
    assert len(names) == 196
    assert "Netherlands (Kingdom of the)" not in names  # only in the decoy table
    assert data["status"] == {"signatories": 140, "parties": 196}
    assert data["entry_into_force"]["date"] == "1990-09-02"


def test_bracketed_name_marks_participant_withdrawn() -> None:
    data = parse_fixture("xxvii-7-a-kyoto-withdrawn.html")
    canada = participant(data, "Canada")
    assert canada["withdrawn"] is True
    assert canada["footnotes"] == [4]
    assert [a["date"] for a in canada["actions"]] == ["1998-04-29", "2002-12-17"]


def test_bracketed_date_marks_only_that_action_withdrawn() -> None:
    data = parse_fixture("xxvii-7-d-paris-bracketed-date.html")
    usa = participant(data, "United States of America")
    assert usa["withdrawn"] is False
    assert [(a["kind"], a["date"], a["withdrawn"]) for a in usa["actions"]] == [
        ("signature", "2016-04-22", False),
        ("acceptance", "2021-01-20", True),
    ]
    assert data["status"] == {"signatories": 195, "parties": None}  # `Parties : -`


def test_old_id_prefix_is_read_like_the_current_one() -> None:
    data = parse_fixture("xviii-5-old-prefix.html")
    assert data["chapter_title"] == "PENAL MATTERS"
    assert data["conclusion"] == "New York, 17 December 1979"  # footnote stripped
    assert data["registration"] == "3 June 1983, No. 21931"
    austria = participant(data, "Austria")
    assert [(a["kind"], a["date"]) for a in austria["actions"]] == [
        ("signature", "1980-10-03"),
        ("ratification", "1986-08-22"),
    ]
    assert participant(data, "Afghanistan")["actions"][0]["kind"] == "accession"


def test_special_table_keeps_non_date_columns_as_values() -> None:
    data = parse_fixture("i-2-special-table.html")
    afghanistan = participant(data, "Afghanistan")
    assert afghanistan["values"] == {"1": "34 (I)", "4": "7", "5": "1", "6": "39"}
    assert [(a["kind"], a["date"]) for a in afghanistan["actions"]] == [
        ("date_of_adoption", "1946-11-09"),
        ("registration_date", "1946-12-14"),
    ]


def test_header_letters_are_case_sensitive() -> None:
    data = parse_fixture(
        "family-xxvii-1-b.html"
    )  # Ratification, Acceptance(A), Approval(AA), Accession(a), Succession(d)
    kinds = {a["raw"].split()[-1]: a["kind"] for p in data["participants"] for a in p["actions"]}
    assert kinds.get("A") == "acceptance"
    assert kinds.get("AA") == "approval"
    assert kinds.get("a") == "accession"


def test_several_unlettered_actions_in_a_header_are_ambiguous_not_guessed() -> None:
    header = ["Participant", "Definitive signature of the Protocol, Acceptance of the Protocol"]
    page = render_page(page_from_table("VI-11", header, [["Austria", "12 Jan 1950"]]))
    status = parse_status_page(page, "VI-11", "u")
    action = status.participants[0].actions[0]
    assert action.kind is None
    assert action.raw == "12 Jan 1950"
    assert action.date == dt.date(1950, 1, 12)


def test_not_yet_in_force_text_has_no_date_and_in_force_text_has_one() -> None:
    family = parse_fixture("family-xii-4.html")
    assert family["entry_into_force"] == {
        "date": None,
        "text": "Not yet in force in accordance with article 15(1).",
    }
    assert parse_fixture("xxvii-7-d-paris-bracketed-date.html")["entry_into_force"]["date"] == (
        "2016-11-04"
    )


def test_status_timestamp_never_changes_the_content_hash_or_fingerprint() -> None:
    header, rows = rows_from_csv((TABLES / "18-5.csv").read_text())
    spec = page_from_table("XVIII-5", header, rows)
    first = render_page(spec)
    spec.status_as_at = "Status as at : 17-11-2025 11:00:00 EST"
    second = render_page(spec)
    assert first != second
    a = parse_status_page(first, "XVIII-5", "u")
    b = parse_status_page(second, "XVIII-5", "u")
    assert a.status_as_at != b.status_as_at
    assert a.content_hash() == b.content_hash()
    assert page_fingerprint(first) == page_fingerprint(second)


def test_a_changed_date_changes_the_content_hash_and_fingerprint() -> None:
    header, rows = rows_from_csv((TABLES / "18-5.csv").read_text())
    first = render_page(page_from_table("XVIII-5", header, rows))
    rows[0][2] = "25 Sep 2003 a"
    second = render_page(page_from_table("XVIII-5", header, rows))
    assert page_fingerprint(first) != page_fingerprint(second)
    h1 = parse_status_page(first, "XVIII-5", "u").content_hash()
    h2 = parse_status_page(second, "XVIII-5", "u").content_hash()
    assert h1 != h2


def test_page_in_old_prefix_and_current_prefix_give_the_same_participants() -> None:
    header, rows = rows_from_csv((TABLES / "18-5.csv").read_text())
    current = parse_status_page(
        render_page(page_from_table("XVIII-5", header, rows)), "XVIII-5", "u"
    )
    old = parse_status_page(
        render_page(page_from_table("XVIII-5", header, rows, prefix=OLD_PREFIX)), "XVIII-5", "u"
    )
    assert old.participants == current.participants


BROKEN = {
    "not-found.html": (TreatyNotFound, "neither an entry-into-force block nor a participants grid"),
    "maintenance.html": (SiteUnavailable, "maintenance"),
    "truncated.html": (TruncatedPage, "ends before the participants grid"),
    "truncated-after-grid.html": (TruncatedPage, "ends before the participants grid does"),
    "grid-missing.html": (LayoutChanged, "no participants grid"),
    "header-changed.html": (LayoutChanged, "expected 'Participant'"),
    "bad-date.html": (LayoutChanged, "'31 Feb 2025' is not a real date"),
    "short-row.html": (LayoutChanged, "grid row 3 has 1 cells"),
    "unknown-marker.html": (LayoutChanged, "marker 'a' is not explained"),
    "empty-grid.html": (LayoutChanged, "no rows"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_page_raises_its_own_error_naming_the_treaty(name: str) -> None:
    error, fragment = BROKEN[name]
    with pytest.raises(ScrapeError) as caught:
        parse_status_page((PAGES / "broken" / name).read_bytes(), "XVIII-16", "u")
    assert type(caught.value) is error
    assert caught.value.treaty_id == "XVIII-16"
    assert str(caught.value).startswith(f"{error.reason}: ")  # the treaty is not repeated
    assert "XVIII-16" not in str(caught.value)
    assert fragment in str(caught.value)


def test_pagenotfound_in_menus_is_not_an_error_marker() -> None:
    page = (PAGES / "xviii-16-2025-11.html").read_text()
    assert "PageNotFound" in page
    assert parse_status_page(page, "XVIII-16", "u").signatories == 72


def test_broken_pages_have_no_fingerprint_to_skip_work_with() -> None:
    assert page_fingerprint((PAGES / "broken" / "truncated.html").read_bytes()) is None
    assert page_fingerprint((PAGES / "broken" / "not-found.html").read_bytes()) is None


def _csv_date(cell: str) -> tuple[str, bool]:
    """Independent reading of a CSV date string: ISO date and whether it is bracketed."""
    text = " ".join(cell.replace("[", " [ ").replace("]", " ] ").split())
    bracketed = text.startswith("[")
    tokens = [t for t in text.split() if t not in "[]"]
    day, month, year = tokens[:3]
    month = "Sep" if month == "Sept" else month  # tables also write "5 Sept 2000"
    fmt = "%d %b %Y" if len(month) == 3 else "%d %B %Y"  # … and "19 July 2006"
    return dt.datetime.strptime(f"{day} {month} {year}", fmt).date().isoformat(), bracketed


TABLE_FILES = sorted(p.name for p in TABLES.glob("*.csv"))


def test_there_are_313_real_tables() -> None:
    assert len(TABLE_FILES) == 313


@pytest.mark.parametrize("name", TABLE_FILES)
def test_real_table_round_trips_exactly(name: str) -> None:
    header, rows = rows_from_csv((TABLES / name).read_text(encoding="utf-8"))
    page = render_page(page_from_table("XVIII-5", header, rows))
    status = parse_status_page(page.encode("utf-8"), "XVIII-5", "u")
    assert list(status.columns) == [" ".join(h.split()) for h in header]
    assert [p.name for p in status.participants] == [" ".join(r[0].split()) for r in rows]
    for parsed, row in zip(status.participants, rows, strict=True):
        got = {a.column: (a.date.isoformat(), a.withdrawn) for a in parsed.actions}
        values = dict(parsed.values)
        for column, cell in enumerate(row[1:], start=1):
            if not cell.strip():
                assert column not in got and column not in values
            elif column in values:
                assert values[column] == " ".join(cell.split())
            else:
                assert got[column] == _csv_date(cell), (parsed.name, column, cell)


def test_esc_keeps_apostrophes_as_numeric_entities_like_the_site() -> None:
    assert esc("Côte d'Ivoire") == "Côte d&#39;Ivoire"
    spec = PageSpec(
        treaty_id="XVIII-16",
        chapter_title="PENAL MATTERS",
        number="16",
        title="T",
        conclusion="New York, 24 December 2024",
        eif="in accordance with article 65(1)",
        status="Signatories : 1.",
        columns=["Participant", "Signature"],
        rows=[[esc("Côte d'Ivoire"), "25 Oct 2025"]],
    )
    assert "d&#39;Ivoire" in render_page(spec)
