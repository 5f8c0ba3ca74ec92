"""The request budget: at most `[fetch] requests_per_minute` request starts in any window
(`[fetch] budget_window`, one minute), across every process on one database.

Every HTTP request to the site takes a start from it just before it goes out — status pages,
catalogue pages and every retry — because `bot/app.py` hands `RequestBudget.take` to the fetcher
as its `FetchPolicy.before_request` (inside the shared concurrency slot, after the spacing wait):
nothing that reads the site can bypass it.

Shared state is the file `<database>.locks/budget`: the start times of the last window, one per
line, read and rewritten under an exclusive `fcntl.flock` of `<database>.locks/budget.lock`
(non-blocking, retried every few milliseconds, like the slots in `bot/fetchlock.py`). A file
rather than a SQLite table: taking a start must never wait behind the pipeline's write
transactions (`busy_timeout`), and a process that dies mid-update releases the lock at once; the
file is at most `requests_per_minute` short lines. Times are the injected `clock` (Unix seconds
by default, shared by every process; a benchmark passes its time-scaled clock to every process).
A start time later than now (the clock went back) is dropped rather than blocking for ever.

An in-memory database, or a location where the files cannot be created, keeps the budget in
this process only. Must not decide *what* is fetched (that is the scheduler).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

log = logging.getLogger("treatybot")

POLL_S = 0.02
Sleep = Callable[[float], Awaitable[None]]


def wait_for_start(starts: list[float], now: float, limit: int, window_s: float) -> float:
    """Seconds until one more start fits (0: now), given the starts already taken."""
    recent = sorted(t for t in starts if now - window_s < t <= now)
    if len(recent) < limit:
        return 0.0
    return recent[len(recent) - limit] + window_s - now


class RequestBudget:
    """`await budget.take()` returns when one more request may start, and counts it."""

    def __init__(
        self,
        database: str,
        limit: int,
        window_s: float = 60.0,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Sleep = asyncio.sleep,
        poll_s: float = POLL_S,
    ) -> None:
        if limit < 1 or window_s <= 0:
            raise ValueError("RequestBudget needs limit >= 1 and window_s > 0")
        self.directory = None if database == ":memory:" else Path(f"{database}.locks")
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self.sleep = sleep
        self.poll_s = poll_s
        self._local: list[float] = []  # when there are no shared files
        self._usable = self.directory is not None
        self._turn = asyncio.Lock()  # one waiter per process polls the file

    async def take(self) -> None:
        async with self._turn:
            while True:
                wait = await self._try_take()
                if wait <= 0:
                    return
                await self.sleep(wait)

    async def _try_take(self) -> float:
        """Take a start and return 0, or return the seconds to wait before trying again."""
        while True:
            with self._locked() as got:
                if got is False:
                    pass  # another process holds the file for a moment
                else:
                    now = self.clock()
                    starts = self._read() if got else self._local
                    recent = [t for t in starts if now - self.window_s < t <= now]
                    wait = wait_for_start(recent, now, self.limit, self.window_s)
                    if wait <= 0:
                        recent.append(now)
                    if got:
                        self._write(recent)
                    else:
                        self._local = recent
                    return wait
            await asyncio.sleep(self.poll_s)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[bool | None]:
        """True while holding the shared lock; None without shared files; False when busy."""
        fd = self._open()
        if fd is None:
            yield None
            return
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True
        finally:
            os.close(fd)

    def _open(self) -> int | None:
        if not self._usable or self.directory is None:
            return None
        try:
            self.directory.mkdir(exist_ok=True)
            return os.open(self.directory / "budget.lock", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            log.warning("%s: no shared request budget (%s)", self.directory, exc.strerror)
            self._usable = False
            return None

    def _read(self) -> list[float]:
        assert self.directory is not None
        try:
            text = (self.directory / "budget").read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError):
            return []
        starts: list[float] = []
        for line in text.split():
            with contextlib.suppress(ValueError):
                starts.append(float(line))
        return starts

    def _write(self, starts: list[float]) -> None:
        assert self.directory is not None
        path = self.directory / "budget"
        temporary = path.with_suffix(".tmp")
        try:
            temporary.write_text("".join(f"{t!r}\n" for t in starts), encoding="ascii")
            os.replace(temporary, path)  # a reader never sees half a file
        except OSError as exc:
            log.warning("%s: cannot record a request start (%s)", path, exc.strerror)
