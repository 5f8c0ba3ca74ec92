"""Inline buttons: what a press does. Data is `action:value` (see `logic.callback`):

- `sub:ID`       subscribe to a treaty (the /start list, or a choice among several matches);
- `unsub:ID`     remove a treaty subscription (the /list buttons, or a choice);
- `unfollow:V`   stop following a country (the /list buttons);
- `type:NAME`    switch one event type on or off (`/only` without arguments); `type:all`;
- `status:ID`    the status of one of several matching treaties.

Every press is answered (Telegram shows a short notice) and, where the message showed a list,
the list is edited in place. Stale or unknown data gets a notice, never an error.
"""

from __future__ import annotations

import logging
from typing import Literal

from telegram import Update
from telegram.error import TelegramError

from bot.telegram import logic
from bot.telegram.conversation import (
    Context,
    app_of,
    edit,
    ensure_chat,
    known_status,
    reply,
    send_status,
    subscribe_to,
)
from bot.telegram.texts import types_text
from store import subscribers

log = logging.getLogger("treatybot.telegram")


async def pressed(update: Update, context: Context) -> None:
    """Do what the button says, answer the press at once, then reply or redraw the list."""
    query, chat = update.callback_query, update.effective_chat
    if query is None or chat is None:
        return
    app = app_of(context)
    action, value = logic.parse_callback(query.data or "")
    notice, then = "", None
    if action == "sub":
        text = await subscribe_to(context, chat, value)
        notice = "Subscribed" if text.startswith("Subscribed") else ""
        then = reply(update, context, text)
    elif action in ("unsub", "unfollow"):
        target_id = await ensure_chat(app, chat)
        kind: Literal["treaty", "country"] = "treaty" if action == "unsub" else "country"
        removed = await app.store.run(subscribers.unsubscribe, target_id, kind, value)
        notice = "Removed" if removed else "Already removed"
        from bot.telegram.handlers import list_view

        target = await app.store.run(subscribers.target, "telegram", str(chat.id))
        if target is not None:
            text, kb = await list_view(app, target)
            then = edit(update, context, text, kb)
    elif action == "type":
        target_id = await ensure_chat(app, chat)
        target = await app.store.run(subscribers.target, "telegram", str(chat.id))
        current = frozenset(target["types"]) if target and target["types"] is not None else None
        if value == "all":
            chosen = None
        elif value in logic.SHORT_TYPES:
            chosen = logic.toggle_type(current, logic.SHORT_TYPES[value])
        else:
            chosen = current
        await app.store.run(subscribers.set_types, target_id, chosen)
        notice = "Saved"
        then = edit(update, context, types_text(chosen), logic.types_keyboard(chosen))
    elif action == "status":
        found = await known_status(app, value)
        if found is not None:
            then = send_status(context, chat.id, found)  # as /status: chart and caption
        else:
            notice = "No status known yet"
    else:
        notice = "This button is no longer valid"
    try:
        await query.answer(notice or None)
    except TelegramError as exc:
        log.info("telegram: answering a button press failed: %s", exc)
    if then is not None:
        await then
