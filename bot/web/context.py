"""What every route of `bot.web` shares: the typed application keys, the health-probe
protocol, JSON responses and the one error shape (`{"error": code, "message": text}`).

Must not: route, read the database or know any endpoint.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, Protocol

from aiohttp import web

from bot.app import App


class HealthProbe(Protocol):
    """Says whether the scheduler is running (the service passes e.g.
    `lambda: scheduler.running`); `/healthz` answers 503 while it says False."""

    def __call__(self) -> bool: ...


# Event type → its JSON Schema, or None for a type that has none (→ 404).
SchemaLookup = Callable[[str], Mapping[str, Any] | None]

APP: web.AppKey[App] = web.AppKey("treatybot_app", App)
HEALTH: web.AppKey[HealthProbe] = web.AppKey("treatybot_health")
SCHEMAS: web.AppKey[SchemaLookup] = web.AppKey("treatybot_schemas")
# The Telegram bot's username (from getMe), for `t.me` links on the pages; None without a bot.
BOT_USERNAME: web.AppKey[str | None] = web.AppKey("treatybot_bot_username")

_dumps = partial(json.dumps, ensure_ascii=False)


def json_response(data: Any, *, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=_dumps)


def json_error(status: int, code: str, message: str) -> web.Response:
    return json_response({"error": code, "message": message}, status=status)


class BadRequest(Exception):
    """A bad parameter: answered 400 with the message."""


class Missing(Exception):
    """An unknown treaty, event type or path: answered 404 with the message."""
