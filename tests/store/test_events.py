"""The event catalogue: the stable JSON contract, the round trip, deterministic ids."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

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
    WithdrawalEvent,
    event_from_json,
    event_id,
    short_title,
)

CYBERCRIME_TITLE = (
    "United Nations Convention against Cybercrime; Strengthening International Cooperation for "
    "Combating Certain Crimes Committed by Means of Information and Communications Technology "
    "Systems and for the Sharing of Evidence in Electronic Form of Serious Crimes"
)
URL = "https://treaties.un.org/Pages/ViewDetails.aspx?src=TREATY&mtdsg_no=XVIII-16&chapter=18"
TREATY = TreatyRef("XVIII-16", short_title(CYBERCRIME_TITLE), URL)
FRANCE = ParticipantRef("France", "FR", "🇫🇷")
RATIFICATION = ActionRef("ratification", dt.date(2026, 3, 12))
COUNTS = Counts(signatories=72, parties=17, qualifying=17, threshold=40, remaining=23)
DETECTED = dt.datetime(2026, 3, 12, 14, 5, 9, tzinfo=dt.UTC)


def common(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": "evt_0123456789abcdef01234567",
        "detected_at": DETECTED,
        "treaty": TREATY,
        "participant": FRANCE,
        "action": RATIFICATION,
        "counts": COUNTS,
    }
    return values | changes


def one_of_each() -> list[Event]:
    treaty_level = common(participant=None, action=None)
    return [
        SignatureEvent(**common(action=ActionRef("signature", dt.date(2025, 10, 25)))),
        ConsentEvent(**common()),
        WithdrawalEvent(**common(action=None)),
        CorrectionEvent(
            **common(),
            previous_action=ActionRef("ratification", dt.date(2026, 3, 2)),
            previous_withdrawn=False,
            withdrawn=False,
        ),
        MilestoneEvent(**treaty_level, reached=20, of=40),
        ThresholdReachedEvent(
            **treaty_level,
            nth_deposit_date=dt.date(2026, 4, 12),
            entry_into_force_date=dt.date(2026, 7, 11),
        ),
        EntryIntoForceEvent(
            **treaty_level, entry_into_force_date=dt.date(2026, 7, 11), source="page"
        ),
    ]


def test_consent_event_json_is_exactly_the_stable_contract() -> None:
    actual = ConsentEvent(**common()).to_json()

    assert actual == {
        "id": "evt_0123456789abcdef01234567",
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


def test_consent_event_carries_the_party_date_and_a_stored_event_without_it_still_reads() -> None:
    event = ConsentEvent(
        **common(),
        party_entry_into_force_date=dt.date(2026, 4, 11),
        party_entry_into_force_basis="own",
    )
    data = event.to_json()
    older = {k: v for k, v in data.items() if k != "party_entry_into_force"}
    older["counts"] = {k: v for k, v in data["counts"].items() if k != "weight"}

    assert data["party_entry_into_force"] == {"date": "2026-04-11", "basis": "own"}
    assert event_from_json(data) == event
    assert event_from_json(older).party_entry_into_force_date is None  # type: ignore[attr-defined]


def test_milestone_json_has_null_participant_and_action_and_a_milestone_object() -> None:
    actual = MilestoneEvent(**common(participant=None, action=None), reached=20, of=40).to_json()

    assert (actual["type"], actual["participant"], actual["action"]) == (
        "treaty.milestone",
        None,
        None,
    )
    assert actual["milestone"] == {"reached": 20, "of": 40}
    assert actual["entry_into_force"] == {"date": None}


def test_threshold_and_entry_into_force_carry_the_date() -> None:
    events = one_of_each()
    threshold, in_force = events[5].to_json(), events[6].to_json()

    assert threshold["entry_into_force"] == {"date": "2026-07-11"}
    assert threshold["nth_deposit_date"] == "2026-04-12"
    assert in_force["entry_into_force"] == {"date": "2026-07-11"}
    assert in_force["source"] == "page"


def test_correction_json_carries_previous_action_and_bracket_states() -> None:
    actual = one_of_each()[3].to_json()["correction"]

    assert actual == {
        "previous_action": {"kind": "ratification", "date": "2026-03-02"},
        "previous_withdrawn": False,
        "withdrawn": False,
    }


@pytest.mark.parametrize("event", one_of_each(), ids=lambda event: event.type)
def test_every_event_type_round_trips_through_json(event: Event) -> None:
    assert event_from_json(event.to_json()) == event


def test_catalogue_is_closed_explicit_and_self_describing() -> None:
    assert sorted(EVENT_TYPES) == [
        "treaty.consent",
        "treaty.correction",
        "treaty.declaration",
        "treaty.entry_into_force",
        "treaty.milestone",
        "treaty.objection",
        "treaty.signature",
        "treaty.territorial_application",
        "treaty.threshold_reached",
        "treaty.withdrawal",
    ]
    for name, cls in EVENT_TYPES.items():
        assert cls.type == name
        assert (cls.__doc__ or "").startswith(name)


def test_unknown_type_is_refused_when_reading_json() -> None:
    data = ConsentEvent(**common()).to_json() | {"type": "treaty.rumour"}

    with pytest.raises(ValueError, match=r"treaty\.rumour"):
        event_from_json(data)


def test_detected_at_is_stored_in_utc_to_the_second() -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    event = ConsentEvent(**common(detected_at=dt.datetime(2026, 3, 12, 15, 5, 9, 999, paris)))

    assert event.detected_at == DETECTED
    assert event.to_json()["detected_at"] == "2026-03-12T14:05:09Z"


def test_naive_detected_at_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        ConsentEvent(**common(detected_at=dt.datetime(2026, 3, 12, 14, 5, 9)))


def test_events_are_frozen() -> None:
    event = ConsentEvent(**common())

    with pytest.raises(AttributeError):
        event.id = "evt_other"  # type: ignore[misc]  # proving immutability


def test_short_title_stops_at_the_first_semicolon() -> None:
    assert short_title(CYBERCRIME_TITLE) == "United Nations Convention against Cybercrime"
    assert short_title("Arms Trade Treaty") == "Arms Trade Treaty"


def test_event_id_is_evt_and_24_hex_digits_and_deterministic() -> None:
    first = event_id("treaty.consent", "XVIII-16", participant="France", action=RATIFICATION)
    again = event_id("treaty.consent", "XVIII-16", participant="France", action=RATIFICATION)

    assert first == again
    assert first.startswith("evt_")
    assert len(first) == 28
    assert int(first[4:], 16) >= 0


def test_event_id_differs_for_a_different_action_column_or_extra() -> None:
    base = event_id("treaty.consent", "XVIII-16", participant="France", action=RATIFICATION)
    other_date = ActionRef("ratification", dt.date(2026, 3, 13))
    others = {
        event_id("treaty.consent", "XVIII-16", participant="France", action=other_date),
        event_id("treaty.consent", "XVIII-16", participant="Spain", action=RATIFICATION),
        event_id("treaty.signature", "XVIII-16", participant="France", action=RATIFICATION),
        event_id("treaty.consent", "XXI-10", participant="France", action=RATIFICATION),
        event_id("treaty.consent", "XVIII-16", participant="France", action=RATIFICATION, column=2),
        event_id(
            "treaty.consent", "XVIII-16", participant="France", action=RATIFICATION, extra=[1]
        ),
    }

    assert base not in others
    assert len(others) == 6


def test_event_id_survives_a_rename() -> None:
    action = ActionRef("signature", dt.date(2025, 10, 25))

    assert event_id("treaty.signature", "XVIII-16", participant="Turkey", action=action) == (
        event_id("treaty.signature", "XVIII-16", participant="Türkiye", action=action)
    )
