"""The records and pure rules of the fake Telegram Bot API (tests/fakes/telegram_api.py).

Request and delivery records, the JSON of Telegram objects the fake answers with or pushes as
updates, the rate limits it enforces and its text validation. No I/O and no clock: the server
passes the time in.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.telegram_html import html_error, utf16_length

TOKEN = "123456:TEST-token_for-the-fake"
BOT_ID = 123456
ADMIN_RIGHTS = [
    *("can_be_edited", "is_anonymous", "can_manage_chat", "can_delete_messages"),
    *("can_manage_video_chats", "can_restrict_members", "can_promote_members", "can_change_info"),
    *("can_invite_users", "can_post_stories", "can_edit_stories", "can_delete_stories"),
]
GIFT_TYPES = [
    *("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription"),
    "gifts_from_channels",
]


class ApiError(Exception):
    def __init__(self, code: int, description: str, **parameters: Any) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


@dataclass
class Call:
    """One request as the server saw it; `time` is server-side time.monotonic() at decision."""

    method: str
    params: dict[str, Any]
    time: float
    chat_id: int | None = None
    text: str | None = None
    parse_mode: str | None = None
    reply_markup: Any = None
    status: int | None = None  # None while unanswered (hanging) or if the client went away
    description: str | None = None


@dataclass(frozen=True)
class Violation:
    time: float
    chat_id: int | None
    kind: str  # "global", "private", "group" or "retry_after"
    detail: str


@dataclass
class Delivered:
    message_id: int
    chat_id: int
    text: str  # as sent (raw HTML when parse_mode is HTML)
    parse_mode: str | None
    reply_markup: Any
    time: float
    json: dict[str, Any]  # the Message object the API answered with
    edits: list[str] = field(default_factory=list)
    photo: bytes | None = None  # the uploaded image of a sendPhoto (`text` is its caption)


@dataclass
class ChatInfo:
    id: int
    type: str
    title: str | None = None
    state: str = "ok"  # ok, blocked, kicked, migrated, missing
    migrate_to: int | None = None

    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private":
            data["first_name"] = self.title or f"User {self.id}"
        else:
            data["title"] = self.title or f"Chat {self.id}"
        return data


def infer_chat_type(chat_id: int) -> str:
    if chat_id > 0:
        return "private"
    return "supergroup" if chat_id <= -1_000_000_000_000 else "group"


def user_json(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": f"User{user_id}", "language_code": "en"}


def member_json(status: str, user: dict[str, Any]) -> dict[str, Any]:
    """A ChatMember of `status` ("member", "administrator", "left", "kicked", …)."""
    member: dict[str, Any] = {"status": status, "user": user}
    if status == "kicked":
        member["until_date"] = 0
    if status == "administrator":
        member |= dict.fromkeys(ADMIN_RIGHTS, False)
    return member


def full_chat_json(chat: ChatInfo) -> dict[str, Any]:
    """The ChatFullInfo getChat answers with (PTB 22.8 requires these fields)."""
    gifts = dict.fromkeys(GIFT_TYPES, False)
    info = {"accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": gifts}
    return chat.json() | info


def text_error(text: str, parse_mode: str | None) -> str | None:
    """Telegram's 400 description for a message text it would refuse, else None."""
    if (parse_mode or "").upper() == "HTML":
        error = html_error(text)
    elif utf16_length(text) > 4096:
        error = "message is too long"
    else:
        error = None if text.strip() else "message text is empty"
    if error is None:
        return None
    if "message is too long" in error:
        return "Bad Request: message is too long"
    if "message text is empty" in error:
        return "Bad Request: message text is empty"
    return "Bad Request: c" + error.removeprefix("C")


@dataclass
class RateLimits:
    """Telegram's limits on sends, over sliding windows of accepted sends."""

    global_per_s: int = 30
    global_window_s: float = 1.0
    private_interval_s: float = 1.0
    group_per_window: int = 20
    group_window_s: float = 60.0
    retry_until: float = -math.inf  # the end of the latest announced retry_after window
    _global: deque[float] = field(default_factory=deque)
    _per_chat: defaultdict[int, deque[float]] = field(default_factory=lambda: defaultdict(deque))

    def refusal(self, chat: ChatInfo, now: float) -> tuple[str, float, str] | None:
        """(violation kind, seconds until allowed, detail) if a send now breaks a limit."""
        if now < self.retry_until:
            return "retry_after", self.retry_until - now, "sent during a retry_after window"
        window = self._global
        while window and window[0] <= now - self.global_window_s:
            window.popleft()
        if len(window) >= self.global_per_s:
            wait = window[0] + self.global_window_s - now
            return "global", wait, f"{len(window) + 1} sends in {self.global_window_s} s"
        sends = self._per_chat[chat.id]
        if chat.type == "private":
            if sends and now - sends[-1] < self.private_interval_s:
                gap = now - sends[-1]
                return "private", self.private_interval_s - gap, f"{gap:.3f} s after the last"
            return None
        while sends and sends[0] <= now - self.group_window_s:
            sends.popleft()
        if len(sends) >= self.group_per_window:
            wait = sends[0] + self.group_window_s - now
            return "group", wait, f"{len(sends) + 1} sends in {self.group_window_s} s"
        return None

    def record(self, chat: ChatInfo, now: float) -> None:
        self._global.append(now)
        sends = self._per_chat[chat.id]
        sends.append(now)
        if chat.type == "private":
            while len(sends) > 1:
                sends.popleft()

    def announce(self, now: float, retry_after: float) -> None:
        self.retry_until = max(self.retry_until, now + retry_after)
