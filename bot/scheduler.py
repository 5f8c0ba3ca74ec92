"""The check schedule: APScheduler runs one check job per tracked treaty at its interval.

Each job calls the same `check_treaty` as `treatybot scrape`. The list of tracked treaties is read
again every few minutes, so `treatybot track` / `untrack` take effect without a restart. Jobs never
overlap for the same treaty (max_instances=1) and missed runs are coalesced.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import App
from bot.config import DEFAULT_INTERVAL_S
from bot.pipeline import check_treaty
from store import treaties

log = logging.getLogger("treatybot")

RELOAD_INTERVAL_S = 300.0


async def _check(app: App, treaty_id: str) -> None:
    task = asyncio.current_task()
    if task is not None:
        task.set_name(f"check:{treaty_id}")  # so shutdown can wait for checks in flight
    try:
        result = await check_treaty(app, treaty_id)
    except asyncio.CancelledError:
        # Shutdown while a check was in flight. A save already handed to the database thread
        # still commits as one transaction (the store closes after it); otherwise nothing was
        # written and the next start checks again. Ending the job here keeps the exit quiet.
        log.info("%s: check interrupted by shutdown", treaty_id)
        return
    if result.outcome in ("failed", "quarantined"):
        log.warning("%s: %s: %s", treaty_id, result.outcome, result.error)
    else:
        log.info("%s: %s, %d new events", treaty_id, result.outcome, len(result.events))


async def _sync_jobs(app: App, scheduler: AsyncIOScheduler) -> None:
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
                args=[app, treaty_id],
                id=job_id,
                max_instances=1,
                coalesce=True,
                next_run_time=dt.datetime.now(dt.UTC),
            )
            log.info("scheduled %s every %ss", treaty_id, interval)
    for job_id in current - {f"check:{t}" for t in wanted}:
        scheduler.remove_job(job_id)
        log.info("unscheduled %s", job_id.removeprefix("check:"))


async def start_scheduler(app: App) -> AsyncIOScheduler:
    """A started scheduler with a check job per tracked treaty and the job-list refresh."""
    scheduler = AsyncIOScheduler(timezone=dt.UTC)
    scheduler.start()
    await _sync_jobs(app, scheduler)
    scheduler.add_job(
        _sync_jobs,
        "interval",
        seconds=RELOAD_INTERVAL_S,
        args=[app, scheduler],
        id="sync-jobs",
        max_instances=1,
        coalesce=True,
    )
    if not any(job.id.startswith("check:") for job in scheduler.get_jobs()):
        log.warning("no tracked treaties: add one with `treatybot track TREATY_ID`")
    return scheduler
