"""Politeness across processes: the site's limits hold per database, not per process.

Two processes on one database (the service and a maintainer's `scrape`, or two `scrape --all`)
share `untc.max_concurrency` request slots: around each request a process takes one of the slot
files `<database>.locks/fetch.<n>` with `fcntl.flock` (an exclusive, non-blocking lock, retried
every few milliseconds), and gives it back when the response is read — never while it waits
to retry, so a long Retry-After does not hold a slot. A check of one treaty holds
`<database>.locks/check.<id>` from fetch to save, so a treaty being checked by one process is not
fetched again by another at the same moment (the second waits, then checks).

Locks belong to open file descriptions: a process that dies releases them at once, and two
holders in one process exclude each other like two processes. The pure fetcher
(`scrapers/fetch.py`) knows nothing of this: `bot/app.py` hands `fetch_slot` to it as its
`FetchPolicy.request_slot`. An in-memory
database has no files, so no locks (one process is all there can be). Where lock files cannot be
created (a read-only location) the process runs with its own limits only.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path

log = logging.getLogger("treatybot")

POLL_S = 0.02


class ProcessLimits:
    """The slot and per-treaty lock files of one database."""

    def __init__(self, database: str, slots: int, *, poll_s: float = POLL_S) -> None:
        self.directory = None if database == ":memory:" else Path(f"{database}.locks")
        self.slots = slots
        self.poll_s = poll_s
        self._usable = self.directory is not None

    def _open(self, name: str) -> int | None:
        if not self._usable or self.directory is None:
            return None
        try:
            self.directory.mkdir(exist_ok=True)
            return os.open(self.directory / name, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            log.warning("%s: no shared fetch limits (%s)", self.directory, exc.strerror)
            self._usable = False
            return None

    def _try(self, name: str) -> int | bool | None:
        """An fd holding `name`'s lock; None when locks are unusable; False when it is held."""
        fd = self._open(name)
        if fd is None:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        return fd

    @contextlib.asynccontextmanager
    async def _hold(self, names: list[str]) -> AsyncIterator[None]:
        """Wait until one of `names` can be locked; hold it for the block."""
        held: int | None = None
        while True:
            for name in names:
                got = self._try(name)
                if got is None:
                    break  # no lock files: go on without
                if got is not False:
                    held = got
                    break
            else:
                await asyncio.sleep(self.poll_s)
                continue
            break
        try:
            yield
        finally:
            if held is not None:
                os.close(held)  # closing the description releases the lock

    def fetch_slot(self) -> contextlib.AbstractAsyncContextManager[None]:
        """One of the `slots` request slots shared by every process on this database."""
        return self._hold([f"fetch.{n}" for n in range(self.slots)])

    def checking(self, treaty_id: str) -> contextlib.AbstractAsyncContextManager[None]:
        """The right to check `treaty_id` (fetch to save) while no other process does."""
        return self._hold([f"check.{treaty_id}"])
