"""Entry-into-force rules, replayed against real treaty texts, real tables and real outcomes.

Texts: docs/untc-format.md §6. Tables: tests/fixtures/history/ (see SOURCES.md there).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from scrapers.model import Action, Participant
from store.thresholds import (
    DEFAULT_COUNTED,
    EifRule,
    RuleOverrides,
    default_milestones,
    eif_date,
    number_from_words,
    progress,
    qualifying,
    resolve_rule,
    rule_from_text,
)
from store.weights import WeightedThreshold
from tests.store.csvtable import history_table, participants_from_rows

CYBERCRIME = (
    "shall enter into force on the ninetieth day after the date of deposit of the fortieth "
    "instrument of ratification, acceptance, approval or accession. For the purpose of this "
    "paragraph, any instrument deposited by a regional economic integration organization shall "
    "not be counted as additional to those deposited by member States of that organization"
)
BBNJ = (
    "shall enter into force 120 days after the date of deposit of the sixtieth instrument of "
    "ratification, approval, acceptance or accession"
)
TPNW = (
    "shall enter into force 90 days after the fiftieth instrument of ratification, acceptance, "
    "approval or accession has been deposited"
)
ATT = (
    "shall enter into force ninety days following the date of the deposit of the fiftieth "
    "instrument of ratification, acceptance or approval"
)
PARIS = (
    "on the thirtieth day after the date on which at least 55 Parties to the Convention "
    "accounting in total for at least an estimated 55 per cent of the total global greenhouse gas "
    "emissions have deposited their instruments of ratification, acceptance, approval or accession"
)
# Kyoto Protocol, article 25(1) (XXVII-7-a).
KYOTO = (
    "on the ninetieth day after the date on which not less than 55 Parties to the Convention, "
    "incorporating Parties included in Annex I which accounted in total for at least 55 per cent "
    "of the total carbon dioxide emissions for 1990 of the Parties included in Annex I, have "
    "deposited their instruments of ratification, acceptance, approval or accession"
)
HOSTAGES = (
    "on the thirtieth day following the date of deposit of the twenty-second instrument of "
    "ratification or accession"
)
FOUR_KINDS = frozenset({"ratification", "acceptance", "approval", "accession"})

# What happened to the ATT after its 2014 table stops (16 Jun 2014): the real deposits, in order.
ATT_DEPOSITS_AFTER_TABLE: tuple[tuple[str, dt.date], ...] = (
    ("Dominican Republic", dt.date(2014, 8, 11)),
    ("Sierra Leone", dt.date(2014, 8, 12)),
    ("Montenegro", dt.date(2014, 8, 18)),
    ("New Zealand", dt.date(2014, 9, 2)),
    *(
        (name, dt.date(2014, 9, 25))
        for name in (
            "Argentina",
            "Bahamas",
            "Bosnia and Herzegovina",
            "Czech Republic",
            "Portugal",
            "St. Lucia",
            "Senegal",
            "Uruguay",
        )
    ),
)


def ratify(table: tuple[Participant, ...], name: str, date: dt.date) -> tuple[Participant, ...]:
    """The table with a ratification added to the existing row `name` (last column)."""
    assert any(p.name == name for p in table), f"{name} is not a row of the table"
    action = Action("ratification", date, 3, f"{date.day} {date:%b %Y}")
    return tuple(
        dataclasses.replace(p, actions=(*p.actions, action)) if p.name == name else p for p in table
    )


def synthetic_table(header: list[str], cells: list[tuple[str, str]]) -> tuple[Participant, ...]:
    """A table in the real layout: (name, consent cell) rows under a real header."""
    return participants_from_rows([header, *([name, "", cell] for name, cell in cells)])


def person(name: str, *actions: Action, withdrawn: bool = False) -> Participant:
    return Participant(name, withdrawn=withdrawn, actions=actions)


def act(kind: str, date: dt.date, *, withdrawn: bool = False) -> Action:
    return Action(kind, date, 2, date.isoformat(), withdrawn)


# --- number words --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("first", 1),
        ("twelfth", 12),
        ("twenty-second", 22),
        ("twenty second", 22),
        ("thirtieth", 30),
        ("fortieth", 40),
        ("fiftieth", 50),
        ("sixtieth", 60),
        ("ninetieth", 90),
        ("ninety-ninth", 99),
        ("hundredth", 100),
        ("one hundredth", 100),
        ("ninety", 90),
        ("three", 3),
        ("55", 55),
        ("22nd", 22),
        ("Fortieth", 40),
    ],
)
def test_number_words_read_ordinals_cardinals_and_digits(text: str, expected: int) -> None:
    assert number_from_words(text) == expected


def test_number_words_refuse_non_numbers() -> None:
    assert number_from_words("several") is None


# --- rules from the real texts -------------------------------------------------------------


def test_cybercrime_rule_counts_four_kinds_and_not_the_european_union() -> None:
    rule = rule_from_text(CYBERCRIME)

    assert (rule.threshold, rule.delay_days, rule.delay_months) == (40, 90, None)
    assert rule.counted_kinds == FOUR_KINDS
    assert rule.excludes_regional_orgs is True
    assert rule.not_counted == frozenset({"European Union"})
    assert rule.milestones == (10, 20, 30, 39)
    assert (rule.source, rule.reason) == ("text", None)


def test_bbnj_rule_reads_digits_for_the_delay() -> None:
    rule = rule_from_text(BBNJ)

    assert (rule.threshold, rule.delay_days, rule.counted_kinds) == (60, 120, FOUR_KINDS)
    assert rule.excludes_regional_orgs is False


def test_tpnw_rule_reads_a_delay_written_before_the_count() -> None:
    rule = rule_from_text(TPNW)

    assert (rule.threshold, rule.delay_days, rule.counted_kinds) == (50, 90, FOUR_KINDS)


def test_att_rule_does_not_count_accessions() -> None:
    rule = rule_from_text(ATT)

    assert (rule.threshold, rule.delay_days) == (50, 90)
    assert rule.counted_kinds == frozenset({"ratification", "acceptance", "approval"})


def test_hostages_rule_reads_a_compound_ordinal() -> None:
    rule = rule_from_text(HOSTAGES)

    assert (rule.threshold, rule.delay_days) == (22, 30)
    assert rule.counted_kinds == frozenset({"ratification", "accession"})


def test_paris_rule_is_55_parties_and_55_per_cent_of_the_article_21_table() -> None:
    rule = rule_from_text(PARIS)
    result = progress((person("France", act("approval", dt.date(2016, 10, 5))),), rule)

    assert (rule.threshold, rule.delay_days, rule.reason) == (55, 30, None)
    assert rule.weighted == WeightedThreshold("paris-article21", 55.0)
    assert (result.threshold, result.remaining, result.eif_date) == (55, 54, None)
    assert result.weight is not None and round(result.weight.share, 2) == 1.34  # France


def test_kyoto_weighted_threshold_is_not_computable_without_its_weight_table() -> None:
    rule = rule_from_text(KYOTO)

    assert rule.threshold is None
    assert rule.reason is not None and "no weight table" in rule.reason
    assert progress((), rule).eif_date is None


def test_a_configured_count_keeps_the_weighted_part_of_the_paris_rule() -> None:
    rule = resolve_rule(PARIS, RuleOverrides(threshold=55))

    assert (rule.threshold, rule.delay_days, rule.source, rule.reason) == (
        55,
        30,
        "text+config",
        None,
    )
    assert rule.weighted is not None
    assert eif_date(dt.date(2016, 10, 5), rule) == dt.date(2016, 11, 4)


def test_delay_in_months_uses_calendar_arithmetic_and_clamps_to_month_end() -> None:
    rule = rule_from_text(
        "three months after the date of deposit of the twentieth instrument of ratification"
    )

    assert (rule.delay_days, rule.delay_months) == (None, 3)
    assert eif_date(dt.date(2014, 3, 15), rule) == dt.date(2014, 6, 15)
    assert eif_date(dt.date(2023, 11, 30), rule) == dt.date(2024, 2, 29)


def test_definitive_signature_counts_only_when_the_text_names_it() -> None:
    named = rule_from_text(
        "on the thirtieth day after ten States have deposited instruments of ratification or "
        "definitive signature"
    )
    unnamed = rule_from_text(HOSTAGES)

    assert "definitive_signature" in named.counted_kinds
    assert "definitive_signature" not in unnamed.counted_kinds
    assert "formal_confirmation" not in rule_from_text(CYBERCRIME).counted_kinds


def test_text_without_a_count_gives_an_unknown_rule_that_says_why() -> None:
    rule = rule_from_text("4 November 2016, in accordance with article 21(1) .")

    assert rule.threshold is None
    assert rule.counted_kinds == DEFAULT_COUNTED
    assert (rule.source, rule.milestones) == ("default", ())
    assert rule.reason == "no instrument count found in the entry-into-force text"


# --- config overrides ----------------------------------------------------------------------


def test_config_overrides_win_part_by_part() -> None:
    rule = resolve_rule(
        CYBERCRIME, RuleOverrides(delay_days=30, not_counted=frozenset({"Holy See"}))
    )

    assert (rule.threshold, rule.delay_days, rule.counted_kinds) == (40, 30, FOUR_KINDS)
    assert rule.not_counted == frozenset({"Holy See"})
    assert rule.milestones == (10, 20, 30, 39)
    assert rule.source == "text+config"


def test_config_threshold_recomputes_milestones_unless_they_are_configured() -> None:
    assert resolve_rule(ATT, RuleOverrides(threshold=20)).milestones == (5, 10, 15, 19)
    assert resolve_rule(ATT, RuleOverrides(threshold=20, milestones=(15, 5))).milestones == (5, 15)


def test_config_alone_makes_a_config_rule() -> None:
    rule = resolve_rule(
        "", RuleOverrides(threshold=3, delay_days=0, counted_kinds=frozenset({"accession"}))
    )

    assert (rule.threshold, rule.delay_days, rule.source) == (3, 0, "config")
    assert rule.counted_kinds == frozenset({"accession"})


def test_resolve_without_overrides_is_the_text_rule() -> None:
    assert resolve_rule(BBNJ) == rule_from_text(BBNJ)


@pytest.mark.parametrize(
    "bad",
    [
        RuleOverrides(threshold=0),
        RuleOverrides(threshold=10_001),
        RuleOverrides(delay_days=-1),
        RuleOverrides(delay_days=999_999_999),
        RuleOverrides(delay_months=121),
        RuleOverrides(delay_days=1, delay_months=1),
        RuleOverrides(counted_kinds=frozenset()),
        RuleOverrides(threshold=40, milestones=(10, 40)),
        RuleOverrides(milestones=(0,)),
    ],
)
def test_impossible_overrides_are_refused(bad: RuleOverrides) -> None:
    with pytest.raises(ValueError):
        resolve_rule(BBNJ, bad)


def test_counted_kinds_outside_the_vocabulary_are_named() -> None:
    bad = RuleOverrides(counted_kinds=frozenset({"ratification", "ratifcation"}))
    with pytest.raises(ValueError, match="ratifcation"):
        bad.validate(known_kinds=["ratification", "accession"])


def test_overrides_round_trip_through_json_and_layer_over_each_other() -> None:
    stored = RuleOverrides(threshold=40, delay_days=90, not_counted=frozenset({"European Union"}))
    assert RuleOverrides.from_json(stored.to_json()) == stored
    configured = RuleOverrides(delay_months=3, milestones=(10,))
    assert configured.over(stored) == RuleOverrides(
        threshold=40,
        delay_months=3,
        not_counted=frozenset({"European Union"}),
        milestones=(10,),
    )


# --- milestones ----------------------------------------------------------------------------


def test_default_milestones_are_quarters_rounded_up_and_one_to_go() -> None:
    assert default_milestones(40) == (10, 20, 30, 39)
    assert default_milestones(22) == (6, 11, 17, 21)
    assert default_milestones(2) == (1,)
    assert default_milestones(1) == ()


# --- counting ------------------------------------------------------------------------------


def test_qualifying_uses_earliest_counted_action_and_skips_withdrawals() -> None:
    rule = resolve_rule(CYBERCRIME, RuleOverrides(threshold=3))
    early, may, later = dt.date(2019, 1, 1), dt.date(2021, 5, 2), dt.date(2022, 1, 1)
    table = (
        person("Brazil", act("signature", early), act("ratification", may)),
        person("Angola", act("approval", later), act("accession", may)),
        person("Chile", act("ratification", early, withdrawn=True)),
        person("Denmark", act("ratification", early), withdrawn=True),
        person("European  union", act("approval", early)),
        person("Egypt", act("provisional_application", early)),
        person("Fiji", act("acceptance", dt.date(2020, 6, 6))),
    )

    assert qualifying(table, rule) == [
        ("Fiji", dt.date(2020, 6, 6)),
        ("Angola", dt.date(2021, 5, 2)),
        ("Brazil", dt.date(2021, 5, 2)),
    ]


def test_a_participant_listed_twice_counts_once() -> None:
    rule = rule_from_text(BBNJ)
    table = (
        person("Chile", act("ratification", dt.date(2024, 5, 1))),
        person(" chile ", act("accession", dt.date(2023, 5, 1))),
    )

    assert qualifying(table, rule) == [(" chile ", dt.date(2023, 5, 1))]


def test_unknown_rule_still_counts_but_projects_nothing() -> None:
    rule = rule_from_text("")
    result = progress((person("Chile", act("ratification", dt.date(2024, 5, 1))),), rule)

    assert (result.qualifying, result.threshold, result.remaining) == (1, None, None)
    assert (result.nth_date, result.eif_date) == (None, None)
    assert result.in_force_on(dt.date(2100, 1, 1)) is False


def test_threshold_met_without_a_known_delay_gives_nth_date_only() -> None:
    rule = rule_from_text("when two States have deposited instruments of ratification")
    table = (
        person("Chile", act("ratification", dt.date(2024, 5, 1))),
        person("Peru", act("ratification", dt.date(2024, 6, 1))),
    )
    result = progress(table, rule)

    assert (result.nth_date, result.eif_date) == (dt.date(2024, 6, 1), None)
    assert result.reason == "delay after the last deposit unknown"
    with pytest.raises(ValueError):
        eif_date(dt.date(2024, 6, 1), rule)


# --- real tables, real outcomes ------------------------------------------------------------


def test_hostages_convention_replayed_from_real_table_enters_into_force_3_june_1983() -> None:
    table = history_table("18-5.csv")
    rule = rule_from_text(HOSTAGES)
    deposits = qualifying(table, rule)
    result = progress(table, rule)

    assert deposits[21] == ("Republic of Korea", dt.date(1983, 5, 4))
    assert result.nth_date == dt.date(1983, 5, 4)
    assert result.eif_date == dt.date(1983, 6, 3)
    assert result.in_force_on(dt.date(1983, 6, 2)) is False
    assert result.in_force_on(dt.date(1983, 6, 3)) is True


def test_hostages_successions_are_not_counted_because_the_text_does_not_name_them() -> None:
    deposits = dict(qualifying(history_table("18-5.csv"), rule_from_text(HOSTAGES)))

    assert "Czech Republic" not in deposits  # 22 Feb 1993 d
    assert deposits["Austria"] == dt.date(1986, 8, 22)  # unmarked date = ratification


def test_att_table_of_june_2014_counts_41_of_50_with_no_date_yet() -> None:
    table = history_table("26-8.csv")
    result = progress(table, rule_from_text(ATT))

    assert (result.qualifying, result.threshold, result.remaining) == (41, 50, 9)
    assert (result.nth_date, result.eif_date) == (None, None)


def test_att_provisional_application_alone_does_not_count() -> None:
    deposits = dict(qualifying(history_table("26-8.csv"), rule_from_text(ATT)))

    assert "Serbia" not in deposits  # 12 Aug 2013 n, no ratification
    assert deposits["Denmark"] == dt.date(2014, 4, 2)  # 2 Apr 2014 AA = approval
    assert deposits["Japan"] == dt.date(2014, 5, 9)  # 9 May 2014 A = acceptance


@pytest.mark.parametrize(("added", "expected_count"), [(9, 50), (12, 53)])
def test_att_continued_with_real_deposits_enters_into_force_24_december_2014(
    added: int, expected_count: int
) -> None:
    table = history_table("26-8.csv")
    for name, date in ATT_DEPOSITS_AFTER_TABLE[:added]:
        table = ratify(table, name, date)
    result = progress(table, rule_from_text(ATT))

    assert (result.qualifying, result.remaining) == (expected_count, 0)
    assert result.nth_date == dt.date(2014, 9, 25)
    assert result.eif_date == dt.date(2014, 12, 24)


def test_att_after_new_zealand_is_45_of_50() -> None:
    table = history_table("26-8.csv")
    for name, date in ATT_DEPOSITS_AFTER_TABLE[:4]:
        table = ratify(table, name, date)

    assert progress(table, rule_from_text(ATT)).remaining == 5


def test_bbnj_sixtieth_instrument_on_19_september_2025_gives_17_january_2026() -> None:
    header = ["Participant", "Signature", "Ratification, Accession(a), Acceptance(A), Approval(AA)"]
    markers = ["", " a", " A", " AA"]
    cells = [(f"State {i:02}", f"{1 + i % 28} Jun 2024{markers[i % 4]}") for i in range(1, 60)]
    cells.append(("State 60", "19 Sep 2025"))
    result = progress(synthetic_table(header, cells), rule_from_text(BBNJ))

    assert (result.qualifying, result.nth_date) == (60, dt.date(2025, 9, 19))
    assert result.eif_date == dt.date(2026, 1, 17)


def test_tpnw_fiftieth_instrument_on_24_october_2020_gives_22_january_2021() -> None:
    header = ["Participant", "Signature", "Ratification, Acceptance(A), Approval(AA), Accession(a)"]
    cells = [(f"State {i:02}", f"{i % 28 + 1} Jan 2019") for i in range(1, 50)]
    cells.append(("State 50", "24 Oct 2020"))
    cells.append(("State 51", "8 Dec 2020"))  # after the 50th: changes nothing
    result = progress(synthetic_table(header, cells), rule_from_text(TPNW))

    assert (result.qualifying, result.nth_date) == (51, dt.date(2020, 10, 24))
    assert result.eif_date == dt.date(2021, 1, 22)


def test_cybercrime_european_union_ratification_is_not_counted_toward_forty() -> None:
    header = ["Participant", "Signature", "Acceptance(A), Ratification, Approval(AA), Accession(a)"]
    cells = [(f"State {i:02}", f"{i} Mar 2026") for i in range(1, 29)]
    cells.insert(2, ("European Union", "2 Mar 2026 AA"))
    cells += [(f"State {i:02}", f"{i - 28} Apr 2026 A") for i in range(29, 41)]
    table = synthetic_table(header, cells)
    rule = rule_from_text(CYBERCRIME)
    result = progress(table, rule)

    assert "European Union" not in dict(qualifying(table, rule))
    assert (result.qualifying, result.nth_date) == (40, dt.date(2026, 4, 12))
    assert result.eif_date == dt.date(2026, 4, 12) + dt.timedelta(days=90)
    assert progress(table[:-1], rule).remaining == 1


def test_rule_is_a_frozen_value() -> None:
    rule = rule_from_text(ATT)

    with pytest.raises(dataclasses.FrozenInstanceError):
        rule.threshold = 1  # type: ignore[misc]  # proving immutability
    assert isinstance(rule, EifRule)


def test_not_counted_names_match_their_historical_spellings() -> None:
    """A rule excluding the European Union also excludes a row printed "European Community"."""
    from scrapers.model import Action, Participant

    rule = resolve_rule(
        "", RuleOverrides(threshold=2, delay_days=90, not_counted=frozenset({"European Union"}))
    )
    rows = [
        Participant(
            "European Community", actions=(Action("approval", dt.date(2020, 1, 1), 2, "x"),)
        ),
        Participant("France", actions=(Action("ratification", dt.date(2020, 1, 2), 2, "x"),)),
    ]
    assert [name for name, _ in qualifying(rows, rule)] == ["France"]
