"""Shared pieces of the Telegram tests: a TelegramChannel on the fake Bot API, a real outbox and
a real Dispatcher, and waiting for a condition within a bound."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Callable, Sequence

from telegram import Bot
from telegram.request import HTTPXRequest

from bot.delivery.channel import RetryPolicy
from bot.delivery.dispatcher import Dispatcher
from bot.telegram.gate import Gate
from bot.telegram.pacing import PacingLimits
from bot.telegram.sender import NAME, TelegramChannel
from store import outbox, snapshots, subscribers
from store.db import Store
from store.events import Event
from tests.fakes.telegram_api import FakeBotAPI

NOW = dt.datetime(2026, 3, 12, 14, 5, 9, tzinfo=dt.UTC)
FAST = RetryPolicy((0.2, 0.4, 0.8, 1.6), jitter=0.0)


def make_bot(fake: FakeBotAPI, *, token: str | None = None, read_timeout: float = 5.0) -> Bot:
    request = HTTPXRequest(connection_pool_size=40, read_timeout=read_timeout, connect_timeout=2.0)
    return Bot(
        token or fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url,
        request=request,
    )  # fmt: skip


def make_channel(
    fake: FakeBotAPI,
    store: Store,
    *,
    limits: PacingLimits | None = None,
    token: str | None = None,
    read_timeout: float = 5.0,
) -> TelegramChannel:
    channel = TelegramChannel(
        make_bot(fake, token=token, read_timeout=read_timeout), store, Gate(limits)
    )
    channel.policy = FAST
    return channel


async def subscribe_chats(store: Store, chats: Sequence[int | str], treaty_id: str) -> None:
    for chat in chats:
        target_id = await store.run(
            subscribers.upsert_target, NAME, str(chat), match="subscribed", now=NOW
        )
        await store.run(subscribers.subscribe, target_id, "treaty", treaty_id, now=NOW)


async def queue_events(store: Store, events: Sequence[Event]) -> None:
    """Insert events and route them to the subscribed chats, as the pipeline does."""
    from bot.app import store_router

    def insert(db: snapshots.Database) -> None:
        with snapshots.immediate(db):
            snapshots.insert_events(db, events, store_router)

    await store.run(insert)


async def rows_by_status(store: Store) -> dict[str, int]:
    return (await store.run(outbox.counts_by_status)).get(NAME, {})


async def wait_for(condition: Callable[[], bool], within_s: float = 10.0) -> None:
    """Wait until `condition()` holds (a bound, not a measurement)."""
    async with asyncio.timeout(within_s):
        while not condition():
            await asyncio.sleep(0.02)


async def wait_for_rows(
    store: Store, done: Callable[[dict[str, int]], bool], within_s: float = 10.0
) -> dict[str, int]:
    async with asyncio.timeout(within_s):
        while not done(counts := await rows_by_status(store)):
            await asyncio.sleep(0.05)
    return counts


@contextlib.asynccontextmanager
async def dispatching(
    store: Store, channel: TelegramChannel, *, initialize: bool = True
) -> AsyncIterator[Dispatcher]:
    dispatcher = Dispatcher(store, channel, idle_poll_s=0.1)
    stop = asyncio.Event()
    async with channel.bot if initialize else contextlib.nullcontext(channel.bot):
        task = asyncio.create_task(dispatcher.run(stop))
        try:
            yield dispatcher
        finally:
            stop.set()
            await task
            await dispatcher.close(2.0)
