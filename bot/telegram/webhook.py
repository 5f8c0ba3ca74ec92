"""Receiving Telegram updates by webhook: the aiohttp handler for POSTs from the Bot API and the
one call that adds it to `treatybot run`'s HTTP server.

    running = await start_telegram(app, channel)    # setWebhook instead of polling
    web_app = build_web_app(app, health=...)
    add_webhook_route(web_app, running)             # POST <path of [telegram] webhook_url>
    server = await serve(web_app, ...)

Every POST must carry `X-Telegram-Bot-Api-Secret-Token` equal to the configured secret
(compared in constant time; otherwise 403 and nothing is read). The body, at most `MAX_BODY`
bytes (413 beyond), is parsed into a `telegram.Update` and put on the PTB application's
`update_queue` (PTB's documented way for a custom webhook server); the answer is 200 at once,
before any handler runs. A body that is not an update object is answered 400.

Owns only that route. Must not: call setWebhook (see `bot.telegram.app`), run handlers itself,
or log the secret or update contents.
"""

from __future__ import annotations

import collections
import hmac
import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web
from aiohttp.typedefs import Handler
from pydantic import SecretStr
from telegram import Update
from yarl import URL

from bot.web.context import json_error, json_response

if TYPE_CHECKING:
    from bot.telegram.app import PtbApplication, RunningTelegram

log = logging.getLogger("treatybot.telegram")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# An update is a few KiB at most (a 4096-character message, entities, a replied-to message).
RECENT_UPDATES = 1000  # update ids remembered to drop Telegram's re-sends
MAX_BODY = 256 * 1024


@dataclass(frozen=True)
class WebhookRoute:
    """Where Telegram POSTs updates (the path of `[telegram] webhook_url`) and the secret it
    sends with each of them."""

    path: str
    secret: SecretStr


def webhook_path(url: str) -> str:
    """The path the HTTP server must answer for `url` ("/" for a bare host)."""
    return URL(url).path or "/"


def webhook_route(url: str, secret: SecretStr) -> WebhookRoute:
    return WebhookRoute(webhook_path(url), secret)


def _secret_matches(given: str | None, secret: SecretStr) -> bool:
    expected = secret.get_secret_value().encode()
    # Encoded first: compare_digest refuses non-ASCII str; "?" cannot occur in a valid secret.
    return hmac.compare_digest((given or "").encode("utf-8", "replace"), expected)


async def _read_body(request: web.Request) -> bytes | None:
    """The body, or None when it is longer than MAX_BODY (checked before and while reading)."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        return None
    body = await request.content.read(MAX_BODY + 1)
    return None if len(body) > MAX_BODY else body


def _update_of(body: bytes, application: PtbApplication) -> Update | None:
    try:
        data: Any = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict) or type(data.get("update_id")) is not int:
        return None
    try:
        return Update.de_json(data, application.bot)
    except Exception:  # PTB raises whatever a field's constructor raises on a bad shape
        return None


def make_handler(application: PtbApplication, secret: SecretStr) -> Handler:
    """The POST handler: secret check, size limit, parse, enqueue, 200. An update Telegram sends
    again (same `update_id`, e.g. after a slow answer) is acknowledged and not handled twice."""
    seen: collections.deque[int] = collections.deque(maxlen=RECENT_UPDATES)

    async def receive(request: web.Request) -> web.StreamResponse:
        if not _secret_matches(request.headers.get(SECRET_HEADER), secret):
            log.warning("telegram webhook: refused a POST without the right secret token")
            return json_error(403, "forbidden", "missing or wrong secret token")
        body = await _read_body(request)
        if body is None:
            return json_error(413, "too_large", f"an update is at most {MAX_BODY} bytes")
        update = _update_of(body, application)
        if update is None:
            return json_error(400, "bad_request", "the body is not a Telegram Update object")
        if update.update_id in seen:
            log.info("telegram webhook: update %d again; already handled", update.update_id)
            return json_response({"ok": True})
        seen.append(update.update_id)
        await application.update_queue.put(update)
        return json_response({"ok": True})

    return receive


def add_webhook_route(web_app: web.Application, running: RunningTelegram | None) -> bool:
    """Add the webhook POST route when Telegram runs in webhook mode (before serving).
    Returns whether a route was added."""
    if running is None or running.webhook is None:
        return False
    route = running.webhook
    web_app.router.add_post(route.path, make_handler(running.application, route.secret))
    log.info("telegram: receiving updates by webhook on POST %s", route.path)
    return True
