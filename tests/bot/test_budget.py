"""The request budget: at most N request starts in any window, across every process on one
database, counted where the requests arrive (the fake site)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.budget import RequestBudget, wait_for_start
from tests.bot.helpers import CYBER, run_cli, write_config
from tests.fakesite import FakeUNSite

WINDOW_S = 1.0
LIMIT = 3
# Requests leave the client a few milliseconds before the site logs them; windows at the site are
# counted this much shorter so loopback jitter cannot turn a kept budget into a false failure.
JITTER_S = 0.05


def most_starts_in_any_window(starts: list[float], window_s: float) -> int:
    ordered = sorted(starts)
    return max(
        (sum(1 for t in ordered if first <= t < first + window_s) for first in ordered), default=0
    )


def test_a_start_fits_while_the_window_holds_fewer_than_the_limit() -> None:
    assert wait_for_start([10.0, 11.0], now=12.0, limit=3, window_s=60.0) == 0.0


def test_a_full_window_waits_until_its_oldest_start_leaves_it() -> None:
    assert wait_for_start([10.0, 11.0, 12.0], now=13.0, limit=3, window_s=60.0) == 57.0


def test_starts_older_than_the_window_or_in_the_future_do_not_count() -> None:
    assert wait_for_start([0.0, 1.0, 500.0], now=100.0, limit=2, window_s=60.0) == 0.0


async def test_two_budgets_on_one_database_share_one_window(tmp_path: Path) -> None:
    now = [1000.0]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    database = str(tmp_path / "treatybot.db")
    one, two = (
        RequestBudget(database, 2, 60.0, clock=lambda: now[0], sleep=sleep) for _ in range(2)
    )
    await one.take()
    await two.take()
    assert waits == []
    await one.take()  # the window is full between them: wait for the first start to leave it

    assert waits == [60.0]


async def test_two_processes_on_one_database_never_exceed_the_budget_together(
    tmp_path: Path,
) -> None:
    async with FakeUNSite() as site:
        site.pages["XVIII-16"] = CYBER.encode()
        budget = f'\n[fetch]\nrequests_per_minute = {LIMIT}\nbudget_window = "{WINDOW_S:g}s"\n'
        config = write_config(tmp_path, site.base_url, min_interval_s=0, extra=budget)
        ids = ["XVIII-16", "XVIII-1", "XVIII-2", "XVIII-3", "XVIII-4", "XVIII-5"]
        assert (await run_cli(config, "track", *ids)).code == 0

        first, second = await asyncio.gather(
            run_cli(config, "scrape", "--all"), run_cli(config, "scrape", "--all")
        )

    assert "Traceback" not in first.stderr + second.stderr
    starts = [entry.start for entry in site.log]
    assert len(starts) == 2 * len(ids)  # both swept everything …
    assert most_starts_in_any_window(starts, WINDOW_S - JITTER_S) <= LIMIT  # … within one budget
    # Each process alone would have sent its 6 at 3 per window; together 12 need 4 windows.
    assert max(starts) - min(starts) >= (2 * len(ids) / LIMIT - 1) * WINDOW_S - JITTER_S
