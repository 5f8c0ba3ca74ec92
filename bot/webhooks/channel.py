"""The webhook channel: POSTs each event, signed (Standard Webhooks), to one endpoint.

Owns: the `WebhookChannel` sender the dispatcher drives (`bot.delivery.dispatcher`), the mapping
of HTTP outcomes to `bot.errors` outcomes, disabling endpoints (410 Gone at once; failing every
delivery for `disable_after`), `send_ping` for `webhooks test`, and `AlertOnce`, the operational
alert hook that says each endpoint's trouble once, not once per attempt.

How one send goes: the endpoint's URL, state and secrets are read from the store at send time (so a
`rotate-secret` or `disable` from the CLI applies to the next delivery of a running service); the
envelope (`bot.webhooks.payload`) is encoded once and those exact bytes are signed and sent with
`webhook-id` = the event id (stable across retries and replays) and `webhook-timestamp` = this
attempt. Every request goes through `ssrf.guarded_connector` (no connection to a non-public
address unless `allow_private_targets`), never follows redirects and gives up after `timeout_s`.

Outcomes: 2xx delivered; 410 `TargetGone` (endpoint disabled, pending deliveries failed, one
alert); 3xx, 429, other 4xx, 5xx, timeouts and connection errors `RetryLater` (with the
endpoint's `Retry-After` as a floor), retried on `[webhooks] retry_schedule`.

Must not: log or put secrets, or credentials of URLs, in any message.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import email.utils
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver

from bot.config import WebhooksConfig
from bot.config_types import format_duration
from bot.delivery.channel import RetryPolicy, Sent
from bot.errors import Rejected, RetryLater, TargetGone
from bot.webhooks import payload, signing
from bot.webhooks.secrets import SecretBox, SecretBoxError
from bot.webhooks.ssrf import guarded_connector, redact, unsafe_cause
from store import webhooks as endpoints
from store.db import Store
from store.events import Event
from store.snapshots import now_text

NAME = endpoints.CHANNEL
USER_AGENT = "treatybot-webhooks/1 (+Standard Webhooks v1)"
JITTER = 0.1
DETAIL_BYTES = 512  # of a response body kept for the attempt log and `webhooks test`

log = logging.getLogger("treatybot.webhooks")
alerts_log = logging.getLogger("treatybot.alerts")


def log_alert(what: str, channel: str, target: str, error: str) -> None:
    """Where operational alerts go until the service routes them to admins: the log."""
    alerts_log.error("ALERT %s %s %s: %s", channel, target, what, error)


class AlertOnce:
    """An `on_alert` hook that passes an endpoint's "exhausted" alert on once, until that
    endpoint delivers again (`reset`); "gone" alerts always pass (each is one disabling)."""

    def __init__(self, sink: Callable[[str, str, str, str], None] = log_alert) -> None:
        self.sink = sink
        self._exhausted: set[str] = set()

    def __call__(self, what: str, channel: str, target: str, error: str) -> None:
        if what == "exhausted":
            if target in self._exhausted:
                log.info(
                    "%s %s: another delivery exhausted its retries: %s", channel, target, error
                )
                return
            self._exhausted.add(target)
        self.sink(what, channel, target, error)

    def reset(self, target: str) -> None:
        self._exhausted.discard(target)


@dataclass(frozen=True, slots=True)
class PingResult:
    """What `webhooks test` shows: the status (None when no answer), the start of the body, the
    time taken, and the error when the request failed."""

    status: int | None
    body: str
    duration_ms: int
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class WebhookChannel:
    """The `webhook` channel (see the module docstring)."""

    def __init__(
        self,
        store: Store,
        config: WebhooksConfig,
        *,
        clock: Callable[[], float] = time.time,
        wall: Callable[[], float] = time.time,
        resolver: AbstractResolver | None = None,
        on_alert: Callable[[str, str, str, str], None] = log_alert,
    ) -> None:
        self.store = store
        self.config = config
        self.clock = clock  # schedules: rotation grace, disable_after (tests move it)
        self.wall = wall  # the webhook-timestamp header: receivers compare it with their clock
        self.name = NAME
        self.policy = RetryPolicy(tuple(config.retry_schedule_s), jitter=JITTER)
        self.max_batch = 1  # one event per request, in event order
        self.concurrency = config.max_concurrency
        self.send_timeout_s = config.timeout_s + 5.0  # the request's own timeout fires first
        self.on_alert = AlertOnce(on_alert)
        key = config.secret_key.get_secret_value() if config.secret_key is not None else None
        self._box = SecretBox(key)
        self._resolver = resolver
        self._session: aiohttp.ClientSession | None = None
        self._all = asyncio.Semaphore(config.max_concurrency)
        self._each: dict[str, asyncio.Semaphore] = {}

    # -- the Channel protocol ------------------------------------------------------------------

    async def send(self, target: str, events: Sequence[Event]) -> Sent:
        sent = Sent()
        for event in events:
            sent = await self._send_one(target, event)
        return sent

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- one delivery ---------------------------------------------------------------------------

    async def _send_one(self, endpoint_id: str, event: Event) -> Sent:
        info = await self.store.run(endpoints.send_info, endpoint_id, self.clock())
        if info is None:
            raise Rejected("the endpoint was removed")
        if not info.enabled:
            raise Rejected("the endpoint is disabled")
        try:
            body = payload.encode(payload.envelope(event))
        except payload.PayloadTooLarge as exc:
            raise Rejected(str(exc)) from exc
        secrets = self._open(info.stored_secrets)
        try:
            status, headers, detail = await self._post(
                endpoint_id, info.url, event.id, body, secrets
            )
        except RetryLater as exc:
            await self._failed(endpoint_id, exc)
            raise
        if 200 <= status < 300:
            if info.failing_since is not None:
                await self.store.run(endpoints.note_success, endpoint_id)
            self.on_alert.reset(endpoint_id)
            return Sent(status)
        if status == 410:
            reason = "the endpoint answered 410 Gone"
            await self.store.run(
                endpoints.set_enabled, endpoint_id, False, now=self.clock(), reason=reason
            )
            raise TargetGone(reason, status=410)
        error = _http_error(status, headers, detail)
        failure = RetryLater(error, status=status, after=retry_after(headers, self.wall()))
        await self._failed(endpoint_id, failure)
        raise failure

    async def _failed(self, endpoint_id: str, failure: RetryLater) -> None:
        """Count the failure toward `disable_after`; past it, disable the endpoint."""
        now = self.clock()
        since = await self.store.run(endpoints.note_failure, endpoint_id, now)
        if now - since < self.config.disable_after_s:
            return
        reason = (
            f"every delivery failed for {format_duration(self.config.disable_after_s)} "
            f"(last: {failure.error})"
        )
        await self.store.run(endpoints.set_enabled, endpoint_id, False, now=now, reason=reason)
        raise TargetGone(f"disabled: {reason}", status=failure.status) from failure

    def _open(self, stored: Sequence[str]) -> list[str]:
        try:
            return [self._box.open(value) for value in stored]
        except SecretBoxError as exc:
            raise RetryLater(str(exc)) from exc

    async def _post(
        self, endpoint_id: str, url: str, msg_id: str, body: bytes, secrets: Sequence[str]
    ) -> tuple[int, Any, str]:
        """POST once; (status, response headers, start of body) or RetryLater."""
        session = self._ensure_session()
        each = self._each.setdefault(
            endpoint_id, asyncio.Semaphore(self.config.per_endpoint_concurrency)
        )
        async with self._all, each:
            headers = signing.headers(secrets, msg_id, int(self.wall()), body)
            headers["user-agent"] = USER_AGENT
            try:
                async with session.post(
                    url, data=body, headers=headers, allow_redirects=False
                ) as response:
                    detail = await response.content.read(DETAIL_BYTES)
                    text = detail.decode("utf-8", "replace")
                    return response.status, response.headers, text
            except TimeoutError as exc:
                raise RetryLater(
                    f"no answer within {self.config.timeout_s:g} s (result unknown)",
                    ambiguous=True,
                ) from exc
            except aiohttp.ClientConnectorError as exc:
                cause = unsafe_cause(exc)
                message = str(cause) if cause is not None else f"cannot connect: {exc.os_error}"
                raise RetryLater(redact(message)) from exc
            except aiohttp.ClientError as exc:
                raise RetryLater(redact(f"{type(exc).__name__}: {exc}")) from exc

    def _ensure_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = guarded_connector(
                self.config.allow_private_targets,
                resolver=self._resolver,
                limit=self.config.max_concurrency,
                limit_per_host=0,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=self.config.timeout_s),
                trust_env=False,
                auto_decompress=False,
            )
        return self._session

    # -- `webhooks test` -------------------------------------------------------------------------

    async def send_ping(self, endpoint_id: str) -> PingResult:
        """Send one `webhook.test` now (whatever the endpoint's state) and say how it went.
        Nothing is queued or recorded, and the endpoint's state is not changed."""
        info = await self.store.run(endpoints.send_info, endpoint_id, self.clock())
        if info is None:
            raise LookupError(endpoint_id)
        stamp = now_text(dt.datetime.fromtimestamp(self.wall(), dt.UTC))
        message = payload.ping_envelope(endpoint_id, stamp)
        body = payload.encode(message)
        started = time.monotonic()
        try:
            secrets = self._open(info.stored_secrets)
            status, headers, detail = await self._post(
                endpoint_id, info.url, message["data"]["id"], body, secrets
            )
        except RetryLater as exc:
            return PingResult(None, "", _ms(started), exc.error)
        error = None if 200 <= status < 300 else _http_error(status, headers, detail)
        return PingResult(status, detail, _ms(started), error)


def _http_error(status: int, headers: Any, detail: str) -> str:
    if 300 <= status < 400:
        where = redact(str(headers.get("Location", "")))
        return f"HTTP {status}: a redirect (to {where or 'nowhere'}), not followed"
    snippet = " ".join(detail.split())[:120]
    return f"HTTP {status}" + (f": {snippet}" if snippet else "")


def retry_after(headers: Any, now: float) -> float | None:
    """Seconds from `Retry-After` (delta-seconds or an HTTP date), None when absent or
    unreadable; capped at one day."""
    value = headers.get("Retry-After") if headers is not None else None
    if not value:
        return None
    text = str(value).strip()
    seconds: float | None = None
    if text.isdigit():
        seconds = float(text)
    else:
        with contextlib.suppress(TypeError, ValueError, IndexError):
            when = email.utils.parsedate_to_datetime(text)
            if when.tzinfo is None:
                when = when.replace(tzinfo=dt.UTC)
            seconds = when.timestamp() - now
    if seconds is None or not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), 86400.0)


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
