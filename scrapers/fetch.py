"""The polite HTTP fetcher: the only code that talks to treaties.un.org.

Owns the shared aiohttp session, the politeness limits (at most `max_concurrency` requests in
flight, at least `min_interval_s` between the starts of consecutive requests to one host; retries
count as requests for both), per-request timeouts, redirects (followed; the final URL is kept),
conditional GET with ETag / Last-Modified validators, and retries with exponential backoff and
jitter on connection errors, timeouts, HTTP 429 and 5xx (Retry-After is honoured, capped).
An interactive caller bounds the total time one fetch may wait between retries
(`FetchPolicy.max_wait_s`) and is told before each wait (`FetchPolicy.on_wait`).

It returns raw bytes and never parses. Failures are named: `FetchError` for a 4xx other than 429
(not retried), `SiteUnavailable` once the retries are spent or the next wait would exceed
`max_wait_s`. Messages name the URL once and never the treaty (that is `error.treaty_id`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit

import aiohttp
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_exponential_jitter

from scrapers.errors import FetchError, SiteUnavailable

Sleep = Callable[[float], Awaitable[None]]
# Called before each wait between retries with (the fetch's treaty id, or the caller's label such
# as "catalogue"; the seconds about to be waited; why, e.g. "HTTP 429; the site asked to retry
# after 20 s").
OnWait = Callable[[str, float, str], None]
# A context manager factory held around each request (see `FetchPolicy.request_slot`).
RequestSlot = Callable[[], contextlib.AbstractAsyncContextManager[object]]


@dataclass(frozen=True, kw_only=True)
class FetchPolicy:
    user_agent: str
    timeout_s: float = 60.0
    max_concurrency: int = 2
    min_interval_s: float = 1.0
    retries: int = 3
    backoff_base_s: float = 1.0
    backoff_max_s: float = 60.0
    retry_after_max_s: float = 300.0
    # Total seconds one fetch may spend waiting between retries; None = no limit (the service).
    # A wait that would go beyond it fails the fetch at once with SiteUnavailable.
    max_wait_s: float | None = None
    on_wait: OnWait | None = field(default=None, compare=False)
    # Held around each request (not the waits between retries): e.g. a slot shared with other
    # processes on the same database, so together they keep `max_concurrency`.
    request_slot: RequestSlot | None = field(default=None, compare=False)
    # Awaited inside the slot, after the spacing wait, just before each request starts (retries
    # too): e.g. the request budget shared by every process on the database (`bot/fetchlock.py`).
    before_request: Callable[[], Awaitable[None]] | None = field(default=None, compare=False)
    # Real status pages are well under 2 MB; anything far larger is not a status page, and
    # reading it whole would let one response exhaust memory.
    max_bytes: int = 20_000_000

    def __post_init__(self) -> None:
        if not self.user_agent.strip():
            raise ValueError("FetchPolicy.user_agent must not be empty")
        if self.max_concurrency < 1 or self.retries < 0:
            raise ValueError("FetchPolicy needs max_concurrency >= 1 and retries >= 0")
        if min(self.timeout_s, self.backoff_base_s, self.backoff_max_s) <= 0:
            raise ValueError("FetchPolicy timeout and backoff times must be > 0")
        if self.min_interval_s < 0 or self.retry_after_max_s < 0:
            raise ValueError("FetchPolicy min_interval_s and retry_after_max_s must be >= 0")
        if self.max_wait_s is not None and self.max_wait_s < 0:
            raise ValueError("FetchPolicy max_wait_s must be >= 0 or None")


@dataclass(frozen=True)
class Validators:
    """Cache validators of a previous response, sent back for a conditional GET."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class FetchResult:
    url: str  # as requested
    final_url: str  # after redirects
    status: int
    body: bytes  # b"" when not_modified
    not_modified: bool
    validators: Validators
    content_type: str | None  # the raw Content-Type header, charset included
    attempts: int


