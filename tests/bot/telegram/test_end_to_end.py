"""`treatybot run` as a real process against the fake UN site and the fake Bot API: users,
a group and a configured channel subscribe; the Cybercrime page gains ratifications, a signature
and finally the 40th instrument; exactly the right chats get exactly the right alerts, with zero
rate-limit violations and zero HTML rejections. And a restart in the middle of a broadcast."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.render import human_date, utf16_length
from store import subscribers
from store.db import Store
from tests.bot.helpers import CYBER, write_config
from tests.bot.telegram.support import wait_for
from tests.bot.test_service import Service, first_check
from tests.fakes.telegram_api import FakeBotAPI
from tests.fakesite import FakeUNSite

CHANNEL = -1001234567890
ALICE, BOB, CAROL, GROUP, EVE = 7, 8, 9, -42, 11
TODAY = dt.datetime.now(dt.UTC).date()
DAY = f"{TODAY.day} {TODAY:%b %Y}"
NEWCOMERS = ["Kenya", "Mexico", "Nigeria", "Norway", "Portugal", "Senegal", "Spain", "Tunisia"]
# 31 signatories + Japan + 8 newcomers ratify: 40 instruments, 39 counted (the European Union
# is not counted in addition to its member States) — one more makes the fortieth.
NEWCOMERS.append("Uruguay")


def grid_bounds(page: str) -> tuple[int, int]:
    start = page.index("tblgrid")
    return start, page.index("</table>", start)


def ratify(page: str, names: list[str] | None = None) -> str:
    """Fill the empty consent cell of `names` (every signatory when None) with today."""
    start, end = grid_bounds(page)
    grid = page[start:end]
    pattern = re.compile(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td></td></tr>")

    def fill(match: re.Match[str]) -> str:
        if names is not None and match.group(1) not in names:
            return match.group(0)
        return f"<tr><td>{match.group(1)}</td><td>{match.group(2)}</td><td>{DAY}</td></tr>"

    return page[:start] + pattern.sub(fill, grid) + page[end:]


def add_rows(page: str, rows: list[tuple[str, str, str]]) -> str:
    _, end = grid_bounds(page)
    html = "".join(f"<tr><td>{n}</td><td>{s}</td><td>{r}</td></tr>\n" for n, s, r in rows)
    return page[:end] + html + page[end:]


@pytest.fixture(autouse=True)
def _token(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.fakes.telegram_model import TOKEN

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest_asyncio.fixture
async def site() -> AsyncIterator[FakeUNSite]:
    async with FakeUNSite(pages={"XVIII-16": CYBER.encode()}) as fake_site:
        yield fake_site


def config(tmp_path: Path, site: FakeUNSite, fake: FakeBotAPI, telegram: str = "") -> Path:
    return write_config(
        tmp_path,
        site.base_url,
        extra=f"""
[console]
enabled = false

[telegram]
api_base_url = "{fake.url}"
per_chat_interval_s = 0.3
{telegram}

[[treaties]]
id = "XVIII-16"
interval = "1s"
""",
    )


def outbox(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status"))


async def delivered_check(db: Path, before: int) -> None:
    """Wait until a new check's rows exist and none is pending."""
    for _ in range(600):
        counts = outbox(db)
        if sum(counts.values()) > before and counts.get("pending", 0) == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"deliveries did not finish: {outbox(db)}")


