"""The one composition root: config → database, HTTP fetcher, clock, router, dispatchers.

Commands, the service and tests all build the bot through `open_app` (async: with the fetcher)
or `command_app` (synchronous commands that only read or write the store); tests pass a config
pointing at local fakes and, where needed, a fixed clock. Use cases (`bot/operations.py`,
`bot/pipeline.py`) take the `App`, so a long-running process shares one store.

The fetcher is wrapped in the database's shared request slots (`bot/fetchlock.py`): every
process on one database together keeps `untc.max_concurrency`. A database that cannot be used
is a `StoreError` naming the path and the cause. Every request also takes a start from the
database's shared request budget (`bot/budget.py`, `[fetch] requests_per_minute`).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlite_utils import Database

from bot.budget import RequestBudget
from bot.config import Config, UntcConfig
from bot.delivery.router import Delivery, route
from bot.errors import StoreError
from bot.fetchlock import ProcessLimits
from scrapers.fetch import Fetcher, FetchPolicy
from store import subscribers, treaties
from store.db import DatabaseError, Store
from store.events import Event

if TYPE_CHECKING:
    from bot.delivery.dispatcher import Dispatcher

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True)
class Timing:
    """The clocks and sleep of request pacing and the budget (real time unless injected)."""

    clock: Callable[[], float] = time.time  # Unix seconds, shared by processes
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def fetch_policy(untc: UntcConfig) -> FetchPolicy:
    return FetchPolicy(
        user_agent=untc.user_agent,
        timeout_s=untc.timeout_s,
        max_concurrency=untc.max_concurrency,
        min_interval_s=untc.min_interval_s,
        retries=untc.retries,
    )


def store_router(db: Database, events: Sequence[Event]) -> list[Delivery]:
    """The `store.snapshots.Router`: the active targets, loaded once, then the pure `route`."""
    return route(events, subscribers.routes(db))


@dataclass
class App:
    config: Config
    store: Store
    clock: Clock = utc_now
    timing: Timing = field(default_factory=lambda: Timing())  # pacing, budget, the check loop
    _fetcher: Fetcher | None = None
    _limits: ProcessLimits | None = None  # the database's shared fetch slots and check locks
    dispatchers: dict[str, Dispatcher] = field(default_factory=dict)  # filled by the service

    @property
    def fetcher(self) -> Fetcher:
        if self._fetcher is None:
            raise RuntimeError("this App was opened without a fetcher (use open_app)")
        return self._fetcher

    def checking(self, treaty_id: str) -> contextlib.AbstractAsyncContextManager[None]:
        """Held while one treaty is checked: no other process on this database checks it."""
        if self._limits is None:
            raise RuntimeError("this App was opened without a fetcher (use open_app)")
        return self._limits.checking(treaty_id)

    @property
    def router(self) -> Callable[[Database, Sequence[Event]], list[Delivery]]:
        return store_router

    def deliveries_queued(self) -> None:
        """Called after a commit that may have queued deliveries: wake the dispatchers."""
        for dispatcher in self.dispatchers.values():
            dispatcher.wake()


def open_store(config: Config, *, must_exist: bool = False) -> Store:
    """The database (migrated). With `must_exist`, a missing file is an error, not created.

    Raises StoreError (one line: the path and the cause) when the database cannot be used.
    """
    path = config.database.path
    if must_exist and path != ":memory:" and not Path(path).exists():
        raise StoreError(
            f"{path}: no such database; run `treatybot scrape` or `treatybot run` first,"
            " or give the right [database] path"
        )
    try:
        return Store(path, busy_timeout_s=config.database.busy_timeout_s)
    except DatabaseError as exc:
        raise StoreError(str(exc)) from None


def track_config_treaties(app: App) -> None:
    """Mark every `[[treaties]]` of the config as tracked (once, when a command or the service
    starts to work on the tracked list)."""
    if app.config.treaties:
        app.store.call(treaties.track, [t.id for t in app.config.treaties], None)


@contextlib.contextmanager
def command_app(
    config: Config, *, clock: Clock = utc_now, must_exist: bool = False
) -> Iterator[App]:
    """The app for one synchronous command: the store, no fetcher; closed afterwards."""
    store = open_store(config, must_exist=must_exist)
    try:
        yield App(config=config, store=store, clock=clock)
    finally:
        store.close()


@contextlib.asynccontextmanager
async def open_app(
    config: Config,
    *,
    clock: Clock = utc_now,
    store: Store | None = None,
    must_exist: bool = False,
    policy: FetchPolicy | None = None,
    timing: Timing | None = None,
) -> AsyncIterator[App]:
    """The app with its fetcher, for commands and the service that read the site.

    `timing` replaces the real clocks and sleeps of pacing and the budget (a benchmark's
    time-scaled clock); by default real time.

    `policy` replaces the config's fetch policy (the CLI bounds retry waits with it)."""
    timing = timing or Timing()
    own_store = store is None
    app_store = store if store is not None else open_store(config, must_exist=must_exist)
    try:
        limits = ProcessLimits(app_store.path, config.untc.max_concurrency)
        budget = RequestBudget(
            app_store.path,
            config.fetch.requests_per_minute,
            config.fetch.budget_window_s,
            clock=timing.clock,
            sleep=timing.sleep,
        )
        # Each request (not the waits between retries) holds one of the database's shared
        # slots: every process on this database together keeps `max_concurrency`; and takes
        # one start from the shared budget just before it goes out (retries too).
        shared = dataclasses.replace(
            policy or fetch_policy(config.untc),
            request_slot=limits.fetch_slot,
            before_request=budget.take,
        )
        async with Fetcher(shared, monotonic=timing.monotonic, pace_sleep=timing.sleep) as fetcher:
            yield App(
                config=config,
                store=app_store,
                clock=clock,
                timing=timing,
                _fetcher=fetcher,
                _limits=limits,
            )
    finally:
        if own_store:
            app_store.close()
