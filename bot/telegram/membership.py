"""`my_chat_member`: the bot's own membership in a chat changed.

Blocked (private "kicked"), kicked or left a group or channel → the chat's target becomes
inactive (nothing is routed to it, nothing retried). Added again, unblocked, made member or
administrator → registered or active again, its subscriptions intact. Nothing is sent here.
"""

from __future__ import annotations

import logging

from telegram import ChatMember, Update

from bot.telegram.conversation import Context, app_of, ensure_chat
from bot.telegram.sender import NAME
from store import subscribers

log = logging.getLogger("treatybot.telegram")

GONE = frozenset({ChatMember.BANNED, ChatMember.LEFT})  # BANNED is "kicked"
PRESENT = frozenset({ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER})


async def member_changed(update: Update, context: Context) -> None:
    change = update.my_chat_member
    if change is None:
        return
    app, chat = app_of(context), change.chat
    status = change.new_chat_member.status
    if status in GONE:
        await app.store.run(
            subscribers.set_active, NAME, str(chat.id), False, now=app.clock(),
            reason=f"bot {'blocked' if chat.type == 'private' else status}",
        )  # fmt: skip
        log.info("telegram %s: the bot was removed (%s); chat inactive", chat.id, status)
    elif status in PRESENT or status == ChatMember.RESTRICTED:
        await ensure_chat(app, chat)
        log.info("telegram %s: the bot is %s; chat active", chat.id, status)
