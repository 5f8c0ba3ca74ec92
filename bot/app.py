"""The one composition root: config → database, HTTP fetcher, clock.

Commands, the scheduler and tests all build the service through `open_app`; tests pass a config
pointing at local fakes (a fake UN site, a temporary database) and, where needed, a fixed clock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from bot.config import Config, UntcConfig
from scrapers.fetch import Fetcher, FetchPolicy
from store import treaties
from store.db import Store

Clock = Callable[[], dt.datetime]


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


@dataclass
class App:
    config: Config
    store: Store
    fetcher: Fetcher
    clock: Clock


def open_store(config: Config) -> Store:
    """The database, with every `[[treaties]]` of the config marked as tracked."""
    store = Store(config.database.path)
    if config.treaties:
        store.call(treaties.track, [t.id for t in config.treaties], None)
    return store


@contextlib.asynccontextmanager
async def open_app(
    config: Config, *, clock: Clock = utc_now, store: Store | None = None
) -> AsyncIterator[App]:
    own_store = store is None
    app_store = store if store is not None else open_store(config)
    try:
        async with Fetcher(fetch_policy(config.untc)) as fetcher:
            yield App(config=config, store=app_store, fetcher=fetcher, clock=clock)
    finally:
        if own_store:
            app_store.close()
