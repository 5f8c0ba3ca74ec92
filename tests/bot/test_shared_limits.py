"""The site's politeness limits hold per database: two processes together never exceed
`max_concurrency` requests in flight, and never check one treaty at the same moment."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bot.app import open_app
from bot.config import load_config
from bot.fetchlock import ProcessLimits
from scrapers.urls import status_url
from tests.bot.helpers import CYBER, run_cli, write_config
from tests.fakesite import FakeUNSite, Reply


async def test_two_sweeps_on_one_database_keep_one_request_in_flight(tmp_path: Path) -> None:
    async with FakeUNSite(delay_s=0.05) as site:
        site.pages["XVIII-16"] = CYBER.encode()
        config = write_config(tmp_path, site.base_url, max_concurrency=1, min_interval_s=0)
        ids = ["XVIII-16", "XVIII-1", "XVIII-2", "XVIII-3", "XVIII-4", "XVIII-5"]
        assert (await run_cli(config, "track", *ids)).code == 0

        first, second = await asyncio.gather(
            run_cli(config, "scrape", "--all"), run_cli(config, "scrape", "--all")
        )

        assert "Traceback" not in first.stderr + second.stderr
        assert len(site.log) == 2 * len(ids)  # both swept everything …
        assert site.max_in_flight == 1  # … one request at a time between them


async def test_a_treaty_checked_by_one_holder_waits_for_the_other(tmp_path: Path) -> None:
    database = str(tmp_path / "treatybot.db")
    service, maintainer = ProcessLimits(database, 1), ProcessLimits(database, 1)
    async with service.checking("XVIII-16"):
        waiting = asyncio.ensure_future(maintainer.checking("XVIII-16").__aenter__())
        other = asyncio.ensure_future(maintainer.checking("IV-11").__aenter__())
        await other  # another treaty is free
        for _ in range(20):
            await asyncio.sleep(0)
        assert not waiting.done()
    await waiting  # released: the second holder gets it


async def test_a_fetch_waiting_to_retry_does_not_hold_the_shared_slot(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    """The service may wait as long as the site asks; meanwhile another process on the same
    database (max_concurrency = 1) still gets its request through."""
    fake_site.pages["XVIII-16"] = CYBER.encode()
    fake_site.pages["XVIII-5"] = CYBER.replace("XVIII-16", "XVIII-5").encode()
    fake_site.script("XVIII-16", Reply(status=429, headers={"Retry-After": "2"}))
    config = load_config(str(write_config(tmp_path, fake_site.base_url, max_concurrency=1)))
    async with open_app(config) as service, open_app(config) as maintainer:
        waiting = asyncio.ensure_future(
            service.fetcher.fetch(status_url(fake_site.base_url, "XVIII-16"), treaty_id="XVIII-16")
        )
        while not fake_site.requests_to("XVIII-16"):
            await asyncio.sleep(0.01)
        started = time.monotonic()
        done = await maintainer.fetcher.fetch(
            status_url(fake_site.base_url, "XVIII-5"), treaty_id="XVIII-5"
        )
        took = time.monotonic() - started
        retried = await waiting

    assert done.body
    assert took < 1.0  # not behind the 2 s Retry-After of the other fetch
    assert retried.body
    assert len(fake_site.requests_to("XVIII-16")) == 2
