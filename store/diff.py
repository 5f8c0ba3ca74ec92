"""Pure: previous snapshot + current page + rule + "now" → what happened, as typed events.

Owns the meaning of a change between two observations of one status page:

- participants are paired by `countries.participant_key` (renames such as Turkey → Türkiye and
  spelling, footnote, white-space and order changes produce no events);
- actions are paired per participant by column, columns by their header text (so a reordering
  of columns is followed);
- a new action → `treaty.signature` / `treaty.consent`; a changed date or kind, or a removed
  bracket → `treaty.correction`; a new bracket → `treaty.withdrawal` (one per participant when
  the name is bracketed, else one per bracketed action);
- counting: `treaty.milestone`, `treaty.threshold_reached`, `treaty.entry_into_force`. An
  entry-into-force date on the page that is still ahead is *scheduled*: the threshold event
  carries it, and `treaty.entry_into_force` comes on the day (`entry_into_force_due`), never
  before.

- the sections below the grid (declarations, objections, territorial applications) are
  `store.statement_diff`, after the grid's events.

What a page must never do — lose an action, lose a participant, lose many rows, lose or rename a
column, lose a section or one of its entries — makes the comparison "quarantined": no events at
all, and a reason naming the loss.
A header whose text changed is a quarantine too: its letters may now mean other kinds.

First sight is a "baseline" without events. With `announce=True` every action on the page is
emitted as if new (a deliberate backfill); milestones, threshold and entry into force are not:
they describe a crossing, and a first sight crosses nothing; nor are the sections' statements
(a backfill announces actions, not decades of declarations).

No I/O, no clock: "now" is an argument. `compare` is on the hot path (about 1 ms for 200
participants): dict lookups, `resolve` once per changed participant, no parsing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from scrapers.columns import normalise_space
from scrapers.model import Action, Participant, TreatyStatus
from store import statement_diff
from store.countries import keyed_participants, participant_key, resolve
from store.events import (
    EVENT_TYPES,
    ActionRef,
    ConsentEvent,
    CorrectionEvent,
    Counts,
    EntryIntoForceEvent,
    Event,
    MilestoneEvent,
    ParticipantRef,
    SignatureEvent,
    ThresholdReachedEvent,
    TreatyRef,
    WeightCounts,
    WithdrawalEvent,
    event_id,
)
from store.partydates import is_party_kind as is_party_kind
from store.partydates import is_signature_kind as is_signature_kind
from store.partydates import with_party_dates
from store.thresholds import EifRule, Progress, default_milestones, progress, qualifying
from store.weights import load_table

Outcome = Literal["baseline", "unchanged", "changed", "quarantined"]

# A computed entry-into-force date older than this is history, not news (`entry_into_force_due`).
DUE_MAX_AGE = dt.timedelta(days=60)

_TYPE_ORDER = {name: rank for rank, name in enumerate(EVENT_TYPES)}  # catalogue order


@dataclass(frozen=True, slots=True)
class Comparison:
    """What one observation means: outcome, events (empty unless "changed" or an announced
    baseline), the quarantine reason, and the current table's progress toward entry into force.

    "unchanged" means nothing event-worthy: the page may still differ (a rename, a footnote).
    """

    outcome: Outcome
    events: tuple[Event, ...] = ()
    reason: str | None = None
    progress: Progress = field(default_factory=lambda: Progress(0, None, None, None, None))


def compare(
    previous: TreatyStatus | None,
    current: TreatyStatus,
    rule: EifRule,
    now: dt.datetime,
    *,
    announce: bool = False,
) -> Comparison:
    """Compare two observations of one treaty's page. See the module docstring for the rules."""
    now_progress = progress(current.participants, rule)
    builder = _Builder(current, now_progress, now)
    if previous is None:
        if not announce:
            return Comparison("baseline", (), None, now_progress)
        for participant in current.participants:
            builder.participant_changed(None, participant, {})
        # A backfill counts up from nothing, like a sequence of checks would have.
        empty = dataclasses.replace(current, participants=())
        events = _running_counts(builder.sorted_events(), empty, current, rule)
        events = with_party_dates(events, current, rule, now_progress)
        return Comparison("baseline", events, None, now_progress)

    column_map, problem = _column_map(previous.columns, current.columns)
    if problem is None:
        problem = _rows_dropped(len(previous.participants), len(current.participants))
    if problem is None:
        problem = statement_diff.problem(previous.sections, current.sections)
    if problem is not None:
        return Comparison("quarantined", (), problem, now_progress)

    before = keyed_participants(previous.participants)
    after = keyed_participants(current.participants)
    vanished = [participant.name for key, participant in before.items() if key not in after]
    lost_actions: list[str] = []
    for key, participant in after.items():
        old = before.get(key)
        if old is not None and old == participant and column_map.identity:
            continue
        lost_actions += builder.participant_changed(old, participant, column_map.mapping)
    problems = [_vanished(vanished)] if vanished else []
    problems += [_listed(lost_actions, "; ")] if lost_actions else []
    if problems:
        return Comparison("quarantined", (), "; ".join(problems), now_progress)

    builder.treaty_level(previous, rule)
    events = _running_counts(builder.sorted_events(), previous, current, rule)
    events = with_party_dates(events, current, rule, now_progress)
    # Declarations, objections, territorial applications: after the grid's events, with the
    # observation's counts (they change no count).
    events += tuple(
        statement_diff.events(
            previous.sections,
            current.sections,
            current.participants,
            treaty=builder.treaty,
            counts=builder.counts,
            now=now,
        )
    )
    return Comparison("changed" if events else "unchanged", events, None, now_progress)


