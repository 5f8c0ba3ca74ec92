"""One check of one treaty: fetch → (fingerprint) → parse → diff → save, and nothing else.

The order of refusals is the product's promise: a page that failed to fetch or parse is never
diffed; an implausible diff is quarantined; only then are snapshot, events and deliveries written,
in one transaction. An unchanged page (304, or the same fingerprint as the stored snapshot) costs
no parse and no diff.
"""

from __future__ import annotations

import datetime as dt
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
from store.snapshots import TreatyState

if TYPE_CHECKING:
    # The diff machinery is imported on first use: an unchanged page never needs it, and a
    # sweep of unchanged pages is dominated by start-up.
    from store.events import Event
    from store.thresholds import EifRule


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What one check of one treaty found; `to_json` is the `scrape --json` line."""

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


def rule_for(configured: TreatyConfig | None, state: TreatyState, eif_text: str) -> EifRule:
    """The EIF rule: the treaty text, overridden by `track` options, overridden by config."""
    from store.thresholds import resolve_rule

    overrides: dict[str, Any] = {}
    for key in ("threshold", "delay_days", "counted_kinds", "not_counted", "milestones"):
        if state.rule.get(key) is not None:
            overrides[key] = state.rule[key]
    if configured is not None:
        for key in ("threshold", "delay_days", "counted_kinds", "not_counted", "milestones"):
            value = getattr(configured, key)
            if value is not None:
                overrides[key] = value
    for key in ("counted_kinds", "not_counted"):
        if key in overrides:
            overrides[key] = frozenset(overrides[key])
    if "milestones" in overrides:
        overrides["milestones"] = tuple(overrides["milestones"])
    return resolve_rule(eif_text, **overrides)


async def check_treaty(
    app: App, treaty_id: str, *, dry_run: bool = False, announce: bool = False
) -> CheckResult:
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

    previous = await store.run(snapshots.load_snapshot, treaty_id) if state.has_snapshot else None
    rule = rule_for(app.config.treaty(treaty_id), state, current.entry_into_force_text)
    comparison = compare(previous, current, rule, now, announce=announce)
    if comparison.outcome == "quarantined":
        reason = comparison.reason or "implausible change"
        if not dry_run:
            await store.run(snapshots.record_quarantine, current, reason, now=now)
        return CheckResult(treaty_id, "quarantined", (), reason, current)
    events = list(comparison.events)
    due = entry_into_force_due(current, rule, now.date(), now=now)
    if due is not None and due.id not in {e.id for e in events}:
        events.append(due)
    if dry_run:
        return CheckResult(treaty_id, comparison.outcome, tuple(events), None, current)
    projected = None if current.entry_into_force_date else comparison.progress.eif_date
    inserted = await store.run(
        snapshots.save_observation,
        current,
        events,
        outcome=comparison.outcome,
        now=now,
        fingerprint=fingerprint,
        etag=fetched.validators.etag,
        last_modified=fetched.validators.last_modified,
        qualifying=comparison.progress.qualifying,
        projected_eif=projected,
        previous=previous,
    )
    outcome = comparison.outcome
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
    """Nothing new on the page. The only possible news: a computed EIF date has arrived."""
    events: list[Event] = []
    if state.projected_eif is not None and state.projected_eif <= now.date():
        from store.diff import entry_into_force_due

        snapshot = await app.store.run(snapshots.load_snapshot, state.id)
        if snapshot is not None:
            rule = rule_for(app.config.treaty(state.id), state, snapshot.entry_into_force_text)
            due = entry_into_force_due(snapshot, rule, now.date(), now=now)
            events = [due] if due is not None else []
    if dry_run:
        return CheckResult(state.id, "unchanged", tuple(events))
    inserted = await app.store.run(
        snapshots.record_unchanged,
        state.id,
        now=now,
        events=events,
        etag=validators.etag,
        last_modified=validators.last_modified,
    )
    return CheckResult(state.id, "changed" if inserted else "unchanged", tuple(inserted))
