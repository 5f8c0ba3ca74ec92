"""The read-only JSON API under `/api/`: tracked treaties, one treaty's status, the event log
by sequence number, and the JSON Schema of each event type.

Every parameter is checked before the database is asked: a bad one is a `BadRequest` (400)
that says what would work, an unknown treaty or type a `Missing` (404). Database reads run on
the store's thread (`Store.run`); `bot.operations.status`, which is synchronous, runs in a
worker thread so the loop never waits on SQLite. Must not: write anything.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from bot import operations
from bot.errors import InvalidInput, NotFound
from bot.web.context import APP, SCHEMAS, BadRequest, Missing, json_response
from scrapers.urls import validate_treaty_id
from store import feed
from store.events import EVENT_TYPES

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_PARAM_CHARS = 200
EVENT_PARAMS = ("after", "limit", "treaty", "country", "type")


def _params(request: web.Request, allowed: tuple[str, ...]) -> dict[str, str]:
    """The query parameters, each at most once, none unknown, none overlong."""
    query = request.rel_url.query
    unknown = sorted(set(query) - set(allowed))
    if unknown:
        raise BadRequest(
            f"unknown parameter {unknown[0][:40]!r}; expected any of: {', '.join(allowed)}"
        )
    out: dict[str, str] = {}
    for name in query:
        values = query.getall(name)
        if len(values) > 1:
            raise BadRequest(f"give {name} once, not {len(values)} times")
        if len(values[0]) > MAX_PARAM_CHARS:
            raise BadRequest(f"{name} is longer than {MAX_PARAM_CHARS} characters")
        out[name] = values[0]
    return out


def _whole(name: str, text: str, low: int, high: int | None = None) -> int:
    if not text.isascii() or not text.isdigit():
        raise BadRequest(f"{name} must be a whole number, got {text[:40]!r}")
    value = int(text)
    if value < low or (high is not None and value > high):
        bounds = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise BadRequest(f"{name} must be {bounds}, got {value}")
    return value


def _treaty_id(text: str) -> str:
    try:
        return validate_treaty_id(text)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None


async def list_treaties(request: web.Request) -> web.Response:
    """The tracked treaties; `?watched=true` adds every treaty the watch loop has read."""
    watched = _params(request, ("watched",)).get("watched", "false")
    if watched not in ("true", "false"):
        raise BadRequest(f"watched must be true or false, not {watched[:40]!r}")
    app = request.app[APP]
    rows = await app.store.run(feed.overview, tracked_only=watched == "false")
    limit = app.config.health.failures_before_alert
    for row in rows:
        health = row["health"]
        if health["quarantine_reason"]:
            health["state"] = "quarantined"
        elif health["consecutive_failures"] >= limit:
            health["state"] = "failing"
        elif health["last_success"] is None:
            health["state"] = "unchecked"
        else:
            health["state"] = "ok"
    return json_response({"treaties": rows})


async def one_treaty(request: web.Request) -> web.Response:
    _params(request, ())
    app = request.app[APP]
    treaty_id = _treaty_id(request.match_info["treaty_id"])
    try:
        status = await asyncio.to_thread(operations.status, app, treaty_id)
    except NotFound:
        raise Missing(f"no treaty {treaty_id} in this database") from None
    return json_response(status)


async def events(request: web.Request) -> web.Response:
    app = request.app[APP]
    params = _params(request, EVENT_PARAMS)
    after = _whole("after", params["after"], 0) if "after" in params else 0
    limit = _whole("limit", params["limit"], 1, MAX_LIMIT) if "limit" in params else DEFAULT_LIMIT
    treaty_id = _treaty_id(params["treaty"]) if "treaty" in params else None
    event_type = params.get("type")
    if event_type is not None and event_type not in EVENT_TYPES:
        raise BadRequest(
            f"unknown event type {event_type[:40]!r}; expected one of: {', '.join(EVENT_TYPES)}"
        )
    try:
        country = operations.find_country(params["country"]) if "country" in params else None
    except InvalidInput as exc:
        raise BadRequest(str(exc)) from None
    if treaty_id is not None and not await app.store.run(feed.treaty_known, treaty_id):
        raise Missing(f"no treaty {treaty_id} in this database")
    rows = await app.store.run(
        feed.events_after,
        after=after,
        limit=limit + 1,  # one more than asked: is there a next page?
        treaty_id=treaty_id,
        country=country,
        event_type=event_type,
    )
    page = rows[:limit]
    following: str | None = None
    if len(rows) > limit:
        query = {**params, "after": str(page[-1][0])}
        following = str(request.url.with_query(query))
    body: dict[str, Any] = {
        "events": [{"seq": seq, **event} for seq, event in page],
        "next": following,
    }
    return json_response(body)


async def schema(request: web.Request) -> web.Response:
    _params(request, ())
    event_type = request.match_info["event_type"]
    found = request.app[SCHEMAS](event_type)
    if found is None:
        raise Missing(f"no schema for {event_type[:40]!r}; event types: {', '.join(EVENT_TYPES)}")
    return json_response(found)


ROUTES = [
    web.get("/api/treaties", list_treaties),
    web.get("/api/treaties/{treaty_id}", one_treaty),
    web.get("/api/events", events),
    web.get("/api/schema/{event_type}", schema),
]
