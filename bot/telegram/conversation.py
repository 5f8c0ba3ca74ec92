"""What commands and buttons share: registering a chat, paced replies and edits, subscribing
(which may start tracking a treaty and report its status after the first, silent check).

Replies wait at the channel's `Gate` like alerts do (Telegram's limits count every message). A
429 pauses all sending and the reply is tried once more; a chat that blocked us is marked
inactive. Decisions about arguments and layouts are in `logic`, the wording in `texts`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import TYPE_CHECKING, Any, cast

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from bot import operations
from bot.errors import NotFound
from bot.pipeline import check_treaty
from bot.telegram.captions import fits_caption
from bot.telegram.logic import Keyboard
from bot.telegram.sender import NAME, NO_PREVIEW, TelegramChannel, retry_after_s
from bot.telegram.texts import esc, status_text, treaty_name
from store import subscribers, treaties

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger("treatybot.telegram")

Context = ContextTypes.DEFAULT_TYPE
_background: set[asyncio.Task[None]] = set()


def app_of(context: Context) -> App:
    return cast("App", context.bot_data["app"])


def channel_of(context: Context) -> TelegramChannel:
    return cast(TelegramChannel, context.bot_data["channel"])


def markup(keyboard: Keyboard | None) -> InlineKeyboardMarkup | None:
    if not keyboard:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=data) for label, data in row]
            for row in keyboard
        ]
    )


def chat_meta(chat: Chat) -> dict[str, Any]:
    return {"type": chat.type, "title": chat.title or chat.username or chat.first_name or ""}


async def ensure_chat(app: App, chat: Chat) -> int:
    """The chat's target id; a chat that writes to us is reachable, so it is (re)activated."""
    return await app.store.run(
        subscribers.upsert_target,
        NAME,
        str(chat.id),
        match="subscribed",
        now=app.clock(),
        meta=chat_meta(chat),
    )


async def send(context: Context, chat_id: int, text: str, keyboard: Keyboard | None = None) -> None:
    """A paced reply; one more try after a 429 (once the bot-wide pause is over)."""
    channel = channel_of(context)
    for attempt in (1, 2):
        await channel.reply_turn(chat_id)
        try:
            await context.bot.send_message(
                chat_id,
                text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup(keyboard),
                link_preview_options=NO_PREVIEW,
            )
            return
        except RetryAfter as exc:
            channel.gate.pause_all(retry_after_s(exc))
            if attempt == 2:
                log.warning("telegram %s: reply dropped after two 429s", chat_id)
        except Forbidden as exc:
            app = app_of(context)
            await app.store.run(
                subscribers.set_active, NAME, str(chat_id), False, now=app.clock(),
                reason=f"403 {exc.message}",
            )  # fmt: skip
            return
        except TelegramError as exc:
            log.warning("telegram %s: reply failed: %s", chat_id, exc)
            return


async def send_photo(context: Context, chat_id: int, photo: bytes, caption: str) -> bool:
    """A paced photo with an HTML caption (at most 1,024 visible UTF-16 units); False when it
    could not be sent (logged), so the caller can send the text instead."""
    channel = channel_of(context)
    for attempt in (1, 2):
        await channel.reply_turn(chat_id)
        try:
            await context.bot.send_photo(chat_id, photo, caption=caption, parse_mode=ParseMode.HTML)
            return True
        except RetryAfter as exc:
            channel.gate.pause_all(retry_after_s(exc))
            if attempt == 2:
                log.warning("telegram %s: photo dropped after two 429s", chat_id)
        except TelegramError as exc:
            log.warning("telegram %s: photo failed, sending text: %s", chat_id, exc)
            return False
    return False


async def send_status(context: Context, chat_id: int, found: dict[str, Any]) -> None:
    """A treaty's status (`known_status`): its text as the caption of its chart (PNG); the
    text alone when the chart cannot be drawn or sent, or the text is too long for a caption
    (logged). What /status, a Status button and a new subscription's first status send."""
    text = status_text(found)
    if found.get("checked") and fits_caption(text):
        from bot.charts import cache as chartcache

        counts = found.get("counts") or {}
        try:
            png = await chartcache.chart(
                app_of(context),
                str(found["id"]),
                "png",
                title=str(found.get("title") or found["id"]),
                threshold=counts.get("threshold"),
            )
        except Exception:
            log.exception("telegram %s: drawing the chart of %s failed", chat_id, found["id"])
        else:
            if await send_photo(context, chat_id, png, text):
                return
    elif found.get("checked"):
        log.info("telegram %s: status of %s too long for a caption", chat_id, found["id"])
    await send(context, chat_id, text)


