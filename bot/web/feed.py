"""Atom 1.0 feeds: `GET /feed.atom` (every treaty) and `GET /treaties/{id}/feed.atom`, and
each event's own Atom Entry Document at `GET /events/{event id}.atom`.

The newest 100 events, newest first, one entry each. An entry's id is
`urn:treatybot:event:<event id>` — the event id is deterministic, so a feed reader never sees
an entry twice; its title is the console sentence (`render_plain`), `updated` and `published`
are when treatybot detected it, its link is the treaty's page at treaties.un.org.

Written with the standard library's `xml.etree.ElementTree`: the feed is a dozen elements, and
ElementTree escapes text and attributes correctly, so a feed library would only add a
dependency. Characters XML 1.0 forbids (control characters a hostile page could carry) are
dropped before they reach the tree. Must not: write to the database.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

from aiohttp import web

from bot.render import render_plain
from bot.web.context import APP, BadRequest, Missing
from scrapers.urls import validate_treaty_id
from store import feed
from store.events import event_from_json
from store.snapshots import now_text

ATOM = "http://www.w3.org/2005/Atom"
CONTENT_TYPE = "application/atom+xml"
ENTRY_TYPE = "application/atom+xml;type=entry"  # RFC 5023 §12.1
EVENT_ID = re.compile(r"evt_[0-9a-f]{24}")
FEED_SIZE = 100
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: object) -> str:
    return _NOT_XML.sub("", str(value))


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: _text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = _text(text)
    return element


def atom_feed(
    events: Sequence[Mapping[str, Any]],
    *,
    feed_id: str,
    title: str,
    self_url: str,
    now: dt.datetime,
    alternate: str | None = None,
) -> bytes:
    """An Atom document of `events` (stored event JSON, newest first)."""
    root = ET.Element("feed", {"xmlns": ATOM})
    _add(root, "id", feed_id)
    _add(root, "title", title)
    # The newest entry's time: the feed changes when, and only when, an entry is added.
    _add(root, "updated", events[0]["detected_at"] if events else now_text(now))
    _add(root, "link", rel="self", type=CONTENT_TYPE, href=self_url)
    if alternate:
        _add(root, "link", rel="alternate", type="text/html", href=alternate)
    author = _add(root, "author")
    _add(author, "name", "treatybot")
    _add(root, "generator", "treatybot")
    today = now.astimezone(dt.UTC).date()
    for data in events:
        _entry(ET.SubElement(root, "entry"), data, today=today)
    return _document(root)


def atom_entry(data: Mapping[str, Any], *, self_url: str, now: dt.datetime) -> bytes:
    """A standalone Atom Entry Document (RFC 4287 §4.1.2) of one stored event: the same entry
    as in the feeds, with its own author and self link (what a status page links each event
    to)."""
    root = ET.Element("entry", {"xmlns": ATOM})
    _entry(root, data, today=now.astimezone(dt.UTC).date())
    _add(root, "link", rel="self", type=ENTRY_TYPE, href=self_url)
    author = _add(root, "author")
    _add(author, "name", "treatybot")
    return _document(root)


def _entry(entry: ET.Element, data: Mapping[str, Any], *, today: dt.date) -> None:
    event = event_from_json(data)
    line = render_plain(event, today=today)
    _add(entry, "id", f"urn:treatybot:event:{event.id}")
    _add(entry, "title", line)
    _add(entry, "updated", data["detected_at"])
    _add(entry, "published", data["detected_at"])
    _add(entry, "link", rel="alternate", type="text/html", href=event.treaty.url)
    _add(entry, "category", term=event.type)
    _add(entry, "summary", f"{line}\n{event.treaty.title} ({event.treaty.id})")


def _document(root: ET.Element) -> bytes:
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document


def _response(body: bytes) -> web.Response:
    return web.Response(body=body, content_type=CONTENT_TYPE, charset="utf-8")


async def all_events(request: web.Request) -> web.Response:
    app = request.app[APP]
    events = await app.store.run(feed.latest_events, limit=FEED_SIZE)
    body = atom_feed(
        events,
        feed_id="urn:treatybot:feed",
        title="treatybot: UN treaty events",
        self_url=str(request.url),
        now=app.clock(),
    )
    return _response(body)


async def treaty_events(request: web.Request) -> web.Response:
    app = request.app[APP]
    try:
        treaty_id = validate_treaty_id(request.match_info["treaty_id"])
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    if not await app.store.run(feed.treaty_known, treaty_id):
        raise Missing(f"no treaty {treaty_id} in this database")
    events = await app.store.run(feed.latest_events, treaty_id=treaty_id, limit=FEED_SIZE)
    title = events[0]["treaty"]["title"] if events else treaty_id
    body = atom_feed(
        events,
        feed_id=f"urn:treatybot:feed:{treaty_id}",
        title=f"treatybot: {title}",
        self_url=str(request.url),
        now=app.clock(),
        alternate=events[0]["treaty"]["url"] if events else None,
    )
    return _response(body)


async def one_event(request: web.Request) -> web.Response:
    app = request.app[APP]
    event_id = request.match_info["event_id"]
    if not EVENT_ID.fullmatch(event_id):
        raise BadRequest(f"{event_id[:40]!r} is not an event id (evt_ and 24 hex digits)")
    data = await app.store.run(feed.event_json, event_id)
    if data is None:
        raise Missing(f"no event {event_id} in this database")
    body = atom_entry(data, self_url=str(request.url), now=app.clock())
    return web.Response(body=body, headers={"Content-Type": f"{ENTRY_TYPE}; charset=utf-8"})


ROUTES = [
    web.get("/feed.atom", all_events),
    web.get("/treaties/{treaty_id}/feed.atom", treaty_events),
    web.get("/events/{event_id}.atom", one_event),
]
