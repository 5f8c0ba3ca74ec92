"""`treatybot run`'s watch loop checks what is watched, not only what a maintainer tracked."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from bot.app import command_app
from bot.config import load_config
from bot.service import run_service
from store import subscribers
from tests.bot.helpers import CYBER, write_config
from tests.fakesite import FakeUNSite

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


async def test_a_subscription_to_an_untracked_treaty_gets_it_checked_without_a_maintainer(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    fake_site.pages["XVIII-16"] = CYBER.encode()
    config = load_config(
        str(write_config(tmp_path, fake_site.base_url, extra="\n[watch]\nall = false\n"))
    )
    with command_app(config) as app:
        chat = app.store.call(
            subscribers.upsert_target, "telegram", "42", match="subscribed", now=NOW
        )
        app.store.call(subscribers.subscribe, chat, "treaty", "XVIII-16", now=NOW)
    stop = asyncio.Event()
    service = asyncio.create_task(run_service(config, stop=stop))

    for _ in range(100):
        if fake_site.requests_to("XVIII-16"):
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(service, 10)

    assert len(fake_site.requests_to("XVIII-16")) == 1  # hot: a subscriber waits for it
    assert len(fake_site.log) == 1  # and nothing else was read
