"""The day a treaty enters into force for each party, put on the events and the status.

Owns who is a party and since when (`party_deposits`: any consent kind, counted toward the
threshold or not), the date for one deposit given the treaty's progress
(`party_entry_into_force`, on top of `store.laterparties.party_date`), and adding that date to
consent events (`with_party_dates`). Also the two kind predicates the diff and the status share.

Pure: no I/O, no clock.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from scrapers.model import Participant, TreatyStatus
from store.countries import participant_key
from store.events import ConsentEvent, Event
from store.laterparties import party_date
from store.thresholds import EifRule, Progress

_SIGNATURE_KINDS = frozenset({"signature", "succession_to_signature"})


def is_signature_kind(kind: str | None) -> bool:
    """Signature, succession to signature and other signatures (`signature_ad_referendum` …);
    a definitive signature is a consent to be bound, not a signature."""
    return kind is not None and (kind in _SIGNATURE_KINDS or kind.startswith("signature_"))


def is_party_kind(kind: str | None) -> bool:
    """Kinds that make a participant a party: not a signature, not a provisional act. An
    ambiguous column (kind None) counts: every such header in the real tables lists consents."""
    return not is_signature_kind(kind) and "provisional" not in (kind or "")


def party_deposits(participants: Sequence[Participant]) -> dict[str, tuple[str, dt.date]]:
    """Participant key → (name, the earliest date of an action that makes it a party), for
    every participant that is one: any consent kind counts here, counted toward the threshold
    or not (an accession the Arms Trade Treaty's threshold ignores still binds the State)."""
    out: dict[str, tuple[str, dt.date]] = {}
    for participant in participants:
        if participant.withdrawn:
            continue
        dates = [
            a.date
            for a in participant.actions
            if not a.withdrawn and not is_signature_kind(a.kind) and is_party_kind(a.kind)
        ]
        key = participant_key(participant.name)
        if dates and (key not in out or min(dates) < out[key][1]):
            out[key] = (participant.name, min(dates))
    return out


def party_entry_into_force(
    deposit: dt.date, status: TreatyStatus, rule: EifRule, result: Progress
) -> tuple[dt.date, str] | None:
    """(date, basis) the treaty enters into force for a party that deposited on `deposit`
    (`laterparties.party_date`); None while it is not known (threshold not met, no date).

    With the page's date but no threshold date known (a text that only says "1 July 2002, in
    accordance with article 126"), a deposit after the general date still has its own date,
    and an "after the entry into force" clause gives earlier deposits the general date; an
    earlier deposit under an "after the threshold" clause stays unknown rather than guessed.
    """
    general = status.entry_into_force_date or result.eif_date
    if general is None:
        return None
    nth = result.nth_date
    if nth is None:
        after_eif = rule.party is not None and rule.party.after == "entry_into_force"
        if deposit <= general and not after_eif:
            return None
        nth = general
    return party_date(deposit, general, nth, rule.party)


def with_party_dates(
    events: tuple[Event, ...], current: TreatyStatus, rule: EifRule, result: Progress
) -> tuple[Event, ...]:
    """Consent events carry the day the treaty enters into force for their participant."""
    if not any(isinstance(e, ConsentEvent) for e in events):
        return events
    if current.entry_into_force_date is None and result.eif_date is None:
        return events
    deposits = party_deposits(current.participants)
    out = []
    for event in events:
        if isinstance(event, ConsentEvent) and event.participant is not None:
            found = deposits.get(participant_key(event.participant.name))
            dated = party_entry_into_force(found[1], current, rule, result) if found else None
            if dated is not None:
                event = dataclasses.replace(
                    event,
                    party_entry_into_force_date=dated[0],
                    party_entry_into_force_basis=dated[1],
                )
        out.append(event)
    return tuple(out)


def party_dates(status: TreatyStatus, rule: EifRule, result: Progress) -> list[dict[str, object]]:
    """Every party with its deposit and the day the treaty enters into force for it (null when
    not known yet), by deposit date then name: the `status` listing."""
    out: list[dict[str, object]] = []
    for name, deposit in sorted(
        party_deposits(status.participants).values(), key=lambda p: (p[1], p[0])
    ):
        dated = party_entry_into_force(deposit, status, rule, result)
        out.append(
            {
                "participant": name,
                "deposit": deposit.isoformat(),
                "date": dated[0].isoformat() if dated else None,
                "basis": dated[1] if dated else None,
            }
        )
    return out


def rule_law_json(rule: EifRule) -> dict[str, object]:
    """The rule's parts beyond "N of these kinds, then a delay", for `status` (and the API)."""
    fraction = None
    if rule.fraction is not None:
        fraction = {
            "fraction": f"{rule.fraction[0]}/{rule.fraction[1]}",
            "parent": rule.parent,
            "parent_parties": rule.parent_parties,
        }
    weighted = rule.weighted
    return {
        "month_start": rule.month_start,
        "fixed_date": rule.fixed_date.isoformat() if rule.fixed_date else None,
        "weighted": {"table": weighted.table, "percent": weighted.percent} if weighted else None,
        "share_of_parent": fraction,
        "later_parties": rule.party.to_json() if rule.party else None,
    }
