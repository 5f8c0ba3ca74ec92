"""A local webhook consumer speaking real HTTP on 127.0.0.1 (aiohttp.web on an ephemeral port).

    async with WebhookReceiver(secrets=[secret]) as rx:
        rx.script("/hook", *[Reply(500)] * 3, Reply(200))     # then the default reply again
        rx.script("/moved", Reply(301, headers={"Location": rx.url("/elsewhere")}))
        rx.script("/slow", Hang(30)), rx.script("/rude", Drop())
        ... send to rx.url("/hook") ...
        [first, *_] = rx.requests("/hook")
        assert first.verified and first.body == sent_bytes

Every request is recorded on arrival with its exact body bytes and raw headers, and verified with
the reference `standardwebhooks.Webhook` for each configured secret (`verified_by` lists the ones
that accept it, so a rotation can be checked). A script, keyed by path, is consumed one action per
request; then `default` (204) answers. Redirects are only ever answered, never followed: a request
recorded on a Location target means the client followed it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from aiohttp import web
from aiohttp.test_utils import TestServer
from standardwebhooks import Webhook, WebhookVerificationError


@dataclass(frozen=True)
class Reply:
    """Answer with this status, headers and body."""

    status: int = 204
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Hang:
    """Say nothing for `seconds` (cut short when the client gives up or the receiver stops),
    then answer `then`."""

    seconds: float
    then: Reply = field(default_factory=lambda: Reply(200))


@dataclass(frozen=True)
class Drop:
    """Read the request, then close the connection without answering."""


Action = Reply | Hang | Drop


@dataclass
class ReceivedRequest:
    method: str
    path: str
    query_string: str
    raw_headers: tuple[tuple[bytes, bytes], ...]
    headers: dict[str, str]  # lower-cased names; the last value wins
    body: bytes  # exactly as received (after transfer decoding)
    received_at: float  # time.monotonic()
    verified_by: tuple[str, ...]  # the configured secrets whose verifier accepted the request
    verify_errors: tuple[str, ...]  # one per secret that refused it
    action: Action
    answered: int | None = None  # HTTP status sent; None while hanging, or for Drop

    @property
    def verified(self) -> bool:
        return bool(self.verified_by)

    def json(self) -> Any:
        return json.loads(self.body)


class WebhookReceiver:
    def __init__(self, *, secrets: Sequence[str] = (), default: Reply | None = None) -> None:
        self.secrets: list[str] = list(secrets)  # may be changed between requests
        self.default = default if default is not None else Reply(204)
        self.log: list[ReceivedRequest] = []
        self._scripts: defaultdict[str, deque[Action]] = defaultdict(deque)
        self._arrived = asyncio.Condition()
        self._closing = asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._server = TestServer(app, host="127.0.0.1", port=0)

    # -- set-up -------------------------------------------------------------------------------

    def script(self, path: str, *actions: Action) -> None:
        """Queue actions for `path`, consumed one per request before `default` answers again."""
        self._scripts[path].extend(actions)

    def url(self, path: str = "/") -> str:
        return str(self._server.make_url(path))

    async def start(self) -> None:
        await self._server.start_server(shutdown_timeout=1.0)

    async def stop(self) -> None:
        self._closing.set()
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

    def requests(self, path: str | None = None) -> list[ReceivedRequest]:
        """Requests received on `path` (all paths if None), in arrival order."""
        return [r for r in self.log if path is None or r.path == path]

    async def wait_for(
        self, count: int, path: str | None = None, *, timeout: float = 5.0
    ) -> list[ReceivedRequest]:
        """Wait until at least `count` requests arrived on `path`; TimeoutError otherwise."""
        async with asyncio.timeout(timeout), self._arrived:
            await self._arrived.wait_for(lambda: len(self.requests(path)) >= count)
        return self.requests(path)

    # -- serving --------------------------------------------------------------------------------

    def _verify(self, body: bytes, headers: dict[str, str]) -> tuple[list[str], list[str]]:
        accepted: list[str] = []
        errors: list[str] = []
        for secret in self.secrets:
            try:
                Webhook(secret).verify(body, headers, json_parse=False)
            except (WebhookVerificationError, ValueError) as exc:  # malformed headers: ValueError
                errors.append(f"{type(exc).__name__}: {exc}")
            else:
                accepted.append(secret)
        return accepted, errors

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        headers = {name.lower(): value for name, value in request.headers.items()}
        queue = self._scripts.get(request.path)
        action: Action = queue.popleft() if queue else self.default
        accepted, errors = self._verify(body, headers)
        entry = ReceivedRequest(
            method=request.method,
            path=request.path,
            query_string=request.query_string,
            raw_headers=tuple(request.raw_headers),
            headers=headers,
            body=body,
            received_at=time.monotonic(),
            verified_by=tuple(accepted),
            verify_errors=tuple(errors),
            action=action,
        )
        self.log.append(entry)
        async with self._arrived:
            self._arrived.notify_all()

        if isinstance(action, Drop):
            assert request.transport is not None
            request.transport.abort()
            return web.Response(status=204)
        if isinstance(action, Hang):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), action.seconds)
            action = action.then
        entry.answered = action.status
        return web.Response(status=action.status, body=action.body, headers=action.headers)
