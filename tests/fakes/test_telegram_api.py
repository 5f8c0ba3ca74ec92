"""The fake Bot API, driven by the real python-telegram-bot client over loopback (sendPhoto
uploads included)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import os
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import pytest_asyncio
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from tests.fakes.telegram_api import FakeBotAPI

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy")


@pytest.fixture(autouse=True)
def _loopback_without_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx honours proxy variables; loopback must not go through a proxy. RetryAfter as
    timedelta (PTB 22 warns when it is read as int)."""
    if any(os.environ.get(name) for name in PROXY_VARIABLES):
        monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
        monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI() as api:
        yield api


def make_bot(fake: FakeBotAPI, read_timeout: float = 5.0) -> Bot:
    request = HTTPXRequest(read_timeout=read_timeout, connect_timeout=2.0)
    return Bot(
        fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url, request=request
    )


@pytest_asyncio.fixture
async def bot(fake: FakeBotAPI) -> AsyncIterator[Bot]:
    async with make_bot(fake) as client:
        yield client


# -- sending ---------------------------------------------------------------------------------


async def test_a_message_is_delivered_and_answered_as_a_message_object(
    fake: FakeBotAPI, bot: Bot
) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Mute", callback_data="mute:1")]])
    message = await bot.send_message(7, "<b>Ratified</b> &amp; more", "HTML", reply_markup=keyboard)

    assert (message.message_id, message.chat.id, message.text) == (1, 7, "Ratified & more")
    [sent] = fake.sent(7)
    assert (sent.text, sent.parse_mode) == ("<b>Ratified</b> &amp; more", "HTML")
    expected_markup = {"inline_keyboard": [[{"text": "Mute", "callback_data": "mute:1"}]]}
    assert sent.reply_markup == expected_markup
    [call] = fake.calls_to("sendMessage")
    assert (call.chat_id, call.status) == (7, 200)


async def test_message_ids_increase_and_edits_change_the_stored_message(
    fake: FakeBotAPI, bot: Bot
) -> None:
    first = await bot.send_message(7, "one")
    second = await bot.send_message(-5, "two")
    edited = await bot.edit_message_text("uno", chat_id=7, message_id=first.message_id)

    assert (first.message_id, second.message_id) == (1, 2)
    assert edited.text == "uno"
    assert [(m.chat_id, m.text, m.edits) for m in fake.sent()] == [
        (7, "uno", ["uno"]),
        (-5, "two", []),
    ]


async def test_get_me_set_my_commands_and_get_chat_round_trip(fake: FakeBotAPI, bot: Bot) -> None:
    await bot.set_my_commands([("status", "Show status"), ("help", "Help")])
    commands = await bot.get_my_commands()
    fake.add_chat(-100123, "channel", "Treaty news")
    chat = await bot.get_chat(-100123)

    assert bot.username == fake.bot_username
    assert [(c.command, c.description) for c in commands] == [
        ("status", "Show status"),
        ("help", "Help"),
    ]
    assert (chat.type, chat.title) == ("channel", "Treaty news")


async def test_a_wrong_token_is_invalid_token(fake: FakeBotAPI) -> None:
    bot = Bot("999:wrong", base_url=fake.base_url)

    with pytest.raises(InvalidToken):
        await bot.get_me()


# -- scripted errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("script", "exception", "fragment"),
    [
        (lambda f: f.block(7), Forbidden, "bot was blocked by the user"),
        (lambda f: f.kick(7), Forbidden, "bot was kicked from the group chat"),
        (lambda f: f.remove_chat(7), BadRequest, "chat not found"),
        (lambda f: f.fail_once(500), NetworkError, "internal server error"),
    ],
)
async def test_a_scripted_chat_error_arrives_as_the_ptb_exception(
    fake: FakeBotAPI,
    bot: Bot,
    script: Callable[[FakeBotAPI], None],
    exception: type[Exception],
    fragment: str,
) -> None:
    script(fake)

    with pytest.raises(exception) as caught:
        await bot.send_message(7, "hello")

    assert type(caught.value) is exception
    assert fragment in str(caught.value).lower()  # PTB drops "Bad Request: ", capitalises
    assert fake.sent() == []


async def test_a_migrated_group_raises_chat_migrated_with_the_new_id(
    fake: FakeBotAPI, bot: Bot
) -> None:
    fake.migrate(-42, -1009876543210)

    with pytest.raises(ChatMigrated) as caught:
        await bot.send_message(-42, "hello")
    await bot.send_message(caught.value.new_chat_id, "hello again")

    assert caught.value.new_chat_id == -1009876543210
    assert [m.chat_id for m in fake.sent()] == [-1009876543210]