def _why(error: OSError) -> str:
    """The OS's reason: "Connection refused", not "Cannot connect to host h:p ssl:default […]"."""
    if error.errno is not None and error.errno > 0:
        return os.strerror(error.errno)
    return error.strerror or type(error).__name__


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Retry-After (delta-seconds or HTTP-date) → seconds to wait (≥ 0), None if unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class _Retryable(Exception):
    """One attempt failed in a way worth retrying; `what` says how."""

    def __init__(self, what: str, retry_after: float | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.retry_after = retry_after


class Fetcher:
    """`async with Fetcher(policy) as f: result = await f.fetch(url, treaty_id=...)`.

    Pass `session` to share an existing aiohttp session; the fetcher then leaves it open.
    `sleep` is used for the waits between retries (inject a fake to test backoff arithmetic);
    `monotonic` and `pace_sleep` time the spacing between requests (a benchmark on a time-scaled
    clock injects both).
    """

    def __init__(
        self,
        policy: FetchPolicy,
        *,
        session: aiohttp.ClientSession | None = None,
        sleep: Sleep = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        pace_sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.policy = policy
        self._monotonic = monotonic
        self._pace_sleep = pace_sleep
        self._session = session
        self._owns_session = session is None
        self._sleep = sleep
        self._slots = asyncio.Semaphore(policy.max_concurrency)
        self._host_locks: dict[str, asyncio.Lock] = {}
        self._last_start: dict[str, float] = {}
        self._backoff = wait_exponential_jitter(
            multiplier=policy.backoff_base_s, max=policy.backoff_max_s, jitter=policy.backoff_base_s
        )

    async def __aenter__(self) -> Self:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def fetch(
        self, url: str, *, treaty_id: str, validators: Validators | None = None
    ) -> FetchResult:
        """GET `url` politely; raise FetchError (4xx) or SiteUnavailable (retries spent, or the
        next wait would exceed `policy.max_wait_s`)."""
        if self._session is None:
            raise RuntimeError("Fetcher used outside `async with Fetcher(...)`")
        session = self._session
        headers = {"User-Agent": self.policy.user_agent}
        if validators is not None and validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators is not None and validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        attempts = 0

        async def attempt() -> FetchResult:
            nonlocal attempts
            attempts += 1
            return await self._attempt(session, url, headers, treaty_id, validators, attempts)

        retrying = AsyncRetrying(
            sleep=self._sleep,
            stop=stop_after_attempt(self.policy.retries + 1),
            wait=self._waiter(treaty_id, url),
            retry=retry_if_exception_type(_Retryable),
            reraise=True,
        )
        try:
            return await retrying(attempt)
        except _Retryable as exc:
            tries = f" on attempt {attempts} of {attempts}" if attempts > 1 else ""
            raise SiteUnavailable(treaty_id, f"{exc.what}{tries}: {url}") from exc

    def _waiter(self, treaty_id: str, url: str) -> Callable[[RetryCallState], float]:
        """The wait before each retry of one fetch: Retry-After or backoff, within `max_wait_s`."""
        waited = 0.0

        def wait(state: RetryCallState) -> float:
            nonlocal waited
            exc = state.outcome.exception() if state.outcome is not None else None
            what = exc.what if isinstance(exc, _Retryable) else "retrying"
            asked = exc.retry_after if isinstance(exc, _Retryable) else None
            if asked is not None:
                seconds = min(asked, self.policy.retry_after_max_s)
                reason = f"{what}; the site asked to retry after {asked:g} s"
            else:
                seconds = self._backoff(state)
                reason = f"{what}; backing off"
            limit = self.policy.max_wait_s
            if limit is not None and waited + seconds > limit:
                said = f"asked to retry after {asked:g} s" if asked is not None else ""
                said = said or f"the next retry would wait {seconds:.1f} s"
                raise SiteUnavailable(
                    treaty_id,
                    f"{what}, {said}; giving up (interactive wait limit {limit:g} s): {url}",
                )
            waited += seconds
            if self.policy.on_wait is not None:
                self.policy.on_wait(treaty_id, seconds, reason)
            return seconds

        return wait

    async def _attempt(
        self,
        session: aiohttp.ClientSession,
        url: str,
        headers: dict[str, str],
        treaty_id: str,
        validators: Validators | None,
        attempts: int,
    ) -> FetchResult:
        timeout = aiohttp.ClientTimeout(total=self.policy.timeout_s)
        slot = self.policy.request_slot
        async with self._slots, slot() if slot is not None else contextlib.nullcontext():
            await self._pace(urlsplit(url).netloc)
            if self.policy.before_request is not None:
                await self.policy.before_request()
            try:
                async with session.get(url, headers=headers, timeout=timeout) as resp:
                    status = resp.status
                    final_url = str(resp.url)
                    if status == 429 or status >= 500:
                        after = parse_retry_after(resp.headers.get("Retry-After"))
                        raise _Retryable(f"HTTP {status}", after)
                    if status != 304 and not 200 <= status < 300:
                        where = url if final_url == url else f"{final_url} (redirected from {url})"
                        raise FetchError(treaty_id, f"HTTP {status} from {where}")
                    body = b"" if status == 304 else await self._read(resp, treaty_id, url)
                    etag = resp.headers.get("ETag")
                    last_modified = resp.headers.get("Last-Modified")
                    content_type = resp.headers.get("Content-Type")
            except TimeoutError as exc:
                raise _Retryable(f"timed out after {self.policy.timeout_s:g} s") from exc
            except aiohttp.ClientPayloadError as exc:
                raise _Retryable(f"response body broken off ({exc})") from exc
            except aiohttp.ClientConnectorError as exc:
                raise _Retryable(f"connection failed ({_why(exc.os_error)})") from exc
            except aiohttp.ClientConnectionError as exc:
                raise _Retryable(f"connection failed ({type(exc).__name__}: {exc})") from exc
            except aiohttp.TooManyRedirects as exc:
                hops = len(exc.history)
                raise FetchError(treaty_id, f"redirect loop ({hops} redirects) from {url}") from exc
            except aiohttp.ClientResponseError as exc:
                what = f"{type(exc).__name__}: {exc.status} {exc.message}".rstrip()
                raise FetchError(treaty_id, f"{what} for {url}") from exc
            except aiohttp.ClientError as exc:
                raise FetchError(treaty_id, f"{type(exc).__name__}: {exc} for {url}") from exc
        if status == 304:
            old = validators or Validators()
            new = Validators(etag or old.etag, last_modified or old.last_modified)
        else:
            new = Validators(etag, last_modified)
        return FetchResult(
            url=url,
            final_url=final_url,
            status=status,
            body=body,
            not_modified=status == 304,
            validators=new,
            content_type=content_type,
            attempts=attempts,
        )

    async def _read(self, resp: aiohttp.ClientResponse, treaty_id: str, url: str) -> bytes:
        """The whole body, refusing more than `max_bytes` (declared or actually sent)."""
        limit = self.policy.max_bytes
        if resp.content_length is not None and resp.content_length > limit:
            raise FetchError(treaty_id, f"response of {resp.content_length} bytes from {url} "
                             f"exceeds the {limit}-byte limit")  # fmt: skip
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.content.iter_chunked(1 << 16):
            size += len(chunk)
            if size > limit:
                raise FetchError(treaty_id, f"response from {url} exceeds the {limit}-byte limit")
            chunks.append(chunk)
        return b"".join(chunks)

    async def _pace(self, host: str) -> None:
        """Wait until `min_interval_s` has passed since the last request to `host` started."""
        lock = self._host_locks.setdefault(host, asyncio.Lock())
        async with lock:
            last = self._last_start.get(host)
            if last is not None:
                while (delay := last + self.policy.min_interval_s - self._monotonic()) > 0:
                    await self._pace_sleep(delay)
            self._last_start[host] = self._monotonic()