async def test_the_right_chats_get_the_right_alerts_end_to_end(
    site: FakeUNSite, tmp_path: Path
) -> None:
    chats = [ALICE, BOB, CAROL, GROUP, CHANNEL, EVE]
    db = tmp_path / "treatybot.db"
    async with FakeBotAPI(private_interval_s=0.25) as fake:
        fake.add_chat(GROUP, "group", "Treaty watchers")
        fake.add_chat(CHANNEL, "channel", "Treaty news")
        channel = f'[[telegram.channels]]\nchat_id = {CHANNEL}\ntreaties = ["XVIII-16"]\n'
        service = Service(config(tmp_path, site, fake, channel))
        await service.start()
        try:
            await first_check(db)
            await wait_for(lambda: len(fake.calls_to("getUpdates")) > 0, 20)

            async def says(chat: int, text: str, **kw: str) -> None:
                count = len(fake.sent(chat))
                fake.user_sends(chat, text, **kw)
                await wait_for(lambda: len(fake.sent(chat)) > count, 20)

            await says(ALICE, "/start")
            await says(ALICE, "/subscribe cybercrime")
            await says(BOB, "/follow France")
            await says(CAROL, "/subscribe cybercrime")
            await says(CAROL, "/only consent")
            await says(GROUP, f"/subscribe@{fake.bot_username} cybercrime", chat_type="group")
            await says(EVE, "/start")
            messages: list[dict[int, int]] = []

            async def step(page: str) -> dict[int, str]:
                before = {chat: len(fake.sent(chat)) for chat in chats}
                rows = sum(outbox(db).values())
                site.pages["XVIII-16"] = page.encode()
                await delivered_check(db, rows)
                new = {chat: fake.sent(chat)[before[chat] :] for chat in chats}
                messages.append({chat: len(sent) for chat, sent in new.items()})
                return {chat: "\n".join(m.json["text"] for m in sent) for chat, sent in new.items()}

            page = ratify(CYBER, ["France", "Ghana"])
            first = await step(page)
            page = add_rows(page, [("Japan", DAY, "")])
            second = await step(page)
            page = add_rows(ratify(page), [(name, DAY, DAY) for name in NEWCOMERS])
            third = await step(page)
        finally:
            code, err = await service.stop()

    assert code == 0, err
    everyone = (ALICE, GROUP, CHANNEL)
    # ratifications: France and Ghana to every subscriber; Bob follows France only
    for chat in (*everyone, CAROL):
        assert ("France" in first[chat], "Ghana" in first[chat]) == (True, True), chat
    assert ("France" in first[BOB], "Ghana" in first[BOB]) == (True, False)
    # a signature: not for Bob (not France), not for Carol (consent only)
    assert [("Japan" in second[c]) for c in (*everyone, BOB, CAROL)] == [True] * 3 + [False] * 2
    # the 40th instrument: the threshold alert with the computed entry-into-force date
    eif = human_date(TODAY + dt.timedelta(days=90))
    for chat in everyone:
        assert "Threshold reached" in third[chat] and eif in third[chat], chat
        assert all(name in third[chat] for name in NEWCOMERS), chat
    assert ("Threshold reached" in third[CAROL], "Kenya" in third[CAROL]) == (False, True)
    assert (third[BOB], first[EVE] + second[EVE] + third[EVE]) == ("", "")
    # one message per chat per check; the last digest (50 lines) is split in two, under 4,096
    assert messages[:2] == [
        {ALICE: 1, BOB: 1, CAROL: 1, GROUP: 1, CHANNEL: 1, EVE: 0},
        {ALICE: 1, BOB: 0, CAROL: 0, GROUP: 1, CHANNEL: 1, EVE: 0},
    ]
    assert [messages[2][c] in (1, 2) for c in (*everyone, CAROL)] == [True] * 4
    assert max(utf16_length(m.json["text"]) for m in fake.sent()) <= 4096
    assert list(outbox(db)) == ["sent"]  # every delivery sent, none failed or pending
    assert (fake.violations, fake.html_rejections) == ([], [])


async def test_a_restart_in_the_middle_of_a_broadcast_loses_and_repeats_nothing(
    site: FakeUNSite, tmp_path: Path
) -> None:
    chats = list(range(1000, 1100))
    db = tmp_path / "treatybot.db"
    async with FakeBotAPI() as fake:
        path = config(tmp_path, site, fake, "global_rate_per_s = 25")
        service = Service(path)
        await service.start()
        await first_check(db)
        await service.stop()
        store = Store(db)
        now = dt.datetime.now(dt.UTC)
        for chat in chats:
            target = store.call(
                subscribers.upsert_target, "telegram", str(chat), match="subscribed", now=now
            )
            store.call(subscribers.subscribe, target, "treaty", "XVIII-16", now=now)
        store.close()
        site.pages["XVIII-16"] = ratify(CYBER, ["France"]).encode()

        first = Service(path)
        await first.start()
        await wait_for(lambda: len(fake.sent()) >= 40, 30)
        code, err = await first.stop()
        interrupted = len(fake.sent())
        second = Service(path)
        await second.start()
        await wait_for(lambda: len({m.chat_id for m in fake.sent()}) == len(chats), 30)
        await asyncio.sleep(0.5)  # anything sent twice would arrive now
        await second.stop()

    assert code == 0, err
    assert 40 <= interrupted < len(chats)
    assert sorted(m.chat_id for m in fake.sent()) == chats  # each exactly once
    assert outbox(db) == {"sent": len(chats)}
    assert fake.violations == []