def _running_counts(
    events: tuple[Event, ...], previous: TreatyStatus, current: TreatyStatus, rule: EifRule
) -> tuple[Event, ...]:
    """Participant events carry the qualifying count as it stood right after them.

    Events of one observation are applied in order (action date, name): with France and Ghana
    new in the same check, France's event says 16 of 40 and Ghana's 17. Treaty-level events
    keep the counts of the whole observation. The weighted share of a dual threshold runs the
    same way (each gain adds the participant's share of the table).
    """
    if not any(e.participant for e in events) or current.participants == previous.participants:
        return events
    counted_before = {participant_key(name) for name, _ in qualifying(previous.participants, rule)}
    counted_after = {participant_key(name) for name, _ in qualifying(current.participants, rule)}
    running = len(counted_before)
    table = load_table(rule.weighted.table) if rule.weighted is not None else None
    share = (
        sum(table.share_of(name) for name, _ in qualifying(previous.participants, rule))
        if table is not None
        else 0.0
    )
    seen: set[str] = set()
    out = []
    for event in events:
        if event.participant is not None:
            key = participant_key(event.participant.name)
            gains = key in counted_after and key not in counted_before
            loses = key in counted_before and key not in counted_after
            counts_here = (
                isinstance(event, ConsentEvent)
                and event.action is not None
                and event.action.kind in rule.counted_kinds
            )
            if key not in seen and (
                (gains and counts_here) or (loses and event.type != "treaty.signature")
            ):
                seen.add(key)
                running += 1 if gains else -1
                if table is not None:
                    weight = table.share_of(event.participant.name)
                    share += weight if gains else -weight
            threshold = event.counts.threshold
            remaining = None if threshold is None else max(threshold - running, 0)
            counts = dataclasses.replace(event.counts, qualifying=running, remaining=remaining)
            if counts.weight is not None:
                counts = dataclasses.replace(
                    counts, weight=dataclasses.replace(counts.weight, share=max(share, 0.0))
                )
            event = dataclasses.replace(event, counts=counts)
        out.append(event)
    return tuple(out)


def entry_into_force_due(
    current: TreatyStatus,
    rule: EifRule,
    today: dt.date,
    *,
    now: dt.datetime | None = None,
    max_age: dt.timedelta = DUE_MAX_AGE,
) -> Event | None:
    """`treaty.entry_into_force` once its date has arrived, else None.

    The date is the page's when it shows one (a date still ahead is a *scheduled* entry into
    force: None until the day), else the computed one. None as well when the date is older than
    `max_age` (a treaty long in force is not news). Page and computed events of one day share
    their id, so the store keeps one of the two.
    `detected_at` is `now`, or midnight UTC of `today` when not given. An aware datetime given
    as `today` is both: its UTC date is today and it is the detection time.
    """
    if isinstance(today, dt.datetime):
        now, today = now or today, today.astimezone(dt.UTC).date()
    moment = now or dt.datetime.combine(today, dt.time(), dt.UTC)
    scheduled = current.entry_into_force_date
    if scheduled is not None:
        # The page is the authority; a date on it that has not arrived is only scheduled.
        if scheduled > today or today - scheduled > max_age:
            return None
        result = progress(current.participants, rule)
        return _Builder(current, result, moment).entry_into_force(scheduled, "page")
    result = progress(current.participants, rule)
    if result.eif_date is None or not result.in_force_on(today):
        return None
    if today - result.eif_date > max_age:
        return None
    return _Builder(current, result, moment).entry_into_force(result.eif_date, "computed")


