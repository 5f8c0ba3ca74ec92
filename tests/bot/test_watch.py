"""The watch planner: each treaty's tier, why, and when it is next due; the order of checks."""

from __future__ import annotations

import datetime as dt

from bot.watch import Facts, Tiers, next_checks, plan, plan_all, tier_changes, tier_of

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)
TIERS = Tiers()
READ = {"has_snapshot": True, "last_checked": NOW - dt.timedelta(minutes=1)}


def test_a_tracked_treaty_is_hot_by_hand() -> None:
    assert tier_of(Facts("XVIII-16", tracked=True, **READ), NOW, TIERS) == (
        "hot",
        "tracked by hand",
    )


def test_a_subscriber_waiting_for_a_first_status_makes_a_treaty_hot() -> None:
    facts = Facts("IV-11", subscribers=1, has_snapshot=False)
    assert tier_of(facts, NOW, TIERS) == ("hot", "a subscriber is waiting for its first status")


def test_a_treaty_that_just_changed_is_promoted_to_hot() -> None:
    facts = Facts("IV-11", last_change=NOW - dt.timedelta(minutes=4), **READ)
    assert tier_of(facts, NOW, TIERS) == ("hot", "changed 4 min ago")


def test_a_recent_action_makes_a_treaty_hot() -> None:
    facts = Facts("IV-11", last_action=dt.date(2026, 11, 20), **READ)
    assert tier_of(facts, NOW, TIERS) == ("hot", "an action dated 2026-11-20")


def test_a_treaty_near_its_threshold_is_hot() -> None:
    facts = Facts("IV-11", missing_instruments=3, last_action=dt.date(2020, 1, 1), **READ)
    assert tier_of(facts, NOW, TIERS) == ("hot", "3 instruments from entry into force")


def test_a_treaty_entering_into_force_soon_is_hot() -> None:
    facts = Facts(
        "IV-11", projected_eif=dt.date(2026, 12, 20), last_action=dt.date(2026, 1, 1), **READ
    )
    assert tier_of(facts, NOW, TIERS) == ("hot", "enters into force on 2026-12-20")


def test_a_treaty_without_action_for_years_is_quiet() -> None:
    facts = Facts("I-1", last_action=dt.date(1990, 5, 2), **READ)
    assert tier_of(facts, NOW, TIERS) == ("quiet", "no action since 1990-05-02")


def test_a_treaty_with_an_action_this_year_but_not_this_month_is_warm() -> None:
    facts = Facts("I-1", last_action=dt.date(2026, 3, 2), **READ)
    assert tier_of(facts, NOW, TIERS) == ("warm", "last action 2026-03-02")


def test_the_next_check_is_due_one_tier_interval_after_the_last() -> None:
    checked = NOW - dt.timedelta(hours=2)
    facts = Facts("I-1", last_action=dt.date(1990, 5, 2), has_snapshot=True, last_checked=checked)
    assert plan(facts, NOW, TIERS).next_due == checked + dt.timedelta(hours=12)


def test_a_treaty_never_checked_is_due_now() -> None:
    assert plan(Facts("I-1"), NOW, TIERS).next_due == NOW


def test_a_configured_interval_shorter_than_the_tier_wins() -> None:
    checked = NOW - dt.timedelta(hours=2)
    facts = Facts("I-1", tracked=True, has_snapshot=True, last_checked=checked, interval_s=60.0)
    assert plan(facts, NOW, TIERS).next_due == checked + dt.timedelta(seconds=60)


def test_hot_goes_first_when_more_is_due_than_the_budget_allows() -> None:
    plans = plan_all(
        [
            Facts(
                "W",
                last_action=dt.date(2026, 3, 1),
                has_snapshot=True,
                last_checked=NOW - dt.timedelta(hours=1),
            ),
            Facts("H", tracked=True, has_snapshot=True, last_checked=NOW - dt.timedelta(minutes=4)),
            Facts("Q", last_action=dt.date(1990, 1, 1), has_snapshot=True, last_checked=NOW),
        ],
        NOW,
        TIERS,
    )
    assert [p.treaty_id for p in next_checks(plans, NOW, TIERS, limit=1)] == ["H"]


def test_a_treaty_overdue_by_a_whole_interval_ranks_with_hot() -> None:
    plans = plan_all(
        [
            Facts(
                "Q",
                last_action=dt.date(1990, 1, 1),
                has_snapshot=True,
                last_checked=NOW - dt.timedelta(hours=25),
            ),
            Facts("H", tracked=True, has_snapshot=True, last_checked=NOW - dt.timedelta(minutes=4)),
        ],
        NOW,
        TIERS,
    )
    assert [p.treaty_id for p in next_checks(plans, NOW, TIERS, limit=2)] == ["Q", "H"]


def test_a_tier_change_is_reported_with_the_old_tier() -> None:
    plans = [plan(Facts("I-1", tracked=True, **READ), NOW, TIERS)]
    changes = tier_changes({"I-1": "quiet", "I-2": "warm"}, plans)
    assert [(tid, old, p.tier) for tid, old, p in changes] == [("I-1", "quiet", "hot")]


def test_a_plan_as_json_names_tier_reason_and_due_time() -> None:
    facts = Facts("I-1", tracked=True, **READ)
    assert plan(facts, NOW, TIERS).to_json() == {
        "id": "I-1",
        "tier": "hot",
        "reason": "tracked by hand",
        "next_due": "2026-12-07T12:02:00Z",
        "last_checked": "2026-12-07T11:59:00Z",
    }
