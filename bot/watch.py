"""The watch planner: for each watched treaty its tier (hot, warm, quiet), why, and when its next
check is due; and which due treaty the next request goes to.

Pure: the facts about each treaty, the tier rules and "now" are arguments. No I/O, no clock, no
store. `store/watch.py` gathers the facts; the scheduler and `treatybot schedule` call `plan`.

Hot (every `hot_interval`): tracked by hand, a subscriber waiting for a first status (never read
yet), a change seen or an action dated within `hot_recent_days`, within `hot_within_instruments`
of the entry-into-force threshold, or a computed entry-into-force date within
`hot_entry_into_force_days`. Quiet (every `quiet_interval`): the last action older than
`quiet_after_days` (closed, or in force long ago). Warm (every `warm_interval`): the rest. The
first matching reason is the one given. A treaty that changed is hot at once (its change is
recent), so the next check follows within `hot_interval`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Tier = Literal["hot", "warm", "quiet"]
TIER_RANK: dict[Tier, int] = {"hot": 0, "warm": 1, "quiet": 2}


@dataclass(frozen=True, slots=True)
class Tiers:
    """The tier rules (`[watch]` of the config)."""

    hot_interval_s: float = 180.0
    warm_interval_s: float = 3600.0
    quiet_interval_s: float = 43_200.0
    hot_within_instruments: int = 5
    hot_recent_days: int = 30
    hot_entry_into_force_days: int = 30
    quiet_after_days: int = 1095

    def interval_s(self, tier: Tier) -> float:
        return {
            "hot": self.hot_interval_s,
            "warm": self.warm_interval_s,
            "quiet": self.quiet_interval_s,
        }[tier]


@dataclass(frozen=True, slots=True)
class Facts:
    """What is known about one watched treaty."""

    treaty_id: str
    tracked: bool = False
    subscribers: int = 0
    has_snapshot: bool = False
    last_checked: dt.datetime | None = None
    last_change: dt.datetime | None = None  # when a check last saw the page change
    last_action: dt.date | None = None  # the latest date of any participant's action
    missing_instruments: int | None = None  # still needed for entry into force (None: unknown)
    projected_eif: dt.date | None = None  # computed entry-into-force date, not yet in force
    interval_s: float | None = None  # a `[[treaties]] interval` override (hot at most this)


@dataclass(frozen=True, slots=True)
class Plan:
    treaty_id: str
    tier: Tier
    reason: str
    next_due: dt.datetime
    last_checked: dt.datetime | None
    interval_s: float  # how long after a check the next is due

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.treaty_id,
            "tier": self.tier,
            "reason": self.reason,
            "next_due": _stamp(self.next_due),
            "last_checked": _stamp(self.last_checked) if self.last_checked else None,
        }


def _stamp(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def tier_of(facts: Facts, now: dt.datetime, tiers: Tiers) -> tuple[Tier, str]:
    """The tier of one treaty and the human reason for it."""
    today = now.astimezone(dt.UTC).date()
    recent = dt.timedelta(days=tiers.hot_recent_days)
    if facts.tracked:
        return "hot", "tracked by hand"
    if facts.subscribers and not facts.has_snapshot:
        return "hot", "a subscriber is waiting for its first status"
    if facts.last_change is not None and now - facts.last_change <= recent:
        return "hot", f"changed {_ago(now - facts.last_change)}"
    if facts.last_action is not None and today - facts.last_action <= recent:
        return "hot", f"an action dated {facts.last_action.isoformat()}"
    missing = facts.missing_instruments
    if missing is not None and 0 < missing <= tiers.hot_within_instruments:
        return "hot", f"{missing} instrument{'s' if missing != 1 else ''} from entry into force"
    eif = facts.projected_eif
    if eif is not None and (eif - today).days <= tiers.hot_entry_into_force_days:
        return "hot", f"enters into force on {eif.isoformat()}"
    if not facts.has_snapshot:
        return "warm", "never read yet"
    if facts.last_action is None:
        return "warm", "no dated action on the page"
    if (today - facts.last_action).days > tiers.quiet_after_days:
        return "quiet", f"no action since {facts.last_action.isoformat()}"
    return "warm", f"last action {facts.last_action.isoformat()}"


def _ago(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 3600:
        return f"{max(seconds // 60, 0)} min ago"
    if seconds < 86_400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86_400} days ago"


def plan(facts: Facts, now: dt.datetime, tiers: Tiers) -> Plan:
    """Tier, reason and next due time of one treaty (never read: due now)."""
    tier, reason = tier_of(facts, now, tiers)
    interval = tiers.interval_s(tier)
    if facts.interval_s is not None and facts.interval_s < interval:
        interval = facts.interval_s
    last = facts.last_checked
    due = now if last is None else last + dt.timedelta(seconds=interval)
    return Plan(facts.treaty_id, tier, reason, due, last, interval)


def plan_all(facts: Iterable[Facts], now: dt.datetime, tiers: Tiers) -> list[Plan]:
    """Every treaty's plan, soonest due first (ties: hotter first, then id)."""
    plans = [plan(f, now, tiers) for f in facts]
    return sorted(plans, key=lambda p: (p.next_due, TIER_RANK[p.tier], p.treaty_id))


def next_checks(plans: Iterable[Plan], now: dt.datetime, tiers: Tiers, limit: int) -> list[Plan]:
    """Up to `limit` due treaties, most urgent first.

    When more is due than the budget allows, hot goes first; within a tier, the one furthest
    past its due time (as a share of its interval) first, so a quiet treaty overdue by half a day
    outranks a warm one overdue by a minute and nobody starves while the budget allows at all.
    """
    due = [p for p in plans if p.next_due <= now]

    def urgency(p: Plan) -> tuple[int, float, str]:
        late = (now - p.next_due).total_seconds() / p.interval_s
        # Overdue by more than a whole interval: as urgent as hot (its tier bound is at stake).
        rank = 0 if late >= 1.0 else TIER_RANK[p.tier]
        return rank, -late, p.treaty_id

    return sorted(due, key=urgency)[:limit]


def tier_changes(
    before: dict[str, str], plans: Iterable[Plan]
) -> list[tuple[str, str | None, Plan]]:
    """(treaty id, old tier or None, new plan) for each treaty whose tier changed."""
    return [
        (p.treaty_id, before.get(p.treaty_id), p)
        for p in plans
        if before.get(p.treaty_id) != p.tier
    ]
