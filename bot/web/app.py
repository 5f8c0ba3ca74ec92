"""The HTTP server of `treatybot run`: builds the aiohttp application and runs it on the
service's own event loop, stoppable with the rest of the service.

    web_app = build_web_app(app, health=lambda: scheduler.running)
    # (more routes, e.g. the Telegram webhook, may be added here, before serving)
    server = await serve(web_app, host=config.http.host, port=config.http.port)
    ...
    await server.stop(timeout=config.service.shutdown_timeout_s)

or `async with running(app, health=..., host=..., port=...) as server:`.

Every route is a GET (HEAD too), except the Telegram webhook POST the service may add; answers
carry `Access-Control-Allow-Origin: *`. The HTML status pages (`bot.web.pages`) answer their
own errors as HTML pages; every other error is JSON `{"error": code, "message": text}`:
400 for a bad parameter, 404 for an unknown path, treaty or type, 405 for another method, 500
(details in the log only) for a bug.
Must not: hold state of its own, or do blocking I/O on the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.app import App
from bot.web import api, feed, pages
from bot.web import health as status_routes
from bot.web.context import (
    APP,
    BOT_USERNAME,
    HEALTH,
    SCHEMAS,
    BadRequest,
    HealthProbe,
    Missing,
    SchemaLookup,
    json_error,
)
from bot.web.schema import event_schema

log = logging.getLogger("treatybot")

_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed"}


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except BadRequest as exc:
        return json_error(400, "bad_request", str(exc))
    except Missing as exc:
        return json_error(404, "not_found", str(exc))
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        message = f"no such path: {request.path[:200]}" if exc.status == 404 else exc.reason
        response = json_error(exc.status, _CODES.get(exc.status, "error"), message)
        if "Allow" in exc.headers:
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("HTTP %s %s failed", request.method, request.path[:200])
        return json_error(500, "internal_error", "internal error; the service log has details")


async def _common_headers(request: web.Request, response: web.StreamResponse) -> None:
    if request.method in ("GET", "HEAD"):
        response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers.setdefault("X-Content-Type-Options", "nosniff")


def build_web_app(
    app: App,
    *,
    health: HealthProbe,
    schemas: SchemaLookup = event_schema,
    bot_username: str | None = None,
) -> web.Application:
    """The application: every route over `app`'s store and config. `health` says whether the
    scheduler runs; `schemas` finds the JSON Schema of an event type (see `bot.web.schema`);
    `bot_username` (the Telegram bot's, when one runs) adds subscribe links to the pages."""
    web_app = web.Application(middlewares=[json_errors])
    web_app[APP] = app
    web_app[HEALTH] = health
    web_app[SCHEMAS] = schemas
    web_app[BOT_USERNAME] = bot_username
    web_app.add_routes([*status_routes.ROUTES, *api.ROUTES, *feed.ROUTES])
    pages.add_pages(web_app)
    web_app.on_response_prepare.append(_common_headers)
    return web_app


@dataclass
class WebServer:
    """A running server; `stop` closes the listening socket and ends open requests."""

    runner: web.AppRunner

    @property
    def port(self) -> int:
        """The port actually bound (useful when asked for port 0)."""
        return int(self.runner.addresses[0][1])

    @property
    def url(self) -> str:
        host = self.runner.addresses[0][0]
        return f"http://{f'[{host}]' if ':' in host else host}:{self.port}"

    async def stop(self) -> None:
        await self.runner.cleanup()


async def serve(
    web_app: web.Application, *, host: str, port: int, shutdown_timeout: float = 10.0
) -> WebServer:
    """Start serving on the running loop; returns at once with the server listening.

    Raises OSError when the address cannot be bound (port in use, bad host)."""
    runner = web.AppRunner(
        web_app, access_log=None, handle_signals=False, shutdown_timeout=shutdown_timeout
    )
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except BaseException:
        await runner.cleanup()
        raise
    server = WebServer(runner)
    log.info("HTTP API on %s", server.url)
    return server


@contextlib.asynccontextmanager
async def running(
    app: App,
    *,
    health: HealthProbe,
    host: str,
    port: int,
    shutdown_timeout: float = 10.0,
) -> AsyncIterator[WebServer]:
    """`build_web_app` + `serve`, stopped on leaving the block."""
    server = await serve(
        build_web_app(app, health=health), host=host, port=port, shutdown_timeout=shutdown_timeout
    )
    try:
        yield server
    finally:
        await server.stop()
