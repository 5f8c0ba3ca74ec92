"""Treaty law beyond "k of N", replayed from real histories through the real pipeline.

The fake UN site serves each day's page (tests/bot/law_history.py), `check_treaty` reads it and
the events come out of the store as they would in production. Facts and their sources:
tests/fixtures/history/SOURCES.md.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import jsonschema
from click.testing import CliRunner

from bot import operations
from bot.app import command_app
from bot.cli import main
from bot.config import load_config
from bot.pipeline import CheckResult
from bot.web.schema import generated_schema
from bot.webhooks import payload
from store.events import ConsentEvent, Event
from store.thresholds import RuleOverrides
from tests.bot.helpers import write_config
from tests.bot.law_history import as_of, at, check_on, page, read_table, with_cell
from tests.bot.webhooks.support import schema_errors
from tests.fakesite import FakeUNSite

PARIS_ID = "XXVII-7-d"
PARIS_TITLE = "Paris Agreement"
# The status page's entry-into-force field before and after 4 Nov 2016 (the second is the
# UN's own text, docs: tests/fixtures/history/SOURCES.md).
PARIS_21_1 = (
    "The Agreement enters into force on the thirtieth day after the date on which at least 55 "
    "Parties to the Convention accounting in total for at least an estimated 55 per cent of the "
    "total global greenhouse gas emissions have deposited their instruments of ratification, "
    "acceptance, approval or accession."
)
PARIS_IN_FORCE = f"4 November 2016, in accordance with article 21(1) . {PARIS_21_1}"

KIGALI_ID = "XXVII-2-f"
KIGALI_TITLE = "Amendment to the Montreal Protocol on Substances that Deplete the Ozone Layer"
KIGALI_IV_3 = (
    "After the entry into force of the Amendment, as provided under paragraphs 1 and 2 of "
    "article IV, it shall enter into force for any other Party to the Protocol on the ninetieth "
    "day following the date of deposit of its instrument of ratification, acceptance or approval."
)
KIGALI_IV_1 = (
    "This Amendment shall enter into force on 1 January 2019, provided that at least twenty "
    "instruments of ratification, acceptance or approval of the Amendment have been deposited by "
    "States or regional economic integration organizations that are Parties to the Montreal "
    "Protocol on Substances that Deplete the Ozone Layer. In the event that this condition has "
    "not been fulfilled by that date, the Amendment shall enter into force on the ninetieth day "
    "following the date on which it has been fulfilled. " + KIGALI_IV_3
)
KIGALI_IN_FORCE = (
    "1 January 2019, in accordance with article IV , paragraphs 1 and 2, with the exception of "
    "the changes to article 4 of the Protocol set out in article I of the Amendment which will "
    "enter into force on 1 January 2033. " + KIGALI_IV_3
)


def paris_page(day: dt.date, rows: list[list[str]] | None = None, eif: str = PARIS_21_1) -> bytes:
    header, table = read_table("paris-2016-10-06.csv")
    return page(PARIS_ID, PARIS_TITLE, eif, header, as_of(rows or table, day))


def kigali_page(day: dt.date, rows: list[list[str]] | None = None, eif: str = KIGALI_IV_1) -> bytes:
    header, table = read_table("kigali-2017-11-29.csv")
    return page(
        KIGALI_ID,
        KIGALI_TITLE,
        eif,
        header,
        as_of(rows or table, day),
        conclusion="Kigali, 15 October 2016",
    )


def of_type(events: tuple[Event, ...], event_type: str) -> list[Event]:
    return [e for e in events if e.type == event_type]


def party_dates(events: tuple[Event, ...]) -> dict[str, tuple[dt.date | None, str | None]]:
    return {
        e.participant.name: (e.party_entry_into_force_date, e.party_entry_into_force_basis)
        for e in events
        if isinstance(e, ConsentEvent) and e.participant is not None
    }


def assert_schema_valid(*results: CheckResult) -> None:
    """Every event validates against its published webhook schema and the API's schema."""
    for event in (e for result in results for e in result.events):
        assert schema_errors(payload.envelope(event)) == [], event.id
        api = jsonschema.Draft202012Validator(generated_schema(event.type))
        assert [error.message for error in api.iter_errors(event.to_json())] == [], event.id


