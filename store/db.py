"""Opening the database: pragmas, migrations, IMMEDIATE transactions and the one writer thread.

Every piece of database work of the running service goes through `Store.run(fn, ...)`, which runs
`fn(db)` on a single dedicated thread: the asyncio loop never blocks on SQLite and two writers
never race for the lock ("database is locked" cannot happen inside one process; the busy timeout
covers a second process such as a maintainer's CLI). Command-line code that is not async uses
`Store.call`, the synchronous twin. The database handle itself stays private to that thread.

`run` and `call` are typed with `Concatenate`: mypy checks the arguments against the function's
own signature (a wrong `Store.run(fn, …)` call is a type error, not a runtime one).

Every way a database can be unusable — a directory, a file that is not SQLite, a damaged file, a
path under a regular file, a read-only location, a lock held past the busy timeout, another
program's SQLite database — becomes `DatabaseError` with the path and the cause in one line. A
SQLite file with tables but no treatybot migration history is refused before anything is
written to it (no migrations table, no WAL switch).
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

BUSY_TIMEOUT_S = 10.0
MIGRATIONS_TABLE = "_sqlite_migrations"  # sqlite-utils' history table, set "treatybot"


class DatabaseError(Exception):
    """The database cannot be opened or used. The message is one line: path, then cause."""


def describe(path: str | Path, error: BaseException) -> str:
    """ "<path>: <what went wrong>" for an SQLite or OS error met while opening or using `path`."""
    cause = str(error) or type(error).__name__
    lowered = cause.lower()
    if isinstance(error, OSError) and error.strerror:
        cause = error.strerror
    elif "database is locked" in lowered or "database is busy" in lowered:
        cause = "the database is locked by another process (busy timeout exceeded); try again"
    elif "file is not a database" in lowered:
        cause = "not a SQLite database (file is not a database)"
    elif "malformed" in lowered:
        cause = f"the database file is damaged ({cause})"
    elif "unable to open database file" in lowered:
        cause = "cannot open or create the database file (no permission, or a read-only location)"
    elif "readonly" in lowered or "read-only" in lowered:
        cause = f"cannot write to the database: read-only file or location ({cause})"
    elif isinstance(error, OverflowError):
        cause = f"a number too large for the database ({cause})"
    return f"{path}: {cause}"


def _check_location(path: Path) -> None:
    """Refuse what SQLite would report only as "unable to open database file"."""
    if path.is_dir():
        raise DatabaseError(f"{path}: is a directory, not a database file")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise DatabaseError(f"{path}: cannot create it: {parent} is not a directory")
            break


def _check_ours(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse another program's SQLite database before anything is written to it."""
    tables = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    if not tables:
        return  # a new or empty database: ours to set up
    ours = (
        MIGRATIONS_TABLE in tables
        and conn.execute(
            f"SELECT 1 FROM {MIGRATIONS_TABLE} WHERE migration_set = ? LIMIT 1",
            [migrations.name],
        ).fetchone()
    )
    if not ours:
        shown = ", ".join(sorted(tables)[:5]) + (", …" if len(tables) > 5 else "")
        raise DatabaseError(
            f"{path}: a SQLite database, but not treatybot's (tables {shown}; no treatybot"
            " migration history); refusing to change it — give another [database] path"
        )


def connect(path: str | Path, *, busy_timeout_s: float = BUSY_TIMEOUT_S) -> sqlite_utils.Database:
    """Open (creating if needed) and configure a database file; ':memory:' for tests.

    Raises DatabaseError (path and cause in one line) when the file cannot be used.
    """
    memory = str(path) == ":memory:"
    conn: sqlite3.Connection | None = None
    try:
        if not memory:
            _check_location(Path(path))
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                parent = Path(path).parent
                raise DatabaseError(
                    f"{path}: cannot create the directory {parent}: {exc.strerror}"
                ) from None
        conn = sqlite3.connect(str(path), check_same_thread=False, timeout=busy_timeout_s)
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
        if not memory:
            _check_ours(conn, Path(path))
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
    except (sqlite3.Error, OSError) as exc:
        if conn is not None:
            conn.close()
        raise DatabaseError(describe(path, exc)) from None
    except DatabaseError:
        if conn is not None:
            conn.close()
        raise
    return sqlite_utils.Database(conn, execute_plugins=False)


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


def _guarded(path: str, fn: Callable[[], R]) -> R:
    """Run `fn`, turning database failures (not our own integrity bugs) into DatabaseError."""
    try:
        return fn()
    except sqlite3.IntegrityError:
        raise
    except (sqlite3.DatabaseError, OverflowError) as exc:
        raise DatabaseError(describe(path, exc)) from exc


class Store:
    """The database plus the single thread that all its work runs on.

    Every failure to open or use the database is a `DatabaseError` naming the path.
    """

    def __init__(self, path: str | Path, *, busy_timeout_s: float = BUSY_TIMEOUT_S) -> None:
        self.path = str(path)
        self.busy_timeout_s = busy_timeout_s
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="treatybot-db")
        try:
            self._db = self._executor.submit(self._open).result()
        except BaseException:
            self._executor.shutdown(wait=True)
            raise

    def _open(self) -> sqlite_utils.Database:
        db = connect(self.path, busy_timeout_s=self.busy_timeout_s)
        try:
            _guarded(self.path, lambda: upgrade(db))
        except BaseException:
            db.close()
            raise
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
        work = partial(fn, self._db, *args, **kwargs)
        return await loop.run_in_executor(self._executor, partial(_guarded, self.path, work))

    def call(
        self,
        fn: Callable[Concatenate[sqlite_utils.Database, P], R],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> R:
        """Synchronous twin of `run` for command-line code outside the event loop."""
        work = partial(fn, self._db, *args, **kwargs)
        return self._executor.submit(partial(_guarded, self.path, work)).result()

    def close(self) -> None:
        """Checkpoint the WAL into the main file (so the next process starts clean), close."""
        self._executor.submit(self._close).result()
        self._executor.shutdown(wait=True)

    def _close(self) -> None:
        try:
            if self.path != ":memory:":
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error:
            pass  # a busy or read-only database keeps its WAL; the next writer checkpoints it
        finally:
            self._db.close()