@dataclass(frozen=True, slots=True)
class _ColumnMap:
    mapping: dict[int, int]  # previous column index → current column index
    identity: bool


class _Builder:
    """Accumulates the events of one comparison; knows the shared treaty, counts and time."""

    def __init__(self, current: TreatyStatus, result: Progress, now: dt.datetime) -> None:
        self.current = current
        self.progress = result
        self.now = now
        self.treaty = TreatyRef.from_status(current)
        self.counts = counts_of(current, result)
        self.events: list[Event] = []

    def participant_changed(
        self, old: Participant | None, new: Participant, column_map: dict[int, int]
    ) -> list[str]:
        """Events for one participant's row; returns descriptions of actions that vanished."""
        before = {column_map.get(a.column, -1): a for a in old.actions} if old else {}
        after = {a.column: a for a in new.actions}
        lost = [
            _lost(new.name, a, self.current.columns, c) for c, a in before.items() if c not in after
        ]
        if lost:
            return lost
        bracketed = new.withdrawn and not (old.withdrawn if old else False)
        unbracketed = old is not None and old.withdrawn and not new.withdrawn
        who = _Who(new.name)
        for column, action in after.items():
            was = before.get(column)
            if was is None:
                new_class = SignatureEvent if is_signature_kind(action.kind) else ConsentEvent
                self._emit(new_class, who, action)
                if action.withdrawn and not new.withdrawn:
                    self._emit(WithdrawalEvent, who, action)
                continue
            moved = (was.kind, was.date) != (action.kind, action.date)
            if moved or (was.withdrawn and not action.withdrawn and not unbracketed):
                self._emit(
                    CorrectionEvent,
                    who,
                    action,
                    id_extra=(was.kind, was.date, was.withdrawn, action.withdrawn),
                    previous_action=ActionRef(was.kind, was.date),
                    previous_withdrawn=was.withdrawn,
                    withdrawn=action.withdrawn,
                )
            if action.withdrawn and not was.withdrawn and not bracketed:
                self._emit(WithdrawalEvent, who, action)
        if bracketed or unbracketed:
            # The id covers the row's actions: a second withdrawal after a new accession is new.
            history = sorted((a.column, a.kind or "", a.date.isoformat()) for a in new.actions)
            id_extra = (bracketed, *(item for entry in history for item in entry))
            if bracketed:
                self._emit(WithdrawalEvent, who, None, id_extra=id_extra)
            else:
                self._emit(
                    CorrectionEvent,
                    who,
                    None,
                    id_extra=id_extra,
                    previous_action=None,
                    previous_withdrawn=True,
                    withdrawn=False,
                )
        return []

    def treaty_level(self, previous: TreatyStatus, rule: EifRule) -> None:
        """Milestones and threshold crossed upward; an entry-into-force date newly on the page."""
        now_count, threshold = self.progress.qualifying, self.progress.threshold
        # No participant event, no change in what counts: skip recounting the previous table.
        before_progress = progress(previous.participants, rule) if self.events else self.progress
        before = before_progress.qualifying
        if before < now_count:
            marks = rule.milestones or (default_milestones(threshold) if threshold else ())
            for mark in marks:
                if before < mark <= now_count:
                    self._emit(
                        MilestoneEvent, None, None, id_extra=(mark,), reached=mark, of=threshold
                    )
            already_in_force = previous.entry_into_force_date is not None
            # Every condition newly holds: the count, and the weight of a dual threshold (the
            # event then comes with the deposit that met the second condition).
            newly_met = self.progress.met and not before_progress.met
            if threshold is not None and newly_met and not already_in_force:
                nth = self.progress.nth_date
                eif = self.current.entry_into_force_date or self.progress.eif_date
                self._emit(
                    ThresholdReachedEvent,
                    None,
                    None,
                    id_extra=(nth, eif),
                    nth_deposit_date=nth,
                    entry_into_force_date=eif,
                )
        page_date = self.current.entry_into_force_date
        today = self.now.astimezone(dt.UTC).date()
        # A date still ahead is scheduled, not news of an entry into force: announced on the day
        # (`entry_into_force_due`, by the daily check), never before.
        if page_date is not None and previous.entry_into_force_date is None and page_date <= today:
            self.entry_into_force(page_date, "page")

    def entry_into_force(self, date: dt.date, source: str) -> Event:
        return self._emit(
            EntryIntoForceEvent,
            None,
            None,
            id_extra=(date,),
            entry_into_force_date=date,
            source=source,
        )

    def sorted_events(self) -> tuple[Event, ...]:
        return tuple(sorted(self.events, key=_sort_key))

    def _emit(
        self,
        event_class: type[Event],
        who: _Who | None,
        action: Action | None,
        *,
        id_extra: Iterable[object] = (),
        **fields: Any,
    ) -> Event:
        """Make one event (its id from what was observed, see `events.event_id`) and keep it."""
        act = ActionRef(action.kind, action.date) if action else None
        key = event_id(
            event_class.type,
            self.treaty.id,
            participant=who.name if who else None,
            action=act,
            column=action.column if action else None,
            extra=id_extra,
        )
        event = event_class(
            id=key,
            detected_at=self.now,
            treaty=self.treaty,
            participant=who.ref() if who else None,
            action=act,
            counts=self.counts,
            **fields,
        )
        self.events.append(event)
        return event