def status_on(config: Path, day: dt.datetime, treaty_id: str) -> dict[str, Any]:
    with command_app(load_config(str(config)), clock=lambda: day) as app:
        return operations.status(app, treaty_id)


def track(config: Path, treaty_id: str, overrides: RuleOverrides | None = None) -> None:
    with command_app(load_config(str(config)), clock=lambda: at(2016, 1, 1)) as app:
        operations.track(app, [treaty_id], overrides)


async def test_paris_2016_meets_55_parties_first_then_55_per_cent_and_enters_into_force_4_nov(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    config = write_config(tmp_path, fake_site.base_url)
    # Article 21(3) gives later parties the thirtieth day after their own deposit; the status
    # page does not print it, so it is given as the maintainer would (`track --party-delay-days`).
    track(config, PARIS_ID, RuleOverrides(party_delay_days=30))

    fake_site.pages[PARIS_ID] = paris_page(dt.date(2016, 9, 20))
    assert (await check_on(config, at(2016, 9, 20), PARIS_ID)).outcome == "baseline"

    # 21 Sep 2016: 60 parties, past 55, but 47.78 % of emissions: no threshold yet.
    fake_site.pages[PARIS_ID] = paris_page(dt.date(2016, 9, 21))
    sep_21 = await check_on(config, at(2016, 9, 21), PARIS_ID)
    assert of_type(sep_21.events, "treaty.threshold_reached") == []
    last = sep_21.events[-1].counts
    assert (last.qualifying, last.remaining) == (60, 0)
    assert last.weight is not None and round(last.weight.share, 2) == 47.78

    fake_site.pages[PARIS_ID] = paris_page(dt.date(2016, 10, 4))
    oct_4 = await check_on(config, at(2016, 10, 4), PARIS_ID)
    assert of_type(oct_4.events, "treaty.threshold_reached") == []
    assert oct_4.events[-1].counts.weight is not None
    assert round(oct_4.events[-1].counts.weight.share, 2) == 52.13

    # 5 Oct 2016: the European Union and ten States; the emissions condition is met.
    fake_site.pages[PARIS_ID] = paris_page(dt.date(2016, 10, 5))
    oct_5 = await check_on(config, at(2016, 10, 5), PARIS_ID)
    [threshold] = of_type(oct_5.events, "treaty.threshold_reached")
    assert threshold.nth_deposit_date == dt.date(2016, 10, 5)  # type: ignore[attr-defined]
    assert threshold.entry_into_force_date == dt.date(2016, 11, 4)
    assert (threshold.counts.qualifying, threshold.counts.threshold) == (74, 55)
    assert threshold.counts.weight is not None and round(threshold.counts.weight.share, 2) == 58.83
    # Each consent carries the share as it stood after it: Austria first (+0.21), Slovakia last.
    consents = of_type(oct_5.events, "treaty.consent")
    shares = [(e.participant.name, round(e.counts.weight.share, 2)) for e in consents]  # type: ignore[union-attr]
    assert (shares[0], shares[-1]) == (("Austria", 52.34), ("Slovakia", 58.83))
    # Everyone who deposited by the day both conditions held gets the general date.
    assert party_dates(oct_5.events)["European Union"] == (dt.date(2016, 11, 4), "general")
    assert party_dates(oct_5.events)["Germany"] == (dt.date(2016, 11, 4), "general")

    # 20 Oct 2016: Algeria, after the threshold and before the entry into force: its own date.
    _header, table = read_table("paris-2016-10-06.csv")
    rows = with_cell(table, "Algeria", 2, "20 Oct 2016")
    fake_site.pages[PARIS_ID] = paris_page(dt.date(2016, 10, 20), rows)
    oct_20 = await check_on(config, at(2016, 10, 20), PARIS_ID)
    assert party_dates(oct_20.events) == {"Algeria": (dt.date(2016, 11, 19), "own")}

    # 4 Nov 2016: the page now shows the date; the entry into force is announced that day.
    fake_site.pages[PARIS_ID] = paris_page(dt.date(2016, 11, 4), rows, PARIS_IN_FORCE)
    nov_4 = await check_on(config, at(2016, 11, 4, 9), PARIS_ID)
    [in_force] = of_type(nov_4.events, "treaty.entry_into_force")
    assert in_force.entry_into_force_date == dt.date(2016, 11, 4)

    # 7 Oct 2019: the Russian Federation accepts; in force for it on 6 Nov 2019.
    rows = with_cell(rows, "Russian Federation", 2, "7 Oct 2019 A")
    fake_site.pages[PARIS_ID] = paris_page(dt.date(2019, 10, 7), rows, PARIS_IN_FORCE)
    russia = await check_on(config, at(2019, 10, 7), PARIS_ID)
    assert party_dates(russia.events) == {"Russian Federation": (dt.date(2019, 11, 6), "own")}
    assert_schema_valid(sep_21, oct_4, oct_5, oct_20, nov_4, russia)

    status = status_on(config, at(2019, 10, 8), PARIS_ID)
    by_name = {p["participant"]: p for p in status["parties_entry_into_force"]}
    assert by_name["Russian Federation"] == {
        "participant": "Russian Federation",
        "deposit": "2019-10-07",
        "date": "2019-11-06",
        "basis": "own",
    }
    assert by_name["Algeria"]["date"] == "2016-11-19"
    assert by_name["Barbados"]["date"] == "2016-11-04"  # deposited 22 Apr 2016
    assert status["rule"]["weighted"] == {"table": "paris-article21", "percent": 55.0}
    assert status["counts"]["threshold_reached_on"] == "2016-10-05"
    # 58.83 % on 5 Oct 2016, then Algeria's 0.30 % and the Russian Federation's 7.53 %.
    assert status["progress"] == (
        "76 instruments (55 needed); 66.66 % of 55 % — threshold reached on 5 Oct 2016"
    )
    printed = CliRunner().invoke(main, ["--config", str(config), "status", PARIS_ID]).output
    assert f"  {'█' * 30} {status['progress']}\n" in printed
    assert "    6 Nov 2019  Russian Federation  (deposit 7 Oct 2019)" in printed


async def test_kigali_amendment_enters_into_force_on_1_january_2019_and_later_parties_90_days(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    config = write_config(tmp_path, fake_site.base_url)
    fake_site.pages[KIGALI_ID] = kigali_page(dt.date(2017, 11, 16))
    track(config, KIGALI_ID)
    assert (await check_on(config, at(2017, 11, 16), KIGALI_ID)).outcome == "baseline"

    # 17 Nov 2017: Sweden is the twentieth, with Trinidad and Tobago the same day.
    fake_site.pages[KIGALI_ID] = kigali_page(dt.date(2017, 11, 17))
    nov_17 = await check_on(config, at(2017, 11, 17), KIGALI_ID)
    [threshold] = of_type(nov_17.events, "treaty.threshold_reached")
    assert threshold.nth_deposit_date == dt.date(2017, 11, 17)  # type: ignore[attr-defined]
    assert threshold.entry_into_force_date == dt.date(2019, 1, 1)
    assert party_dates(nov_17.events) == {
        "Sweden": (dt.date(2019, 1, 1), "general"),
        "Trinidad and Tobago": (dt.date(2019, 1, 1), "general"),
    }

    # Deposits before the entry into force take effect with it (article IV(3) counts from then).
    fake_site.pages[KIGALI_ID] = kigali_page(dt.date(2017, 11, 29))
    nov_29 = await check_on(config, at(2017, 11, 29), KIGALI_ID)
    assert party_dates(nov_29.events) == {
        "Côte d'Ivoire": (dt.date(2019, 1, 1), "general"),
        "Malawi": (dt.date(2019, 1, 1), "general"),
    }

    eve = await check_on(config, at(2018, 12, 31), KIGALI_ID)
    assert (eve.outcome, eve.events) == ("unchanged", ())
    new_year = await check_on(config, at(2019, 1, 1, 0), KIGALI_ID)
    [in_force] = of_type(new_year.events, "treaty.entry_into_force")
    assert in_force.entry_into_force_date == dt.date(2019, 1, 1)

    # 18 Jan 2019: Albania, after the entry into force: the ninetieth day, 18 Apr 2019.
    _header, table = read_table("kigali-2017-11-29.csv")
    rows = with_cell(table, "Albania", 1, "18 Jan 2019")
    fake_site.pages[KIGALI_ID] = kigali_page(dt.date(2019, 1, 18), rows, KIGALI_IN_FORCE)
    albania = await check_on(config, at(2019, 1, 18), KIGALI_ID)
    assert party_dates(albania.events) == {"Albania": (dt.date(2019, 4, 18), "own")}
    assert of_type(albania.events, "treaty.entry_into_force") == []  # announced on 1 Jan
    assert_schema_valid(nov_17, nov_29, new_year, albania)

    status = status_on(config, at(2019, 1, 19), KIGALI_ID)
    assert status["rule"]["fixed_date"] == "2019-01-01"
    assert status["rule"]["later_parties"] == {
        "delay_days": 90,
        "delay_months": None,
        "month_start": False,
        "after": "entry_into_force",
        "source": "text",
    }
    assert status["entry_into_force"] == {"date": "2019-01-01", "state": "in_force"}


ROME_ID = "XVIII-10"
ROME_HEADER = [
    "Participant",
    "Signature",
    "Ratification, Acceptance(A), Approval(AA), Accession(a)",
]


async def test_rome_statute_later_parties_enter_into_force_on_the_first_of_a_month(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    """Article 126(2): the first day of the month after the 60th day following the deposit; the
    page says only "1 July 2002, in accordance with article 126.", so the clause is configured
    (`track XVIII-10 --party-delay-days 60 --party-month-start`)."""
    config = write_config(tmp_path, fake_site.base_url)
    track(config, ROME_ID, RuleOverrides(party_delay_days=60, party_month_start=True))
    eif = "1 July 2002, in accordance with article 126."
    title = "Rome Statute of the International Criminal Court"

    def rome(rows: list[list[str]]) -> bytes:
        return page(ROME_ID, title, eif, ROME_HEADER, rows, chapter="PENAL MATTERS")

    fake_site.pages[ROME_ID] = rome([["Japan", "", "17 Jul 2007 a"]])
    japan = await check_on(config, at(2007, 7, 18), ROME_ID, announce=True)
    assert party_dates(japan.events) == {"Japan": (dt.date(2007, 10, 1), "own")}

    fake_site.pages[ROME_ID] = rome(
        [["Japan", "", "17 Jul 2007 a"], ["State of Palestine", "", "2 Jan 2015 a"]]
    )
    palestine = await check_on(config, at(2015, 1, 6), ROME_ID)
    assert party_dates(palestine.events) == {"State of Palestine": (dt.date(2015, 4, 1), "own")}
    listing = status_on(config, at(2015, 1, 7), ROME_ID)["parties_entry_into_force"]
    assert [(p["participant"], p["date"]) for p in listing] == [
        ("Japan", "2007-10-01"),
        ("State of Palestine", "2015-04-01"),
    ]


ATT_ID = "XXVI-8"
ATT_22 = (
    "This Treaty shall enter into force ninety days following the date of the deposit of the "
    "fiftieth instrument of ratification, acceptance or approval with the Depositary. For any "
    "State that deposits its instrument of ratification, acceptance, approval or accession "
    "subsequent to the entry into force of this Treaty, this Treaty shall enter into force for "
    "that State ninety days following the date of deposit of its instrument of ratification, "
    "acceptance, approval or accession."
)


async def test_arms_trade_treaty_remembers_its_later_parties_clause_for_china_in_2020(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    """Article 22(2), read from the page in 2014 and remembered once the page shows only the
    date: China acceded on 6 Jul 2020 (an accession, which the threshold never counted) and the
    Treaty entered into force for it ninety days later, on 4 Oct 2020."""
    from tests.store.test_thresholds import ATT_DEPOSITS_AFTER_TABLE

    config = write_config(tmp_path, fake_site.base_url)
    track(config, ATT_ID)
    header, rows = read_table("26-8.csv")
    for name, date in ATT_DEPOSITS_AFTER_TABLE:
        rows = with_cell(rows, name, 3, f"{date.day} {date:%b %Y}")
    title = "The Arms Trade Treaty"

    def att(eif: str, table: list[list[str]]) -> bytes:
        return page(ATT_ID, title, eif, header, table, chapter="DISARMAMENT")

    fake_site.pages[ATT_ID] = att(ATT_22, rows)
    assert (await check_on(config, at(2014, 9, 26), ATT_ID)).outcome == "baseline"

    later = with_cell(rows, "China", 3, "6 Jul 2020 a")
    fake_site.pages[ATT_ID] = att("24 December 2014, in accordance with article 22(1).", later)
    china = await check_on(config, at(2020, 7, 7), ATT_ID)

    assert party_dates(china.events) == {"China": (dt.date(2020, 10, 4), "own")}
    rule = status_on(config, at(2020, 7, 8), ATT_ID)["rule"]
    assert rule["later_parties"]["source"] == "remembered"


AMENDMENT_TWO_THIRDS = (
    "Amendments shall enter into force for the Parties which have accepted them on the ninetieth "
    "day after the date on which two thirds of the Parties have deposited with the Depositary "
    "their instruments of acceptance thereof. Amendments shall enter into force for any other "
    "Party on the ninetieth day after the date on which that Party has deposited its instrument "
    "of acceptance thereof."
)


async def test_an_amendment_counts_two_thirds_of_its_watched_parents_parties(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    """A made-up parent with 30 parties (its page says "Parties : 30") and an amendment whose
    text asks for two thirds of them: the 20th acceptance is the threshold."""
    config = write_config(tmp_path, fake_site.base_url)
    header = ["Participant", "Signature", "Ratification, Acceptance(A), Accession(a)"]
    parent_rows = [[f"State {i:02}", "", f"{i} Jan 2001"] for i in range(1, 31)]
    fake_site.pages["XXVII-9"] = page("XXVII-9", "A convention", "1 May 2001.", header, parent_rows)
    track(config, "XXVII-9")
    track(config, "XXVII-9-a", RuleOverrides(parent="XXVII-9"))
    await check_on(config, at(2020, 1, 1), "XXVII-9")

    amendment_header = ["Participant", "Acceptance(A)"]
    accepted = [[f"State {i:02}", f"{i} Mar 2020 A"] for i in range(1, 20)]

    def amendment(rows: list[list[str]]) -> bytes:
        return page("XXVII-9-a", "Amendment", AMENDMENT_TWO_THIRDS, amendment_header, rows)

    fake_site.pages["XXVII-9-a"] = amendment(accepted)
    await check_on(config, at(2020, 3, 20), "XXVII-9-a")
    fake_site.pages["XXVII-9-a"] = amendment([*accepted, ["State 20", "2 Apr 2020 A"]])
    twentieth = await check_on(config, at(2020, 4, 2), "XXVII-9-a")

    [threshold] = of_type(twentieth.events, "treaty.threshold_reached")
    assert (threshold.counts.qualifying, threshold.counts.threshold) == (20, 20)
    assert threshold.entry_into_force_date == dt.date(2020, 7, 1)  # 2 Apr + 90
    rule = status_on(config, at(2020, 4, 3), "XXVII-9-a")["rule"]
    assert rule["share_of_parent"] == {"fraction": "2/3", "parent": "XXVII-9", "parent_parties": 30}
