"""Entry-into-force rules applied: overrides, counting, the day every condition was met, the date.

Owns letting per-treaty config win part by part (`resolve_rule`), counting qualifying deposits
in a participants table (`qualifying`, `progress`, with the weighted part of a dual threshold)
and projecting the date (`eif_date`). Reading the rule out of the text is `store.ruletext`'s
(`rule_from_text`, re-exported here with the names callers use).

A rule read once is remembered: after the threshold is reached the UN replaces the rule's text
with the date ("26 January 2027, in accordance with article 65(1)."), so the last rule read from
the text (`EifRule.text_parts`, stored with the treaty) is used again when the text no longer
states one (`resolve_rule(..., remembered=...)`; source "remembered").

Pure: no I/O, no clock ("today" is always an argument), no database, no network. A rule that
cannot be computed from the table (no count found, a weighted threshold whose table is not
shipped, an amendment's share of a parent whose party count is unknown) has `threshold=None`
and says why in `reason`: it is never guessed.

Date convention (checked against every real outcome in docs/untc-format.md §6): the day of the
N-th deposit is day 0, so "on the thirtieth day after/following the date of deposit" and
"30 days after/following" both mean deposit + 30 days. Hostages 4 May 1983 + 30 = 3 Jun 1983,
Paris 5 Oct 2016 + 30 = 4 Nov 2016, ATT 25 Sep 2014 + 90 = 24 Dec 2014, TPNW 24 Oct 2020 + 90 =
22 Jan 2021, BBNJ 19 Sep 2025 + 120 = 17 Jan 2026. "Three months after" is calendar arithmetic
from the deposit date; a day missing in the target month becomes that month's last day.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scrapers.model import Participant
from store.countries import participant_key
from store.laterparties import AFTER_CHOICES, After, PartyRule, add_months, first_of_next_month
from store.overrides import NO_OVERRIDES as NO_OVERRIDES
from store.overrides import RuleOverrides as RuleOverrides
from store.overrides import parse_fraction
from store.ruletext import DEFAULT_COUNTED as DEFAULT_COUNTED
from store.ruletext import REGIONAL_ORGANISATIONS as REGIONAL_ORGANISATIONS
from store.ruletext import EifRule as EifRule
from store.ruletext import default_milestones as default_milestones
from store.ruletext import mentions_percent
from store.ruletext import number_from_words as number_from_words
from store.ruletext import read_delay as read_delay
from store.ruletext import rule_from_parts as rule_from_parts
from store.ruletext import rule_from_text as rule_from_text
from store.weights import WeightProgress, weight_progress


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a treaty is from entry into force, computed from one participants table.

    `nth_date` is the day the threshold was met: the N-th deposit, or for a dual threshold the
    later of the N-th deposit and the day the weight reached its share (`weight.reached_on`).
    """

    qualifying: int
    threshold: int | None
    remaining: int | None
    nth_date: dt.date | None
    eif_date: dt.date | None
    reason: str | None = None
    weight: WeightProgress | None = None
    count_met_on: dt.date | None = None

    @property
    def met(self) -> bool:
        """Every condition holds (the count, and the weight when there is one)."""
        return self.nth_date is not None

    def in_force_on(self, today: dt.date) -> bool:
        """True once the computed entry-into-force date has arrived (False if none is known)."""
        return self.eif_date is not None and today >= self.eif_date


def name_key(name: str) -> str:
    """The key participant names are compared by: the rename-aware `countries.participant_key`
    ("European Community" and "European Union" are one participant, as are Turkey/Türkiye)."""
    return participant_key(name)


def resolve_rule(
    text: str,
    overrides: RuleOverrides = NO_OVERRIDES,
    remembered: Mapping[str, Any] | None = None,
    *,
    parent_parties: int | None = None,
) -> EifRule:
    """The rule from `text`, with each part set in `overrides` replacing the text's.

    When the text states no instrument count (the page now shows the date instead) and a rule
    read earlier is `remembered` (`EifRule.text_parts`), that rule is the base instead; its
    later-parties clause is used too when the text no longer states one.
    A configured delay (days or months) replaces the text's delay altogether. Milestones follow
    the final threshold unless configured. `parent_parties` is the party count of the parent
    treaty (an amendment's `fraction`), read from its snapshot by the caller; the override of
    the same name wins. Raises ValueError for impossible values.
    """
    base = rule_from_text(text)
    if base.threshold is None and base.fraction is None and remembered:
        old = rule_from_parts(remembered)
        if old is not None:
            base = dataclasses.replace(old, party=base.party or old.party)
    if overrides.is_empty() and base.fraction is None:
        return base
    overrides.validate()
    fraction = base.fraction
    if overrides.threshold_fraction is not None:
        fraction = parse_fraction(overrides.threshold_fraction)
    count = overrides.parent_parties or parent_parties
    threshold = overrides.threshold
    if threshold is None and fraction is not None and count:
        threshold = math.ceil(count * fraction[0] / fraction[1])
    final_threshold = threshold if threshold is not None else base.threshold
    if fraction is not None and overrides.threshold is None and not count:
        final_threshold = None
    own_delay = overrides.delay_days is not None or overrides.delay_months is not None
    if overrides.milestones is not None:
        final_milestones = tuple(sorted(set(overrides.milestones)))
    else:
        final_milestones = default_milestones(final_threshold) if final_threshold else ()
    kinds, not_counted = overrides.counted_kinds, overrides.not_counted
    reason = base.reason if final_threshold is None else None
    if final_threshold is not None and base.weighted is None and mentions_percent(text):
        reason = None
    configured = not overrides.is_empty()
    return dataclasses.replace(
        base,
        threshold=final_threshold,
        delay_days=overrides.delay_days if own_delay else base.delay_days,
        delay_months=overrides.delay_months if own_delay else base.delay_months,
        month_start=False if own_delay else base.month_start,
        counted_kinds=kinds if kinds is not None else base.counted_kinds,
        not_counted=not_counted if not_counted is not None else base.not_counted,
        milestones=final_milestones,
        source=_source(base.source, configured),
        reason=reason,
        party=_party(base.party, overrides),
        fraction=fraction,
        parent=overrides.parent,
        parent_parties=count if fraction is not None else None,
    )


