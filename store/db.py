"""Opening the database: pragmas, migrations, IMMEDIATE transactions and the one writer thread.

Every piece of database work of the running service goes through `Store.run(fn, ...)`, which runs
`fn(db)` on a single dedicated thread: the asyncio loop never blocks on SQLite and two writers
never race for the lock ("database is locked" cannot happen inside one process; the busy timeout
covers a second process such as a maintainer's CLI). Command-line code that is not async uses
`Store.call`, the synchronous twin. The database handle itself stays private to that thread.

`run` and `call` are typed with `Concatenate`: mypy checks the arguments against the function's
own signature (a wrong `Store.run(fn, …)` call is a type error, not a runtime one).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

import sqlite_utils

from store.migrations import migrations

P = ParamSpec("P")
R = TypeVar("R")

BUSY_TIMEOUT_MS = 10_000


def connect(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) and configure a database file; ':memory:' for tests."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
    db = sqlite_utils.Database(conn, execute_plugins=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if str(path) != ":memory:":
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return db


def upgrade(db: sqlite_utils.Database) -> list[str]:
    """Apply pending schema migrations; returns the names applied."""
    pending = [m.name for m in migrations.pending(db)]
    migrations.apply(db)
    return pending


@contextlib.contextmanager
def immediate(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """A write transaction that takes the write lock at its start (BEGIN IMMEDIATE).

    sqlite-utils write methods called inside nest as savepoints, so the whole block commits or
    rolls back as one.
    """
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")


class Store:
    """The database plus the single thread that all its work runs on."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="treatybot-db")
        self._db = self._executor.submit(self._open).result()

    def _open(self) -> sqlite_utils.Database:
        db = connect(self.path)
        upgrade(db)
        return db

    async def run(
        self,
        fn: Callable[Concatenate[sqlite_utils.Database, P], R],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> R:
        """Run `fn(db, *args, **kwargs)` on the database thread and await its result."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, partial(fn, self._db, *args, **kwargs))

    def call(
        self,
        fn: Callable[Concatenate[sqlite_utils.Database, P], R],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> R:
        """Synchronous twin of `run` for command-line code outside the event loop."""
        return self._executor.submit(partial(fn, self._db, *args, **kwargs)).result()

    def close(self) -> None:
        """Checkpoint the WAL into the main file (so the next process starts clean), close."""
        self._executor.submit(self._close).result()
        self._executor.shutdown(wait=True)

    def _close(self) -> None:
        if self.path != ":memory:":
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self._db.close()
