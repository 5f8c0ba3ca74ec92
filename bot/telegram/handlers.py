"""The bot's commands, one `async def` per command in python-telegram-bot's example shape, and
`register` adding them (with buttons and membership changes) to the `Application`.

Each handler reads its arguments, calls the pure helpers of `logic`, the use cases of
`bot.operations` and the store, and replies with HTML from `texts`. A malformed argument or an
unknown command gets a short reply saying what would work. In groups only commands addressed to
this bot (`/status@botname`, or no bot named) are answered; other messages are not read.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import operations
from bot.errors import InvalidInput
from bot.telegram import buttons, membership
from bot.telegram.conversation import (
    Context,
    app_of,
    ensure_chat,
    known_status,
    reply,
    send_status,
    subscribe_to,
)
from bot.telegram.logic import (
    TreatyChoice,
    addressed_to,
    choose_keyboard,
    list_keyboard,
    looks_like_treaty_id,
    match_treaties,
    normal_id,
    parse_types,
    split_command,
    start_order,
    types_keyboard,
)
from bot.telegram.texts import (
    esc,
    health_text,
    help_text,
    list_text,
    recent_text,
    start_text,
    stats_text,
    types_text,
    unknown_command,
    usage,
)
from store import outbox, subscribers, treaties
from store.countries import lookup
from store.targets import country_value

if TYPE_CHECKING:
    from telegram.ext import Application

    from bot.app import App

log = logging.getLogger("treatybot.telegram")


def _args(context: Context) -> list[str]:
    return list(context.args or [])


def is_admin(update: Update, app: App) -> bool:
    admins = set(app.config.telegram.admin_chat_ids)
    user = update.effective_user
    chat = update.effective_chat
    return bool(admins) and (
        (user is not None and user.id in admins) or (chat is not None and chat.id in admins)
    )


async def all_treaties(app: App) -> list[dict[str, Any]]:
    return await asyncio.to_thread(operations.list_treaties, app, tracked_only=False, search=None)


async def resolve(app: App, query: str) -> list[TreatyChoice]:
    """Treaties a query names; an id the database has never seen is offered as is."""
    choices = match_treaties(query, await all_treaties(app))
    if not choices and looks_like_treaty_id(query):
        choices = [TreatyChoice(normal_id(query), normal_id(query), False)]
    return choices


async def start(update: Update, context: Context) -> None:
    app, chat = app_of(context), update.effective_chat
    if chat is None:
        return
    await ensure_chat(app, chat)
    args = _args(context)
    if args and args[0].startswith("sub_"):  # a t.me/<bot>?start=sub_<id> link from a page
        treaty_id = normal_id(args[0].removeprefix("sub_"))
        if looks_like_treaty_id(treaty_id):
            await reply(update, context, await subscribe_to(context, chat, treaty_id))
            return
    tracked = start_order(await all_treaties(app))
    buttons_ = choose_keyboard(tracked, "sub")
    await reply(update, context, start_text(bool(buttons_)), buttons_)


async def help_command(update: Update, context: Context) -> None:
    await reply(update, context, help_text(is_admin(update, app_of(context))))


async def subscribe(update: Update, context: Context) -> None:
    app, chat, query = app_of(context), update.effective_chat, " ".join(_args(context))
    if chat is None:
        return
    if not query:
        await reply(update, context, usage("subscribe", "Which treaty?"))
        return
    choices = await resolve(app, query)
    if not choices:
        problem = f"No treaty matches “{query}”."
        await reply(update, context, usage("subscribe", problem))
        return
    if len(choices) > 1:
        await reply(
            update, context, "Several treaties match. Choose one:", choose_keyboard(choices, "sub")
        )
        return
    await reply(update, context, await subscribe_to(context, chat, choices[0].id))


async def _target(app: App, update: Update) -> dict[str, Any] | None:
    chat = update.effective_chat
    if chat is None:
        return None
    await ensure_chat(app, chat)
    return await app.store.run(subscribers.target, "telegram", str(chat.id))


async def unsubscribe(update: Update, context: Context) -> None:
    app, query = app_of(context), " ".join(_args(context))
    target = await _target(app, update)
    if target is None:
        return
    mine = set(target["subscriptions"]["treaty"])
    if not query:
        await reply(update, context, usage("unsubscribe", "Which treaty? /list shows yours."))
        return
    choices = [c for c in await resolve(app, query) if c.id in mine]
    if not choices:
        await reply(update, context, "You are not subscribed to that. /list shows yours.")
        return
    if len(choices) > 1:
        kb = choose_keyboard(choices, "unsub")
        await reply(update, context, "Several of your treaties match. Which one?", kb)
        return
    await app.store.run(subscribers.unsubscribe, target["id"], "treaty", choices[0].id)
    await reply(update, context, f"Unsubscribed from {choices[0].id}.")


async def list_view(app: App, target: dict[str, Any]) -> tuple[str, list[list[tuple[str, str]]]]:
    """The /list text and its remove buttons for one chat."""
    subs = target["subscriptions"]
    names = []
    for treaty_id in subs["treaty"]:
        row = await app.store.run(treaties.treaty_row, treaty_id)
        names.append((treaty_id, str((row or {}).get("title") or treaty_id)))
    countries = []
    for value in subs["country"]:
        found = None if value.startswith("key:") else lookup(value)
        countries.append((value, found.name if found else value.removeprefix("key:")))
    return list_text(names, countries, target["types"]), list_keyboard(names, countries)


async def list_command(update: Update, context: Context) -> None:
    app = app_of(context)
    target = await _target(app, update)
    if target is not None:
        text, kb = await list_view(app, target)
        await reply(update, context, text, kb)


async def follow(update: Update, context: Context) -> None:
    app, query = app_of(context), " ".join(_args(context))
    target = await _target(app, update)
    if target is None:
        return
    if not query:
        await reply(update, context, usage("follow", "Which country?"))
        return
    try:
        country = operations.find_country(query)
    except InvalidInput as exc:
        await reply(update, context, usage("follow", str(exc)))
        return
    subs = target["subscriptions"]
    limit = app.config.telegram.max_subscriptions_per_chat
    if len(subs["treaty"]) + len(subs["country"]) >= limit:
        await reply(update, context, f"This chat has {limit} subscriptions, the most allowed.")
        return
    value = country_value(country)
    added = await app.store.run(
        subscribers.subscribe, target["id"], "country", value, now=app.clock()
    )
    flag = f"{country.flag} " if country.flag else ""
    verb = "Now following" if added else "Already following"
    text = f"{verb} {flag}<b>{esc(country.name)}</b> across every treaty it takes part in."
    await reply(update, context, text)


async def unfollow(update: Update, context: Context) -> None:
    app, query = app_of(context), " ".join(_args(context))
    target = await _target(app, update)
    if target is None:
        return
    if not query:
        await reply(update, context, usage("unfollow", "Which country? /list shows yours."))
        return
    try:
        country = operations.find_country(query)
    except InvalidInput as exc:
        await reply(update, context, usage("unfollow", str(exc)))
        return
    removed = await app.store.run(
        subscribers.unsubscribe, target["id"], "country", country_value(country)
    )
    text = (
        f"No longer following {esc(country.name)}."
        if removed
        else (f"You were not following {esc(country.name)}.")
    )
    await reply(update, context, text)


async def only(update: Update, context: Context) -> None:
    app, args = app_of(context), _args(context)
    target = await _target(app, update)
    if target is None:
        return
    current = frozenset(target["types"]) if target["types"] is not None else None
    if not args:
        await reply(update, context, types_text(current), types_keyboard(current))
        return
    try:
        types = parse_types(args)
    except InvalidInput as exc:
        await reply(update, context, usage("only", str(exc)))
        return
    await app.store.run(subscribers.set_types, target["id"], types)
    await reply(update, context, types_text(types).split("\n")[0])


async def status(update: Update, context: Context) -> None:
    app, query = app_of(context), " ".join(_args(context))
    target = await _target(app, update)
    if not query:
        mine = target["subscriptions"]["treaty"] if target else []
        if len(mine) != 1:
            await reply(update, context, usage("status", "Which treaty?"))
            return
        query = mine[0]
    choices = await resolve(app, query)
    if len(choices) > 1:
        kb = choose_keyboard(choices, "status")
        await reply(update, context, "Several treaties match. Which one?", kb)
        return
    found = await known_status(app, choices[0].id) if choices else None
    if found is None:
        hint = " It is not tracked yet: /subscribe to it." if choices else ""
        await reply(update, context, usage("status", f"No status known for “{query}”.{hint}"))
        return
    if update.effective_chat is not None:
        await send_status(context, update.effective_chat.id, found)


async def recent(update: Update, context: Context) -> None:
    app, query = app_of(context), " ".join(_args(context))
    treaty_id: str | None = None
    if query:
        choices = await resolve(app, query)
        if len(choices) != 1:
            problem = "Which treaty?" if choices else f"No treaty matches “{query}”."
            await reply(update, context, usage("recent", problem))
            return
        treaty_id = choices[0].id
    rows = await app.store.run(
        treaties.query_events,
        treaty_id=treaty_id,
        limit=5,  # every watched treaty's
    )
    await reply(update, context, recent_text(rows, treaty_id))


async def stats(update: Update, context: Context) -> None:
    app = app_of(context)
    if not is_admin(update, app):
        await reply(update, context, "/stats is for the bot's administrators.")
        return
    since = (app.clock() - dt.timedelta(hours=24)).timestamp()
    figures = await app.store.run(subscribers.chat_stats, "telegram")
    figures["pending"] = (
        (await app.store.run(outbox.counts_by_status)).get("telegram", {}).get("pending", 0)
    )
    figures["outcomes"] = await app.store.run(subscribers.outcomes_since, "telegram", since)
    await reply(update, context, stats_text(figures))


async def health(update: Update, context: Context) -> None:
    app = app_of(context)
    if not is_admin(update, app):
        await reply(update, context, "/health is for the bot's administrators.")
        return
    rows = await asyncio.to_thread(operations.list_treaties, app, tracked_only=True, search=None)
    await reply(update, context, health_text(rows))


async def unknown(update: Update, context: Context) -> None:
    """A command no handler took: answered when it names this bot (always in private chats)."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or not message.text:
        return
    name = context.bot.username or ""
    explicit = "@" in message.text.split(maxsplit=1)[0]
    if not addressed_to(message.text, name) or (chat.type != "private" and not explicit):
        return
    command, _ = split_command(message.text)
    await reply(update, context, unknown_command(command))


async def on_error(update: object, context: Context) -> None:
    log.error("telegram: a handler failed", exc_info=context.error)


Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]

COMMAND_HANDLERS: dict[str, Handler] = {
    "start": start,
    "help": help_command,
    "subscribe": subscribe,
    "unsubscribe": unsubscribe,
    "list": list_command,
    "follow": follow,
    "unfollow": unfollow,
    "only": only,
    "status": status,
    "recent": recent,
    "stats": stats,
    "health": health,
}


def registering(handler: Handler) -> Handler:
    """A chat that sends a command is registered (and active: it can reach us) first."""

    async def wrapped(update: Update, context: Context) -> None:
        if update.effective_chat is not None:
            await ensure_chat(app_of(context), update.effective_chat)
        await handler(update, context)

    wrapped.__name__ = handler.__name__
    return wrapped


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    for command, handler in COMMAND_HANDLERS.items():
        application.add_handler(CommandHandler(command, registering(handler)))
    application.add_handler(
        MessageHandler(filters.COMMAND & ~filters.UpdateType.CHANNEL_POSTS, unknown)
    )
    application.add_handler(CallbackQueryHandler(buttons.pressed))
    application.add_handler(
        ChatMemberHandler(membership.member_changed, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_error_handler(on_error)
