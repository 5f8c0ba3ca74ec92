"""A fake treaties.un.org speaking real HTTP on 127.0.0.1 (aiohttp.web on an ephemeral port).

    async with FakeUNSite() as site:
        site.pages["XVIII-16"] = b"<html>…</html>"
        site.script("XVIII-16", Reply(status=503), Reply(status=429, headers={"Retry-After": "1"}))
        url = status_url(site.base_url, "XVIII-16")

Status pages are served by `mtdsg_no` at `/Pages/ViewDetails.aspx` and `ViewDetailsII…V.aspx`; an
unknown id gets HTTP 200 with `not_found_body`, as the real site does. Other pages (catalogue, XML)
come from `extra`, keyed by path + query string; anything else is a 404. A script, keyed by treaty
id (or by path + query for `extra` pages), is consumed one reply per request before the normal
page is served again. Every request is logged with server-side monotonic timestamps.
"""

from __future__ import annotations

import asyncio
import hashlib
import mimetypes
import re
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Self

from aiohttp import web
from aiohttp.test_utils import TestServer

HTML = "text/html; charset=utf-8"
STATUS_PATH = re.compile(r"^/Pages/ViewDetails(?:II|III|IV|V)?\.aspx$")
NOT_FOUND_BODY = (
    b"<html><head><title>United Nations Treaty Collection</title></head><body>"
    b"<div id='ctl00_ctl00_ContentPlaceHolder1_ContentPlaceHolderInnerPage_divNoRecord'>"
    b"No record found.</div></body></html>"
)


@dataclass(frozen=True)
class Reply:
    """One scripted response. `body=None` with status 200 means "the normal page"."""

    status: int = 200
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    redirect_to: str | None = None  # path+query (or absolute URL); answered with a 302
    delay_s: float | None = None  # before answering; None means the site's delay_s
    content_type: str = HTML


@dataclass
class LogEntry:
    start: float  # time.monotonic() when the handler began
    method: str
    path_qs: str
    headers: dict[str, str]
    in_flight_at_start: int  # including this request
    end: float | None = None  # None while running
    status: int | None = None  # None if the client went away first


class FakeUNSite:
    def __init__(
        self,
        *,
        pages: dict[str, bytes] | None = None,
        extra: dict[str, bytes] | None = None,
        etags: bool = False,
        delay_s: float = 0.0,
        not_found_body: bytes = NOT_FOUND_BODY,
        last_modified: str = "Sun, 16 Nov 2025 15:16:04 GMT",
    ) -> None:
        self.pages: dict[str, bytes] = dict(pages or {})
        self.extra: dict[str, bytes] = dict(extra or {})
        self.etags = etags
        self.delay_s = delay_s
        self.not_found_body = not_found_body
        self.last_modified = last_modified
        self.log: list[LogEntry] = []
        self._scripts: defaultdict[str, deque[Reply]] = defaultdict(deque)
        self._in_flight = 0
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._server = TestServer(app, host="127.0.0.1", port=0)

    # -- set-up -------------------------------------------------------------------------------

    def script(self, key: str, *replies: Reply) -> None:
        """Queue replies for a treaty id (or an `extra` path+query), consumed in order."""
        self._scripts[key].extend(replies)

    @property
    def base_url(self) -> str:
        return str(self._server.make_url("/")).rstrip("/")

    async def start(self) -> None:
        await self._server.start_server(shutdown_timeout=1.0)

    async def stop(self) -> None:
        await self._server.close()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- what happened --------------------------------------------------------------------------

    @property
    def max_in_flight(self) -> int:
        return max((entry.in_flight_at_start for entry in self.log), default=0)

    def requests_to(self, fragment: str) -> list[LogEntry]:
        return [entry for entry in self.log if fragment in entry.path_qs]

    # -- serving ----------------------------------------------------------------------------------

    def etag_of(self, body: bytes) -> str:
        return '"' + hashlib.sha256(body).hexdigest()[:20] + '"'

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self._in_flight += 1
        entry = LogEntry(
            start=time.monotonic(),
            method=request.method,
            path_qs=request.path_qs,
            headers=dict(request.headers),
            in_flight_at_start=self._in_flight,
        )
        self.log.append(entry)
        try:
            response, delay = self._respond(request)
            if delay > 0:
                await asyncio.sleep(delay)
            entry.status = response.status
            return response
        finally:
            entry.end = time.monotonic()
            self._in_flight -= 1

    def _respond(self, request: web.Request) -> tuple[web.Response, float]:
        is_status = STATUS_PATH.match(request.path) is not None
        key = request.query.get("mtdsg_no", "") if is_status else request.path_qs
        script = self._scripts.get(key)
        reply = script.popleft() if script else Reply()
        delay = self.delay_s if reply.delay_s is None else reply.delay_s
        if reply.redirect_to is not None:
            headers = {"Location": reply.redirect_to, **reply.headers}
            return web.Response(status=302, headers=headers), delay
        if reply.body is not None or reply.status != 200:
            body = reply.body if reply.body is not None else f"HTTP {reply.status}".encode()
            if reply.status == 304:
                return web.Response(status=304, headers=reply.headers), delay
            response = web.Response(status=reply.status, body=body, headers=reply.headers)
            response.headers["Content-Type"] = reply.content_type
            return response, delay
        response = self._normal(request, is_status, key)
        response.headers.update(reply.headers)
        return response, delay

    def _normal(self, request: web.Request, is_status: bool, key: str) -> web.Response:
        if is_status:
            body = self.pages.get(key, self.not_found_body)
            content_type = HTML
        elif key in self.extra:
            body = self.extra[key]
            guessed = mimetypes.guess_type(request.path)[0]
            content_type = HTML if guessed in (None, "text/html") else guessed
        else:
            return web.Response(
                status=404, body=b"<html>Not Found</html>", content_type="text/html"
            )
        response = web.Response(body=body)
        response.headers["Content-Type"] = content_type
        if self.etags and (key in self.pages or not is_status):
            etag = self.etag_of(body)
            validators = {"ETag": etag, "Last-Modified": self.last_modified}
            if self._not_modified(request, etag):
                return web.Response(status=304, headers=validators)
            response.headers.update(validators)
        return response

    def _not_modified(self, request: web.Request, etag: str) -> bool:
        if_none_match = request.headers.get("If-None-Match")
        if if_none_match is not None:
            tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
            return "*" in tags or etag in tags
        since = request.headers.get("If-Modified-Since")
        if since is None:
            return False
        try:
            return parsedate_to_datetime(since) >= parsedate_to_datetime(self.last_modified)
        except (TypeError, ValueError):
            return False
