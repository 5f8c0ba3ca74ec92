"""One `treatybot run` per database: an exclusive lock on a file beside it.

`fcntl.flock` on `<database>.lock`: the kernel drops the lock when the process dies, however it
dies, so a crashed instance never blocks a restart. The file says who holds it (pid, since when)
so the refusal can name the running instance. Other commands (`scrape`, `status` …) do not take
this lock: they may run beside the service.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path

from bot.errors import StoreError
from store.snapshots import now_text


class AlreadyRunning(StoreError):
    """Another `treatybot run` holds this database."""


class InstanceLock:
    @staticmethod
    def path_for(database: str) -> Path | None:
        if database == ":memory:":
            return None
        return Path(database).expanduser().with_name(Path(database).name + ".lock")

    @classmethod
    @contextlib.contextmanager
    def acquire(cls, database: str) -> Iterator[None]:
        """Hold the lock for the duration of the block, or raise `AlreadyRunning`."""
        path = cls.path_for(database)
        if path is None:
            yield
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+", encoding="utf-8")
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = _describe(handle.read())
                raise AlreadyRunning(
                    f"{database}: another treatybot run is using this database ({holder});"
                    " stop it first, or give this one another [database] path"
                ) from None
            handle.seek(0)
            handle.truncate()
            since = now_text(dt.datetime.now(dt.UTC))
            handle.write(json.dumps({"pid": os.getpid(), "since": since}))
            handle.flush()
            yield
        finally:
            handle.close()  # closing the file releases the lock


def _describe(text: str) -> str:
    try:
        data = json.loads(text)
        return f"pid {int(data['pid'])}, running since {data['since']}"
    except (ValueError, KeyError, TypeError):
        return "pid unknown"
