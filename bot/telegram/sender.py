"""The Telegram channel of the delivery core: a chat's due events → one HTML digest, paced.

`TelegramChannel.send(target, events)` renders every event due for one chat together
(`render_batch_html`: one message per check, split between lines when over 4,096 units), waits
its turn at the shared `Gate` (global rate with bursts of at most 3, per-chat spacing, group
per-minute windows, bot-wide pauses) and maps python-telegram-bot's errors onto the delivery
contract (`bot.delivery.channel`). The specific classes are caught BEFORE `NetworkError`, since
`BadRequest` and `TimedOut` subclass it:

- `RetryAfter`    pause ALL sending for the time given, then `RetryLater(after=…)`;
- `ChatMigrated`  move the chat (subscriptions, filters, pending rows) to the new id, resend once;
- `Forbidden`     blocked, kicked, deactivated: `TargetGone` (never retried);
- `BadRequest` "chat not found": `RetryLater` twice, `TargetGone` at the third consecutive time
                  (counted in this process); any other `BadRequest` (too long, bad markup):
                  `Rejected` — never retried blindly;
- `TimedOut`      `RetryLater(ambiguous=True)`: the message may have arrived; the retry may
                  duplicate it once (logged);
- `NetworkError`  `RetryLater`;
- `InvalidToken`  logged as an error for the operator; the channel stops calling Telegram
                  (every later send is `RetryLater`, nothing is lost) until restarted.

It does not claim rows or decide retry times (the dispatcher does) and holds no chat state
beyond the in-process "chat not found" counts and the parts of a split digest already sent.
"""

from __future__ import annotations

import datetime as dt
import logging
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.delivery.channel import RetryPolicy, Sent
from bot.errors import Rejected, RetryLater, TargetGone
from bot.render import render_batch_html
from bot.telegram.gate import Gate
from bot.telegram.pacing import ChatKind
from store import subscribers
from store.db import Store
from store.events import Event

log = logging.getLogger("treatybot.telegram")

NAME = "telegram"
CHAT_NOT_FOUND_LIMIT = 3
CONCURRENCY = 32  # chats in flight; the Gate paces them, a hung one holds one slot
# HTTP connections for sends: few are busy at once (paced sends take milliseconds), and httpcore
# checks every pooled connection on each request, so a smaller pool costs less CPU.
POOL_SIZE = 16
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def chat_of(address: str) -> int | str:
    """A target address → what the Bot API takes: a numeric id, or `@channelname`."""
    try:
        return int(address)
    except ValueError:
        return address


def pacing_key(chat: int | str) -> tuple[int, ChatKind]:
    """The Pacer's key and kind: private chats have positive ids; groups, supergroups and
    channels negative ones; an `@name` is a channel (keyed by a stable negative number)."""
    if isinstance(chat, int):
        return chat, "private" if chat > 0 else "group"
    return -(2**53) - zlib.crc32(chat.lower().encode()), "channel"


def retry_after_s(error: RetryAfter) -> float:
    """PTB 22 gives an int, or a timedelta with PTB_TIMEDELTA=true."""
    value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


@dataclass
class TelegramChannel:
    bot: Bot
    store: Store
    gate: Gate
    name: str = NAME
    policy: RetryPolicy = field(
        default_factory=lambda: RetryPolicy(
            (5.0, 30.0, 120.0, 600.0, 1800.0, 3600.0, 7200.0, 14400.0, 36000.0)
        )
    )
    max_batch: int = 1000  # every event due for a chat goes into one digest
    concurrency: int = CONCURRENCY
    send_timeout_s: float = 180.0  # pacing waits (group windows, pauses) + the HTTP timeouts
    max_wait_s: float = 90.0  # a longer bot-wide pause: give the row back with its `after`
    stopped: str | None = None  # why the channel stopped calling Telegram (InvalidToken)
    _not_found: dict[str, int] = field(default_factory=dict)
    _parts_sent: dict[tuple[str, tuple[str, ...]], int] = field(default_factory=dict)

    async def send(self, target: str, events: Sequence[Event]) -> Sent:
        if self.stopped is not None:
            raise RetryLater(f"Telegram channel stopped: {self.stopped}", after=3600.0)
        parts = render_batch_html(events)
        key = (target, tuple(event.id for event in events))
        done = self._parts_sent.get(key, 0)
        chat = chat_of(target)
        for number in range(done, len(parts)):
            chat = await self._send_one(target, chat, parts[number])
            self._parts_sent[key] = number + 1
        self._parts_sent.pop(key, None)
        self._not_found.pop(target, None)
        detail = f"{len(parts)} message(s)" + (f" to {chat}" if str(chat) != target else "")
        return Sent(200, detail)

    async def _send_one(self, target: str, chat: int | str, text: str) -> int | str:
        """Send one message; the chat it reached (a migrated group's new id)."""
        try:
            await self._paced_send(chat, text)
            return chat
        except ChatMigrated as exc:
            new = exc.new_chat_id
            log.info("telegram %s: group migrated to %s; following it", target, new)
            await self.store.run(subscribers.move_target, NAME, target, str(new))
            try:
                await self._paced_send(new, text)
            except TelegramError as again:
                raise self._mapped(str(new), again) from again
            return new
        except TelegramError as exc:
            raise self._mapped(target, exc) from exc

    async def _paced_send(self, chat: int | str, text: str) -> None:
        if self.gate.paused_for > self.max_wait_s:
            raise RetryLater("paused by Telegram (429)", status=429, after=self.gate.paused_for)
        await self.gate.turn(*pacing_key(chat))
        await self.bot.send_message(
            chat, text, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW
        )

    def _mapped(self, target: str, exc: TelegramError) -> Exception:
        """A PTB error → the delivery contract. Order matters: subclasses of NetworkError first."""
        if isinstance(exc, RetryAfter):
            seconds = retry_after_s(exc)
            self.gate.pause_all(seconds)
            log.warning("telegram: 429, all sending paused for %g s", seconds)
            return RetryLater(f"429 retry after {seconds:g} s", status=429, after=seconds)
        if isinstance(exc, Forbidden):
            return TargetGone(f"403 {exc.message}", status=403)
        if isinstance(exc, InvalidToken):
            self.stopped = f"the bot token was refused ({exc.message})"
            log.error(
                "telegram: the bot token was refused (%s); check the token environment variable."
                " Alerts stay queued until a restart with a valid token.",
                exc.message,
            )
            return RetryLater(f"401 {exc.message}", status=401, after=3600.0)
        if isinstance(exc, BadRequest):
            if "chat not found" in exc.message.lower():
                count = self._not_found.get(target, 0) + 1
                self._not_found[target] = count
                if count >= CHAT_NOT_FOUND_LIMIT:
                    self._not_found.pop(target, None)
                    return TargetGone(f"400 {exc.message} ({count} times)", status=400)
                return RetryLater(
                    f"400 {exc.message} ({count} of {CHAT_NOT_FOUND_LIMIT})", status=400
                )
            return Rejected(f"400 {exc.message}", status=400)
        if isinstance(exc, TimedOut):
            log.warning(
                "telegram %s: send timed out; it may have arrived, so the retry may duplicate it"
                " once",
                target,
            )
            return RetryLater(f"timed out: {exc.message}", ambiguous=True)
        if isinstance(exc, NetworkError):
            return RetryLater(f"network error: {exc.message}")
        return RetryLater(f"{type(exc).__name__}: {exc.message}")

    async def reply_turn(self, chat: int | str) -> None:
        """Handlers' replies are messages too: they wait at the same gate."""
        await self.gate.turn(*pacing_key(chat))

    async def close(self) -> None:
        await self.gate.close()
