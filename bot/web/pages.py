"""The public status pages: `/` (treaty list with search), `/treaties/{id}` (one treaty),
`/treaties/{id}/badge.svg`, `/treaties/{id}/chart.svg` and `/treaties/{id}/chart.png`.

Server-rendered HTML (Jinja2 templates shipped as package data, autoescaped); no JavaScript.
Errors are HTML pages here (400, 404), JSON only under `/api/`. Every treaty response carries
an ETag and Last-Modified derived from the treaty's latest event and snapshot change (and the
day, which turns "projected" into "in force"), the list one from `store.pages.list_version`;
both answer 304 to a matching If-None-Match or
If-Modified-Since before anything is rendered. Database reads run on the store's thread,
`operations.status` in a worker thread. Must not: write anything.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import hashlib
from collections.abc import Mapping
from functools import cache
from typing import Any

import jinja2
from aiohttp import web
from markupsafe import Markup

from bot import operations, watching
from bot.charts import cache as chartcache
from bot.charts.series import cumulative
from bot.errors import NotFound
from bot.render import human_date, render_plain
from bot.web.context import APP, BOT_USERNAME
from bot.web.views import (
    ORDERS,
    SORTS,
    badge_svg,
    clean_text,
    counted_words,
    gauge_svg,
    participant_rows,
    progress_numbers,
    rule_words,
    section_views,
    sort_rows,
)
from scrapers.urls import validate_treaty_id
from store import feed, pages
from store.events import event_from_json

INDEX_LIMIT = 200
TIER_ORDER = {"hot": 0, "warm": 1, "quiet": 2}  # the list: tracked, then hot, warm, quiet
LATEST_EVENTS = 10
SORT_LABELS = {"name": "Participant", "signature": "Signature", "consent": "Consent to be bound"}
EIF_WORDS = {
    "in_force": "in force since {date}",
    "scheduled": "scheduled for {date}",
    "projected": "projected for {date}",
}


def _clean(value: object) -> object:
    if isinstance(value, Markup):
        return value  # built by `views`, which cleans what it embeds
    return clean_text(value) if isinstance(value, str) else value


@cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        finalize=_clean,
        loader=jinja2.PackageLoader("bot.web", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def _html(name: str, status: int = 200, **context: Any) -> web.Response:
    body = _templates().get_template(name).render(**context)
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8")


def error_page(status: int, message: str) -> web.Response:
    heading = {400: "Bad request", 404: "Not found"}.get(status, "Error")
    return _html("error.html", status, heading=heading, message=message)


class _Stop(Exception):
    def __init__(self, response: web.Response) -> None:
        self.response = response


def _treaty_id(request: web.Request) -> str:
    try:
        return validate_treaty_id(request.match_info["treaty_id"])
    except ValueError as exc:
        raise _Stop(error_page(400, str(exc))) from None


def _eif_words(eif: Mapping[str, Any] | None) -> str:
    eif = eif or {}
    date, state = eif.get("date"), eif.get("state")
    if date and state in EIF_WORDS:
        return EIF_WORDS[str(state)].format(date=human_date(dt.date.fromisoformat(date)))
    return "not yet projected" if state == "not_yet" else "unknown"


def _moment_words(stamp: str) -> str:
    """`2026-03-12T14:05:09Z` → `12 Mar 2026, 14:05 UTC` (the page shows it; `<time>` keeps
    the exact stamp)."""
    when = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(dt.UTC)
    return f"{human_date(when.date())}, {when:%H:%M} UTC"


async def _version(request: web.Request, treaty_id: str) -> tuple[str, str | None]:
    """(ETag, Last-Modified) of what `request` would get of one treaty; raises a 304 `_Stop`
    when the client's copy is current."""
    version = await request.app[APP].store.run(pages.page_version, treaty_id)
    return _fresh_or_stop(request, version, version.changed_at)


def _fresh_or_stop(
    request: web.Request, version: object, changed_at: str | None
) -> tuple[str, str | None]:
    app = request.app[APP]
    today = app.clock().astimezone(dt.UTC).date().isoformat()
    key = "|".join(
        map(str, (request.path, request.query_string, version, today, request.app[BOT_USERNAME]))
    )
    etag = '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'
    modified = None
    if changed_at:
        stamp = dt.datetime.fromisoformat(changed_at.replace("Z", "+00:00"))
        modified = email.utils.format_datetime(stamp.astimezone(dt.UTC), usegmt=True)
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if modified:
        headers["Last-Modified"] = modified
    match = request.headers.get("If-None-Match")
    since = request.if_modified_since
    fresh = (
        etag in [t.strip() for t in match.split(",")] or match.strip() == "*"
        if match is not None
        else since is not None
        and modified is not None
        and email.utils.parsedate_to_datetime(modified) <= since
    )
    if fresh:
        raise _Stop(web.Response(status=304, headers=headers))
    return etag, modified


def _cached(response: web.Response, etag: str, modified: str | None) -> web.Response:
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "no-cache"
    if modified:
        response.headers["Last-Modified"] = modified
    return response


