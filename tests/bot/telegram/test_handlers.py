"""The bot's conversation through the real python-telegram-bot Application, polling the fake
Bot API: commands, buttons, groups and membership changes, every reply valid Telegram HTML."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

from bot.app import App, open_app
from bot.config import config_from_mapping
from bot.pipeline import check_treaty
from bot.telegram.app import RunningTelegram, build_channel, start_telegram, stop_telegram
from bot.telegram.sender import NAME
from scrapers.model import CatalogueEntry
from store import subscribers, treaties
from tests.bot.helpers import CYBER, clock
from tests.bot.telegram.support import wait_for
from tests.fakes.telegram_api import Delivered, FakeBotAPI
from tests.fakesite import FakeUNSite
from tests.untc_pages import page_from_table, render_page

ADMIN = 99
ATT_TITLE = "Arms Trade Treaty"


@pytest.fixture(autouse=True)
def _ptb_env(monkeypatch: pytest.MonkeyPatch) -> None:
    if any(os.environ.get(n) for n in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")):
        monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
        monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@dataclass
class Bot:
    app: App
    fake: FakeBotAPI
    site: FakeUNSite
    running: RunningTelegram

    async def says(self, chat_id: int, text: str, *, replies: int = 1, **kw: object) -> list[str]:
        """A user sends `text`; the texts of the next `replies` messages the bot sends there."""
        before = len(self.fake.sent(chat_id))
        self.fake.user_sends(chat_id, text, **kw)  # type: ignore[arg-type]
        await wait_for(lambda: len(self.fake.sent(chat_id)) >= before + replies)
        return [m.text for m in self.fake.sent(chat_id)[before:]]

    def last(self, chat_id: int) -> Delivered:
        return self.fake.sent(chat_id)[-1]

    async def target(self, chat_id: int) -> dict[str, object]:
        found = await self.app.store.run(subscribers.target, NAME, str(chat_id))
        assert found is not None
        return found


@pytest_asyncio.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    async with (
        FakeUNSite(pages={"XVIII-16": CYBER.encode()}) as site,
        FakeBotAPI(private_interval_s=0.05) as fake,
    ):
        config = config_from_mapping(
            {
                "untc": {"base_url": site.base_url, "min_interval_s": 0.0},
                "database": {"path": str(tmp_path / "t.db")},
                "telegram": {
                    "api_base_url": fake.url,
                    "admin_chat_ids": [ADMIN],
                    "per_chat_interval_s": 0.06,
                    "max_subscriptions_per_chat": 3,
                },
                "treaties": [{"id": "XVIII-16"}],
            },
            "test",
            environ={"TELEGRAM_BOT_TOKEN": fake.token},
        )
        async with open_app(config, clock=clock) as app:
            await app.store.run(treaties.save_catalogue, CATALOGUE)
            await app.store.run(treaties.track, ["XVIII-16"], None)
            await check_treaty(app, "XVIII-16")
            channel = build_channel(app)
            assert channel is not None
            running = await start_telegram(app, channel)
            assert running is not None
            try:
                yield Bot(app, fake, site, running)
            finally:
                await stop_telegram(running)
                await channel.close()
    assert fake.html_rejections == []
    assert fake.violations == []


CATALOGUE = [
    CatalogueEntry(treaty_id, treaty_id.split("-")[0], "", title, "", f"https://un.example/{treaty_id}")
    for treaty_id, title in [
        ("XVIII-16", "United Nations Convention against Cybercrime; Strengthening International"
         " Cooperation"),
        ("XXVI-8", ATT_TITLE),
        ("XVIII-12", "United Nations Convention against Transnational Organized Crime"),
        ("XVIII-14", "United Nations Convention against Corruption"),
    ]
]  # fmt: skip


async def test_start_registers_the_chat_and_offers_the_cybercrime_convention_first(
    bot: Bot,
) -> None:
    [text] = await bot.says(7, "/start")

    keyboard = bot.last(7).reply_markup["inline_keyboard"]
    assert "treatybot" in text
    assert keyboard[0][0]["callback_data"] == "sub:XVIII-16"
    assert (await bot.target(7))["active"] is True
    assert [c["command"] for c in bot.fake.commands][:3] == ["start", "subscribe", "unsubscribe"]


async def test_subscribe_by_title_words_and_by_id(bot: Bot) -> None:
    [by_words] = await bot.says(7, "/subscribe cybercrime")
    [again] = await bot.says(7, "/subscribe xviii-16")

    assert by_words.startswith("Subscribed to <b>United Nations Convention against Cybercrime")
    assert again.startswith("You are already subscribed")
    assert (await bot.target(7))["subscriptions"] == {"treaty": ["XVIII-16"], "country": []}


async def test_several_matches_offer_buttons_and_a_press_subscribes(bot: Bot) -> None:
    [text] = await bot.says(7, "/subscribe united nations convention")
    choices = [row[0]["callback_data"] for row in bot.last(7).reply_markup["inline_keyboard"]]
    bot.fake.press_button(7, bot.last(7).message_id, "sub:XVIII-16")
    await wait_for(lambda: len(bot.fake.sent(7)) == 2)

    assert text.startswith("Several treaties match")
    assert choices == ["sub:XVIII-16", "sub:XVIII-12", "sub:XVIII-14"]
    assert (await bot.target(7))["subscriptions"]["treaty"] == ["XVIII-16"]
    assert len(bot.fake.answered_callbacks) == 1


async def test_subscribing_to_an_untracked_treaty_tracks_it_and_reports_its_status(
    bot: Bot,
) -> None:
    header = ["Participant", "Signature", "Ratification, Acceptance(A), Approval(AA), Accession(a)"]
    spec = page_from_table("XXVI-8", header, [["France", "3 Jun 2013", "2 Apr 2014"]])
    bot.site.pages["XXVI-8"] = render_page(spec).encode()
    texts = await bot.says(7, "/subscribe arms trade", replies=2)

    assert "reading its page now" in texts[0]
    assert "Treaty XXVI-8" in texts[1] and "Parties: 1" in texts[1]
    assert bot.last(7).photo is not None  # the chart, its status as the caption
    row = await bot.app.store.run(treaties.treaty_row, "XXVI-8")
    assert row is not None and row["tracked"] == 1


async def test_a_treaty_that_cannot_be_read_is_untracked_again(bot: Bot) -> None:
    texts = await bot.says(7, "/subscribe XXVI-99", replies=2)

    assert "I could not read XXVI-99" in texts[1]
    row = await bot.app.store.run(treaties.treaty_row, "XXVI-99")
    assert (row or {}).get("tracked") in (0, None)
    assert (await bot.target(7))["subscriptions"]["treaty"] == []


async def test_follow_accepts_names_and_codes_and_explains_unknown_ones(bot: Bot) -> None:
    [france] = await bot.says(7, "/follow France")
    [code] = await bot.says(7, "/follow FR")
    [ghana] = await bot.says(7, "/follow gh")
    [unknown] = await bot.says(7, "/follow Narnia")

    assert (france.startswith("Now following"), code.startswith("Already following")) == (
        True,
        True,
    )
    assert "Ghana" in ghana
    assert "no country or participant called" in unknown and "Try:" in unknown
    assert (await bot.target(7))["subscriptions"]["country"] == ["FR", "GH"]


async def test_the_subscription_limit_is_kept(bot: Bot) -> None:
    for country in ("France", "Ghana", "Chile"):
        await bot.says(7, f"/follow {country}")
    [text] = await bot.says(7, "/subscribe XVIII-16")

    assert "3 subscriptions, the most allowed" in text


async def test_only_sets_the_types_and_buttons_toggle_them(bot: Bot) -> None:
    [chosen] = await bot.says(7, "/only consents threshold")
    [bad] = await bot.says(7, "/only ratified")
    await bot.says(7, "/only")
    bot.fake.press_button(7, bot.last(7).message_id, "type:signature")
    await wait_for(lambda: bot.last(7).edits != [])

    assert "consent, threshold_reached" in chosen
    assert "unknown event type 'ratified'" in bad
    assert (await bot.target(7))["types"] == [
        "treaty.consent",
        "treaty.signature",
        "treaty.threshold_reached",
    ]


async def test_list_shows_subscriptions_and_a_button_removes_one(bot: Bot) -> None:
    await bot.says(7, "/subscribe XVIII-16")
    await bot.says(7, "/follow France")
    [text] = await bot.says(7, "/list")
    buttons = [row[0]["callback_data"] for row in bot.last(7).reply_markup["inline_keyboard"]]
    bot.fake.press_button(7, bot.last(7).message_id, "unfollow:FR")
    await wait_for(lambda: bot.last(7).edits != [])

    assert "United Nations Convention against Cybercrime" in text and "France" in text
    assert buttons == ["unsub:XVIII-16", "unfollow:FR"]
    assert (await bot.target(7))["subscriptions"] == {"treaty": ["XVIII-16"], "country": []}
    assert "France" not in bot.last(7).text


async def test_unsubscribe_removes_a_subscription(bot: Bot) -> None:
    await bot.says(7, "/subscribe XVIII-16")
    [text] = await bot.says(7, "/unsubscribe cybercrime")
    [not_mine] = await bot.says(7, "/unsubscribe arms")

    assert (text, "not subscribed" in not_mine) == ("Unsubscribed from XVIII-16.", True)


async def test_status_shows_progress_toward_the_threshold(bot: Bot) -> None:
    [text] = await bot.says(7, "/status XVIII-16")

    assert "0 of 40" in text and "40 more instruments needed" in text
    assert "Not yet in force" in text and "checks healthy" in text


async def test_recent_and_help_answer(bot: Bot) -> None:
    [recent] = await bot.says(7, "/recent")
    [help_] = await bot.says(7, "/help")

    assert recent == "No events recorded yet."
    assert "/follow" in help_ and "/stats" not in help_


async def test_recent_shows_events_of_watched_treaties_nobody_tracked(bot: Bot) -> None:
    from store import snapshots
    from store.db import immediate
    from tests.bot.delivery.events import ATT, consent

    def store(db: object) -> None:
        with immediate(db):  # type: ignore[arg-type]
            snapshots.ensure_treaty(db, ATT.id, ATT.url)  # type: ignore[arg-type]
            snapshots.insert_events(db, [consent(treaty=ATT)], None)  # type: ignore[arg-type]

    await bot.app.store.run(store)
    [recent] = await bot.says(7, "/recent")

    assert recent.startswith("<b>Latest events</b>")
    assert "France" in recent and "Arms Trade Treaty" in recent


async def test_admin_commands_are_for_admins_only(bot: Bot) -> None:
    [refused] = await bot.says(7, "/stats")
    [stats] = await bot.says(ADMIN, "/stats")
    [health] = await bot.says(ADMIN, "/health")

    assert refused == "/stats is for the bot's administrators."
    assert "Chats: 2 active, 0 inactive" in stats
    assert "XVIII-16: ok" in health


async def test_in_a_group_only_commands_for_this_bot_are_answered(bot: Bot) -> None:
    [text] = await bot.says(-42, f"/status@{bot.fake.bot_username} XVIII-16", chat_type="group")
    bot.fake.user_sends(-42, "/status@some_other_bot XVIII-16", chat_type="group")
    bot.fake.user_sends(-42, "/frobnicate", chat_type="group")
    [unknown] = await bot.says(-42, f"/frobnicate@{bot.fake.bot_username}", chat_type="group")

    assert "0 of 40" in text
    assert unknown.startswith("I don't know /frobnicate")
    assert len(bot.fake.sent(-42)) == 2


async def test_unknown_commands_and_missing_arguments_say_what_would_work(bot: Bot) -> None:
    [unknown] = await bot.says(7, "/subscribee cybercrime")
    [missing] = await bot.says(7, "/subscribe")
    [nothing] = await bot.says(7, "/subscribe zzzz qqqq")

    assert unknown == "I don't know /subscribee. Try /help for the list of commands."
    assert missing.startswith("Which treaty?") and "/subscribe cybercrime" in missing
    assert nothing.startswith("No treaty matches")


async def test_blocking_and_unblocking_the_bot_toggle_the_chat(bot: Bot) -> None:
    await bot.says(7, "/subscribe XVIII-16")
    bot.fake.member_status(7, "kicked")
    await wait_for_state(bot, 7, False)
    bot.fake.member_status(7, "member", old_status="kicked")
    await wait_for_state(bot, 7, True)

    assert (await bot.target(7))["subscriptions"]["treaty"] == ["XVIII-16"]


async def wait_for_state(bot: Bot, chat_id: int, active: bool) -> None:
    for _ in range(200):
        found = await bot.app.store.run(subscribers.target, NAME, str(chat_id))
        if found is not None and found["active"] is active:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"chat {chat_id} never became active={active}")


async def test_a_hostile_chat_title_and_command_text_never_break_a_reply(bot: Bot) -> None:
    bot.fake.add_chat(-77, "group", '<b>"Tom & Jerry"</b> 😀')
    [text] = await bot.says(-77, "/subscribe <script>&amp;", chat_type="group")

    assert "&lt;script&gt;&amp;amp;" in text


async def test_status_is_the_chart_as_a_photo_with_the_text_as_caption(bot: Bot) -> None:
    [caption] = await bot.says(7, "/status XVIII-16")

    sent = bot.last(7)
    [size] = sent.json["photo"]
    assert sent.photo is not None and sent.photo[:8] == b"\x89PNG\r\n\x1a\n"
    assert (size["width"], size["height"]) == (800, 400)
    assert "0 of 40" in caption and "40 more instruments needed" in caption
    assert [c.status for c in bot.fake.calls_to("sendPhoto")] == [200]
    assert bot.fake.calls_to("sendMessage") == []


async def test_a_status_button_sends_the_chart_as_status_does(bot: Bot) -> None:
    [question] = await bot.says(7, "/status united nations convention")
    choices = [row[0]["callback_data"] for row in bot.last(7).reply_markup["inline_keyboard"]]
    bot.fake.press_button(7, bot.last(7).message_id, "status:XVIII-16")
    await wait_for(lambda: len(bot.fake.sent(7)) == 2)

    sent = bot.last(7)
    assert question.startswith("Several treaties match")
    assert "status:XVIII-16" in choices
    assert sent.photo is not None and sent.photo[:8] == b"\x89PNG\r\n\x1a\n"
    assert "0 of 40" in sent.json["caption"]
    assert [c.status for c in bot.fake.calls_to("sendPhoto")] == [200]


async def test_status_falls_back_to_text_when_the_photo_fails(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    bot.fake.fail_once(500, chat_id=7)

    [text] = await bot.says(7, "/status XVIII-16")

    assert "0 of 40" in text
    assert bot.last(7).photo is None
    assert [c.status for c in bot.fake.calls_to("sendPhoto")] == [500]
    assert "photo failed, sending text" in caplog.text


async def test_a_start_link_from_a_status_page_subscribes_the_chat(bot: Bot) -> None:
    [text] = await bot.says(7, "/start sub_XVIII-16")

    assert text.startswith("Subscribed to <b>United Nations Convention against Cybercrime")
    assert (await bot.target(7))["subscriptions"]["treaty"] == ["XVIII-16"]