def _source(base: str, configured: bool) -> str:
    if not configured:
        return base
    return f"{base}+config" if base in ("text", "remembered") else "config"


def _party(base: PartyRule | None, overrides: RuleOverrides) -> PartyRule | None:
    """The later-parties clause with the configured parts laid over the text's."""
    own_delay = overrides.party_delay_days is not None or overrides.party_delay_months is not None
    if base is None and not own_delay:
        return None
    if own_delay:
        days, months = overrides.party_delay_days, overrides.party_delay_months
    else:
        days, months = (base.delay_days, base.delay_months) if base else (None, None)
    month_start = overrides.party_month_start
    if month_start is None:
        month_start = base.month_start if base is not None and not own_delay else False
    after: After = base.after if base else "threshold"
    for choice in AFTER_CHOICES:  # `validate` has refused any other value
        if overrides.party_after == choice:
            after = choice
    touched = own_delay or overrides.party_month_start is not None or overrides.party_after
    if not touched:
        source = base.source if base else "config"
    else:
        source = "text+config" if base else "config"
    return PartyRule(days, months, month_start, after, source)


def qualifying(participants: Sequence[Participant], rule: EifRule) -> list[tuple[str, dt.date]]:
    """Participants whose deposits count, each with its earliest counted date; by date, then name.

    Withdrawn participants and withdrawn actions do not count, nor do names in `not_counted`.
    Two rows with the same name key count once.
    """
    excluded = {name_key(name) for name in rule.not_counted}
    earliest: dict[str, tuple[dt.date, str]] = {}
    for participant in participants:
        key = name_key(participant.name)
        if participant.withdrawn or key in excluded:
            continue
        dates = [
            action.date
            for action in participant.actions
            if not action.withdrawn and action.kind in rule.counted_kinds
        ]
        if dates and (key not in earliest or min(dates) < earliest[key][0]):
            earliest[key] = (min(dates), participant.name)
    return sorted(((name, date) for date, name in earliest.values()), key=lambda p: (p[1], p[0]))


def eif_date(nth_date: dt.date, rule: EifRule) -> dt.date:
    """The day the treaty enters into force, the threshold being met on `nth_date`.

    Deposit day is day 0 (see the module docstring). A `fixed_date` rule gives that date when
    the threshold was met by then. Raises ValueError if the rule has no delay.
    """
    if rule.fixed_date is not None and nth_date <= rule.fixed_date:
        return rule.fixed_date
    if rule.delay_months is not None:
        day = add_months(nth_date, rule.delay_months)
    elif rule.delay_days is not None:
        day = nth_date + dt.timedelta(days=rule.delay_days)
    else:
        raise ValueError("the rule gives no delay after the last deposit: no date can be computed")
    return first_of_next_month(day) if rule.month_start else day


def progress(participants: Sequence[Participant], rule: EifRule) -> Progress:
    """Count toward the threshold (and weigh, for a dual threshold); the day every condition
    was met and the projected date once it is."""
    deposits = qualifying(participants, rule)
    if rule.threshold is None:
        return Progress(len(deposits), None, None, None, None, rule.reason or "threshold unknown")
    remaining = max(rule.threshold - len(deposits), 0)
    count_met = deposits[rule.threshold - 1][1] if not remaining else None
    weight = weight_progress(deposits, rule.weighted) if rule.weighted is not None else None
    if count_met is None or (weight is not None and weight.reached_on is None):
        return Progress(
            len(deposits), rule.threshold, remaining, None, None, rule.reason, weight, count_met
        )
    nth = max(count_met, weight.reached_on) if weight and weight.reached_on else count_met
    has_delay = rule.delay_days is not None or rule.delay_months is not None
    has_date = has_delay or (rule.fixed_date is not None and nth <= rule.fixed_date)
    reason = rule.reason if has_date else rule.reason or "delay after the last deposit unknown"
    in_force = eif_date(nth, rule) if has_date else None
    return Progress(len(deposits), rule.threshold, 0, nth, in_force, reason, weight, count_met)
