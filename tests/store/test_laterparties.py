"""Each party's own entry into force: the later-parties clauses of real texts, and their dates.

Texts and facts: tests/fixtures/history/SOURCES.md ("Later parties").
"""

from __future__ import annotations

import datetime as dt

import pytest

from store.laterparties import PartyRule, party_date, without_party_clauses
from store.overrides import RuleOverrides
from store.thresholds import eif_date, resolve_rule, rule_from_text

ROME_126 = (
    "1. This Statute shall enter into force on the first day of the month after the 60th day "
    "following the date of the deposit of the 60th instrument of ratification, acceptance, "
    "approval or accession with the Secretary-General of the United Nations. 2. For each State "
    "ratifying, accepting, approving or acceding to this Statute after the deposit of the 60th "
    "instrument of ratification, acceptance, approval or accession, the Statute shall enter into "
    "force on the first day of the month after the 60th day following the deposit by such State "
    "of its instrument of ratification, acceptance, approval or accession."
)
ATT_22 = (
    "1. This Treaty shall enter into force ninety days following the date of the deposit of the "
    "fiftieth instrument of ratification, acceptance or approval with the Depositary. 2. For any "
    "State that deposits its instrument of ratification, acceptance, approval or accession "
    "subsequent to the entry into force of this Treaty, this Treaty shall enter into force for "
    "that State ninety days following the date of deposit of its instrument of ratification, "
    "acceptance, approval or accession."
)
KIGALI_IN_FORCE = (
    "1 January 2019, in accordance with article IV , paragraphs 1 and 2, with the exception of "
    "the changes to article 4 of the Protocol set out in article I of the Amendment which will "
    "enter into force on 1 January 2033. After the entry into force of the Amendment, as provided "
    "under paragraphs 1 and 2 of article IV, it shall enter into force for any other Party to the "
    "Protocol on the ninetieth day following the date of deposit of its instrument of "
    "ratification, acceptance or approval."
)
KIGALI_IV_1 = (
    "This Amendment shall enter into force on 1 January 2019, provided that at least twenty "
    "instruments of ratification, acceptance or approval of the Amendment have been deposited by "
    "States or regional economic integration organizations that are Parties to the Montreal "
    "Protocol on Substances that Deplete the Ozone Layer. In the event that this condition has "
    "not been fulfilled by that date, the Amendment shall enter into force on the ninetieth day "
    "following the date on which it has been fulfilled."
)
# A protocol's amendment clause quoted by the depositary (IEA membership database, 2022).
TWO_THIRDS = (
    "Amendments to the present Protocol and to annexes I, II, IV, V and VI shall be adopted by "
    "consensus of the Parties present at a session of the Executive Body, and shall enter into "
    "force for the Parties which have accepted them on the ninetieth day after the date on which "
    "two thirds of the Parties have deposited with the Depositary their instruments of acceptance "
    "thereof. Amendments shall enter into force for any other Party on the ninetieth day after "
    "the date on which that Party has deposited its instrument of acceptance thereof."
)


def test_rome_statute_reads_the_first_of_the_month_rule_for_both_clauses() -> None:
    rule = rule_from_text(ROME_126)

    assert (rule.threshold, rule.delay_days, rule.month_start) == (60, 60, True)
    assert rule.party == PartyRule(60, None, True, "threshold", "text")


@pytest.mark.parametrize(
    ("deposit", "expected"),
    [
        (dt.date(2007, 7, 17), dt.date(2007, 10, 1)),  # Japan: + 60 = 15 Sep → 1 Oct 2007
        (dt.date(2015, 1, 2), dt.date(2015, 4, 1)),  # State of Palestine: + 60 = 3 Mar → 1 Apr
    ],
)
def test_rome_statute_later_party_dates_are_exact(deposit: dt.date, expected: dt.date) -> None:
    party = rule_from_text(ROME_126).party
    assert party is not None

    assert party.own_date(deposit) == expected


def test_rome_statute_general_date_is_the_first_of_july_2002_from_an_april_deposit() -> None:
    # The arithmetic of 126(1): a 60th deposit on 11 Apr 2002 + 60 days = 10 Jun → 1 Jul 2002.
    assert eif_date(dt.date(2002, 4, 11), rule_from_text(ROME_126)) == dt.date(2002, 7, 1)


def test_arms_trade_treaty_later_parties_count_from_the_entry_into_force() -> None:
    rule = rule_from_text(ATT_22)

    assert (rule.threshold, rule.delay_days) == (50, 90)
    assert "accession" not in rule.counted_kinds  # the general rule still ignores accessions
    assert rule.party == PartyRule(90, None, False, "entry_into_force", "text")
    china = party_date(dt.date(2020, 7, 6), dt.date(2014, 12, 24), dt.date(2014, 9, 25), rule.party)
    assert china == (dt.date(2020, 10, 4), "own")


def test_kigali_fixed_date_holds_when_the_twentieth_came_before_it() -> None:
    rule = rule_from_text(KIGALI_IV_1)

    assert (rule.threshold, rule.delay_days, rule.fixed_date) == (20, 90, dt.date(2019, 1, 1))
    assert eif_date(dt.date(2017, 11, 17), rule) == dt.date(2019, 1, 1)
    assert eif_date(dt.date(2019, 1, 1), rule) == dt.date(2019, 1, 1)  # "by that date"
    assert eif_date(dt.date(2019, 3, 1), rule) == dt.date(2019, 5, 30)  # 90 days after


