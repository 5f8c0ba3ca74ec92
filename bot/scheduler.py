"""The schedule: APScheduler runs one check job per tracked treaty at its interval, and the
daily housekeeping.

Each check job calls the same `check_treaty` as `treatybot scrape`, with a little jitter so many
treaties do not fire together. The list of tracked treaties is read again every few minutes, so
`treatybot track` / `untrack` take effect without a restart. Jobs never overlap for the same
treaty (max_instances=1) and missed runs are coalesced. Daily: the catalogue is refreshed (so
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
from bot.config import DEFAULT_INTERVAL_S
from bot.pipeline import CheckResult, check_treaty
from store import ops, treaties

log = logging.getLogger("treatybot")

RELOAD_INTERVAL_S = 300.0
DAY_S = 86_400.0
MAX_JITTER_S = 60.0

AfterCheck = Callable[[CheckResult], Awaitable[object]]


async def _check(app: App, treaty_id: str, after: AfterCheck | None = None) -> None:
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
        return
    metrics.observe_check(result.outcome, time.monotonic() - started)
    for event in result.events:
        metrics.observe_event(event.type)
    if result.outcome in ("failed", "quarantined"):
        log.warning("%s: %s: %s", treaty_id, result.outcome, result.error)
    else:
        log.info("%s: %s, %d new events", treaty_id, result.outcome, len(result.events))
    if after is not None:
        try:
            await after(result)
        except Exception:
            log.exception("%s: the after-check hook failed", treaty_id)


async def _sync_jobs(
    app: App, scheduler: AsyncIOScheduler, after: AfterCheck | None = None
) -> None:
    wanted = {t.id: t.interval_s for t in app.config.treaties}
    for treaty_id in await app.store.run(treaties.tracked_ids):
        wanted.setdefault(treaty_id, DEFAULT_INTERVAL_S)
    current = {job.id for job in scheduler.get_jobs() if job.id.startswith("check:")}
    for treaty_id, interval in wanted.items():
        job_id = f"check:{treaty_id}"
        if job_id not in current:
            scheduler.add_job(
                _check,
                "interval",
                seconds=interval,
                jitter=min(MAX_JITTER_S, interval * 0.1),
                args=[app, treaty_id, after],
                id=job_id,
                max_instances=1,
                coalesce=True,
                next_run_time=dt.datetime.now(dt.UTC),
            )
            log.info("scheduled %s every %ss", treaty_id, interval)
    for job_id in current - {f"check:{t}" for t in wanted}:
        scheduler.remove_job(job_id)
        log.info("unscheduled %s", job_id.removeprefix("check:"))


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
    await _sync_jobs(app, scheduler, after_check)
    every = {"max_instances": 1, "coalesce": True}
    scheduler.add_job(
        _sync_jobs,
        "interval",
        seconds=RELOAD_INTERVAL_S,
        args=[app, scheduler, after_check],
        id="sync-jobs",
        **every,
    )
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
    if not any(job.id.startswith("check:") for job in scheduler.get_jobs()):
        log.warning("no tracked treaties: add one with `treatybot track TREATY_ID`")
    return scheduler
