"""Use cases: what each CLI command does, as plain functions over the `App` (no click here).

The CLI formats; these functions decide. Tests and the service call the same functions. Bad
input raises `bot.errors.InvalidInput`, missing things `bot.errors.NotFound`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.app import App
from bot.config import Config
from bot.errors import InvalidInput, NotFound, TreatybotError
from bot.pipeline import CheckResult, check_treaty, overrides_for, parties_of, rule_for
from bot.render import human_date, progress_text
from scrapers.errors import ScrapeError
from scrapers.model import KNOWN_KINDS, SECTION_NAMES, CatalogueEntry, Sections
from scrapers.urls import index_url, validate_treaty_id
from store import snapshots, treaties
from store.db import connect, upgrade
from store.thresholds import RuleOverrides

if TYPE_CHECKING:
    from store.countries import Country


async def scrape(
    app: App,
    treaty_ids: Sequence[str],
    *,
    all_tracked: bool = False,
    dry_run: bool = False,
    announce: bool = False,
    progress: Progress | None = None,
) -> list[CheckResult]:
    """Check treaties concurrently (the fetcher keeps the politeness limits)."""
    ids = list(dict.fromkeys(treaty_ids))
    if all_tracked:
        config_ids = [t.id for t in app.config.treaties]
        if config_ids and not dry_run:
            await app.store.run(treaties.track, config_ids, None)
        tracked = await app.store.run(treaties.tracked_ids)
        ids = sorted(set(tracked) | set(config_ids))
    # A few checks in flight beyond the fetcher's limit keep it busy while others parse;
    # more would only hold pages and snapshots in memory.
    active = asyncio.Semaphore(app.config.untc.max_concurrency * 2)

    async def one(treaty_id: str) -> CheckResult:
        async with active:
            return await check_treaty(app, treaty_id, dry_run=dry_run, announce=announce)

    tasks = [asyncio.ensure_future(one(i)) for i in ids]
    if progress is not None:
        for done, finished in enumerate(asyncio.as_completed(tasks), 1):
            result = await finished
            progress(done, len(tasks), result.treaty)
    return [await task for task in tasks]


@dataclass(frozen=True, slots=True)
class CatalogueResult:
    """The treaties read from every chapter that could be read; one line per chapter that failed
    (each naming the chapter once)."""

    entries: list[CatalogueEntry]
    failures: list[str]


async def catalogue(app: App, *, save: bool, progress: Progress | None = None) -> CatalogueResult:
    """Fetch the index and every chapter page; store what was read unless `save` is False.

    A chapter that fails is reported and the others are still read and stored; an index that
    cannot be read fails the whole command (TreatybotError). An empty chapter is fine.
    """
    from scrapers.catalogue import parse_chapter, parse_index  # bs4: only this command needs it

    base = app.config.untc.base_url
    try:
        index = await app.fetcher.fetch(index_url(base), treaty_id="catalogue")
        chapters = parse_index(index.body, base)
    except ScrapeError as exc:
        raise TreatybotError(f"catalogue index: {exc}") from None
    entries: list[CatalogueEntry] = []
    failures: list[str] = []
    for number, chapter in enumerate(chapters, 1):
        try:
            page = await app.fetcher.fetch(chapter.url, treaty_id="catalogue")
            entries.extend(parse_chapter(page.body, chapter, base))
        except ScrapeError as exc:
            said = str(exc)
            named = f"chapter {chapter.label}" in said
            failures.append(said if named else f"chapter {chapter.label}: {said}")
        if progress is not None:
            progress(number, len(chapters), chapter.label)
    if save and entries:
        await app.store.run(treaties.save_catalogue, entries)
    return CatalogueResult(entries, failures)


# Called after each item of a long job: (done, total, the item just finished).
Progress = Callable[[int, int, str], None]


def rule_overrides(
    threshold: int | None,
    delay_days: int | None,
    delay_months: int | None,
    counted_kinds: list[str] | None,
    not_counted: list[str] | None,
    milestones: list[str] | None,
    *,
    party: RuleOverrides | None = None,
) -> RuleOverrides:
    """`track` options → validated overrides (InvalidInput naming the bad part). `party` holds
    the later-parties and amendment parts, laid over the others."""
    try:
        numbers = tuple(sorted({int(m) for m in milestones})) if milestones else None
    except ValueError:
        raise InvalidInput(f"milestones must be whole numbers, got {milestones!r}") from None
    overrides = RuleOverrides(
        threshold=threshold,
        delay_days=delay_days,
        delay_months=delay_months,
        counted_kinds=frozenset(counted_kinds) if counted_kinds else None,
        not_counted=frozenset(not_counted) if not_counted else None,
        milestones=numbers,
    )
    if party is not None:
        overrides = party.over(overrides)
    try:
        return overrides.validate(KNOWN_KINDS)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc


def track(app: App, treaty_ids: Sequence[str], overrides: RuleOverrides | None) -> None:
    """Start tracking; `overrides` (when given and not empty) replace the stored ones."""
    rule = overrides.to_json() if overrides is not None and not overrides.is_empty() else None
    app.store.call(treaties.track, list(dict.fromkeys(treaty_ids)), rule)


def untrack(app: App, treaty_id: str, *, forget: bool = False) -> None:
    """Stop tracking (history kept); with `forget`, delete a treaty never read successfully.

    NotFound for a treaty the database does not know; TreatybotError when it is tracked by the
    config, or when `forget` would lose a snapshot or events."""
    if app.config.treaty(treaty_id) is not None:
        raise TreatybotError(
            f"{treaty_id} is tracked by {app.config.source} ([[treaties]]); remove it there instead"
        )
    if not forget:
        if not app.store.call(treaties.untrack, treaty_id):
            raise NotFound(f"{treaty_id} is not known; nothing to untrack")
        return
    outcome = app.store.call(treaties.forget, treaty_id)
    if outcome == "unknown":
        raise NotFound(f"{treaty_id} is not known; nothing to forget")
    if outcome == "has history":
        raise TreatybotError(
            f"{treaty_id} has a stored snapshot or events, which --forget would lose;"
            f" use `treatybot untrack {treaty_id}` (history is kept)"
        )


def list_treaties(app: App, *, tracked_only: bool, search: str | None) -> list[dict[str, Any]]:
    """Known treaties; those in the config's `[[treaties]]` count as tracked even before the
    service or a scrape has marked them in the database (this command writes nothing)."""
    rows = app.store.call(treaties.list_treaties, tracked_only=False, search=search)
    configured = {t.id for t in app.config.treaties}
    known = {row["id"] for row in rows}
    words = (search or "").lower().split()
    for treaty_id in sorted(configured - known):
        if all(word in treaty_id.lower() for word in words):
            rows.append(treaties.empty_row(treaty_id))
    for row in rows:
        row["tracked"] = bool(row["tracked"]) or row["id"] in configured
    rows.sort(key=lambda row: row["id"])
    return [row for row in rows if row["tracked"] or not tracked_only]


def status(app: App, treaty_id: str) -> dict[str, Any]:
    """Counts, progress toward the threshold, EIF date (actual, scheduled or projected), health.

    "Today" is the app clock's UTC date, as in the pipeline. A treaty known but never read
    successfully has `"checked": false`, null counts and its stored error in `health`; an
    unknown one is NotFound.
    """
    from store.diff import counts_of
    from store.partydates import party_dates, rule_law_json
    from store.thresholds import progress

    today = app.clock().astimezone(dt.UTC).date()
    state = app.store.call(snapshots.load_state, treaty_id)
    row = app.store.call(treaties.treaty_row, treaty_id)
    if row is None:
        hint = (
            ""
            if app.config.treaty(treaty_id)
            else f"track it with `treatybot track {treaty_id}`, then "
        )
        raise NotFound(
            f"{treaty_id} has never been checked; {hint}run `treatybot scrape {treaty_id}` first"
        )
    health = {
        "last_check": row["last_check"],
        "last_success": row["last_success"],
        "consecutive_failures": row["consecutive_failures"],
        "last_error": row["last_error"],
        "quarantine_reason": row["quarantine_reason"],
        "recent_checks": app.store.call(treaties.recent_checks, treaty_id),
    }
    snap = state.snapshot
    if snap is None:
        return {
            "id": treaty_id,
            "title": row["title"],
            "url": row["url"],
            "checked": False,
            "counts": None,
            "progress": None,
            "rule": None,
            "entry_into_force": {"date": None, "state": "unknown"},
            "last_actions": [],
            "statements": None,
            "health": health,
        }
    configured = app.config.treaty(treaty_id)
    parent = overrides_for(configured, state).parent
    parent_count = parties_of(app.store.call(snapshots.load_snapshot, parent)) if parent else None
    rule = rule_for(configured, state, snap.entry_into_force_text, parent_count)
    prog = progress(snap.participants, rule)
    actions = [
        {"date": a.date.isoformat(), "participant": p.name, "kind": a.kind}
        for p in snap.participants
        for a in p.actions
    ]
    # Newest day first; within a day, by participant then kind (stable across page reorders).
    actions.sort(key=lambda a: (a["participant"], a["kind"] or ""))
    actions.sort(key=lambda a: a["date"] or "", reverse=True)
    eif: dict[str, str | None]
    if snap.entry_into_force_date:
        page_state = "in_force" if snap.entry_into_force_date <= today else "scheduled"
        eif = {"date": snap.entry_into_force_date.isoformat(), "state": page_state}
    elif prog.eif_date:
        state_name = "in_force" if prog.eif_date <= today else "projected"
        eif = {"date": prog.eif_date.isoformat(), "state": state_name}
    else:
        eif = {"date": None, "state": "not_yet"}
    counts = counts_of(snap, prog)
    text = progress_text(counts)
    if prog.nth_date is not None and text.endswith("threshold reached"):
        text += f" on {human_date(prog.nth_date)}"
    return {
        "id": snap.id,
        "title": snap.title,
        "url": snap.url,
        "checked": True,
        "counts": {
            "signatories": counts.signatories,
            "parties": counts.parties,
            "qualifying": prog.qualifying,
            "threshold": prog.threshold,
            "remaining": prog.remaining,
            "threshold_reached_on": prog.nth_date.isoformat() if prog.nth_date else None,
            "weight": counts.weight.to_json() if counts.weight else None,
        },
        "progress": text,
        "rule": {
            "threshold": rule.threshold,
            "delay_days": rule.delay_days,
            "delay_months": rule.delay_months,
            "counted_kinds": sorted(rule.counted_kinds),
            "not_counted": sorted(rule.not_counted),
            "source": rule.source,
            "reason": rule.reason,
            **rule_law_json(rule),
        },
        "entry_into_force": eif,
        "parties_entry_into_force": party_dates(snap, rule, prog),
        "last_actions": actions[:5],
        "statements": statements_summary(snap.sections),
        "health": health,
    }


def statements_summary(sections: Sections | None) -> dict[str, Any] | None:
    """Per section below the grid, how many participants it lists and who (None: the page has
    no such section; the whole value None: not read yet). The texts are on the status page."""
    if sections is None:
        return None
    out: dict[str, Any] = {}
    for name in SECTION_NAMES:
        entries = sections.get(name)
        who = None if entries is None else sorted({e.participant for e in entries})
        out[name] = None if who is None else {"count": len(who), "participants": who}
    return out


def find_country(query: str) -> Country:
    from store.countries import lookup, suggest

    country = lookup(query)
    if country is None:
        hints = suggest(query)
        hint = f"; did you mean {', '.join(hints)}?" if hints else ""
        raise InvalidInput(f"no country or participant called {query!r}{hint}")
    return country


def event_filters(
    treaty_id: str | None, event_type: str | None, country: str | None
) -> tuple[str | None, Country | None]:
    """Check `events` filters before any database is opened: (the treaty id, the country)."""
    if event_type is not None:
        from store.events import EVENT_TYPES

        if event_type not in EVENT_TYPES:
            raise InvalidInput(
                f"unknown event type {event_type!r}; expected one of: {', '.join(EVENT_TYPES)}"
            )
    if treaty_id is not None:
        try:
            treaty_id = validate_treaty_id(treaty_id)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
    return treaty_id, find_country(country) if country else None


def events(
    app: App,
    *,
    treaty_id: str | None = None,
    country: str | None = None,
    event_type: str | None = None,
    since: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    treaty_id, who = event_filters(treaty_id, event_type, country)
    return app.store.call(
        treaties.query_events,
        treaty_id=treaty_id,
        country=who,
        event_type=event_type,
        since=since,
        limit=limit,
    )


def timeline(app: App, country: str) -> list[dict[str, Any]]:
    """One country's actions across every treaty watched (events exist only for treaties a
    check read: with `[watch] all`, the whole catalogue), not only the tracked ones."""
    who = find_country(country)
    rows = app.store.call(treaties.query_events, country=who)
    return [r for r in rows if r.get("action")]


def accept(app: App, treaty_id: str) -> str:
    """Re-baseline a quarantined treaty on its held-back observation, with no events."""
    row = app.store.call(treaties.treaty_row, treaty_id)
    held = app.store.call(snapshots.quarantined_observation, treaty_id)
    if row is None or held is None:
        raise NotFound(f"{treaty_id} has no quarantined observation to accept")
    reason = str(row["quarantine_reason"])
    app.store.call(
        snapshots.save_observation,
        held,
        [],
        outcome="accepted",
        now=app.clock(),
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


def outbox_rows(
    app: App,
    *,
    status: str | None = None,
    channel: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """The delivery queue, newest first, each row with its attempt log."""
    from store import outbox

    if status is not None and status not in {s.value for s in outbox.Status}:
        raise InvalidInput(
            f"unknown status {status!r}; expected one of: "
            + ", ".join(s.value for s in outbox.Status)
        )
    return app.store.call(outbox.list_rows, status=status, channel=channel, limit=limit)


def outbox_retry(app: App, ids: Sequence[int], *, failed: bool) -> int:
    """Queue deliveries again, due now: the rows given, or every failed row."""
    from store import outbox

    now = app.clock().timestamp()
    if failed:
        return app.store.call(outbox.requeue, failed=True, now=now)
    count = app.store.call(outbox.requeue, list(ids), now=now)
    if count < len(set(ids)):
        raise NotFound(f"no outbox row with id {', '.join(map(str, ids))}")
    return count