def test_kigali_page_text_after_entry_into_force_keeps_the_later_parties_clause() -> None:
    rule = rule_from_text(KIGALI_IN_FORCE)

    assert rule.threshold is None  # the count is no longer stated: the remembered rule is used
    assert rule.party == PartyRule(90, None, False, "entry_into_force", "text")


@pytest.mark.parametrize(
    ("deposit", "expected"),
    [
        (dt.date(2017, 11, 17), (dt.date(2019, 1, 1), "general")),  # Sweden, the 20th
        (dt.date(2018, 12, 6), (dt.date(2019, 1, 1), "general")),  # before the entry into force
        (dt.date(2019, 1, 18), (dt.date(2019, 4, 18), "own")),  # Albania
    ],
)
def test_an_after_entry_into_force_clause_gives_deposits_until_then_the_general_date(
    deposit: dt.date, expected: tuple[dt.date, str]
) -> None:
    clause = PartyRule(90, after="entry_into_force")

    assert party_date(deposit, dt.date(2019, 1, 1), dt.date(2017, 11, 17), clause) == expected


@pytest.mark.parametrize(
    ("deposit", "expected"),
    [
        (dt.date(2016, 10, 5), (dt.date(2016, 11, 4), "general")),  # deposited on the day
        (dt.date(2016, 10, 6), (dt.date(2016, 11, 5), "own")),
        (dt.date(2016, 10, 20), (dt.date(2016, 11, 19), "own")),  # Algeria
    ],
)
def test_an_after_threshold_clause_gives_its_own_date_from_the_day_after_the_threshold(
    deposit: dt.date, expected: tuple[dt.date, str]
) -> None:
    clause = PartyRule(30)

    assert party_date(deposit, dt.date(2016, 11, 4), dt.date(2016, 10, 5), clause) == expected


def test_a_party_date_is_never_before_the_general_date() -> None:
    # "… or on the date on which the Convention enters into force, whichever is later."
    clause = PartyRule(30)
    general, threshold = dt.date(2027, 3, 1), dt.date(2026, 12, 1)

    assert party_date(dt.date(2026, 12, 10), general, threshold, clause) == (general, "own")


def test_without_a_known_clause_a_later_deposit_has_no_date_rather_than_the_general_one() -> None:
    general, threshold = dt.date(2027, 3, 1), dt.date(2026, 12, 1)

    assert party_date(dt.date(2026, 11, 1), general, threshold, None) == (general, "general")
    assert party_date(dt.date(2027, 5, 1), general, threshold, None) is None


def test_general_rule_is_read_without_the_later_parties_sentence() -> None:
    text = "For each State ratifying later, on the thirtieth day after its deposit. " + ATT_22

    assert "thirtieth" not in without_party_clauses(text)
    assert rule_from_text(text).delay_days == 90


def test_an_amendment_needs_two_thirds_of_its_parents_parties() -> None:
    unknown = rule_from_text(TWO_THIRDS)
    known = resolve_rule(TWO_THIRDS, parent_parties=51)
    configured = resolve_rule(TWO_THIRDS, RuleOverrides(parent_parties=32))

    assert (unknown.fraction, unknown.threshold) == ((2, 3), None)
    assert unknown.reason is not None and "parent" in unknown.reason
    assert (known.threshold, known.delay_days, known.parent_parties) == (34, 90, 51)
    assert known.party == PartyRule(90, None, False, "threshold", "text")
    assert configured.threshold == 22  # ceil(32 × 2 / 3)


def test_a_configured_fraction_and_party_rule_win_over_the_text() -> None:
    rule = resolve_rule(
        TWO_THIRDS,
        RuleOverrides(
            threshold_fraction="3/4",
            parent_parties=40,
            party_delay_months=1,
            party_after="entry_into_force",
        ),
    )

    assert (rule.fraction, rule.threshold) == ((3, 4), 30)
    assert rule.party == PartyRule(None, 1, False, "entry_into_force", "text+config")


@pytest.mark.parametrize(
    "bad",
    [
        RuleOverrides(party_delay_days=-1),
        RuleOverrides(party_delay_days=3_651),
        RuleOverrides(party_delay_months=121),
        RuleOverrides(party_delay_days=1, party_delay_months=1),
        RuleOverrides(party_after="ratification"),
        RuleOverrides(threshold_fraction="3/2"),
        RuleOverrides(threshold_fraction="two thirds"),
        RuleOverrides(parent="not an id"),
        RuleOverrides(parent_parties=0),
    ],
)
def test_impossible_party_and_amendment_overrides_are_refused(bad: RuleOverrides) -> None:
    with pytest.raises(ValueError):
        bad.validate()


def test_party_and_amendment_overrides_round_trip_through_json() -> None:
    stored = RuleOverrides(
        party_delay_days=60,
        party_month_start=True,
        party_after="threshold",
        threshold_fraction="2/3",
        parent="XXVII-2-a",
        parent_parties=198,
    )

    assert RuleOverrides.from_json(stored.to_json()) == stored


def test_a_remembered_rule_keeps_its_later_parties_clause() -> None:
    remembered = rule_from_text(ATT_22).text_parts()
    rule = resolve_rule(
        "24 December 2014, in accordance with article 22(1).", remembered=remembered
    )

    assert (rule.threshold, rule.source) == (50, "remembered")
    assert rule.party == PartyRule(90, None, False, "entry_into_force", "remembered")
