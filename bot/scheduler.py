"""The schedule: the watch loop (`bot/watchloop.py`) checks every watched treaty when its tier
says it is due, and APScheduler runs the daily housekeeping.

Each check calls the same `check_treaty` as `treatybot scrape`. The watched list is read again
every turn of the loop, so `treatybot track` / `untrack`, `/subscribe` and `/follow` take effect
without a restart. Daily: the catalogue is refreshed (so
`/subscribe` finds every treaty by title), treaties whose computed entry-into-force date has
arrived are checked even if their interval is long, and check rows and delivered outbox rows
older than `[database] keep_days` are deleted (events never are).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot import metrics
from bot.app import App
from bot.pipeline import CheckResult, check_treaty
from bot.watchloop import WatchLoop
from store import ops, treaties

log = logging.getLogger("treatybot")

DAY_S = 86_400.0

AfterCheck = Callable[[CheckResult], Awaitable[object]]


async def _check(app: App, treaty_id: str, after: AfterCheck | None = None) -> CheckResult | None:
    task = asyncio.current_task()
    if task is not None:
        task.set_name(f"check:{treaty_id}")  # so shutdown can wait for checks in flight
    started = time.monotonic()
    try:
        result = await check_treaty(app, treaty_id)
    except asyncio.CancelledError:
        # Shutdown while a check was in flight. A save already handed to the database thread
        # still commits as one transaction (the store closes after it); otherwise nothing was
        # written and the next start checks again. Ending the job here keeps the exit quiet.
        log.info("%s: check interrupted by shutdown", treaty_id)
        return None
    metrics.observe_check(result.outcome, time.monotonic() - started)
    for event in result.events:
        metrics.observe_event(event.type)
    seen = next((e.detection for e in result.events if e.detection is not None), None)
    if seen is not None and seen.changed_after is not None:  # once per change, not per event
        metrics.observe_detection(
            seen.tier, (seen.first_seen_at - seen.changed_after).total_seconds()
        )
    if result.outcome in ("failed", "quarantined"):
        log.warning("%s: %s: %s", treaty_id, result.outcome, result.error)
    else:
        log.info("%s: %s, %d new events", treaty_id, result.outcome, len(result.events))
    if after is not None:
        try:
            await after(result)
        except Exception:
            log.exception("%s: the after-check hook failed", treaty_id)
    return result


def start_watch_loop(app: App, *, after_check: AfterCheck | None = None) -> asyncio.Task[None]:
    """The check loop (`bot/watchloop.py`) as a task: cancel it to stop."""

    async def check(app: App, treaty_id: str) -> CheckResult | None:
        return await _check(app, treaty_id, after_check)

    return asyncio.create_task(WatchLoop(app, check).run(), name="watch-loop")


async def _refresh_catalogue(app: App) -> None:
    from bot.operations import catalogue

    try:
        result = await catalogue(app, save=True)
    except Exception as exc:  # a failed refresh is retried tomorrow; the old list stays
        log.warning("catalogue refresh failed: %s", exc)
        return
    for failure in result.failures:
        log.warning("catalogue refresh: %s", failure)
    log.info("catalogue refreshed: %d treaties", len(result.entries))


async def _due_entries_into_force(app: App, after: AfterCheck | None) -> None:
    """Check every tracked treaty whose computed entry-into-force date has arrived."""
    today = app.clock().astimezone(dt.UTC).date().isoformat()
    for treaty_id in await app.store.run(treaties.projected_due, today):
        await _check(app, treaty_id, after)


async def _retention(app: App) -> None:
    keep = dt.timedelta(days=app.config.database.keep_days)
    before = (app.clock() - keep).astimezone(dt.UTC).isoformat(timespec="seconds")
    removed = await app.store.run(ops.prune, before=before.replace("+00:00", "Z"))
    if any(removed.values()):
        log.info(
            "retention: deleted %d check row(s) and %d delivered outbox row(s) older than %d days",
            removed["checks"],
            removed["deliveries"],
            app.config.database.keep_days,
        )


async def start_scheduler(app: App, *, after_check: AfterCheck | None = None) -> AsyncIOScheduler:
    """A started scheduler: a check job per tracked treaty, the job-list refresh, and the daily
    housekeeping (catalogue, arrived entry-into-force dates, retention)."""
    scheduler = AsyncIOScheduler(timezone=dt.UTC)
    scheduler.start()
    every = {"max_instances": 1, "coalesce": True}
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    known = await app.store.run(treaties.titled_count)
    # A database without the catalogue gets it a minute after start; else at the daily time.
    # (APScheduler pauses a job added with next_run_time=None: leave the key out instead.)
    first = {"next_run_time": soon} if known < 100 else {}
    scheduler.add_job(
        _refresh_catalogue,
        "interval",
        seconds=DAY_S,
        args=[app],
        id="catalogue",
        **first,
        **every,
    )
    scheduler.add_job(
        _due_entries_into_force,
        "interval",
        seconds=DAY_S,
        args=[app, after_check],
        id="entry-into-force",
        next_run_time=soon,
        **every,
    )
    scheduler.add_job(
        _retention,
        "interval",
        seconds=DAY_S,
        args=[app],
        id="retention",
        next_run_time=soon,
        **every,
    )
    return scheduler
