"""One check of one treaty: fetch → (fingerprint) → parse → diff → save, and nothing else.

The order of refusals is the product's promise: a page that failed to fetch or parse is never
diffed; an implausible diff is quarantined; only then are snapshot, events and deliveries written,
in one transaction. An unchanged page (304, or the same fingerprint as the stored snapshot) costs
no parse and no diff.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.app import App
from bot.config import TreatyConfig
from scrapers.errors import ScrapeError
from scrapers.fetch import Validators
from scrapers.model import TreatyStatus
from scrapers.parse import page_fingerprint, parse_status_page
from scrapers.urls import status_url
from store import snapshots
from store.db import DatabaseError
from store.snapshots import TreatyState
from store.thresholds import RuleOverrides

log = logging.getLogger("treatybot")

if TYPE_CHECKING:
    # The diff machinery is imported on first use: an unchanged page never needs it, and a
    # sweep of unchanged pages is dominated by start-up.
    from store.events import Event
    from store.thresholds import EifRule


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What one check of one treaty found; `to_json` is one object of `scrape --json`."""

    treaty: str
    outcome: str  # baseline | unchanged | changed | failed | quarantined
    events: tuple[Event, ...] = ()
    error: str | None = None
    status: TreatyStatus | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "treaty": self.treaty,
            "outcome": self.outcome,
            "events": [event.to_json() for event in self.events],
            "error": self.error,
        }


def overrides_for(configured: TreatyConfig | None, state: TreatyState) -> RuleOverrides:
    """Rule overrides: those stored by `track`, with the config's laid over them."""
    stored = RuleOverrides.from_json(state.rule)
    return configured.overrides.over(stored) if configured is not None else stored


def rule_for(
    configured: TreatyConfig | None,
    state: TreatyState,
    eif_text: str,
    parent_parties: int | None = None,
) -> EifRule:
    """The EIF rule: the treaty text (or, when the text no longer states one, the rule read from
    it earlier), overridden by `track` options, overridden by config. `parent_parties`: the
    party count of the parent treaty of an amendment (`parties_of` its stored snapshot)."""
    from store.thresholds import resolve_rule

    overrides = overrides_for(configured, state)
    return resolve_rule(eif_text, overrides, state.text_rule, parent_parties=parent_parties)


def parties_of(snapshot: TreatyStatus | None) -> int | None:
    """A treaty's party count: its page's figure, else counted from its table; None unknown."""
    if snapshot is None:
        return None
    if snapshot.parties is not None:
        return snapshot.parties
    from store.partydates import party_deposits

    return len(party_deposits(snapshot.participants)) or None


async def _parent_parties(app: App, state: TreatyState) -> int | None:
    """The parent treaty's party count, when an amendment's rule names a watched parent."""
    parent = overrides_for(app.config.treaty(state.id), state).parent
    if parent is None:
        return None
    return parties_of(await app.store.run(snapshots.load_snapshot, parent))


async def check_treaty(
    app: App, treaty_id: str, *, dry_run: bool = False, announce: bool = False
) -> CheckResult:
    """Check one treaty. Never raises for that treaty's problem: a failure to fetch or parse is
    a "failed" result, and so is an unexpected exception — logged with its traceback and
    recorded on the treaty as "internal error: …" — so a sweep and the scheduler go on with the
    other treaties. Only a database that cannot be used (`DatabaseError`) is raised.

    While it runs, no other process on this database checks the same treaty (`App.checking`).
    """
    try:
        async with app.checking(treaty_id):
            return await _check(app, treaty_id, dry_run=dry_run, announce=announce)
    except (asyncio.CancelledError, DatabaseError):
        raise  # a database that cannot be used is no one treaty's problem: stop the sweep
    except Exception as exc:
        log.exception("%s: internal error while checking", treaty_id)
        error = f"internal error: {type(exc).__name__}: {exc}"
        if not dry_run:
            try:
                await app.store.run(snapshots.record_failure, treaty_id, error, now=app.clock())
            except Exception:
                log.exception("%s: the failure could not be recorded either", treaty_id)
        return CheckResult(treaty_id, "failed", (), error)


async def _with_detection(
    app: App, state: TreatyState, events: list[Event], now: dt.datetime
) -> list[Event]:
    """Each event with when the change was first seen (now) and the earliest it could have
    been: the last good check, which still saw the old state."""
    from store import watch
    from store.events import Detection

    tier = await app.store.run(watch.remembered_tier, state.id)
    seen = Detection(now, state.last_success, tier)
    return [dataclasses.replace(event, detection=seen) for event in events]