@web.middleware
async def _stops(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        response: web.StreamResponse = await handler(request)
        return response
    except _Stop as stop:
        return stop.response


async def index(request: web.Request) -> web.Response:
    app = request.app[APP]
    query = request.query.get("q", "").strip()[:200]
    version = await app.store.run(pages.list_version)
    etag, modified = _fresh_or_stop(request, version, version.changed_at)
    rows = await asyncio.to_thread(
        operations.list_treaties, app, tracked_only=False, search=query or None
    )
    overview = {row["id"]: row for row in await app.store.run(feed.overview, tracked_only=False)}
    watching_all = await app.store.run(watching.watches_all, app.config)
    shown = []
    for row in rows:
        seen = overview.get(row["id"], {})
        counts = seen.get("counts") or {}
        parties, qualifying = counts.get("parties"), counts.get("qualifying")
        said = [f"{qualifying} counted" if qualifying is not None else ""]
        said.append(f"{parties} parties" if parties is not None else "")
        progress = ", ".join(p for p in said if p) or "no instruments yet"
        if not (seen.get("health") or {}).get("last_success"):
            progress = "not read yet" if row["tracked"] or watching_all else "not watched"
        shown.append(
            {
                "id": row["id"],
                "title": row["title"] or seen.get("title"),
                "tracked": row["tracked"],
                "tier": seen.get("tier"),
                "events": seen.get("events") or 0,
                "progress": progress,
                "eif": _eif_words(seen.get("entry_into_force")) if seen else "",
            }
        )
    shown.sort(
        key=lambda r: (
            not r["tracked"],
            TIER_ORDER.get(str(r["tier"]), len(TIER_ORDER)),
            -int(r["events"]),
            r["id"],
        )
    )
    response = _html(
        "index.html",
        query=query,
        rows=shown[:INDEX_LIMIT],
        truncated=len(shown) > INDEX_LIMIT,
    )
    return _cached(response, etag, modified)


async def _status(request: web.Request, treaty_id: str) -> dict[str, Any]:
    app = request.app[APP]
    try:
        return await asyncio.to_thread(operations.status, app, treaty_id)
    except NotFound:
        raise _Stop(error_page(404, f"No treaty {treaty_id} in this database.")) from None


async def _known(request: web.Request, treaty_id: str) -> None:
    if not await request.app[APP].store.run(feed.treaty_known, treaty_id):
        raise _Stop(error_page(404, f"No treaty {treaty_id} in this database."))


async def treaty(request: web.Request) -> web.Response:
    app = request.app[APP]
    treaty_id = _treaty_id(request)
    sort, order = request.query.get("sort", "name"), request.query.get("order", "asc")
    if sort not in SORTS or order not in ORDERS:
        message = f"sort must be one of {', '.join(SORTS)} and order asc or desc"
        return error_page(400, message)
    await _known(request, treaty_id)
    etag, modified = await _version(request, treaty_id)
    status = await _status(request, treaty_id)
    participants, sections = await app.store.run(pages.contents, treaty_id)
    latest = await app.store.run(feed.latest_events, treaty_id=treaty_id, limit=LATEST_EVENTS)
    today = app.clock().astimezone(dt.UTC).date()
    events = []
    for data in latest:
        event = event_from_json(data)
        events.append(
            {
                "id": event.id,
                "line": render_plain(event, today=today),
                "detected_at": data["detected_at"],
                "detected": _moment_words(data["detected_at"]),
            }
        )
    qualifying, threshold = progress_numbers(status)
    points = cumulative(participants)
    username = request.app[BOT_USERNAME]
    response = _html(
        "treaty.html",
        id=treaty_id,
        title=status.get("title") or treaty_id,
        url=status.get("url"),
        checked=status.get("checked", False),
        rule=rule_words(status.get("rule")),
        counted=counted_words(status.get("rule")),
        qualifying=qualifying,
        threshold=threshold,
        gauge=Markup(gauge_svg(qualifying, threshold)),
        progress=status.get("progress") or "",
        eif=_eif_words(status.get("entry_into_force")),
        last_point=points[-1] if points else None,
        events=events,
        rows=sort_rows(participant_rows(participants), sort, order),
        sections=section_views(sections),
        sections_read=sections is not None,
        sort=sort,
        order=order,
        sorts=[(key, SORT_LABELS[key]) for key in SORTS],
        telegram=f"https://t.me/{username}?start=sub_{treaty_id}" if username else None,
    )
    return _cached(response, etag, modified)


async def badge(request: web.Request) -> web.Response:
    treaty_id = _treaty_id(request)
    await _known(request, treaty_id)
    etag, modified = await _version(request, treaty_id)
    status = await _status(request, treaty_id)
    qualifying, threshold = progress_numbers(status)
    body = badge_svg(status.get("title") or treaty_id, qualifying, threshold)
    response = web.Response(text=body, content_type="image/svg+xml", charset="utf-8")
    return _cached(response, etag, modified)


async def _chart(request: web.Request, fmt: str) -> web.Response:
    app = request.app[APP]
    treaty_id = _treaty_id(request)
    await _known(request, treaty_id)
    etag, modified = await _version(request, treaty_id)
    status = await _status(request, treaty_id)
    _, threshold = progress_numbers(status)
    body = await chartcache.chart(
        app, treaty_id, fmt, title=status.get("title") or treaty_id, threshold=threshold
    )
    kind = "image/svg+xml" if fmt == "svg" else "image/png"
    return _cached(web.Response(body=body, content_type=kind), etag, modified)


async def chart_svg(request: web.Request) -> web.Response:
    return await _chart(request, "svg")


async def chart_png(request: web.Request) -> web.Response:
    return await _chart(request, "png")


def add_pages(web_app: web.Application) -> None:
    """Add the page routes, and the middleware that answers their early stops (304, 400, 404).
    The templates are compiled here, at start-up, so the first visitor does not wait for it."""
    for name in _templates().list_templates(extensions=["html"]):
        _templates().get_template(name)
    web_app.middlewares.append(_stops)
    web_app.add_routes(
        [
            web.get("/", index),
            web.get("/treaties/{treaty_id}", treaty),
            web.get("/treaties/{treaty_id}/badge.svg", badge),
            web.get("/treaties/{treaty_id}/chart.svg", chart_svg),
            web.get("/treaties/{treaty_id}/chart.png", chart_png),
        ]
    )
