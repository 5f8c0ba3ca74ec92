"""The Atom feeds, read the way feed readers read them (feedparser): valid Atom 1.0, the
newest 100 events newest first, stable entry ids, titles from `render_plain`."""

from __future__ import annotations

import feedparser

from bot.render import render_plain
from store.events import event_from_json
from tests.bot.helpers import NOW
from tests.bot.web.conftest import LATER_RATIFIERS, Web
from tests.bot.web.test_api import ALL_EVENTS, CYBER_EVENTS


async def fetch_feed(web: Web, path: str) -> feedparser.FeedParserDict:
    response = await web.client.get(path)
    assert response.status == 200, await response.text()
    assert response.content_type == "application/atom+xml"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    parsed = feedparser.parse(await response.read())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


async def test_the_feed_has_the_newest_100_events_newest_first(web: Web) -> None:
    events = (await (await web.client.get("/api/events?limit=1000")).json())["events"]
    newest = list(reversed(events))[:100]

    parsed = await fetch_feed(web, "/feed.atom")

    assert ALL_EVENTS > 100
    assert [e.id for e in parsed.entries] == [f"urn:treatybot:event:{e['id']}" for e in newest]
    assert parsed.feed.id == "urn:treatybot:feed"
    assert parsed.feed.updated == newest[0]["detected_at"]


async def test_entry_ids_are_stable_across_fetches(web: Web) -> None:
    first = await fetch_feed(web, "/feed.atom")
    second = await fetch_feed(web, "/feed.atom")

    assert [e.id for e in first.entries] == [e.id for e in second.entries]
    assert len({e.id for e in first.entries}) == 100


async def test_a_treaty_feed_has_its_events_with_titles_links_and_times(web: Web) -> None:
    events = (await (await web.client.get("/api/events?treaty=XVIII-16")).json())["events"]

    parsed = await fetch_feed(web, "/treaties/XVIII-16/feed.atom")

    assert len(parsed.entries) == CYBER_EVENTS
    entry, newest = parsed.entries[0], events[-1]
    assert newest["participant"]["name"] in LATER_RATIFIERS
    assert entry.id == f"urn:treatybot:event:{newest['id']}"
    assert entry.title == render_plain(event_from_json(newest), today=NOW.date())
    assert entry.link == newest["treaty"]["url"]
    assert entry.updated == newest["detected_at"] == entry.published
    assert parsed.feed.title.startswith("treatybot: United Nations Convention against Cybercrime")


async def test_control_characters_in_a_name_do_not_break_the_feed(web: Web) -> None:
    parsed = await fetch_feed(web, "/treaties/XXVI-8/feed.atom")

    titles = [e.title for e in parsed.entries]
    assert any("EvilLand" in title for title in titles)


async def test_treaty_feed_errors_are_400_and_404(web: Web) -> None:
    invalid = await web.client.get("/treaties/XVIII/feed.atom")
    unknown = await web.client.get("/treaties/XVIII-99/feed.atom")

    assert (invalid.status, (await invalid.json())["error"]) == (400, "bad_request")
    assert (unknown.status, (await unknown.json())["error"]) == (404, "not_found")


async def test_each_event_on_a_status_page_links_to_its_own_atom_entry(web: Web) -> None:
    import re
    import xml.etree.ElementTree as ET

    atom = "{http://www.w3.org/2005/Atom}"
    page = await (await web.client.get("/treaties/XVIII-16")).text()
    links = re.findall(r'href="(/events/evt_[0-9a-f]{24}\.atom)"', page)
    in_feed = {e.id: e for e in (await fetch_feed(web, "/treaties/XVIII-16/feed.atom")).entries}

    assert links
    for link in links:
        response = await web.client.get(link)
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("application/atom+xml;type=entry")
        entry = ET.fromstring(await response.read())
        urn = entry.findtext(f"{atom}id")
        assert entry.tag == f"{atom}entry"
        assert urn == f"urn:treatybot:event:{link.removeprefix('/events/').removesuffix('.atom')}"
        assert entry.findtext(f"{atom}title") == in_feed[urn].title
        assert entry.findtext(f"{atom}author/{atom}name") == "treatybot"
        [self_link] = [x for x in entry.findall(f"{atom}link") if x.get("rel") == "self"]
        assert str(self_link.get("href")).endswith(link)


async def test_an_event_entry_is_400_for_a_bad_id_and_404_for_an_unknown_one(web: Web) -> None:
    invalid = await web.client.get("/events/evt_nothex.atom")
    unknown = await web.client.get(f"/events/evt_{'0' * 24}.atom")

    assert (invalid.status, (await invalid.json())["error"]) == (400, "bad_request")
    assert (unknown.status, (await unknown.json())["error"]) == (404, "not_found")
