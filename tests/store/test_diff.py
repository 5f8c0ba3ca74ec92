"""The diff: two observations of a status page → typed events, or a quarantine with a reason.

Observations are the parsed Cybercrime fixture page (tests/fixtures/pages/xviii-16-2025-11.html:
31 real signatures of 25 Oct 2025, "Czech Republic" as printed then) and small tables built on
the same header with `participants_from_rows`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from scrapers.model import Participant, TreatyStatus
from scrapers.parse import parse_status_page
from store.diff import Comparison, compare, entry_into_force_due, is_party_kind, is_signature_kind
from store.events import (
    ActionRef,
    ConsentEvent,
    CorrectionEvent,
    EntryIntoForceEvent,
    Event,
    MilestoneEvent,
    SignatureEvent,
    ThresholdReachedEvent,
    WithdrawalEvent,
    event_id,
)
from store.thresholds import EifRule, RuleOverrides, resolve_rule, rule_from_text
from tests.store.csvtable import participants_from_rows

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
URL = "https://treaties.un.org/Pages/ViewDetails.aspx?src=TREATY&mtdsg_no=XVIII-16&chapter=18"
PAGE = parse_status_page((PAGES / "xviii-16-2025-11.html").read_bytes(), "XVIII-16", URL)
RULE = rule_from_text(PAGE.entry_into_force_text)  # 40 instruments, +90 days, EU not counted
HEADER = PAGE.columns  # Participant | Signature | Acceptance(A), Ratification, Approval(AA), …
NOW = dt.datetime(2026, 3, 12, 14, 5, 9, tzinfo=dt.UTC)
LATER = dt.datetime(2026, 3, 13, 8, 0, 0, tzinfo=dt.UTC)
ATT = (
    "shall enter into force ninety days following the date of the deposit of the fiftieth "
    "instrument of ratification, acceptance or approval"
)


def table(*rows: tuple[str, ...], base: TreatyStatus = PAGE, **changes: object) -> TreatyStatus:
    """The page with its grid replaced by `rows` (name, signature cell, consent cell)."""
    participants = participants_from_rows([base.columns, *rows])
    return dataclasses.replace(base, participants=participants, **changes)  # type: ignore[arg-type]  # replace() takes the fields as keyword arguments


def states(count: int, cell: str = "1 Mar 2026", first: int = 1) -> list[tuple[str, str, str]]:
    """`count` synthetic states that signed on 25 Oct 2025 and have `cell` in the consent column."""
    return [(f"State {i:02}", "25 Oct 2025", cell) for i in range(first, first + count)]


def edit(status: TreatyStatus, who: str, **changes: object) -> TreatyStatus:
    """`status` with the participant called `who` changed (name, withdrawn, actions …)."""
    participants = tuple(
        dataclasses.replace(p, **changes) if p.name == who else p  # type: ignore[arg-type]  # see table()
        for p in status.participants
    )
    return dataclasses.replace(status, participants=participants)


def added(status: TreatyStatus, *participants: Participant) -> TreatyStatus:
    rows = sorted((*status.participants, *participants), key=lambda p: p.name)
    return dataclasses.replace(status, participants=tuple(rows))


def one(result: Comparison) -> Event:
    assert result.outcome == "changed"
    assert len(result.events) == 1, result.events
    return result.events[0]


def summary(events: tuple[Event, ...]) -> list[tuple[str, str | None, str | None]]:
    """(type, participant, action kind) per event, in order."""
    return [
        (
            event.type,
            event.participant.name if event.participant else None,
            event.action.kind if event.action else None,
        )
        for event in events
    ]


# ---- first sight -------------------------------------------------------------------------------


def test_first_sight_is_a_baseline_without_events() -> None:
    result = compare(None, PAGE, RULE, NOW)

    assert (result.outcome, result.events, result.reason) == ("baseline", (), None)
    assert result.progress.qualifying == 0


def test_announced_baseline_emits_every_action_as_new_and_nothing_treaty_level() -> None:
    current = table(*states(12), ("Zambia", "25 Oct 2025", ""))
    result = compare(None, current, RULE, NOW, announce=True)

    assert result.outcome == "baseline"
    assert [e.type for e in result.events].count("treaty.signature") == 13
    assert [e.type for e in result.events].count("treaty.consent") == 12
    assert not [e for e in result.events if e.participant is None]  # no milestone (10 passed)


# ---- each event type ---------------------------------------------------------------------------


def test_new_ratification_gives_consent_event_in_the_stable_json_contract() -> None:
    previous = table(*states(16), ("France", "25 Oct 2025", ""))
    current = table(*states(16), ("France", "25 Oct 2025", "12 Mar 2026"))
    event = one(compare(previous, current, RULE, NOW))
    action = ActionRef("ratification", dt.date(2026, 3, 12))

    assert isinstance(event, ConsentEvent)
    assert event.to_json() == {
        "id": event_id("treaty.consent", "XVIII-16", participant="France", action=action, column=2),
        "type": "treaty.consent",
        "detected_at": "2026-03-12T14:05:09Z",
        "treaty": {
            "id": "XVIII-16",
            "title": "United Nations Convention against Cybercrime",
            "url": URL,
        },
        "participant": {"name": "France", "code": "FR", "flag": "🇫🇷"},
        "action": {"kind": "ratification", "date": "2026-03-12"},
        "counts": {
            "signatories": 72,
            "parties": 17,
            "qualifying": 17,
            "threshold": 40,
            "remaining": 23,
            "weight": None,
        },
        "entry_into_force": {"date": None},
        "party_entry_into_force": {"date": None, "basis": None},
    }


@pytest.mark.parametrize(
    ("cell", "kind"),
    [("3 Mar 2026 a", "accession"), ("3 Mar 2026 A", "acceptance"), ("3 Mar 2026 AA", "approval")],
)
def test_consent_kind_follows_the_header_letters(cell: str, kind: str) -> None:
    previous = table(("Chile", "25 Oct 2025", ""))
    event = one(compare(previous, table(("Chile", "25 Oct 2025", cell)), RULE, NOW))

    assert isinstance(event, ConsentEvent)
    assert event.action == ActionRef(kind, dt.date(2026, 3, 3))


def test_new_signature_by_a_new_participant_gives_signature_event_with_flag() -> None:
    current = added(PAGE, *participants_from_rows([HEADER, ("Türkiye", "4 Mar 2026", "")]))
    event = one(compare(PAGE, current, RULE, NOW))

    assert isinstance(event, SignatureEvent)
    assert event.participant is not None
    assert (event.participant.name, event.participant.code) == ("Türkiye", "TR")
    assert event.participant.flag == "🇹🇷"
    assert event.action == ActionRef("signature", dt.date(2026, 3, 4))
    assert event.counts.signatories == 72  # the page's own figure wins


def test_succession_to_signature_is_a_signature_and_ambiguous_kind_a_consent() -> None:
    header = ("Participant", "Signature, Succession to signature(d)", "Ratification, Accession")
    base = dataclasses.replace(PAGE, columns=header)
    previous = table(("Montenegro", "", ""), ("Serbia", "", ""), base=base)
    current = table(("Montenegro", "3 Jun 2006 d", ""), ("Serbia", "", "5 Jun 2006"), base=base)
    result = compare(previous, current, RULE, NOW)

    assert summary(result.events) == [
        ("treaty.signature", "Montenegro", "succession_to_signature"),
        ("treaty.consent", "Serbia", None),
    ]


def test_bracketed_name_gives_one_withdrawal_for_the_participant() -> None:
    previous = table(("Chile", "25 Oct 2025", "1 Mar 2026"))
    current = edit(table(("Chile", "[25 Oct 2025]", "[1 Mar 2026]")), "Chile", withdrawn=True)
    event = one(compare(previous, current, RULE, NOW))

    assert isinstance(event, WithdrawalEvent)
    assert event.participant is not None
    assert (event.participant.name, event.action) == ("Chile", None)
    assert (event.counts.parties, event.counts.qualifying) == (0, 0)


def test_bracketed_date_gives_a_withdrawal_for_that_action() -> None:
    previous = table(("Chile", "25 Oct 2025", "1 Mar 2026 A"))
    event = one(compare(previous, table(("Chile", "25 Oct 2025", "[1 Mar 2026 A]")), RULE, NOW))

    assert isinstance(event, WithdrawalEvent)
    assert event.action == ActionRef("acceptance", dt.date(2026, 3, 1))


def test_changed_date_gives_correction_carrying_the_previous_action() -> None:
    previous = table(("Chile", "25 Oct 2025", "1 Mar 2026"))
    event = one(compare(previous, table(("Chile", "25 Oct 2025", "2 Mar 2026")), RULE, NOW))

    assert isinstance(event, CorrectionEvent)
    assert event.action == ActionRef("ratification", dt.date(2026, 3, 2))
    assert event.previous_action == ActionRef("ratification", dt.date(2026, 3, 1))
    assert (event.previous_withdrawn, event.withdrawn) == (False, False)


def test_changed_marker_gives_correction_of_the_kind() -> None:
    previous = table(("Chile", "25 Oct 2025", "1 Mar 2026 A"))
    event = one(compare(previous, table(("Chile", "25 Oct 2025", "1 Mar 2026 AA")), RULE, NOW))

    assert isinstance(event, CorrectionEvent)
    assert event.previous_action == ActionRef("acceptance", dt.date(2026, 3, 1))
    assert event.action == ActionRef("approval", dt.date(2026, 3, 1))


def test_removed_brackets_give_corrections() -> None:
    previous = edit(table(("Chile", "25 Oct 2025", "[1 Mar 2026]")), "Chile", withdrawn=True)
    on_name = compare(previous, table(("Chile", "25 Oct 2025", "[1 Mar 2026]")), RULE, NOW)
    on_date = compare(
        table(("Chile", "25 Oct 2025", "[1 Mar 2026]")),
        table(("Chile", "25 Oct 2025", "1 Mar 2026")),
        RULE,
        NOW,
    )
    name_event, date_event = one(on_name), one(on_date)

    assert isinstance(name_event, CorrectionEvent)
    assert (name_event.action, name_event.previous_action) == (None, None)
    assert (name_event.previous_withdrawn, name_event.withdrawn) == (True, False)
    assert isinstance(date_event, CorrectionEvent)
    assert date_event.previous_action == date_event.action
    assert (date_event.previous_withdrawn, date_event.withdrawn) == (True, False)


def test_milestone_crossed_upward_gives_one_event() -> None:
    previous = table(*states(9), ("Zambia", "25 Oct 2025", ""))
    current = table(*states(9), ("Zambia", "25 Oct 2025", "1 Mar 2026"))
    result = compare(previous, current, RULE, NOW)

    assert RULE.milestones == (10, 20, 30, 39)
    assert summary(result.events) == [
        ("treaty.consent", "Zambia", "ratification"),
        ("treaty.milestone", None, None),
    ]
    milestone = result.events[1]
    assert isinstance(milestone, MilestoneEvent)
    assert (milestone.reached, milestone.of) == (10, 40)
    assert milestone.to_json()["milestone"] == {"reached": 10, "of": 40}


def test_several_milestones_crossed_at_once_each_give_an_event_in_order() -> None:
    result = compare(table(*states(9)), table(*states(31)), RULE, NOW)
    milestones = [e for e in result.events if isinstance(e, MilestoneEvent)]

    assert [m.reached for m in milestones] == [10, 20, 30]
    assert result.events[-3:] == tuple(milestones)


def test_withdrawal_below_a_milestone_announces_no_milestone() -> None:
    previous = table(*states(10))
    current = edit(previous, "State 10", withdrawn=True)

    assert summary(compare(previous, current, RULE, NOW).events) == [
        ("treaty.withdrawal", "State 10", None)
    ]


def test_recrossing_a_milestone_after_a_dip_gives_the_same_milestone_id() -> None:
    dipped = edit(table(*states(10)), "State 10", withdrawn=True)
    first = compare(
        table(*states(9), ("State 10", "25 Oct 2025", "")), table(*states(10)), RULE, NOW
    )
    again = compare(dipped, table(*states(10)), RULE, LATER)

    assert first.events[-1].type == again.events[-1].type == "treaty.milestone"
    assert first.events[-1].id == again.events[-1].id  # the store keeps the first one


def test_cybercrime_fortieth_instrument_reaches_threshold_not_counting_the_eu() -> None:
    eu = ("European Union", "25 Oct 2025", "2 Mar 2026 AA")
    previous = table(*states(39), eu, ("Zambia", "25 Oct 2025", ""))
    current = table(*states(39), eu, ("Zambia", "25 Oct 2025", "12 Apr 2026 A"))
    result = compare(previous, current, RULE, NOW)
    reached = result.events[-1]

    assert summary(result.events) == [
        ("treaty.consent", "Zambia", "acceptance"),
        ("treaty.threshold_reached", None, None),
    ]
    assert isinstance(reached, ThresholdReachedEvent)
    assert reached.nth_deposit_date == dt.date(2026, 4, 12)
    assert reached.entry_into_force_date == dt.date(2026, 4, 12) + dt.timedelta(days=90)
    assert (reached.counts.qualifying, reached.counts.remaining, reached.counts.parties) == (
        40,
        0,
        41,
    )
    assert reached.to_json()["entry_into_force"] == {"date": "2026-07-11"}


def test_att_like_rule_reaches_threshold_on_the_fiftieth_ratification_not_accession() -> None:
    rule = rule_from_text(ATT)
    accession = ("Zambia", "25 Oct 2025", "1 Dec 2014 a")
    previous = table(*states(49, "1 Sep 2014"), accession, ("Zimbabwe", "1 Sep 2014", ""))
    current = table(*states(49, "1 Sep 2014"), accession, ("Zimbabwe", "1 Sep 2014", "25 Sep 2014"))
    result = compare(previous, current, rule, NOW)
    reached = result.events[-1]

    assert [e.type for e in result.events] == ["treaty.consent", "treaty.threshold_reached"]
    assert isinstance(reached, ThresholdReachedEvent)
    assert reached.entry_into_force_date == dt.date(2014, 12, 24)
    before_accession = table(*states(49, "1 Sep 2014"), ("Zambia", "25 Oct 2025", ""))
    only_accession = compare(
        before_accession, table(*states(49, "1 Sep 2014"), accession), rule, NOW
    )
    assert [e.type for e in only_accession.events] == ["treaty.consent"]  # reaches nothing


def test_threshold_is_not_announced_again_once_the_page_shows_entry_into_force() -> None:
    in_force = dt.date(2026, 7, 11)
    previous = table(*states(39), ("State 40", "25 Oct 2025", ""), entry_into_force_date=in_force)
    current = table(*states(40), entry_into_force_date=in_force)

    assert [e.type for e in compare(previous, current, RULE, NOW).events] == ["treaty.consent"]


def test_entry_into_force_date_newly_on_the_page_gives_entry_into_force_once_arrived() -> None:
    current = dataclasses.replace(PAGE, entry_into_force_date=dt.date(2026, 3, 12))
    event = one(compare(PAGE, current, RULE, NOW))

    assert isinstance(event, EntryIntoForceEvent)
    assert (event.entry_into_force_date, event.source) == (dt.date(2026, 3, 12), "page")
    assert (event.participant, event.action) == (None, None)


def test_a_future_entry_into_force_date_on_the_page_is_scheduled_not_news() -> None:
    scheduled = dataclasses.replace(PAGE, entry_into_force_date=dt.date(2026, 7, 11))

    assert compare(PAGE, scheduled, RULE, NOW).events == ()
    assert entry_into_force_due(scheduled, RULE, dt.date(2026, 7, 10)) is None
    due = entry_into_force_due(scheduled, RULE, dt.date(2026, 7, 11))
    assert isinstance(due, EntryIntoForceEvent)
    assert (due.entry_into_force_date, due.source) == (dt.date(2026, 7, 11), "page")


def test_the_threshold_event_carries_the_date_the_page_schedules() -> None:
    previous = table(*states(39), ("State 40", "25 Oct 2025", ""))
    current = table(*states(40), entry_into_force_date=dt.date(2026, 7, 20))

    found = {e.type: e for e in compare(previous, current, RULE, NOW).events}

    assert "treaty.entry_into_force" not in found
    reached = found["treaty.threshold_reached"]
    assert isinstance(reached, ThresholdReachedEvent)
    assert reached.entry_into_force_date == dt.date(2026, 7, 20)


def test_entry_into_force_due_once_the_computed_date_arrives() -> None:
    current = table(*states(40, "12 Apr 2026"))

    assert entry_into_force_due(current, RULE, dt.date(2026, 7, 10)) is None
    due = entry_into_force_due(current, RULE, dt.date(2026, 7, 11), now=NOW)
    assert isinstance(due, EntryIntoForceEvent)
    assert (due.entry_into_force_date, due.source, due.detected_at) == (
        dt.date(2026, 7, 11),
        "computed",
        NOW,
    )


def test_entry_into_force_due_has_the_id_of_the_page_event_of_the_same_date() -> None:
    current = table(*states(40, "12 Apr 2026"))
    on_page = dataclasses.replace(current, entry_into_force_date=dt.date(2026, 7, 11))
    due = entry_into_force_due(current, RULE, dt.date(2026, 7, 12))
    later = dt.datetime(2026, 7, 12, tzinfo=dt.UTC)

    assert due is not None
    assert due.id == one(compare(current, on_page, RULE, later)).id
    assert due.id == getattr(entry_into_force_due(on_page, RULE, dt.date(2026, 7, 12)), "id", None)


def test_entry_into_force_due_is_silent_when_the_date_is_stale_or_not_reached() -> None:
    current = table(*states(40, "12 Apr 2026"))
    on_page = dataclasses.replace(current, entry_into_force_date=dt.date(2026, 7, 11))

    assert entry_into_force_due(on_page, RULE, dt.date(2026, 7, 10)) is None
    assert entry_into_force_due(on_page, RULE, dt.date(2027, 1, 1)) is None
    assert entry_into_force_due(current, RULE, dt.date(2027, 1, 1)) is None
    assert entry_into_force_due(table(*states(39)), RULE, dt.date(2030, 1, 1)) is None


def test_entry_into_force_due_accepts_now_as_today() -> None:
    current = table(*states(40, "12 Apr 2026"))
    moment = dt.datetime(2026, 7, 11, 6, 0, 0, tzinfo=dt.UTC)
    due = entry_into_force_due(current, RULE, moment)

    assert due is not None
    assert due.detected_at == moment


# ---- changes that are not news ----------------------------------------------------------------


def reordered(status: TreatyStatus) -> TreatyStatus:
    return dataclasses.replace(status, participants=status.participants[::-1])


def footnoted(status: TreatyStatus) -> TreatyStatus:
    participants = tuple(
        dataclasses.replace(
            p,
            footnotes=(3,),
            actions=tuple(dataclasses.replace(a, footnotes=(7,)) for a in p.actions),
        )
        for p in status.participants
    )
    return dataclasses.replace(status, participants=participants)


def spaced(status: TreatyStatus) -> TreatyStatus:
    participants = tuple(
        dataclasses.replace(p, name=f" {p.name.replace(' ', '  ')} ") for p in status.participants
    )
    return dataclasses.replace(status, participants=participants)


def restamped(status: TreatyStatus) -> TreatyStatus:
    return dataclasses.replace(status, status_as_at=dt.datetime(2026, 3, 12, 5, 0, tzinfo=dt.UTC))


def czechia(status: TreatyStatus) -> TreatyStatus:
    return edit(status, "Czech Republic", name="Czechia")


@pytest.mark.parametrize("change", [reordered, footnoted, spaced, restamped, czechia])
def test_changes_that_are_not_news_give_no_events(change: object) -> None:
    assert callable(change)
    current = change(PAGE)
    result = compare(PAGE, current, RULE, NOW)

    assert (result.outcome, result.events, result.reason) == ("unchanged", (), None)


def test_rename_turkey_to_turkiye_gives_no_events() -> None:
    previous = table(("Turkey", "25 Oct 2025", "1 Mar 2026"))
    current = table(("Türkiye", "25 Oct 2025", "1 Mar 2026"))

    assert compare(previous, current, RULE, NOW).outcome == "unchanged"


def test_reordered_columns_are_followed_by_header() -> None:
    previous = table(("Chile", "25 Oct 2025", "1 Mar 2026"))
    swapped = dataclasses.replace(previous, columns=(HEADER[0], HEADER[2], HEADER[1]))
    participants = tuple(
        dataclasses.replace(
            p, actions=tuple(dataclasses.replace(a, column=3 - a.column) for a in p.actions)
        )
        for p in previous.participants
    )
    current = dataclasses.replace(swapped, participants=participants)

    assert compare(previous, current, RULE, NOW).outcome == "unchanged"


# ---- quarantine -------------------------------------------------------------------------------


def test_vanished_participant_is_quarantined_without_events() -> None:
    current = dataclasses.replace(
        PAGE, participants=tuple(p for p in PAGE.participants if p.name != "France")
    )
    result = compare(PAGE, current, RULE, NOW)

    assert (result.outcome, result.events) == ("quarantined", ())
    assert result.reason == "participant 'France' vanished from the table"


def test_vanished_action_is_quarantined_even_beside_real_news() -> None:
    previous = table(("Chile", "25 Oct 2025", "1 Mar 2026"), ("Cuba", "25 Oct 2025", ""))
    current = table(("Chile", "25 Oct 2025", ""), ("Cuba", "25 Oct 2025", "2 Mar 2026"))
    result = compare(previous, current, RULE, NOW)

    assert (result.outcome, result.events) == ("quarantined", ())
    assert result.reason == (
        f"ratification of 2026-03-01 of 'Chile' vanished from column {HEADER[2]!r}"
    )


def test_many_rows_dropping_is_quarantined_with_the_counts() -> None:
    current = dataclasses.replace(PAGE, participants=PAGE.participants[:20])
    result = compare(PAGE, current, RULE, NOW)

    assert (result.outcome, result.events) == ("quarantined", ())
    assert result.reason == "rows dropped from 31 to 20"


def test_two_vanished_rows_are_named() -> None:
    current = dataclasses.replace(PAGE, participants=PAGE.participants[2:])
    result = compare(PAGE, current, RULE, NOW)

    assert result.reason == "participants 'Algeria', 'Angola' vanished from the table"


def test_disappeared_column_is_quarantined() -> None:
    current = table(("Chile", "25 Oct 2025", ""))
    previous = dataclasses.replace(current, columns=(*HEADER, "Note"))
    result = compare(previous, current, RULE, NOW)

    assert (result.outcome, result.events) == ("quarantined", ())
    assert result.reason == "column 'Note' disappeared"


def test_header_text_changed_in_place_is_quarantined() -> None:
    header = (*HEADER[:2], "Ratification, Accession(a), Succession(d)")
    result = compare(PAGE, dataclasses.replace(PAGE, columns=header), RULE, NOW)

    assert result.outcome == "quarantined"
    assert result.reason == (
        f"column 2 header changed from {HEADER[2]!r} to 'Ratification, Accession(a), Succession(d)'"
    )


# ---- ids, order, counts -----------------------------------------------------------------------


def test_same_observation_at_another_time_gives_the_same_ids() -> None:
    previous = table(*states(9), ("Zambia", "25 Oct 2025", ""))
    current = table(*states(9), ("Zambia", "25 Oct 2025", "1 Mar 2026"))
    first = compare(previous, current, RULE, NOW).events
    again = compare(previous, current, RULE, LATER).events

    assert [e.id for e in first] == [e.id for e in again]
    assert {e.detected_at for e in again} == {LATER}


def test_different_action_gives_a_different_id() -> None:
    previous = table(("Zambia", "25 Oct 2025", ""))
    march = one(compare(previous, table(("Zambia", "25 Oct 2025", "1 Mar 2026")), RULE, NOW))
    april = one(compare(previous, table(("Zambia", "25 Oct 2025", "1 Apr 2026")), RULE, NOW))

    assert march.id != april.id


def test_events_are_sorted_by_action_date_then_participant_then_treaty_level() -> None:
    previous = table(*states(9), ("Angola", "", ""), ("Zambia", "", ""))
    current = table(
        *states(9), ("Angola", "2 Mar 2026", "5 Mar 2026"), ("Zambia", "1 Mar 2026", "")
    )
    result = compare(previous, current, RULE, NOW)

    assert summary(result.events) == [
        ("treaty.signature", "Zambia", "signature"),
        ("treaty.signature", "Angola", "signature"),
        ("treaty.consent", "Angola", "ratification"),
        ("treaty.milestone", None, None),
    ]


def test_counts_are_computed_when_the_page_gives_none() -> None:
    rows = [
        ("Angola", "25 Oct 2025", "1 Mar 2026"),
        ("Chile", "[25 Oct 2025]", ""),
        ("Cuba", "25 Oct 2025", "[1 Mar 2026]"),
        ("European Union", "25 Oct 2025", "1 Mar 2026 AA"),
    ]
    previous = table(*rows, signatories=None, parties=None)
    current = table(*rows, ("Zambia", "", "2 Mar 2026 a"), signatories=None, parties=None)
    counts = one(compare(previous, current, RULE, NOW)).counts

    assert (counts.signatories, counts.parties, counts.qualifying) == (3, 3, 2)
    assert (counts.threshold, counts.remaining) == (40, 38)


def test_configured_milestones_without_threshold_give_of_none() -> None:
    rule: EifRule = resolve_rule("no count here", RuleOverrides(milestones=(2,)))
    result = compare(table(*states(1)), table(*states(2)), rule, NOW)
    milestone = result.events[-1]

    assert isinstance(milestone, MilestoneEvent)
    assert (milestone.reached, milestone.of, milestone.counts.threshold) == (2, None, None)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("signature", True),
        ("succession_to_signature", True),
        ("signature_ad_referendum", True),
        ("definitive_signature", False),
        ("provisional_application", False),
        (None, False),
    ],
)
def test_signature_kinds_are_signatures_and_definitive_signature_is_a_consent(
    kind: str | None, expected: bool
) -> None:
    assert is_signature_kind(kind) is expected


def test_provisional_application_is_a_consent_event_but_makes_no_party() -> None:
    header = ("Participant", "Signature", "Provisional application(n)", "Ratification")
    base = dataclasses.replace(PAGE, columns=header, parties=None)
    rows = [("Chile", "25 Oct 2025", "", ""), ("Cuba", "25 Oct 2025", "", "1 Mar 2026")]
    previous = table(*rows, base=base)
    current = table(("Chile", "25 Oct 2025", "2 Mar 2026", ""), rows[1], base=base)
    event = one(compare(previous, current, RULE, NOW))

    assert isinstance(event, ConsentEvent)
    assert event.action == ActionRef("provisional_application", dt.date(2026, 3, 2))
    assert event.counts.parties == 1
    assert not is_party_kind("provisional_application")


def test_a_name_listed_twice_is_paired_in_order() -> None:
    previous = table(("Chile", "25 Oct 2025", ""), ("Chile", "", "1 Mar 2026"))
    current = table(("Chile", "25 Oct 2025", ""), ("Chile", "26 Oct 2025", "1 Mar 2026"))

    assert summary(compare(previous, current, RULE, NOW).events) == [
        ("treaty.signature", "Chile", "signature")
    ]


def test_participant_events_of_one_check_carry_the_count_as_it_stood_after_each() -> None:
    before = table(*states(15))
    after = table(
        *states(15),
        ("Ghana", "25 Oct 2025", "13 Mar 2026 a"),
        ("France", "25 Oct 2025", "12 Mar 2026"),
    )

    result = compare(before, after, RULE, NOW)

    counts = [
        (e.type, e.participant.name, e.counts.qualifying, e.counts.remaining)
        for e in result.events
        if e.participant
    ]
    assert counts == [
        ("treaty.signature", "France", 15, 25),
        ("treaty.signature", "Ghana", 15, 25),
        ("treaty.consent", "France", 16, 24),
        ("treaty.consent", "Ghana", 17, 23),
    ]
    assert result.progress.qualifying == 17


# ---- each party's entry into force ---------------------------------------------------------


def test_a_consent_after_the_threshold_carries_the_partys_own_date() -> None:
    overrides = RuleOverrides(threshold=2, party_delay_days=30)
    rule = resolve_rule(PAGE.entry_into_force_text, overrides)
    previous = table(*states(2, "1 Mar 2026"), ("France", "25 Oct 2025", ""))
    current = table(*states(2, "1 Mar 2026"), ("France", "25 Oct 2025", "12 Mar 2026"))
    event = one(compare(previous, current, rule, NOW))

    assert isinstance(event, ConsentEvent)
    # The threshold met on 1 Mar 2026 → in force 30 May; France's own: 12 Mar + 30 = 11 Apr,
    # never before the general date: 30 May 2026.
    assert (event.party_entry_into_force_date, event.party_entry_into_force_basis) == (
        dt.date(2026, 5, 30),
        "own",
    )


def test_a_consent_to_a_treaty_in_force_without_a_known_clause_carries_no_party_date() -> None:
    in_force = dt.date(2026, 5, 30)
    previous = table(*states(2, "1 Mar 2026"), ("France", "25 Oct 2025", ""))
    current = table(*states(2, "1 Mar 2026"), ("France", "25 Oct 2025", "12 Jun 2026"))
    previous = dataclasses.replace(previous, entry_into_force_date=in_force)
    current = dataclasses.replace(current, entry_into_force_date=in_force)
    event = one(compare(previous, current, rule_from_text(""), LATER))

    assert isinstance(event, ConsentEvent)
    assert (event.party_entry_into_force_date, event.party_entry_into_force_basis) == (None, None)