class _Who:
    """A participant name, `resolve`d only if an event about it is made, and then only once."""

    __slots__ = ("_ref", "name")

    def __init__(self, name: str) -> None:
        self.name = name
        self._ref: ParticipantRef | None = None

    def ref(self) -> ParticipantRef:
        if self._ref is None:
            country = resolve(self.name)
            self._ref = ParticipantRef(self.name, country.code, country.flag)
        return self._ref


def counts_of(status: TreatyStatus, result: Progress) -> Counts:
    """The page's signatory and party figures when it gives them, else counted from the table."""
    signatories, parties = status.signatories, status.parties
    if signatories is None:
        signatories = sum(
            any(is_signature_kind(a.kind) and not a.withdrawn for a in p.actions)
            for p in status.participants
        )
    if parties is None:
        parties = sum(
            not p.withdrawn and any(is_party_kind(a.kind) and not a.withdrawn for a in p.actions)
            for p in status.participants
        )
    weight = (
        WeightCounts(result.weight.table, result.weight.share, result.weight.needed)
        if result.weight is not None
        else None
    )
    return Counts(
        signatories, parties, result.qualifying, result.threshold, result.remaining, weight
    )


def _column_map(before: Sequence[str], after: Sequence[str]) -> tuple[_ColumnMap, str | None]:
    """Pair columns by header text (n-th occurrence with n-th). A previous header missing from
    the current page is a problem: renamed in place, or gone."""
    if tuple(before) == tuple(after):
        return _ColumnMap({i: i for i in range(len(after))}, identity=True), None
    positions: dict[str, list[int]] = {}
    for index, header in enumerate(after):
        positions.setdefault(normalise_space(header), []).append(index)
    mapping: dict[int, int] = {}
    missing: list[tuple[int, str]] = []
    for index, header in enumerate(before):
        free = positions.get(normalise_space(header))
        if free:
            mapping[index] = free.pop(0)
        else:
            missing.append((index, header))
    if not missing:
        identity = all(old == new for old, new in mapping.items())
        return _ColumnMap(mapping, identity), None
    index, header = missing[0]
    unpaired = set(range(len(after))) - set(mapping.values())
    if len(before) == len(after) and index in unpaired:
        problem = f"column {index} header changed from {header!r} to {after[index]!r}"
    else:
        problem = f"column {header!r} disappeared"
    if len(missing) > 1:
        problem += f" (and {len(missing) - 1} more column(s))"
    return _ColumnMap(mapping, identity=False), problem


def _rows_dropped(before: int, after: int) -> str | None:
    """More rows lost than max(2, 5 % of the previous count): a broken page, not news."""
    if before - after > max(2, before * 0.05):
        return f"rows dropped from {before} to {after}"
    return None


def _vanished(names: Sequence[str]) -> str:
    if len(names) == 1:
        return f"participant {names[0]!r} vanished from the table"
    return f"participants {_listed([repr(n) for n in names], ', ')} vanished from the table"


def _lost(name: str, action: Action, columns: Sequence[str], column: int) -> str:
    """`column` is where the action's column is on the current page (the header is the same)."""
    where = repr(columns[column]) if 0 <= column < len(columns) else str(action.column)
    what = f"{action.kind or 'action'} of {action.date.isoformat()}"
    return f"{what} of {name!r} vanished from column {where}"


def _listed(items: Sequence[str], separator: str, limit: int = 5) -> str:
    shown = separator.join(items[:limit])
    return shown + (f" (and {len(items) - limit} more)" if len(items) > limit else "")


def _sort_key(event: Event) -> tuple[int, dt.date, str, int, int, str]:
    """Participant events by action date and name; treaty-level events after them."""
    action_date = event.action.date if event.action else dt.date.min
    name = event.participant.name if event.participant else ""
    number = event.reached if isinstance(event, MilestoneEvent) else 0
    group = 0 if event.participant else 1
    return (group, action_date, name, _TYPE_ORDER[event.type], number, event.id)
