"""The process behind `treatybot run`: one asyncio loop, one composition root, one shutdown path.

Starts, in order: the store and fetcher (`open_app`), the single-instance lock, the delivery
targets of built-in channels (the console), Telegram polling when a token is set
(`bot.telegram.app`: initialize, setMyCommands, start_polling, start), one dispatcher per
enabled channel, the scheduler (a check job per tracked treaty). Runs until SIGINT/SIGTERM (or
`stop`, for tests). Stops in reverse: no new checks, in-flight checks finish or are cancelled
(a save already handed to the database thread still commits whole), dispatchers let their
sends finish within `shutdown_timeout_s` and give unfinished rows back to the outbox, Telegram
polling stops, the store closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, TextIO

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import App, Clock, open_app, utc_now
from bot.config import Config
from bot.delivery import console
from bot.delivery.channel import Channel
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.registry import CHANNELS
from bot.instance import InstanceLock
from bot.scheduler import start_scheduler
from store import outbox, subscribers, treaties

if TYPE_CHECKING:
    from bot.telegram.app import RunningTelegram

log = logging.getLogger("treatybot")

SHUTDOWN_TIMEOUT_S = 10.0


async def run_service(
    config: Config,
    *,
    stop: asyncio.Event | None = None,
    clock: Clock = utc_now,
    console_stream: TextIO | None = None,
) -> None:
    """Run until SIGINT/SIGTERM (or until `stop` is set, for tests)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    handled = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
            handled.append(sig)
    try:
        with InstanceLock.acquire(config.database.path):
            async with _running(config, clock, console_stream) as app:
                log.info("running; delivering through: %s", ", ".join(app.dispatchers) or "none")
                await stop.wait()
                log.info("stopping")
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)


@contextlib.asynccontextmanager
async def _running(
    config: Config, clock: Clock, console_stream: TextIO | None
) -> AsyncIterator[App]:
    async with open_app(config, clock=clock) as app:
        if config.treaties:
            await app.store.run(treaties.track, [t.id for t in config.treaties], None)
        # The only instance (the lock says so): rows a crashed run left claimed are ours now.
        released = await app.store.run(outbox.release_claims)
        if released:
            log.info("took back %d delivery(ies) left claimed by an earlier run", released)
        channels = await _channels(app, console_stream)
        telegram = await _start_telegram(app, channels)
        delivery_stop = asyncio.Event()
        for channel in channels:
            app.dispatchers[channel.name] = Dispatcher(app.store, channel)
        senders = [
            asyncio.create_task(d.run(delivery_stop), name=f"dispatch:{name}")
            for name, d in app.dispatchers.items()
        ]
        scheduler = await start_scheduler(app)
        try:
            yield app
        finally:
            scheduler.shutdown(wait=False)
            await _finish_checks(scheduler)
            delivery_stop.set()
            await asyncio.gather(*senders, return_exceptions=True)
            for dispatcher in app.dispatchers.values():
                await dispatcher.close(SHUTDOWN_TIMEOUT_S)
            if telegram is not None:
                from bot.telegram.app import stop_telegram

                await stop_telegram(telegram)


async def _channels(app: App, console_stream: TextIO | None) -> list[Channel]:
    """Build every enabled channel; make sure the console's one target exists (or is off)."""
    built: list[Channel] = []
    for name, factory in CHANNELS.items():
        channel = factory(app)
        if channel is None:
            if name == "telegram":
                log.info("Telegram off: no token (set %s)", app.config.telegram.token_env)
            else:
                log.info("channel %s: off", name)
            continue
        if isinstance(channel, console.ConsoleChannel) and console_stream is not None:
            channel.stream = console_stream
        built.append(channel)
    console_on = any(c.name == console.NAME for c in built)
    now = app.clock()
    if console_on:
        await app.store.run(
            subscribers.upsert_target, console.NAME, console.TARGET, match="filter", now=now
        )
    else:
        await app.store.run(
            subscribers.set_active,
            console.NAME,
            console.TARGET,
            False,
            now=now,
            reason="[console] enabled = false",
        )
    return built


async def _start_telegram(app: App, channels: list[Channel]) -> RunningTelegram | None:
    """Polling and the command menu beside the Telegram channel (when it is on)."""
    if not any(channel.name == "telegram" for channel in channels):
        return None
    from bot.telegram.app import start_telegram
    from bot.telegram.sender import TelegramChannel

    for channel in channels:
        if isinstance(channel, TelegramChannel):
            return await start_telegram(app, channel)
    return None


async def _finish_checks(scheduler: AsyncIOScheduler) -> None:
    """Give running check jobs a moment to end; the scheduler itself does not wait for them."""
    for _ in range(50):
        running = [
            t
            for t in asyncio.all_tasks()
            if t is not asyncio.current_task() and t.get_name().startswith("check:")
        ]
        if not running:
            return
        await asyncio.sleep(0.1)
