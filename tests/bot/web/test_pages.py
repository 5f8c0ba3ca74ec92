"""The HTML status pages over loopback: what each page says for the replayed Cybercrime
history, HTML errors, sorting without JavaScript, the badge, the chart's numbers against the
stored participants, and the cache headers (ETag, Last-Modified, 304)."""

from __future__ import annotations

import json
import re
import sqlite3
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from bot.web import build_web_app
from scrapers.model import Sections
from tests.bot.web.conftest import (
    FIRST_RATIFIERS,
    LATER_RATIFIERS,
    Web,
    hostile_sections,
    store_sections,
)

CYBER_PAGE = "/treaties/XVIII-16"
SIGNATURE = {"signature", "succession_to_signature"}
NOT_CONSENT = SIGNATURE | {"provisional_application"}


class Cells(HTMLParser):
    """The text of the participants table's first column, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []
        self._in_body = self._first = False
        self._column = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr":
            self._column = 0
        elif tag == "td" and self._in_body:
            self._column += 1
            self._first = self._column == 1
            if self._first:
                self.names.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._first = False
        if tag == "tbody":
            self._in_body = False

    def handle_data(self, data: str) -> None:
        if self._first:
            self.names[-1] += data


def names_in(html: str) -> list[str]:
    parser = Cells()
    parser.feed(html.split('id="participants"', 1)[1])
    return [n.removesuffix(" (withdrawn)") for n in parser.names]


def stored_series(db: Path, treaty_id: str) -> list[dict[str, object]]:
    """The cumulative series computed straight from the stored participant rows."""
    signed: dict[str, int] = {}
    consented: dict[str, int] = {}
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT actions FROM participants WHERE treaty_id = ?", [treaty_id])
        for (text,) in rows:
            live = [a for a in json.loads(text) if not a["withdrawn"]]
            sig = sorted(a["date"] for a in live if a["kind"] in SIGNATURE)
            con = sorted(a["date"] for a in live if a["kind"] and a["kind"] not in NOT_CONSENT)
            if sig:
                signed[sig[0]] = signed.get(sig[0], 0) + 1
            if con:
                consented[con[0]] = consented.get(con[0], 0) + 1
    out, s, c = [], 0, 0
    for day in sorted(set(signed) | set(consented)):
        s, c = s + signed.get(day, 0), c + consented.get(day, 0)
        out.append({"date": day, "signatures": s, "consents": c})
    return out


async def page(web: Web, path: str, status: int = 200) -> str:
    response = await web.client.get(path)
    text = await response.text()
    assert response.status == status, text[:500]
    assert response.content_type == "text/html"
    return text


async def test_the_treaty_page_shows_rule_gauge_and_latest_events(web: Web) -> None:
    html = await page(web, CYBER_PAGE)

    assert "<h1>United Nations Convention against Cybercrime" in html
    assert "Rule: 40 instruments; European Union not counted; 90 days after." in html
    assert 'data-qualifying="7" data-threshold="40"' in html
    assert '<p class="big" id="gauge-number">7/40</p>' in html
    assert "Counts: acceptance, accession, approval, ratification." in html
    assert "not yet projected" in html
    assert '(detected <time datetime="2026-03-12T14:05:09Z">12 Mar 2026, 14:05 UTC</time>)' in html
    for name in (*FIRST_RATIFIERS, *LATER_RATIFIERS):
        link = rf'/events/evt_\w+\.atom" type="application/atom\+xml">[^<]*{name}'
        assert re.search(link, html), name


async def test_every_page_declares_language_viewport_and_one_h1(web: Web) -> None:
    for path in ("/", "/?q=cyber", CYBER_PAGE, "/treaties/XXVI-8"):
        html = await page(web, path)

        assert '<html lang="en">' in html
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
        assert html.count("<h1>") == 1, path


async def test_the_list_puts_tracked_treaties_first_and_searches(web: Web) -> None:
    listing = await page(web, "/")
    found = await page(web, "/?q=Cybercrime")
    none = await page(web, "/?q=no-such-words")

    assert listing.index('data-treaty="XVIII-16"') < listing.index('data-treaty="XXVI-8"')
    assert "XVIII-16, tracked" in listing
    assert "7 counted" in listing
    assert 'data-treaty="XVIII-16"' in found
    assert 'data-treaty="XXVI-8"' not in found
    assert "No treaty matches that search" in none


def _row(listing: str, treaty_id: str) -> str:
    return listing.split(f'data-treaty="{treaty_id}"', 1)[1].split("</tr>", 1)[0]


async def test_the_list_shows_an_untracked_treaty_the_watch_loop_reads_with_its_tier(
    web: Web,
) -> None:
    from store.db import immediate

    before = _row(await page(web, "/"), "XXVI-8")

    def watched(db: Any) -> None:
        with immediate(db):
            db.execute("UPDATE treaties SET last_success = '2026-03-12T15:00:00Z' WHERE id = ?",
                       ["XXVI-8"])  # fmt: skip
            db.execute("INSERT INTO watch_state VALUES ('XXVI-8', 'hot', 'changed', ?, NULL)",
                       ["2026-03-12T15:00:00Z"])  # fmt: skip

    web.app.store.call(watched)
    after = _row(await page(web, "/"), "XXVI-8")

    assert "not watched" in before
    assert "(XXVI-8, hot)" in after
    assert "not watched" not in after
    assert "not read yet" not in after


async def test_the_list_answers_304_until_something_it_shows_changes(web: Web) -> None:
    from store import snapshots
    from store.db import immediate
    from tests.bot.delivery.events import consent

    first = await web.client.get("/")
    etag = first.headers["ETag"]
    again = await web.client.get("/", headers={"If-None-Match": etag})
    searched = await web.client.get("/?q=cybercrime", headers={"If-None-Match": etag})

    def add(db: Any) -> None:
        with immediate(db):
            snapshots.insert_events(db, [consent("Peru", "PE", day=11)], None)

    web.app.store.call(add)
    after = await web.client.get("/", headers={"If-None-Match": etag})

    assert first.headers["Last-Modified"]
    assert again.status == 304
    assert searched.status == 200  # another query is another page
    assert after.status == 200
    assert after.headers["ETag"] != etag


async def test_the_page_shows_each_section_below_the_grid_escaped(web: Web) -> None:
    def statements_of(html: str) -> str:
        return html.split('id="statements"', 1)[1].split("<h2>", 1)[0]

    as_read = statements_of(await page(web, CYBER_PAGE))  # an empty "Declarations" section
    never_read = statements_of(await page(web, "/treaties/XXVI-8"))
    store_sections(web.app, "XVIII-16", Sections())
    none_printed = statements_of(await page(web, CYBER_PAGE))
    store_sections(web.app, "XVIII-16", hostile_sections())
    statements = statements_of(await page(web, CYBER_PAGE))

    assert '<h3 id="declarations">Declarations and reservations (0)</h3>' in as_read
    assert "None yet." in as_read and '<h3 id="objections">' not in as_read
    assert "Not read yet." in never_read
    assert "The status page has no declarations, objections or territorial" in none_printed
    assert '<h3 id="declarations">Declarations and reservations (2)</h3>' in statements
    assert '<h3 id="objections">Objections (1)</h3>' in statements
    assert '<h3 id="territorial_applications">Territorial application (2)</h3>' in statements
    assert "<script>" not in statements
    assert "Reservation: &lt;script&gt;alert(1)&lt;/script&gt; &amp; more." in statements
    assert statements.index("<summary>Algeria</summary>") < statements.index("<summary>Zambia")
    assert "<p>Declaration: first paragraph.</p>\n<p>Second paragraph.</p>" in statements
    assert "<td>Norway</td><td>2026-03-02</td><td>Svalbard</td>" in statements
    assert (
        "<td>Denmark &lt;DK&gt;</td><td></td><td>Faroe Islands &amp; Greenland</td>" in statements
    )


async def test_status_json_sums_up_the_sections(web: Web) -> None:
    from bot import operations

    before = operations.status(web.app, "XVIII-16")["statements"]
    store_sections(web.app, "XVIII-16", hostile_sections())
    after = operations.status(web.app, "XVIII-16")["statements"]

    assert before == {
        "declarations": {"count": 0, "participants": []},
        "objections": None,
        "territorial_applications": None,
    }
    assert after == {
        "declarations": {"count": 2, "participants": ["Algeria", "Zambia"]},
        "objections": {"count": 1, "participants": ["France"]},
        "territorial_applications": {"count": 2, "participants": ["Denmark <DK>", "Norway"]},
    }


async def test_an_unknown_treaty_is_a_404_page_and_a_bad_id_a_400_page(web: Web) -> None:
    missing = await page(web, "/treaties/XVIII-999", 404)
    bad = await page(web, "/treaties/ZZ-1", 400)
    api = await web.client.get("/api/treaties/XVIII-999")

    assert "No treaty XVIII-999 in this database." in missing
    assert "<h1>Bad request</h1>" in bad
    assert api.status == 404
    assert api.content_type == "application/json"


async def test_the_participants_table_sorts_by_links_without_javascript(web: Web) -> None:
    by_name = names_in(await page(web, CYBER_PAGE))
    reversed_names = names_in(await page(web, f"{CYBER_PAGE}?sort=name&order=desc"))
    by_consent = names_in(await page(web, f"{CYBER_PAGE}?sort=consent&order=asc"))
    bad = await page(web, f"{CYBER_PAGE}?sort=height", 400)

    assert by_name == sorted(by_name, key=str.casefold)
    assert reversed_names == list(reversed(by_name))
    assert set(by_consent[:3]) == set(FIRST_RATIFIERS)
    assert set(by_consent[3:7]) == set(LATER_RATIFIERS)
    assert "sort must be one of name, signature, consent" in bad


async def test_the_badge_says_title_and_progress(web: Web) -> None:
    response = await web.client.get(f"{CYBER_PAGE}/badge.svg")
    body = await response.text()

    assert response.content_type == "image/svg+xml"
    # The title before its first semicolon: "…against Cybercrime; Strengthening …" is 250 long.
    assert "<title>United Nations Convention against Cybercrime: 7/40</title>" in body


async def test_every_chart_matches_the_stored_numbers(web: Web, db_copy: Path) -> None:
    for treaty_id in ("XVIII-16", "XXVI-8"):
        response = await web.client.get(f"/treaties/{treaty_id}/chart.svg")
        svg = await response.text()
        data = json.loads(re.search(r'<desc id="chart-data">(.*?)</desc>', svg)[1])  # type: ignore[index]

        assert response.content_type == "image/svg+xml"
        assert data["series"] == stored_series(db_copy, treaty_id)
    cyber = json.loads(re.search(r'<desc id="chart-data">(.*?)</desc>', svg)[1])  # type: ignore[index]
    assert cyber["threshold"] is None  # XXVI-8 was never read: no rule


async def test_the_cybercrime_chart_ends_at_the_replayed_counts(web: Web) -> None:
    svg = await (await web.client.get(f"{CYBER_PAGE}/chart.svg")).text()
    status = await (await web.client.get("/api/treaties/XVIII-16")).json()
    data = json.loads(re.search(r'<desc id="chart-data">(.*?)</desc>', svg)[1])  # type: ignore[index]

    assert data["threshold"] == 40
    assert data["series"][-1]["date"] == "2026-03-10"
    # The fixture page lists 31 signatories (its header says 72: the grid is an excerpt).
    assert data["series"][-1]["signatures"] == 31
    assert data["series"][-1]["consents"] == status["counts"]["qualifying"] == 7


async def test_the_png_chart_is_a_png(web: Web) -> None:
    response = await web.client.get(f"{CYBER_PAGE}/chart.png")

    assert response.content_type == "image/png"
    assert (await response.read())[:8] == b"\x89PNG\r\n\x1a\n"


async def test_pages_answer_304_to_a_current_etag_or_date(web: Web) -> None:
    for path in (CYBER_PAGE, f"{CYBER_PAGE}/badge.svg", f"{CYBER_PAGE}/chart.svg"):
        first = await web.client.get(path)
        etag, modified = first.headers["ETag"], first.headers["Last-Modified"]

        again = await web.client.get(path, headers={"If-None-Match": etag})
        dated = await web.client.get(path, headers={"If-Modified-Since": modified})
        stale = await web.client.get(path, headers={"If-None-Match": '"other"'})

        assert modified == "Thu, 12 Mar 2026 14:05:09 GMT"
        assert (again.status, again.headers["ETag"]) == (304, etag)
        assert dated.status == 304
        assert stale.status == 200


async def test_a_new_event_changes_the_etag(web: Web) -> None:
    from store import snapshots
    from store.db import immediate
    from tests.bot.delivery.events import consent

    before = (await web.client.get(CYBER_PAGE)).headers["ETag"]

    def add(db: object) -> None:
        with immediate(db):  # type: ignore[arg-type]
            snapshots.insert_events(db, [consent("Peru", "PE", day=11)], None)  # type: ignore[arg-type]

    web.app.store.call(add)
    after = await web.client.get(CYBER_PAGE, headers={"If-None-Match": before})

    assert after.status == 200
    assert after.headers["ETag"] != before


async def test_the_telegram_link_appears_only_with_a_bot(web: Web) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    without = await page(web, CYBER_PAGE)
    web_app = build_web_app(web.app, health=web.probe, bot_username="treaty_test_bot")
    async with TestClient(TestServer(web_app)) as client:
        with_bot = await (await client.get(CYBER_PAGE)).text()

    assert "t.me/" not in without
    assert 'href="https://t.me/treaty_test_bot?start=sub_XVIII-16"' in with_bot
