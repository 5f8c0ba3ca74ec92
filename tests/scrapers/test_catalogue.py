"""The catalogue parsers: index of chapters → chapter pages → treaty entries.

Fixture pages live in tests/fixtures/catalogue/ (see SOURCES.md there); nothing here touches the
network or /work/shared.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scrapers.catalogue import ChapterRef, parse_chapter, parse_index, split_title
from scrapers.errors import LayoutChanged, SiteUnavailable
from scrapers.urls import chapter_url, status_url

BASE = "https://treaties.un.org"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "catalogue"
NBSP = "\xa0"

# As listed on the site in May 2026 (the site itself cuts this title short).
CYBERCRIME_TITLE = (
    "United Nations Convention against Cybercrime; Strengthening International Cooperation for "
    "Combating Certain Crimes Committed by Means of Information and Communications Technology "
    "Systems and for the Sharing of Evidence in Electro..."
)


def page(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture(scope="module")
def chapters() -> dict[str, ChapterRef]:
    return {ref.label: ref for ref in parse_index(page("index.html"), BASE)}


# --- index of chapters -------------------------------------------------------------------------


def test_index_yields_all_29_chapters_in_order_with_their_titles() -> None:
    refs = parse_index(page("index.html"), BASE)

    numbers = sorted({ref.number for ref in refs})
    assert numbers == list(range(1, 30))
    assert [ref.number for ref in refs] == sorted(ref.number for ref in refs)
    by_label = {ref.label: ref for ref in refs}
    assert by_label["I"].title == (
        "Charter of the United Nations and Statute of the International Court of Justice"
    )
    assert by_label["IV"].title == "Human Rights"
    assert by_label["XVIII"].title == "Penal Matters"
    assert by_label["XXIX"].title == "Miscellaneous"
    assert (by_label["XXVIII"].roman, by_label["XXVIII"].subid) == ("XXVIII", None)


def test_index_gives_chapter_xi_as_sub_chapters_a_to_e() -> None:
    refs = [ref for ref in parse_index(page("index.html"), BASE) if ref.number == 11]

    assert [ref.label for ref in refs] == ["XI-A", "XI-B", "XI-C", "XI-D", "XI-E"]
    assert {ref.title for ref in refs} == {"Transport and Communications"}
    assert refs[1].url == f"{BASE}/Pages/Treaties.aspx?id=11&subid=B&clang=_en"


def test_index_urls_are_absolute_canonical_chapter_addresses() -> None:
    for ref in parse_index(page("index.html"), BASE):
        assert ref.url == chapter_url(BASE, ref.number, ref.subid or "A")
        assert "&amp;" not in ref.url


def test_index_ignores_decoy_links_and_duplicate_chapter_links() -> None:
    # The page also links UNTSOnline.aspx?id=1/2, the French page, a ViewDetails treaty page and,
    # before the table, a "featured" Treaties.aspx?id=18 link with different text.
    refs = parse_index(page("index.html"), BASE)

    assert len(refs) == 29 - 1 + 5
    assert len({(ref.number, ref.subid) for ref in refs}) == len(refs)
    assert next(ref for ref in refs if ref.number == 18).title == "Penal Matters"


def test_index_in_the_pre_2016_layout_gives_the_same_catalogue() -> None:
    # Old id prefix, legacy lang=en links and no sub-chapter links: XI-A..E are still there.
    assert parse_index(page("index-2015-layout.html"), BASE) == parse_index(
        page("index.html"), BASE
    )


def test_index_accepts_text_as_well_as_bytes() -> None:
    text = page("index.html").decode("utf-8")
    assert parse_index(text, BASE) == parse_index(page("index.html"), BASE)


def test_index_without_chapter_links_raises_layout_changed() -> None:
    with pytest.raises(LayoutChanged, match="no chapter links") as caught:
        parse_index(page("broken-index.html"), BASE)
    assert caught.value.treaty_id == "catalogue"


def test_index_missing_a_chapter_raises_layout_changed() -> None:
    html = page("index.html").decode("utf-8")
    start = html.index("<tr><td>14</td>")
    html = html[:start] + html[html.index("</tr>", start) + len("</tr>") :]

    with pytest.raises(LayoutChanged, match="skips chapter\\(s\\) XIV"):
        parse_index(html, BASE)


def test_index_cut_short_raises_layout_changed() -> None:
    html = page("index.html").decode("utf-8")
    html = html[: html.index("<tr><td>20</td>")] + "</table></div></form></body></html>"

    with pytest.raises(LayoutChanged, match="lists 19 chapters"):
        parse_index(html, BASE)


def test_maintenance_page_raises_site_unavailable_not_layout_changed() -> None:
    html = (
        "<html><body><p>The United Nations Treaty Collection website is undergoing urgent "
        "maintenance and is currently unavailable.</p></body></html>"
    )
    with pytest.raises(SiteUnavailable):
        parse_index(html, BASE)


# --- one chapter's treaty list -----------------------------------------------------------------


def test_chapter_xviii_lists_the_cybercrime_convention(chapters: dict[str, ChapterRef]) -> None:
    entries = {e.id: e for e in parse_chapter(page("chapter-XVIII.html"), chapters["XVIII"], BASE)}

    cybercrime = entries["XVIII-16"]
    assert cybercrime.title == CYBERCRIME_TITLE
    assert cybercrime.place_date == "New York, 24 December 2024"
    assert cybercrime.url == (
        f"{BASE}/Pages/ViewDetails.aspx?src=TREATY&mtdsg_no=XVIII-16&chapter=18&clang=_en"
    )
    assert (cybercrime.chapter, cybercrime.chapter_title) == ("XVIII", "Penal Matters")


def test_chapter_xviii_lists_every_treaty_once_in_page_order(
    chapters: dict[str, ChapterRef],
) -> None:
    entries = parse_chapter(page("chapter-XVIII.html"), chapters["XVIII"], BASE)

    assert [e.id for e in entries] == [
        "XVIII-1", "XVIII-2", "XVIII-3", "XVIII-4", "XVIII-5", "XVIII-6", "XVIII-7", "XVIII-8",
        "XVIII-8-a", "XVIII-9", "XVIII-10", "XVIII-10-a", "XVIII-10-b", "XVIII-11", "XVIII-12",
        "XVIII-12-a", "XVIII-12-b", "XVIII-12-c", "XVIII-13", "XVIII-14", "XVIII-15", "XVIII-16",
    ]  # fmt: skip
    hostages = entries[4]
    assert (hostages.title, hostages.place_date) == (
        "International Convention Against the Taking of Hostages",
        "New York, 17 December 1979",
    )


def test_chapter_page_ignores_links_that_are_not_its_treaties(
    chapters: dict[str, ChapterRef],
) -> None:
    # Decoys: a "featured" XXVII-7-d link, a treaty address inside a script, PDF links, menus.
    entries = parse_chapter(page("chapter-XVIII.html"), chapters["XVIII"], BASE)

    assert all(e.id.startswith("XVIII-") for e in entries)
    assert all("/Pages/ViewDetails.aspx?" in e.url for e in entries)


def test_relative_root_and_legacy_hrefs_become_canonical_status_urls(
    chapters: dict[str, ChapterRef],
) -> None:
    entries = {e.id: e for e in parse_chapter(page("chapter-XVIII.html"), chapters["XVIII"], BASE)}

    # XVIII-1: relative with &amp;; XVIII-5: "/Pages/…"; XVIII-12: http://…/pages/…&lang=en.
    for treaty_id in ("XVIII-1", "XVIII-5", "XVIII-12"):
        assert entries[treaty_id].url == status_url(BASE, treaty_id)
    assert not any("&amp;" in e.url or e.url.startswith("http:") for e in entries.values())


def test_icon_link_before_the_title_link_does_not_blank_the_title(
    chapters: dict[str, ChapterRef],
) -> None:
    entries = {e.id: e for e in parse_chapter(page("chapter-XVIII.html"), chapters["XVIII"], BASE)}

    rome = entries["XVIII-10"]
    assert (rome.title, rome.place_date) == (
        "Rome Statute of the International Criminal Court",
        "Rome, 17 July 1998",
    )


def test_chapter_iv_keeps_lettered_treaty_ids(chapters: dict[str, ChapterRef]) -> None:
    entries = {e.id: e for e in parse_chapter(page("chapter-IV.html"), chapters["IV"], BASE)}

    assert {"IV-2-a", "IV-8-b", "IV-9-a", "IV-11-a", "IV-11-d", "IV-15-a"} <= set(entries)
    assert "XVIII-16" not in entries  # the "recently updated" box
    crc_op3 = entries["IV-11-d"]
    assert crc_op3.title == (
        "Optional Protocol to the Convention on the Rights of the Child on a communications "
        "procedure"
    )
    assert crc_op3.place_date == "New York, 19 December 2011"
    assert crc_op3.url == status_url(BASE, "IV-11-d")
    # "… Punishment . New York, …" on the site: no stray " ." left on the title.
    assert entries["IV-9-a"].title.endswith("Degrading Treatment or Punishment")


def test_xi_b_page_yields_only_xi_b_ids(chapters: dict[str, ChapterRef]) -> None:
    entries = parse_chapter(page("chapter-XI-B.html"), chapters["XI-B"], BASE)

    assert [e.id for e in entries] == ["XI-B-1", "XI-B-14", "XI-B-19", "XI-B-20"]
    assert {(e.chapter, e.chapter_title) for e in entries} == {
        ("XI", "Transport and Communications")
    }
    vienna = entries[2]
    assert (vienna.title, vienna.place_date) == (
        "Convention on Road Traffic",
        "Vienna, 8 November 1968",
    )


def test_other_status_templates_keep_their_address_made_absolute(
    chapters: dict[str, ChapterRef],
) -> None:
    entries = {e.id: e for e in parse_chapter(page("chapter-XI-B.html"), chapters["XI-B"], BASE)}

    assert entries["XI-B-19"].url == (
        f"{BASE}/Pages/ViewDetailsIII.aspx?src=TREATY&mtdsg_no=XI-B-19&chapter=11"
        "&Temp=mtdsg3&clang=_en"
    )
    assert entries["XI-B-1"].url.startswith(f"{BASE}/Pages/ViewDetailsV.aspx?")
    assert entries["XI-B-14"].url == status_url(BASE, "XI-B-14")


def test_league_of_nations_links_are_kept_as_given() -> None:
    # Synthetic snippet: LON status pages are addressed by id=, not mtdsg_no=.
    part_two = ChapterRef(30, "XXX", "League of Nations", chapter_url(BASE, 30))
    html = (
        '<table><tr><td>1.</td><td><a href="LONViewDetails.aspx?src=LON&amp;id=552&amp;'
        'chapter=30&amp;clang=_en">A League of Nations treaty</a></td></tr></table>'
    )

    [entry] = parse_chapter(html, part_two, BASE)

    assert entry.id == "LON-552"
    assert entry.url == f"{BASE}/Pages/LONViewDetails.aspx?src=LON&id=552&chapter=30&clang=_en"


def test_chapter_page_without_treaty_links_raises_layout_changed(
    chapters: dict[str, ChapterRef],
) -> None:
    with pytest.raises(LayoutChanged, match="chapter XVIII page lists no treaty links") as caught:
        parse_chapter(page("broken-chapter.html"), chapters["XVIII"], BASE)
    assert caught.value.treaty_id == "catalogue"
    assert "XXVII-7-d" in caught.value.detail  # names what it did see


def test_another_chapters_page_raises_layout_changed(chapters: dict[str, ChapterRef]) -> None:
    with pytest.raises(LayoutChanged, match="only other chapters' treaties: IV-"):
        parse_chapter(page("chapter-IV.html"), chapters["XVIII"], BASE)


def test_sub_chapter_page_of_another_sub_chapter_raises_layout_changed(
    chapters: dict[str, ChapterRef],
) -> None:
    with pytest.raises(LayoutChanged, match="chapter XI-A page"):
        parse_chapter(page("chapter-XI-B.html"), chapters["XI-A"], BASE)


# --- title vs place and date -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "title", "place_date"),
    [
        (  # the site's separator: ". " + two non-breaking spaces
            "Charter of the United Nations (deposited in the archives of the Government of the "
            f"United States of America). {NBSP}{NBSP}San Francisco, 26 June 1945",
            "Charter of the United Nations (deposited in the archives of the Government of the "
            "United States of America)",
            "San Francisco, 26 June 1945",
        ),
        (
            f"International Agreement on Olive Oil, 1956*. {NBSP}{NBSP}Geneva, 17 October 1955, "
            "and New York, 15 November 1955",
            "International Agreement on Olive Oil, 1956*",
            "Geneva, 17 October 1955, and New York, 15 November 1955",
        ),
        (  # no place, only a date
            "Declarations recognizing as compulsory the jurisdiction of the International Court of "
            "Justice under Article 36, paragraph 2, of the Statute of the Court. 15 October 1946",
            "Declarations recognizing as compulsory the jurisdiction of the International Court of "
            "Justice under Article 36, paragraph 2, of the Statute of the Court",
            "15 October 1946",
        ),
        (  # separator lost: the last ". " before a dated place wins, dots inside the title stay
            "Additional Protocol to the Agreement providing for the provisional application of "
            "the Draft International Customs Conventions on Touring, on Commercial Road Vehicles "
            "and on the International Transport of Goods by Road, relating to the International "
            "Transport of goods by container under the T.I.R. Carnet Régime. Geneva, 11 March 1950",
            "Additional Protocol to the Agreement providing for the provisional application of "
            "the Draft International Customs Conventions on Touring, on Commercial Road Vehicles "
            "and on the International Transport of Goods by Road, relating to the International "
            "Transport of goods by container under the T.I.R. Carnet Régime",
            "Geneva, 11 March 1950",
        ),
        (  # a date inside the title is not the place and date
            "International Coffee Agreement, 1994, as extended until 30 September 2001, with "
            "modifications, by Resolution No. 384 adopted by the International Coffee Council in "
            "London on 21 July 1999*. London, 30 March 1994",
            "International Coffee Agreement, 1994, as extended until 30 September 2001, with "
            "modifications, by Resolution No. 384 adopted by the International Coffee Council in "
            "London on 21 July 1999*",
            "London, 30 March 1994",
        ),
        (
            "Convention on Environmental Impact Assessment in a Transboundary Context. "
            f"{NBSP}{NBSP}Espoo, Finland, 25 February 1991",
            "Convention on Environmental Impact Assessment in a Transboundary Context",
            "Espoo, Finland, 25 February 1991",
        ),
        (  # a title the site cut short keeps its "..." marker, with or without the separator
            f"{CYBERCRIME_TITLE}. New York, 24 December 2024",
            CYBERCRIME_TITLE,
            "New York, 24 December 2024",
        ),
        (  # a place without a date is only recognised after the separator
            f"International Coffee Agreement, 1994*. {NBSP}{NBSP}London",
            "International Coffee Agreement, 1994*",
            "London",
        ),
        ("Slavery Convention", "Slavery Convention", ""),
    ],
)
def test_split_title_separates_title_from_place_and_date(
    text: str, title: str, place_date: str
) -> None:
    assert split_title(text) == (title, place_date)