async def reply(
    update: Update, context: Context, text: str, keyboard: Keyboard | None = None
) -> None:
    if update.effective_chat is not None:
        await send(context, update.effective_chat.id, text, keyboard)


async def edit(
    update: Update, context: Context, text: str, keyboard: Keyboard | None = None
) -> None:
    """Replace the text (and buttons) of the message a button belongs to."""
    query = update.callback_query
    if query is None or update.effective_chat is None:
        return
    await channel_of(context).reply_turn(update.effective_chat.id)
    try:
        await query.edit_message_text(
            text, parse_mode=ParseMode.HTML, reply_markup=markup(keyboard),
            link_preview_options=NO_PREVIEW,
        )  # fmt: skip
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            log.warning("telegram: edit failed: %s", exc)
    except TelegramError as exc:
        log.warning("telegram: edit failed: %s", exc)


async def subscription_count(app: App, target_id: int) -> int:
    subs = await app.store.run(subscribers.subscriptions_of, target_id)
    return len(subs["treaty"]) + len(subs["country"])


async def subscribe_to(context: Context, chat: Chat, treaty_id: str) -> str:
    """Subscribe the chat; start tracking an untracked treaty when allowed (its first check
    runs now, silently, and the chat gets the status once known). The reply text."""
    app = app_of(context)
    target_id = await ensure_chat(app, chat)
    row = await app.store.run(treaties.treaty_row, treaty_id)
    name = treaty_name(treaty_id, row["title"] if row else None)
    subs = await app.store.run(subscribers.subscriptions_of, target_id)
    if treaty_id in subs["treaty"]:
        return f"You are already subscribed to {name}."
    limit = app.config.telegram.max_subscriptions_per_chat
    if len(subs["treaty"]) + len(subs["country"]) >= limit:
        return f"This chat has {limit} subscriptions, the most allowed. Remove one with /list."
    tracked = bool(row and row["tracked"]) or app.config.treaty(treaty_id) is not None
    if not tracked and not app.config.telegram.allow_user_tracking:
        return f"{name} is not tracked by this bot, and it does not start tracking on request."
    await app.store.run(subscribers.subscribe, target_id, "treaty", treaty_id, now=app.clock())
    has_snapshot = bool(row and row.get("last_success"))
    if tracked and has_snapshot:
        return f"Subscribed to {name}. You will get one message per check with its news."
    if not tracked:
        await app.store.run(treaties.track, [treaty_id], None)
    task = asyncio.create_task(first_status(context, chat.id, treaty_id), name=f"first:{treaty_id}")
    _background.add(task)
    task.add_done_callback(_background.discard)
    return (
        f"Subscribed to {name}. I am reading its page now and will send its status here "
        "once it is known."
    )


async def known_status(app: App, treaty_id: str) -> dict[str, Any] | None:
    """`operations.status` for a treaty read successfully at least once, else None."""
    try:
        found = await asyncio.to_thread(operations.status, app, treaty_id)
    except NotFound:
        return None
    return found if found.get("checked", True) else None


async def first_status(context: Context, chat_id: int, treaty_id: str) -> None:
    """The first (silent, baseline) check of a treaty a chat asked for, then its status."""
    app = app_of(context)
    try:
        result = await check_treaty(app, treaty_id)
        if result.outcome in ("failed", "quarantined"):
            known = await known_status(app, treaty_id)
            if known is None:
                await app.store.run(treaties.untrack, treaty_id)
                target = await app.store.run(subscribers.target, NAME, str(chat_id))
                if target is not None:
                    await app.store.run(subscribers.unsubscribe, target["id"], "treaty", treaty_id)
                text = (
                    f"I could not read {esc(treaty_id)}: {esc(result.error or 'unknown error')}."
                    " The subscription was removed; check the id (e.g. XVIII-16)."
                )
                await send(context, chat_id, text)
                return
        status = await known_status(app, treaty_id)
        if status is not None:
            await send_status(context, chat_id, status)
    except Exception:
        log.exception("telegram %s: first check of %s failed", chat_id, treaty_id)


def today(app: App) -> dt.date:
    return app.clock().astimezone(dt.UTC).date()