async def _check(app: App, treaty_id: str, *, dry_run: bool, announce: bool) -> CheckResult:
    store = app.store
    state = await store.run(snapshots.load_state, treaty_id, with_snapshot=False)
    base_url = app.config.untc.base_url
    url = state.url if state.url and state.url.startswith(base_url) else None
    url = url or status_url(base_url, treaty_id)
    validators = (
        Validators(state.etag, state.last_modified)
        if state.has_snapshot and (state.etag or state.last_modified)
        else None
    )
    try:
        fetched = await app.fetcher.fetch(url, treaty_id=treaty_id, validators=validators)
    except ScrapeError as exc:
        return await _failed(app, treaty_id, str(exc), dry_run)
    now = app.clock()
    if state.has_snapshot and not announce:
        if fetched.not_modified:
            return await _unchanged(app, state, now, dry_run, fetched.validators)
        fingerprint = page_fingerprint(fetched.body)
        if fingerprint is not None and fingerprint == state.fingerprint:
            return await _unchanged(app, state, now, dry_run, fetched.validators)
    else:
        fingerprint = page_fingerprint(fetched.body)
    try:
        current = parse_status_page(fetched.body, treaty_id, fetched.final_url)
    except ScrapeError as exc:
        return await _failed(app, treaty_id, str(exc), dry_run)
    from store.diff import compare, entry_into_force_due
    from store.thresholds import rule_from_text

    previous = await store.run(snapshots.load_snapshot, treaty_id) if state.has_snapshot else None
    parent_count = await _parent_parties(app, state)
    rule = rule_for(
        app.config.treaty(treaty_id), state, current.entry_into_force_text, parent_count
    )
    comparison = compare(previous, current, rule, now, announce=announce)
    if comparison.outcome == "quarantined":
        reason = comparison.reason or "implausible change"
        if not dry_run:
            await store.run(snapshots.record_quarantine, current, reason, now=now)
        return CheckResult(treaty_id, "quarantined", (), reason, current)
    events = list(comparison.events)
    baseline = comparison.outcome == "baseline"
    today = now.astimezone(dt.UTC).date()
    due = None if baseline else entry_into_force_due(current, rule, today, now=now)
    if due is not None and current.entry_into_force_date is not None and not state.projected_eif:
        due = None  # a page date that was never scheduled here: announced by `compare` or history
    if due is not None and due.id not in {e.id for e in events}:
        events.append(due)
    if events and not baseline:
        events = await _with_detection(app, state, events, now)
    if dry_run:
        return CheckResult(treaty_id, comparison.outcome, tuple(events), None, current)
    # The day to look again even if the page does not change: the page's date while it is still
    # ahead (a scheduled entry into force), else the computed one.
    projected = current.entry_into_force_date or comparison.progress.eif_date
    if projected is not None and projected <= today:
        projected = None  # the day has come: announced in this save, or history; either way done
    own_rule = rule_from_text(current.entry_into_force_text)
    inserted = await store.run(
        snapshots.save_observation,
        current,
        events,
        outcome="baseline" if baseline else ("changed" if events else "unchanged"),
        now=now,
        fingerprint=fingerprint,
        etag=fetched.validators.etag,
        last_modified=fetched.validators.last_modified,
        qualifying=comparison.progress.qualifying,
        projected_eif=projected,
        previous=previous,
        # A baseline (announced or not) is history, not news: recorded, never routed.
        route=None if baseline else app.router,
        text_rule=own_rule.text_parts() if own_rule.known else None,
    )
    if inserted and not baseline:
        app.deliveries_queued()
    outcome = "changed" if inserted and not baseline else comparison.outcome
    if outcome == "changed" and not inserted:
        outcome = "unchanged"  # the same facts were already recorded (a re-run after a crash)
    return CheckResult(treaty_id, outcome, tuple(inserted), None, current)


async def _failed(app: App, treaty_id: str, error: str, dry_run: bool) -> CheckResult:
    if not dry_run:
        await app.store.run(snapshots.record_failure, treaty_id, error, now=app.clock())
    return CheckResult(treaty_id, "failed", (), error)


async def _unchanged(
    app: App, state: TreatyState, now: dt.datetime, dry_run: bool, validators: Validators
) -> CheckResult:
    """Nothing new on the page. The only possible news: an entry-into-force date has arrived,
    computed or scheduled on the page.

    Once that day has come the projection is cleared (the event is stored now, or it was
    already, or the date is too old to be news), so later unchanged checks stay cheap.
    """
    events: list[Event] = []
    today = now.astimezone(dt.UTC).date()
    arrived = state.projected_eif is not None and state.projected_eif <= today
    if arrived:
        from store.diff import entry_into_force_due

        snapshot = await app.store.run(snapshots.load_snapshot, state.id)
        if snapshot is not None:
            parent_count = await _parent_parties(app, state)
            eif_text = snapshot.entry_into_force_text
            rule = rule_for(app.config.treaty(state.id), state, eif_text, parent_count)
            due = entry_into_force_due(snapshot, rule, today, now=now)
            events = [due] if due is not None else []
    if dry_run:
        return CheckResult(state.id, "changed" if events else "unchanged", tuple(events))
    inserted = await app.store.run(
        snapshots.record_unchanged,
        state.id,
        now=now,
        events=events,
        etag=validators.etag,
        last_modified=validators.last_modified,
        route=app.router,
        clear_projection=arrived,
    )
    if inserted:
        app.deliveries_queued()
    return CheckResult(state.id, "changed" if inserted else "unchanged", tuple(inserted))
