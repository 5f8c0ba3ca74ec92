"""What each CLI command does, as plain functions over the composition root (no click here).

The CLI formats; these functions decide. Tests and the scheduler call the same functions.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from bot.app import Clock, open_app, open_store, utc_now
from bot.config import Config
from bot.pipeline import CheckResult, check_treaty, rule_for
from scrapers.errors import ScrapeError
from scrapers.model import CatalogueEntry
from scrapers.urls import index_url
from store import snapshots, treaties
from store.db import Store, connect, upgrade

if TYPE_CHECKING:
    from store.countries import Country


async def scrape(
    config: Config,
    treaty_ids: Sequence[str],
    *,
    all_tracked: bool = False,
    dry_run: bool = False,
    announce: bool = False,
    progress: Progress | None = None,
    clock: Clock = utc_now,
) -> list[CheckResult]:
    """Check treaties concurrently (the fetcher keeps the politeness limits)."""
    async with open_app(config, clock=clock) as app:
        ids = list(treaty_ids)
        if all_tracked:
            tracked = await app.store.run(treaties.tracked_ids)
            ids = sorted(tracked)  # config [[treaties]] are marked tracked when the store opens
        # A few checks in flight beyond the fetcher's limit keep it busy while others parse;
        # more would only hold pages and snapshots in memory.
        active = asyncio.Semaphore(config.untc.max_concurrency * 2)

        async def one(treaty_id: str) -> CheckResult:
            async with active:
                return await check_treaty(app, treaty_id, dry_run=dry_run, announce=announce)

        tasks = [asyncio.ensure_future(one(i)) for i in ids]
        if progress is not None:
            for done, finished in enumerate(asyncio.as_completed(tasks), 1):
                result = await finished
                progress(done, len(tasks), result.treaty)
        return [await task for task in tasks]


async def catalogue(
    config: Config, *, save: bool, progress: Progress | None = None
) -> list[CatalogueEntry]:
    """Fetch the index and every chapter page; store the list unless `save` is False."""
    from scrapers.catalogue import parse_chapter, parse_index  # bs4: only this command needs it

    async with open_app(config) as app:
        base = config.untc.base_url
        try:
            index = await app.fetcher.fetch(index_url(base), treaty_id="catalogue")
            chapters = parse_index(index.body, base)
            entries: list[CatalogueEntry] = []
            for number, chapter in enumerate(chapters, 1):
                page = await app.fetcher.fetch(chapter.url, treaty_id="catalogue")
                entries.extend(parse_chapter(page.body, chapter, base))
                if progress is not None:
                    progress(number, len(chapters), chapter.label)
        except ScrapeError as exc:
            raise ValueError(str(exc)) from exc
        if save:
            await app.store.run(treaties.save_catalogue, entries)
        return entries


# Called after each item of a long job: (done, total, the item just finished).
Progress = Callable[[int, int, str], None]


@contextlib.contextmanager
def _store(config: Config) -> Iterator[Store]:
    """The store for one synchronous command, closed (and checkpointed) afterwards."""
    store = open_store(config)
    try:
        yield store
    finally:
        store.close()


def rule_overrides(
    threshold: int | None,
    delay_days: int | None,
    counted_kinds: list[str] | None,
    not_counted: list[str] | None,
    milestones: list[str] | None,
) -> dict[str, Any] | None:
    rule: dict[str, Any] = {}
    if threshold is not None:
        rule["threshold"] = threshold
    if delay_days is not None:
        rule["delay_days"] = delay_days
    if counted_kinds:
        rule["counted_kinds"] = counted_kinds
    if not_counted:
        rule["not_counted"] = not_counted
    if milestones:
        try:
            rule["milestones"] = sorted({int(m) for m in milestones})
        except ValueError:
            raise ValueError(f"milestones must be whole numbers, got {milestones!r}") from None
        if any(m < 1 for m in rule["milestones"]):
            raise ValueError("milestones must be ≥ 1")
    return rule or None


def track(config: Config, treaty_ids: Sequence[str], rule: dict[str, Any] | None) -> None:
    with _store(config) as store:
        store.call(treaties.track, list(treaty_ids), rule)


def untrack(config: Config, treaty_id: str) -> bool:
    if config.treaty(treaty_id) is not None:
        raise ValueError(
            f"{treaty_id} is tracked by {config.source} ([[treaties]]); remove it there instead"
        )
    with _store(config) as store:
        return store.call(treaties.untrack, treaty_id)


def list_treaties(
    config: Config, *, tracked_only: bool, search: str | None
) -> list[dict[str, Any]]:
    with _store(config) as store:
        return store.call(treaties.list_treaties, tracked_only=tracked_only, search=search)


def status(config: Config, treaty_id: str, *, today: dt.date) -> dict[str, Any] | None:
    """Counts, progress toward the threshold, EIF date (actual or projected), health."""
    with _store(config) as store:
        state = store.call(snapshots.load_state, treaty_id)
        row = store.call(treaties.treaty_row, treaty_id)
        checks = store.call(treaties.recent_checks, treaty_id)
    if state.snapshot is None or row is None:
        return None
    snap = state.snapshot
    from store.thresholds import progress

    rule = rule_for(config.treaty(treaty_id), state, snap.entry_into_force_text)
    prog = progress(snap.participants, rule)
    actions = sorted(
        (
            {"date": a.date.isoformat(), "participant": p.name, "kind": a.kind}
            for p in snap.participants
            for a in p.actions
        ),
        key=lambda a: (a["date"], a["participant"]),
        reverse=True,
    )[:5]
    eif: dict[str, str | None]
    if snap.entry_into_force_date:
        eif = {"date": snap.entry_into_force_date.isoformat(), "state": "in_force"}
    elif prog.eif_date:
        state_name = "in_force" if prog.eif_date <= today else "projected"
        eif = {"date": prog.eif_date.isoformat(), "state": state_name}
    else:
        eif = {"date": None, "state": "not_yet"}
    return {
        "id": snap.id,
        "title": snap.title,
        "url": snap.url,
        "counts": {
            "signatories": snap.signatories,
            "parties": snap.parties,
            "qualifying": prog.qualifying,
            "threshold": prog.threshold,
            "remaining": prog.remaining,
        },
        "rule": {
            "threshold": rule.threshold,
            "delay_days": rule.delay_days,
            "counted_kinds": sorted(rule.counted_kinds),
            "not_counted": sorted(rule.not_counted),
            "source": rule.source,
            "reason": rule.reason,
        },
        "entry_into_force": eif,
        "last_actions": actions,
        "health": {
            "last_check": row["last_check"],
            "last_success": row["last_success"],
            "consecutive_failures": row["consecutive_failures"],
            "last_error": row["last_error"],
            "quarantine_reason": row["quarantine_reason"],
            "recent_checks": checks,
        },
    }


def find_country(query: str) -> Country:
    from store.countries import lookup, suggest

    country = lookup(query)
    if country is None:
        hints = suggest(query)
        hint = f"; did you mean {', '.join(hints)}?" if hints else ""
        raise ValueError(f"no country or participant called {query!r}{hint}")
    return country


def events(
    config: Config,
    *,
    treaty_id: str | None = None,
    country: str | None = None,
    event_type: str | None = None,
    since: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    if event_type is not None:
        from store.events import EVENT_TYPES

        if event_type not in EVENT_TYPES:
            raise ValueError(
                f"unknown event type {event_type!r}; expected one of: {', '.join(EVENT_TYPES)}"
            )
    who = find_country(country) if country else None
    with _store(config) as store:
        return store.call(
            treaties.query_events,
            treaty_id=treaty_id,
            country=who,
            event_type=event_type,
            since=since,
            limit=limit,
        )


def timeline(config: Config, country: str) -> list[dict[str, Any]]:
    who = find_country(country)
    with _store(config) as store:
        rows = store.call(treaties.query_events, country=who, tracked_only=True)
    return [r for r in rows if r.get("action")]


def accept(config: Config, treaty_id: str, *, clock: Clock = utc_now) -> str:
    """Re-baseline a quarantined treaty on its held-back observation, with no events."""
    with _store(config) as store:
        row = store.call(treaties.treaty_row, treaty_id)
        held = store.call(snapshots.quarantined_observation, treaty_id)
        if row is None or held is None:
            raise LookupError(f"{treaty_id} has no quarantined observation to accept")
        reason = str(row["quarantine_reason"])
        store.call(
            snapshots.save_observation,
            held,
            [],
            outcome="accepted",
            now=clock(),
            fingerprint=None,
            etag=None,
            last_modified=None,
            qualifying=None,
        )
        return reason


def db_upgrade(config: Config) -> list[str]:
    """Apply pending migrations and say which (opening a `Store` would apply them silently)."""
    db = connect(config.database.path)
    try:
        return upgrade(db)
    finally:
        db.close()