@pytest.mark.parametrize(
    ("text", "parse_mode", "description"),
    [
        (
            "a <div>b</div>",
            "HTML",
            'Bad Request: can\'t parse entities: unsupported start tag "div"',
        ),
        ("1 < 2", "HTML", "Bad Request: can't parse entities: unsupported start tag"),
        ("x" * 4097, None, "Bad Request: message is too long"),
        ("😀" * 2049, None, "Bad Request: message is too long"),
        ("<b> </b>", "HTML", "Bad Request: message text is empty"),
    ],
)
async def test_bad_text_is_a_bad_request(
    fake: FakeBotAPI, bot: Bot, text: str, parse_mode: str | None, description: str
) -> None:
    with pytest.raises(BadRequest):
        await bot.send_message(7, text, parse_mode)

    assert fake.calls[-1].description is not None
    assert fake.calls[-1].description.startswith(description)
    parse_errors = [t for t, _ in fake.html_rejections]
    assert parse_errors == ([text] if "parse entities" in description else [])


async def test_a_storm_answers_retry_after_whatever_the_rate(fake: FakeBotAPI, bot: Bot) -> None:
    fake.storm(2, retry_after=7)

    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(7, "hello")

    assert caught.value.retry_after == dtm.timedelta(seconds=7)
    assert fake.violations == []


async def test_a_hung_send_times_out_and_may_still_be_delivered(fake: FakeBotAPI) -> None:
    fake.hang(7)
    async with make_bot(fake, read_timeout=0.2) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(7, "hello")
        assert fake.sent() == []
        [hung] = fake.calls_to("sendMessage")

        fake.release()
        await wait_for(lambda: hung.status is not None)

    assert [m.text for m in fake.sent(7)] == ["hello"]


# -- rate limits -----------------------------------------------------------------------------


async def test_two_sends_to_one_private_chat_within_a_second_are_a_violation(
    fake: FakeBotAPI, bot: Bot
) -> None:
    await bot.send_message(7, "one")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(7, "two")

    assert caught.value.retry_after == dtm.timedelta(seconds=1)
    assert [(v.chat_id, v.kind) for v in fake.violations] == [(7, "private")]


async def test_a_retry_inside_a_storm_window_is_a_violation(fake: FakeBotAPI, bot: Bot) -> None:
    fake.storm(2, retry_after=30)
    with pytest.raises(RetryAfter):
        await bot.send_message(7, "one")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(7, "retried at once")

    assert [(v.chat_id, v.kind) for v in fake.violations] == [(7, "retry_after")]
    assert caught.value.retry_after <= dtm.timedelta(seconds=30)


async def test_a_send_during_an_announced_retry_window_is_a_violation(
    fake: FakeBotAPI, bot: Bot
) -> None:
    fake.storm(1, retry_after=30)
    with pytest.raises(RetryAfter):
        await bot.send_message(7, "one")
    with pytest.raises(RetryAfter):
        await bot.send_message(8, "other chat, still inside the pause")

    assert [(v.chat_id, v.kind) for v in fake.violations] == [(8, "retry_after")]


async def test_more_sends_to_a_group_than_its_window_allows_are_a_violation() -> None:
    async with FakeBotAPI(group_per_window=3) as fake, make_bot(fake) as bot:
        for _ in range(3):
            await bot.send_message(-42, "in the window")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(-42, "one too many for the group")

    assert caught.value.retry_after == dtm.timedelta(seconds=60)
    assert [(v.chat_id, v.kind) for v in fake.violations] == [(-42, "group")]


async def test_a_burst_across_chats_above_the_global_rate_is_a_violation() -> None:
    async with FakeBotAPI(global_per_s=5) as fake, make_bot(fake) as bot:
        results = await asyncio.gather(
            *(bot.send_message(100 + n, "burst") for n in range(7)), return_exceptions=True
        )

    assert [type(r).__name__ for r in results].count("RetryAfter") == 2
    assert len(fake.sent()) == 5
    # the first refusal announced retry_after: the last send broke that too
    assert [v.kind for v in fake.violations] == ["global", "retry_after"]


# -- updates through a real Application -------------------------------------------------------


@contextlib.asynccontextmanager
async def run_application(
    fake: FakeBotAPI, register: Callable[[Application[Any, Any, Any, Any, Any, Any]], None]
) -> AsyncIterator[None]:
    builder = ApplicationBuilder().token(fake.token).base_url(fake.base_url)
    app = builder.base_file_url(fake.base_file_url).job_queue(None).build()
    register(app)
    await app.initialize()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=dtm.timedelta(seconds=2))
    await app.start()
    try:
        yield
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


async def wait_for(condition: Callable[[], bool], within_s: float = 5.0) -> None:
    """Wait until `condition()` holds (a bound, not a measurement)."""
    async with asyncio.timeout(within_s):
        while not condition():
            await asyncio.sleep(0.01)


def recorder(seen: list[Update]) -> Callable[[Update, Any], Awaitable[None]]:
    async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update)

    return handler


