"""The process behind `treatybot run`: one asyncio loop, one composition root, one shutdown path.

Starts, in order: the store and fetcher (`open_app`), the single-instance lock, the delivery
targets of built-in channels (the console), Telegram when a token is set (`bot.telegram.app`:
initialize, setMyCommands, start_polling or setWebhook, start), one dispatcher per enabled
channel, the scheduler (a check job per tracked treaty), the HTTP server (with the Telegram
webhook route in webhook mode). Runs until SIGINT/SIGTERM (or
`stop`, for tests). Stops in reverse: no new checks, in-flight checks finish or are cancelled
(a save already handed to the database thread still commits whole), dispatchers let their
sends finish within `shutdown_timeout_s` and give unfinished rows back to the outbox, Telegram
polling stops, the store closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import html
import logging
import signal
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, TextIO

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import App, Clock, Timing, open_app, utc_now
from bot.config import Config
from bot.delivery import console
from bot.delivery.channel import Channel
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.registry import CHANNELS
from bot.errors import TreatybotError
from bot.instance import InstanceLock
from bot.ops import OpsAlert, OpsMonitor, Sink, health_webhook_sink
from bot.scheduler import start_scheduler, start_watch_loop
from bot.web import WebServer, build_web_app, serve
from bot.webhooks.channel import AlertOnce
from bot.webhooks.manage import sync_config_endpoints
from store import outbox, subscribers, treaties

if TYPE_CHECKING:
    from bot.telegram.app import RunningTelegram

log = logging.getLogger("treatybot")


async def run_service(
    config: Config,
    *,
    stop: asyncio.Event | None = None,
    clock: Clock = utc_now,
    console_stream: TextIO | None = None,
    http_port: int | None = None,
    timing: Timing | None = None,
) -> None:
    """Run until SIGINT/SIGTERM (or until `stop` is set, for tests). `http_port` overrides
    `[http] port` (`run --port`, `$PORT`); `timing` (with `clock`) runs request pacing, the
    budget and the watch loop on another clock (a benchmark's time-scaled one)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    handled = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
            handled.append(sig)
    try:
        with InstanceLock.acquire(config.database.path):
            async with _running(config, clock, console_stream, http_port, timing) as app:
                # What start-up built (modules, templates, config, the countries index) lives
                # as long as the process: keep it out of the collector's full passes, whose
                # cost grows with it (bench/web.py: a large page's p95 ~44 ms → ~18 ms).
                gc.freeze()
                log.info("running; delivering through: %s", ", ".join(app.dispatchers) or "none")
                await stop.wait()
                log.info("stopping")
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)


@contextlib.asynccontextmanager
async def _running(
    config: Config,
    clock: Clock,
    console_stream: TextIO | None,
    http_port: int | None,
    timing: Timing | None = None,
) -> AsyncIterator[App]:
    async with open_app(config, clock=clock, timing=timing) as app:
        if config.treaties:
            await app.store.run(treaties.track, [t.id for t in config.treaties], None)
        # The only instance (the lock says so): rows a crashed run left claimed are ours now.
        released = await app.store.run(outbox.release_claims)
        if released:
            log.info("took back %d delivery(ies) left claimed by an earlier run", released)
        monitor = _ops_monitor(app)
        await sync_config_endpoints(app)
        channels = await build_channels(app, console_stream)
        telegram = await _start_telegram(app, channels)
        if telegram is not None:
            monitor.add_sink(_telegram_admin_sink(telegram, app.config.telegram.admin_chat_ids))
        delivery_stop = asyncio.Event()
        for channel in channels:
            hook = getattr(channel, "on_alert", None)
            if isinstance(hook, AlertOnce):
                hook.sink = monitor.delivery_hook  # once per endpoint, then the ops monitor
            app.dispatchers[channel.name] = Dispatcher(
                app.store, channel, on_alert=hook or monitor.delivery_hook
            )
        senders = [
            asyncio.create_task(d.run(delivery_stop), name=f"dispatch:{name}")
            for name, d in app.dispatchers.items()
        ]
        scheduler = await start_scheduler(app, after_check=monitor.after_check)
        watching = start_watch_loop(app, after_check=monitor.after_check)
        web_server = await _serve_http(app, scheduler, http_port, telegram)
        if telegram is not None:
            from bot.telegram.app import announce_webhook

            await announce_webhook(app, telegram)
        try:
            yield app
        finally:
            await web_server.stop()
            scheduler.shutdown(wait=False)
            watching.cancel()
            await asyncio.gather(watching, return_exceptions=True)
            await _finish_checks(scheduler)
            delivery_stop.set()
            await asyncio.gather(*senders, return_exceptions=True)
            for dispatcher in app.dispatchers.values():
                await dispatcher.close(config.service.shutdown_timeout_s)
            if telegram is not None:
                from bot.telegram.app import stop_telegram

                await stop_telegram(telegram)


async def _serve_http(
    app: App, scheduler: AsyncIOScheduler, port: int | None, telegram: RunningTelegram | None
) -> WebServer:
    """The HTTP API on `[http] host` and `port` (or the `run --port` / $PORT override), with
    the Telegram webhook route when Telegram runs in webhook mode."""
    host = app.config.http.host
    port = app.config.http.port if port is None else port
    web_app = build_web_app(
        app,
        health=lambda: bool(scheduler.running),
        bot_username=telegram.application.bot.username if telegram is not None else None,
    )
    if telegram is not None:
        from bot.telegram.webhook import add_webhook_route

        add_webhook_route(web_app, telegram)
    try:
        return await serve(
            web_app,
            host=host,
            port=port,
            shutdown_timeout=app.config.service.shutdown_timeout_s,
        )
    except OSError as exc:
        raise TreatybotError(
            f"cannot serve HTTP on {host}:{port}: {exc.strerror or exc}; pick another"
            " [http] port (or run --port N)"
        ) from exc


def _telegram_admin_sink(telegram: RunningTelegram, admin_chat_ids: Sequence[int]) -> Sink:
    """Operational alerts to `[telegram] admin_chat_ids`, paced like every other message."""

    async def send(alert: OpsAlert) -> None:
        icon = "✅" if alert.kind.endswith("recovered") else "⚠️"
        text = f"{icon} <b>treatybot</b>: {html.escape(alert.text(), quote=False)}"
        for chat in admin_chat_ids:
            await telegram.channel.reply_turn(chat)
            await telegram.channel.bot.send_message(chat, text, parse_mode="HTML")

    return send


def _ops_monitor(app: App) -> OpsMonitor:
    """Operational alerts: the log always; the `[health] webhook_url` when configured."""
    health = app.config.health
    monitor = OpsMonitor(
        app.store, failures_before_alert=health.failures_before_alert, clock=app.clock
    )
    if health.webhook_url and health.webhook_secret is not None:
        monitor.add_sink(
            health_webhook_sink(
                health.webhook_url,
                health.webhook_secret.get_secret_value(),
                allow_private=app.config.webhooks.allow_private_targets,
            )
        )
    return monitor


async def build_channels(app: App, console_stream: TextIO | None) -> list[Channel]:
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
