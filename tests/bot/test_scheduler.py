"""`treatybot run`: the scheduler checks every tracked treaty at its interval until stopped."""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
from pathlib import Path

from bot.config import load_config
from bot.service import run_service
from tests.bot.helpers import PAGES, write_config
from tests.fakesite import FakeUNSite


async def test_service_checks_each_tracked_treaty_at_its_interval_until_stopped(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    fake_site.pages["XVIII-16"] = (PAGES / "xviii-16-2025-11.html").read_bytes()
    config = write_config(
        tmp_path, fake_site.base_url, extra='[[treaties]]\nid = "XVIII-16"\ninterval = "1s"\n'
    )
    stop = asyncio.Event()
    service = asyncio.create_task(run_service(load_config(str(config)), stop=stop))

    for _ in range(100):
        if len(fake_site.requests_to("XVIII-16")) >= 3:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(service, 10)

    requests = fake_site.requests_to("XVIII-16")
    assert len(requests) >= 3
    gaps = [b.start - a.start for a, b in itertools.pairwise(requests)]
    assert all(gap >= 0.9 for gap in gaps), gaps  # the interval, not a busy loop
    with sqlite3.connect(tmp_path / "treatybot.db") as conn:
        outcomes = [row[0] for row in conn.execute("SELECT outcome FROM checks ORDER BY id")]
    assert outcomes[0] == "baseline"
    assert set(outcomes[1:]) == {"unchanged"}