async def test_commands_buttons_and_member_changes_reach_their_handlers(fake: FakeBotAPI) -> None:
    commands: list[Update] = []
    presses: list[Update] = []
    members: list[Update] = []
    posts: list[Update] = []

    async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer("Muted")
        presses.append(update)

    def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        app.add_handler(CommandHandler(["start", "status"], recorder(commands)))
        app.add_handler(CallbackQueryHandler(on_press))
        app.add_handler(ChatMemberHandler(recorder(members), ChatMemberHandler.MY_CHAT_MEMBER))
        app.add_handler(MessageHandler(filters.UpdateType.CHANNEL_POST, recorder(posts)))

    async with run_application(fake, register):
        fake.user_sends(7, "/start")
        fake.user_sends(-42, f"/status@{fake.bot_username}", chat_type="group")
        fake.user_sends(-43, "/status@some_other_bot", chat_type="group")
        await wait_for(lambda: len(commands) == 2)
        sent = await fake_send(fake, 7)
        fake.press_button(7, sent, "mute:1")
        fake.member_status(7, "kicked")
        fake.member_status(-42, "administrator", old_status="left")
        fake.user_sends(-1001, "news", chat_type="channel")
        await wait_for(lambda: (len(presses), len(members), len(posts)) == (1, 2, 1))

    assert [u.effective_chat.id for u in commands if u.effective_chat] == [7, -42]
    assert [p.callback_query.data for p in presses if p.callback_query] == ["mute:1"]
    assert [a["text"] for a in fake.answered_callbacks.values()] == ["Muted"]
    statuses = [u.my_chat_member.new_chat_member.status for u in members if u.my_chat_member]
    assert statuses == ["kicked", "administrator"]
    assert fake.chats[7].state == "blocked"
    assert [p.channel_post.text for p in posts if p.channel_post] == ["news"]


async def fake_send(fake: FakeBotAPI, chat_id: int) -> int:
    async with make_bot(fake) as bot:
        return (await bot.send_message(chat_id, "Pick one")).message_id


async def test_get_updates_returns_as_soon_as_an_update_is_injected(
    fake: FakeBotAPI, bot: Bot
) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await wait_for(lambda: len(fake.calls_to("getUpdates")) == 1)
    fake.user_sends(7, "hello")
    updates = await asyncio.wait_for(poll, 5)
    later = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)

    assert [u.message.text for u in updates if u.message] == ["hello"]
    assert later == ()


async def test_get_updates_conflicts_with_a_webhook_and_with_a_second_poller(
    fake: FakeBotAPI, bot: Bot
) -> None:
    await bot.set_webhook("https://example.org/hook")
    with pytest.raises(Conflict):
        await bot.get_updates(timeout=0)
    await bot.delete_webhook()

    first = asyncio.create_task(bot.get_updates(timeout=30))
    await wait_for(lambda: len(fake.calls_to("getUpdates")) == 2)
    async with make_bot(fake) as other_instance:
        second = asyncio.create_task(other_instance.get_updates(timeout=30))
        await wait_for(lambda: len(fake.calls_to("getUpdates")) == 3)
        fake.user_sends(7, "hello")

        with pytest.raises(Conflict):
            await asyncio.wait_for(first, 5)
        assert len(await asyncio.wait_for(second, 5)) == 1


# -- sendPhoto (multipart upload) -----------------------------------------------------------


def png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    rows = b"".join(b"\x00" + b"\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


async def test_a_photo_with_a_caption_is_delivered_as_a_message_with_photo_sizes(
    fake: FakeBotAPI,
    bot: Bot,
) -> None:
    image = png(8, 4)

    message = await bot.send_photo(7, image, caption="<b>7</b> of 40", parse_mode="HTML")

    assert (message.chat.id, message.caption) == (7, "7 of 40")
    assert [(p.width, p.height, p.file_size) for p in message.photo] == [(8, 4, len(image))]
    [sent] = fake.sent(7)
    assert (sent.photo, sent.text, sent.parse_mode) == (image, "<b>7</b> of 40", "HTML")
    [call] = fake.calls_to("sendPhoto")
    assert call.status == 200


@pytest.mark.parametrize(
    ("photo", "caption", "error"),
    [
        (b"GIF89a not a png", "", "IMAGE_PROCESS_FAILED"),
        (png(2, 2), "x" * 1025, "message caption is too long"),
        (png(2, 2), "<b>open", "can't parse entities"),
    ],
)
async def test_a_refused_photo_is_a_bad_request(
    fake: FakeBotAPI,
    bot: Bot,
    photo: bytes,
    caption: str,
    error: str,
) -> None:
    with pytest.raises(BadRequest, match="(?i)" + error):
        await bot.send_photo(7, photo, caption=caption, parse_mode="HTML")

    assert fake.sent(7) == []


async def test_a_caption_of_exactly_1024_utf16_units_is_accepted(
    fake: FakeBotAPI,
    bot: Bot,
) -> None:
    caption = "🇫🇷" * 256  # 2 code points, 4 UTF-16 units each flag

    message = await bot.send_photo(7, png(2, 2), caption=caption)

    assert message.caption == caption
