"""A fake Telegram Bot API on 127.0.0.1 (aiohttp.web, ephemeral port) that python-telegram-bot
really calls, so the HTTP layer, envelopes and PTB's error mapping run as in production.

    async with FakeBotAPI() as fake:
        bot = Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url)
        fake.block(42)                       # the next sends to 42 get 403
        fake.user_sends(7, "/start")         # an update for getUpdates
        fake.sent(7), fake.calls, fake.violations, fake.html_rejections

Requests go to `/bot<token>/<method>` (PTB POSTs form fields; complex values are JSON strings;
JSON bodies, multipart and query strings are read too). Answers are Telegram's envelopes, errors
with HTTP status == error_code (PTB reads the status, not `ok`).

Limits enforced on sendMessage (configurable so a benchmark can scale time): `global_per_s` sends
in any sliding `global_window_s`; `private_interval_s` between two sends to one private chat;
`group_per_window` sends per sliding `group_window_s` to a group, supergroup or channel. A send over
a limit, or any send while an announced retry_after window is still open (bot-wide), is answered
429 and recorded in `violations`. Scripted faults (block, kick, migrate, remove_chat, hang, storm,
fail_once) are the only other way to get errors. This module owns no product logic.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.fakes.telegram_html import utf16_length, visible_text
from tests.fakes.telegram_model import (
    BOT_ID,
    TOKEN,
    ApiError,
    Call,
    ChatInfo,
    Delivered,
    RateLimits,
    Violation,
    full_chat_json,
    infer_chat_type,
    member_json,
    text_error,
    user_json,
)

__all__ = ["Call", "ChatInfo", "Delivered", "FakeBotAPI", "Violation"]

CHAT_METHODS = frozenset({"sendmessage", "sendphoto", "editmessagetext", "getchat"})
SEND_METHODS = frozenset({"sendmessage", "sendphoto", "editmessagetext"})
CAPTION_LIMIT = 1024  # UTF-16 code units of the visible caption, as the Bot API counts


@dataclass
class _Fault:
    kind: str  # hang, storm, status
    chat_id: int | None
    count: int
    retry_after: int = 0
    status: int = 500


class FakeBotAPI:
    def __init__(
        self,
        *,
        token: str = TOKEN,
        bot_username: str = "treatybot_test_bot",
        global_per_s: int = 30,
        global_window_s: float = 1.0,
        private_interval_s: float = 1.0,
        group_per_window: int = 20,
        group_window_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token, self.bot_username = token, bot_username
        self.limits = RateLimits(
            global_per_s, global_window_s, private_interval_s, group_per_window, group_window_s
        )
        self.clock = clock
        self.calls: list[Call] = []
        self.violations: list[Violation] = []
        self.html_rejections: list[tuple[str, str]] = []  # (text, description)
        self.chats: dict[int, ChatInfo] = {}
        self.commands: list[dict[str, Any]] = []
        self.webhook_url = ""
        self.callback_queries: dict[str, dict[str, Any]] = {}  # id -> the query, as pushed
        self.answered_callbacks: dict[str, dict[str, Any]] = {}  # id -> answerCallbackQuery params
        self._delivered: dict[tuple[int, int], Delivered] = {}
        self._message_ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._updates: list[dict[str, Any]] = []
        self._new_updates = asyncio.Event()
        self._poll_generation = 0
        self._faults: list[_Fault] = []
        self._release = asyncio.Event()
        self._hold_after: int | None = None
        self._held: list[Call] = []  # sends hanging under `hold_after`, their clients waiting
        self._orphans: list[Call] = []  # held sends whose client went away (delivered at release)
        self._closing = False
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._not_found)
        self._server = TestServer(app, host="127.0.0.1", port=0)

    # -- life cycle -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return str(self._server.make_url("/")).rstrip("/")

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    @property
    def bot_user(self) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Treatybot"} | {
            "username": self.bot_username
        }

    async def start(self) -> None:
        await self._server.start_server(shutdown_timeout=1.0)

    async def stop(self) -> None:
        self._closing = True
        self._release.set()
        self._new_updates.set()
        await self._server.close()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- scripting ------------------------------------------------------------------------------

    def add_chat(
        self, chat_id: int, chat_type: str | None = None, title: str | None = None
    ) -> ChatInfo:
        chat = self.chats.get(chat_id)
        if chat is None:
            chat = self.chats[chat_id] = ChatInfo(chat_id, chat_type or infer_chat_type(chat_id))
        if chat_type is not None:
            chat.type = chat_type
        if title is not None:
            chat.title = title
        return chat

    def block(self, chat_id: int) -> None:
        """The user blocked the bot: 403 on every send until `restore`."""
        self.add_chat(chat_id).state = "blocked"

    def kick(self, chat_id: int) -> None:
        self.add_chat(chat_id).state = "kicked"

    def migrate(self, chat_id: int, to_chat_id: int) -> None:
        self.add_chat(chat_id, "group").state = "migrated"
        self.chats[chat_id].migrate_to = to_chat_id
        self.add_chat(to_chat_id, "supergroup", self.chats[chat_id].title)

    def remove_chat(self, chat_id: int) -> None:
        """400 "chat not found" from now on."""
        self.add_chat(chat_id).state = "missing"

    def restore(self, chat_id: int) -> None:
        self.add_chat(chat_id).state = "ok"

    def hang(self, chat_id: int | None = None, count: int = 1) -> None:
        """The next `count` sends (to `chat_id`, or any) never answer until `release()`."""
        self._faults.append(_Fault("hang", chat_id, count))

    def release(self) -> None:
        self._release.set()
        self._release = asyncio.Event()
        orphans, self._orphans = self._orphans, []
        for call in orphans:  # accepted when they arrived: `call.time` stays their arrival
            assert call.chat_id is not None
            self.add_chat(call.chat_id)
            self._m_sendmessage(call)

    @property
    def held(self) -> int:
        """Sends held by `hold_after` and not yet delivered (their client alive or not)."""
        return len(self._held) + len(self._orphans)

    def hold_after(self, delivered: int | None) -> None:
        """Once `delivered` messages have been delivered, every further sendMessage hangs until
        `release()` (None: stop holding new ones). A held send is delivered when released, as
        Telegram delivers a request that reached it whatever became of the client since."""
        self._hold_after = delivered

    def storm(self, count: int, retry_after: int, chat_id: int | None = None) -> None:
        """The next `count` sends answer 429 with `retry_after`, whatever the rate."""
        self._faults.append(_Fault("storm", chat_id, count, retry_after=retry_after))

    def fail_once(self, status: int = 500, chat_id: int | None = None) -> None:
        self._faults.append(_Fault("status", chat_id, 1, status=status))

    # -- updates --------------------------------------------------------------------------------

    def push_update(self, **payload: Any) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), **payload}
        self._updates.append(update)
        self._new_updates.set()
        return update

    def user_sends(
        self, chat_id: int, text: str, chat_type: str | None = None, user_id: int | None = None
    ) -> dict[str, Any]:
        """A user writes `text` (a command gets a bot_command entity, "/status@bot" form too)."""
        chat = self.add_chat(chat_id, chat_type)
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat.json(),
            "text": text,
        }
        if chat.type == "channel":
            message["sender_chat"] = chat.json()
        else:
            sender = user_id if user_id is not None else (chat_id if chat_id > 0 else 1000)
            message["from"] = user_json(sender)
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            entity = {"type": "bot_command", "offset": 0, "length": utf16_length(command)}
            message["entities"] = [entity]
        return self.push_update(
            **{"channel_post" if chat.type == "channel" else "message": message}
        )

    def press_button(
        self, chat_id: int, message_id: int, data: str, user_id: int | None = None
    ) -> dict[str, Any]:
        """A user presses an inline button under a message the bot sent."""
        sent = self._delivered[(chat_id, message_id)]
        query = {
            "id": str(next(self._callback_ids)),
            "from": user_json(user_id if user_id is not None else abs(chat_id)),
            "message": sent.json,
            "chat_instance": f"ci{chat_id}",
            "data": data,
        }
        self.callback_queries[query["id"]] = query
        return self.push_update(callback_query=query)

    def member_status(
        self, chat_id: int, new_status: str, old_status: str = "member", user_id: int | None = None
    ) -> dict[str, Any]:
        """my_chat_member: the bot's status in a chat changed ("kicked" = blocked in private)."""
        chat = self.add_chat(chat_id)
        if new_status in ("kicked", "left"):
            chat.state = "blocked" if chat.type == "private" else "kicked"
        elif new_status in ("member", "administrator"):
            chat.state = "ok"
        change = {
            "chat": chat.json(),
            "from": user_json(user_id if user_id is not None else abs(chat_id)),
            "date": int(time.time()),
            "old_chat_member": member_json(old_status, self.bot_user),
            "new_chat_member": member_json(new_status, self.bot_user),
        }
        return self.push_update(my_chat_member=change)

    # -- what happened --------------------------------------------------------------------------

    def sent(self, chat_id: int | None = None) -> list[Delivered]:
        return [d for d in self._delivered.values() if chat_id is None or d.chat_id == chat_id]

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method.lower() == method.lower()]

    # -- serving --------------------------------------------------------------------------------

    async def _not_found(self, request: web.Request) -> web.Response:
        return _error(ApiError(404, "Not Found"))

    async def _handle(self, request: web.Request) -> web.Response:
        params = await _read_params(request)
        call = Call(method=request.match_info["method"], params=params, time=self.clock())
        call.text, call.parse_mode = params.get("text"), params.get("parse_mode")
        call.reply_markup = _json_value(params.get("reply_markup"))
        self.calls.append(call)
        try:
            call.chat_id = _int_or_none(params.get("chat_id"))
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            result = await self._dispatch(call.method.lower(), call)
            response = web.json_response({"ok": True, "result": result})
        except ApiError as error:
            call.description = error.description
            response = _error(error)
        call.status = response.status
        return response

    async def _dispatch(self, method: str, call: Call) -> Any:
        if method in CHAT_METHODS:
            await self._faults_for(method, call)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            raise ApiError(404, "Not Found")
        return await handler(call) if method == "getupdates" else handler(call)

    async def _faults_for(self, method: str, call: Call) -> None:
        if call.chat_id is None:
            raise ApiError(400, "Bad Request: chat_id is empty")
        if method == "sendmessage" and call.time < self.limits.retry_until:
            self._check_rate(call, self.add_chat(call.chat_id))  # ignored retry_after: a violation
        hold = self._hold_after
        if method == "sendmessage" and hold is not None and len(self._delivered) >= hold:
            self._held.append(call)
            try:
                if not self._closing:
                    await self._release.wait()
            except asyncio.CancelledError:
                self._orphans.append(call)  # the client went away; what reached us is delivered
                raise
            finally:
                self._held.remove(call)
            if self._closing:
                raise ApiError(502, "Bad Gateway")
            call.time = self.clock()
        for fault in list(self._faults):
            if fault.chat_id not in (None, call.chat_id) or method not in SEND_METHODS:
                continue
            if fault.kind == "storm" and method != "sendmessage":
                continue
            fault.count -= 1
            if fault.count <= 0:
                self._faults.remove(fault)
            if fault.kind == "hang":  # after release() the request goes on as normal
                if not self._closing:
                    await self._release.wait()
                if self._closing:
                    raise ApiError(502, "Bad Gateway")
                call.time = self.clock()
                continue
            if fault.kind == "status":
                raise ApiError(fault.status, "Internal Server Error")
            self.limits.announce(call.time, fault.retry_after)
            raise ApiError(429, f"Too Many Requests: retry after {fault.retry_after}",
                           retry_after=fault.retry_after)  # fmt: skip
        chat = self.add_chat(call.chat_id)
        if chat.state == "blocked":
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat.state == "kicked":
            kind = "supergroup" if chat.type == "supergroup" else "group"
            raise ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")
        if chat.state == "migrated":
            raise ApiError(400, "Bad Request: group chat was upgraded to a supergroup chat",
                           migrate_to_chat_id=chat.migrate_to)  # fmt: skip
        if chat.state == "missing":
            raise ApiError(400, "Bad Request: chat not found")

    def _check_rate(self, call: Call, chat: ChatInfo) -> None:
        refusal = self.limits.refusal(chat, call.time)
        if refusal is None:
            return
        kind, wait, detail = refusal
        self.violations.append(Violation(call.time, call.chat_id, kind, detail))
        retry_after = max(1, math.ceil(wait))
        self.limits.announce(call.time, retry_after)
        raise ApiError(
            429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
        )

    def _validate_text(self, call: Call) -> None:
        text = call.text or ""
        description = text_error(text, call.parse_mode)
        if description is None:
            return
        if "parse entities" in description:
            self.html_rejections.append((text, description))
        raise ApiError(400, description)

    # -- methods (named _m_<lowercased Bot API method>) -----------------------------------------

    def _m_getme(self, call: Call) -> dict[str, Any]:
        return self.bot_user | {"can_join_groups": True, "can_read_all_group_messages": False}

    async def _m_getupdates(self, call: Call) -> list[dict[str, Any]]:
        if self.webhook_url:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                           "use deleteWebhook to delete the webhook first")  # fmt: skip
        offset = _int_or_none(call.params.get("offset")) or 0
        limit = _int_or_none(call.params.get("limit")) or 100
        loop = asyncio.get_running_loop()
        deadline = loop.time() + float(call.params.get("timeout") or 0)
        self._poll_generation += 1
        generation = self._poll_generation
        while True:
            if offset:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if self._updates or self._closing or loop.time() >= deadline:
                return self._updates[:limit]
            self._new_updates.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_updates.wait(), deadline - loop.time())
            if generation != self._poll_generation:
                raise ApiError(409, "Conflict: terminated by other getUpdates request; make sure "
                               "that only one bot instance is running")  # fmt: skip

    def _m_deletewebhook(self, call: Call) -> bool:
        self.webhook_url = ""
        if _json_value(call.params.get("drop_pending_updates")) is True:
            self._updates.clear()
        return True

    def _m_setwebhook(self, call: Call) -> bool:
        self.webhook_url = str(call.params.get("url", ""))
        return True

    def _m_getwebhookinfo(self, call: Call) -> dict[str, Any]:
        pending = 0 if self.webhook_url else len(self._updates)
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": pending,
        }

    def _m_setmycommands(self, call: Call) -> bool:
        self.commands = list(_json_value(call.params.get("commands")) or [])
        return True

    def _m_getmycommands(self, call: Call) -> list[dict[str, Any]]:
        return self.commands

    def _m_deletemycommands(self, call: Call) -> bool:
        self.commands = []
        return True

    def _m_close(self, call: Call) -> bool:
        return True

    def _m_logout(self, call: Call) -> bool:
        return True

    def _m_getchat(self, call: Call) -> dict[str, Any]:
        assert call.chat_id is not None
        return full_chat_json(self.chats[call.chat_id])

    def _m_sendmessage(self, call: Call) -> dict[str, Any]:
        assert call.chat_id is not None
        chat = self.chats[call.chat_id]
        self._validate_text(call)
        self._check_rate(call, chat)
        self.limits.record(chat, call.time)
        text = call.text or ""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "from": self.bot_user,
            "chat": chat.json(),
            "date": int(time.time()),
            "text": visible_text(text) if (call.parse_mode or "").upper() == "HTML" else text,
        }
        if call.reply_markup is not None:
            message["reply_markup"] = call.reply_markup
        sent = Delivered(
            message["message_id"],
            chat.id,
            text,
            call.parse_mode,
            call.reply_markup,
            call.time,
            message,
        )
        self._delivered[(chat.id, sent.message_id)] = sent
        return message

    def _m_sendphoto(self, call: Call) -> dict[str, Any]:
        """A photo uploaded as multipart/form-data (`photo` a file part), with an optional
        caption; the answer carries PhotoSize objects, as the real API's does."""
        assert call.chat_id is not None
        chat = self.chats[call.chat_id]
        upload = call.params.get("photo")
        if not isinstance(upload, bytes) or not upload:
            raise ApiError(400, "Bad Request: there is no photo in the request")
        size = _png_size(upload)
        if size is None:
            raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
        caption = str(call.params.get("caption") or "")
        html_mode = (call.parse_mode or "").upper() == "HTML"
        description = text_error(caption, call.parse_mode) if caption and html_mode else None
        if description is not None and "too long" not in description:
            self.html_rejections.append((caption, description))
            raise ApiError(400, description)  # "Bad Request: can't parse entities: …"
        visible = visible_text(caption) if html_mode else caption
        if utf16_length(visible) > CAPTION_LIMIT:
            raise ApiError(400, "Bad Request: message caption is too long")
        self._check_rate(call, chat)
        self.limits.record(chat, call.time)
        message_id = next(self._message_ids)
        width, height = size
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": self.bot_user,
            "chat": chat.json(),
            "date": int(time.time()),
            "photo": [
                {
                    "file_id": f"photo-{message_id}",
                    "file_unique_id": f"u{message_id}",
                    "width": width,
                    "height": height,
                    "file_size": len(upload),
                }
            ],
        }
        if caption:
            message["caption"] = visible
        sent = Delivered(
            message_id, chat.id, caption, call.parse_mode, call.reply_markup, call.time, message
        )
        sent.photo = upload
        self._delivered[(chat.id, message_id)] = sent
        return message

    def _m_editmessagetext(self, call: Call) -> dict[str, Any]:
        assert call.chat_id is not None
        message_id = _int_or_none(call.params.get("message_id"))
        sent = self._delivered.get((call.chat_id, message_id or 0))
        if sent is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        self._validate_text(call)
        text = call.text or ""
        if text == sent.text and call.reply_markup == sent.reply_markup:
            raise ApiError(400, "Bad Request: message is not modified: specified new message "
                           "content and reply markup are exactly the same")  # fmt: skip
        sent.edits.append(text)
        sent.text, sent.parse_mode, sent.reply_markup = text, call.parse_mode, call.reply_markup
        html = (call.parse_mode or "").upper() == "HTML"
        sent.json = sent.json | {"text": visible_text(text) if html else text}
        sent.json["edit_date"] = int(time.time())
        sent.json.pop("reply_markup", None)
        if call.reply_markup is not None:
            sent.json["reply_markup"] = call.reply_markup
        return sent.json

    def _m_answercallbackquery(self, call: Call) -> bool:
        query_id = str(call.params.get("callback_query_id", ""))
        if query_id not in self.callback_queries:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or "
                           "query ID is invalid")  # fmt: skip
        self.answered_callbacks[query_id] = call.params
        return True


def _error(error: ApiError) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": error.code, "description": error.description}
    if error.parameters:
        body["parameters"] = error.parameters
    return web.json_response(body, status=error.code)


async def _read_params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        params.update(await request.json())
    elif request.can_read_body:
        form = await request.post()
        for key, value in form.items():
            # A file part (multipart/form-data, e.g. sendPhoto's `photo`): its bytes.
            params[key] = value if isinstance(value, str) else value.file.read()
    return params


def _png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, or None for anything else (the fake accepts PNG only)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _json_value(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _int_or_none(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:  # "@channelusername": the fake knows chats by id only
        raise ApiError(400, "Bad Request: chat not found") from None
