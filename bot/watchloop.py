"""The check loop of `treatybot run`: which watched treaty is checked next, and when.

Each turn it reads the watched treaties' facts (`bot/watching.py`), plans them (`bot/watch.py`),
logs and remembers every tier change with its reason, and starts the most urgent due checks —
at most `untc.max_concurrency + 1` at once, so priority is decided again every time a check
ends rather than by who queued first at the request budget. The budget itself is enforced by
the fetcher (`bot/budget.py`), so the loop can never exceed it; when more is due than it allows,
hot treaties go first and overdue ones are promoted (see `next_checks`). A check that saw the
page change makes its treaty hot at once.

Time is the App's: `app.clock` (UTC, for due times), `app.timing.monotonic` (so one process
never checks a treaty twice within its interval, whatever the clock's resolution) and
`app.timing.sleep` — a benchmark runs the loop on a time-scaled clock. Must not fetch or parse.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable

from bot.app import App
from bot.pipeline import CheckResult
from bot.watch import Plan, next_checks, plan_all, tier_changes
from bot.watching import tiers_of, watched_facts
from store import watch

log = logging.getLogger("treatybot")

# Longest sleep between two turns: a newly tracked or subscribed treaty is seen this soon.
MAX_TURN_S = 30.0
MIN_TURN_S = 0.05

Check = Callable[[App, str], Awaitable[CheckResult | None]]


class WatchLoop:
    def __init__(self, app: App, check: Check) -> None:
        self.app = app
        self.check = check
        self.limit = app.config.untc.max_concurrency + 1
        self.in_flight: dict[str, asyncio.Task[None]] = {}
        self._local_due: dict[str, float] = {}  # monotonic: not before, in this process
        self._ended = asyncio.Event()
        self._empty_warned = False
        self._facts = watch.FactsCache()  # costly facts, re-read only after a check

    async def run(self) -> None:
        """Until cancelled (checks in flight go on: the service waits for them to end)."""
        while True:
            delay = await self.turn()
            await self._wait(delay)

    async def turn(self) -> float:
        """Start the due checks; the seconds until the next may be due."""
        app = self.app
        self._ended.clear()  # a check ending from here on shortens the coming wait
        now = app.clock()
        tiers = tiers_of(app.config)
        facts, remembered = await app.store.run(watched_facts, app.config, self._facts)
        plans = plan_all(facts, now, tiers)
        await self._note_tiers(remembered, plans, now)
        if not plans and not self._empty_warned:
            log.warning(
                "nothing to watch: run `treatybot catalogue`, or add one with"
                " `treatybot track TREATY_ID`"
            )
            self._empty_warned = True
        mono = app.timing.monotonic()
        free = [
            p
            for p in plans
            if p.treaty_id not in self.in_flight and self._local_due.get(p.treaty_id, 0) <= mono
        ]
        for chosen in next_checks(free, now, tiers, self.limit - len(self.in_flight)):
            self._start(chosen, chosen.interval_s, mono)
        waits = [MAX_TURN_S]
        for p in plans:
            if p.treaty_id in self.in_flight:
                continue
            local = self._local_due.get(p.treaty_id, 0) - mono
            waits.append(max((p.next_due - now).total_seconds(), local))
        return max(min(waits), MIN_TURN_S)

    def _start(self, chosen: Plan, interval_s: float, mono: float) -> None:
        self._local_due[chosen.treaty_id] = mono + interval_s
        task = asyncio.create_task(self._one(chosen), name=f"check:{chosen.treaty_id}")
        self.in_flight[chosen.treaty_id] = task

    async def _one(self, chosen: Plan) -> None:
        try:
            result = await self.check(self.app, chosen.treaty_id)
            if result is not None and result.events:
                await self.app.store.run(watch.saw_change, chosen.treaty_id, now=self.app.clock())
                self._local_due.pop(chosen.treaty_id, None)  # hot now: replan at once
        except Exception:
            log.exception("%s: the watch loop's check failed", chosen.treaty_id)
        finally:
            self.in_flight.pop(chosen.treaty_id, None)
            self._ended.set()

    async def _note_tiers(
        self, remembered: dict[str, str], plans: list[Plan], now: dt.datetime
    ) -> None:
        changed = tier_changes(remembered, plans)
        if not changed:
            return
        for treaty_id, old, new in changed:
            if old is None:
                log.debug("%s: watched, %s (%s)", treaty_id, new.tier, new.reason)
            else:
                log.info("%s: %s -> %s (%s)", treaty_id, old, new.tier, new.reason)
        rows = [(treaty_id, new.tier, new.reason) for treaty_id, _, new in changed]
        await self.app.store.run(watch.save_tiers, rows, now=now)

    async def _wait(self, delay: float) -> None:
        """Sleep `delay` seconds, or less if a check ends first."""
        sleeper = asyncio.ensure_future(self.app.timing.sleep(delay))
        ended = asyncio.ensure_future(self._ended.wait())
        try:
            await asyncio.wait({sleeper, ended}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            ended.cancel()
