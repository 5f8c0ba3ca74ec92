"""Wiring of the Telegram side: the Bot, the channel, and python-telegram-bot's `Application`
built WITHOUT its own job queue and driven by hand inside `treatybot run`'s loop.

    channel = build_channel(app)                  # None without a token (the registry calls it)
    running = await start_telegram(app, channel)  # initialize, setMyCommands, start_polling, start
    ...
    await stop_telegram(running)                  # updater.stop, stop, shutdown

Updates arrive by long polling (getUpdates) unless `[telegram] webhook_url` is set: then
`start_telegram` calls setWebhook (with the secret token) instead of polling, and the HTTP
server takes the POSTs (`bot.telegram.webhook.add_webhook_route` with `running.webhook`).

Requests go to `{api_base_url}/bot<token>/<method>`, so a self-hosted Bot API server or a local
fake can stand in. PTB's `AIORateLimiter` is not used: every send waits at the channel's `Gate`.
This module owns construction and the life cycle only; conversations live in `handlers`,
`membership` and `buttons`, sending in `sender`.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram import Bot, BotCommand
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application, ApplicationBuilder
from telegram.request import HTTPXRequest

from bot.telegram.gate import Gate
from bot.telegram.pacing import PacingLimits
from bot.telegram.sender import NAME, POOL_SIZE, TelegramChannel
from bot.telegram.texts import COMMANDS
from bot.telegram.webhook import WebhookRoute, webhook_route
from store import subscribers, treaties

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger("treatybot.telegram")

PtbApplication = Application[Any, Any, Any, Any, Any, Any]
# The same by polling and by webhook.
ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member", "channel_post")


def limits_of(app: App) -> PacingLimits:
    tg = app.config.telegram
    return PacingLimits(
        global_rate_per_s=tg.global_rate_per_s,
        per_chat_interval_s=tg.per_chat_interval_s,
        group_per_minute=tg.group_per_minute,
    )


def build_channel(app: App) -> TelegramChannel | None:
    """The channel (and its Bot) when a token is set; None means Telegram is off."""
    tg = app.config.telegram
    if tg.token is None:
        return None
    # RetryAfter.retry_after as a timedelta (PTB 22 warns about the int form); read per access.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    base = tg.api_base_url.rstrip("/")
    bot = Bot(
        tg.token.get_secret_value(),
        base_url=f"{base}/bot",
        base_file_url=f"{base}/file/bot",
        request=HTTPXRequest(
            connection_pool_size=POOL_SIZE,
            connect_timeout=10.0,
            read_timeout=20.0,
            write_timeout=20.0,
            pool_timeout=30.0,
        ),
        get_updates_request=HTTPXRequest(connect_timeout=10.0, read_timeout=40.0),
    )
    return TelegramChannel(bot=bot, store=app.store, gate=Gate(limits_of(app)))


@dataclass
class RunningTelegram:
    application: PtbApplication
    channel: TelegramChannel
    # Set in webhook mode: the HTTP server must serve this route (None: polling).
    webhook: WebhookRoute | None = None


def build_application(app: App, channel: TelegramChannel) -> PtbApplication:
    from bot.telegram import handlers

    application: PtbApplication = (
        ApplicationBuilder().bot(channel.bot).job_queue(None).concurrent_updates(8).build()
    )
    application.bot_data["app"] = app
    application.bot_data["channel"] = channel
    handlers.register(application)
    return application


async def register_channels(app: App) -> None:
    """`[[telegram.channels]]`: each configured chat is a target subscribed to its treaties
    (none listed: every treaty tracked at start-up)."""
    now = app.clock()
    tracked = sorted(
        set(await app.store.run(treaties.tracked_ids)) | {t.id for t in app.config.treaties}
    )
    for configured in app.config.telegram.channels:
        target_id = await app.store.run(
            subscribers.upsert_target,
            NAME,
            str(configured.chat_id),
            match="subscribed",
            now=now,
            meta={"type": "channel", "configured": True},
        )
        for treaty_id in configured.treaties or tracked:
            await app.store.run(subscribers.subscribe, target_id, "treaty", treaty_id, now=now)


async def start_telegram(app: App, channel: TelegramChannel) -> RunningTelegram | None:
    """initialize (getMe), setMyCommands, then updater.start_polling (or, with `webhook_url`,
    nothing: `announce_webhook` calls setWebhook once the HTTP route serves), then start. None
    (logged) when Telegram refuses the token or cannot be reached: the rest runs on."""
    await register_channels(app)
    application = build_application(app, channel)
    try:
        await application.initialize()
    except InvalidToken as exc:
        channel.stopped = f"the bot token was refused ({exc.message})"
        log.error("Telegram off: the bot token was refused (%s); check %s", exc.message,
                  app.config.telegram.token_env)  # fmt: skip
        return None
    except TelegramError as exc:
        log.error("Telegram off: cannot reach the Bot API (%s)", exc)
        return None
    try:
        commands = [BotCommand(command, description) for command, description, _ in COMMANDS]
        await application.bot.set_my_commands(commands)
    except TelegramError as exc:
        log.warning("telegram: setMyCommands failed (%s); the command menu may be stale", exc)
    tg = app.config.telegram
    webhook: WebhookRoute | None = None
    if tg.webhook_url is not None and tg.webhook_secret is not None:
        webhook = webhook_route(tg.webhook_url, tg.webhook_secret)  # set once the route serves
    else:
        assert application.updater is not None
        await application.updater.start_polling(
            poll_interval=0.0,
            timeout=dt.timedelta(seconds=20),
            allowed_updates=list(ALLOWED_UPDATES),
            drop_pending_updates=False,
        )
    await application.start()
    how = f"webhook {tg.webhook_url}" if webhook is not None else "polling"
    log.info("telegram: %s as @%s", how, application.bot.username)
    return RunningTelegram(application, channel, webhook)


async def announce_webhook(app: App, running: RunningTelegram) -> None:
    """In webhook mode, setWebhook — called once the HTTP server serves the route, since
    Telegram posts at once (and a failed bind must not leave a webhook pointing nowhere)."""
    url = app.config.telegram.webhook_url
    if running.webhook is not None and url is not None:
        await _set_webhook(running.application, url, running.webhook)


async def _set_webhook(application: PtbApplication, url: str, webhook: WebhookRoute) -> None:
    """setWebhook; a failure is logged and the service runs on (sending still works, and
    Telegram keeps the previous webhook, if any)."""
    try:
        await application.bot.set_webhook(
            url=url,
            secret_token=webhook.secret.get_secret_value(),
            allowed_updates=list(ALLOWED_UPDATES),
            drop_pending_updates=False,
        )
    except TelegramError as exc:
        log.error("telegram: setWebhook failed (%s); updates will not arrive until it works", exc)


async def stop_telegram(running: RunningTelegram | None) -> None:
    """The reverse of `start_telegram`: updater.stop, stop, shutdown; each step is attempted."""
    if running is None:
        return
    application = running.application
    steps = [application.stop, application.shutdown]
    if application.updater is not None and application.updater.running:
        steps.insert(0, application.updater.stop)
    for step in steps:
        try:
            await step()
        except Exception:
            log.exception("telegram: %s failed during shutdown", getattr(step, "__name__", step))
