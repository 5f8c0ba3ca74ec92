"""Event and status texts: what a subscriber or maintainer reads, plain and as Telegram HTML."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from bot.render import (
    event_text,
    human_date,
    ordinal,
    progress_bar,
    progress_text,
    render_batch_html,
    render_batch_plain,
    render_html,
    render_plain,
    truncate_html,
)
from bot.render.words import VERBS, verb
from scrapers.model import KNOWN_KINDS
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
)
from tests.fakes.telegram_html import html_error, utf16_length, visible_text

URL = "https://treaties.un.org/Pages/ViewDetails.aspx?src=TREATY&mtdsg_no=XVIII-16&chapter=18"
HREF = URL.replace("&", "&amp;")
TREATY = TreatyRef("XVIII-16", "United Nations Convention against Cybercrime", URL)
LINK = f'<a href="{HREF}">United Nations Convention against Cybercrime</a>'
FRANCE = ParticipantRef("France", "FR", "🇫🇷")
COUNTS = Counts(signatories=72, parties=17, qualifying=17, threshold=40, remaining=23)
REACHED = Counts(signatories=72, parties=40, qualifying=40, threshold=40, remaining=0)
DETECTED = dt.datetime(2026, 3, 12, 14, 5, 9, tzinfo=dt.UTC)
MAR_12 = dt.date(2026, 3, 12)


def common(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": "evt_0123456789abcdef01234567",
        "detected_at": DETECTED,
        "treaty": TREATY,
        "participant": FRANCE,
        "action": ActionRef("ratification", MAR_12),
        "counts": COUNTS,
    }
    return values | changes


def treaty_level(**changes: Any) -> dict[str, Any]:
    return common(participant=None, action=None, **changes)


def consent(kind: str | None, **changes: Any) -> ConsentEvent:
    return ConsentEvent(**common(action=ActionRef(kind, MAR_12), **changes))


def correction(
    now: ActionRef | None, before: ActionRef | None, *, was: bool = False, is_: bool = False
) -> CorrectionEvent:
    return CorrectionEvent(
        **common(action=now), previous_action=before, previous_withdrawn=was, withdrawn=is_
    )


SIGNATURE = SignatureEvent(**common(action=ActionRef("signature", dt.date(2025, 10, 25))))
RATIFICATION = consent("ratification")
PARTICIPANT_WITHDRAWN = WithdrawalEvent(**common(action=None))
ACTION_WITHDRAWN = WithdrawalEvent(**common())
DATE_CORRECTED = correction(
    ActionRef("signature", dt.date(2025, 10, 26)), ActionRef("signature", dt.date(2025, 10, 25))
)
KIND_CORRECTED = correction(ActionRef("accession", MAR_12), ActionRef("ratification", MAR_12))
PARTICIPANT_UNBRACKETED = correction(None, None, was=True)
MILESTONE = MilestoneEvent(**treaty_level(), reached=17, of=40)
THRESHOLD = ThresholdReachedEvent(
    **treaty_level(counts=REACHED),
    nth_deposit_date=dt.date(2026, 10, 28),
    entry_into_force_date=dt.date(2027, 1, 26),
)
IN_FORCE = EntryIntoForceEvent(**treaty_level(entry_into_force_date=MAR_12), source="computed")

PROGRESS = "17 of 40 — 23 to go"
CYBERCRIME = "United Nations Convention against Cybercrime"

# (event, plain text, Telegram HTML): one row per event type, and per shape within a type.
EXPECTED: dict[str, tuple[Event, str, str]] = {
    "signature": (
        SIGNATURE,
        f"🇫🇷 France signed the {CYBERCRIME} on 25 Oct 2025 · {PROGRESS}",
        f"🇫🇷 <b>France</b> signed the {LINK} on 25 Oct 2025\n<i>{PROGRESS}</i>",
    ),
    "consent": (
        RATIFICATION,
        f"🇫🇷 France ratified the {CYBERCRIME} on 12 Mar 2026 · {PROGRESS}",
        f"🇫🇷 <b>France</b> ratified the {LINK} on 12 Mar 2026\n<i>{PROGRESS}</i>",
    ),
    "withdrawal-of-participant": (
        PARTICIPANT_WITHDRAWN,
        f"🇫🇷 France withdrew from the {CYBERCRIME} · {PROGRESS}",
        f"🇫🇷 <b>France</b> withdrew from the {LINK}\n<i>{PROGRESS}</i>",
    ),
    "withdrawal-of-action": (
        ACTION_WITHDRAWN,
        "🇫🇷 France's ratification of 12 Mar 2026 is now shown as withdrawn in the status of the"
        f" {CYBERCRIME} · {PROGRESS}",
        "🇫🇷 <b>France</b>'s ratification of 12 Mar 2026 is now shown as withdrawn in the status"
        f" of the {LINK}\n<i>{PROGRESS}</i>",
    ),
    "correction-of-date": (
        DATE_CORRECTED,
        f"Correction for the {CYBERCRIME}: 🇫🇷 France's signature date corrected from 25 Oct 2025"
        f" to 26 Oct 2025 · {PROGRESS}",
        f"<b>Correction</b> for the {LINK}: 🇫🇷 <b>France</b>'s signature date corrected from"
        f" 25 Oct 2025 to 26 Oct 2025\n<i>{PROGRESS}</i>",
    ),
    "correction-of-kind": (
        KIND_CORRECTED,
        f"Correction for the {CYBERCRIME}: 🇫🇷 France's instrument of 12 Mar 2026 recorded as"
        f" accession instead of ratification · {PROGRESS}",
        f"<b>Correction</b> for the {LINK}: 🇫🇷 <b>France</b>'s instrument of 12 Mar 2026"
        f" recorded as accession instead of ratification\n<i>{PROGRESS}</i>",
    ),
    "correction-participant-brackets-removed": (
        PARTICIPANT_UNBRACKETED,
        f"Correction for the {CYBERCRIME}: 🇫🇷 France is no longer shown as withdrawn"
        f" (brackets removed) · {PROGRESS}",
        f"<b>Correction</b> for the {LINK}: 🇫🇷 <b>France</b> is no longer shown as withdrawn"
        f" (brackets removed)\n<i>{PROGRESS}</i>",
    ),
    "milestone": (
        MILESTONE,
        f"Milestone: the {CYBERCRIME} has reached 17 qualifying instruments of the 40 needed to"
        " enter into force",
        f"<b>Milestone:</b> the {LINK} has reached 17 qualifying instruments of the 40 needed to"
        " enter into force",
    ),
    "threshold-reached": (
        THRESHOLD,
        f"Threshold reached: the {CYBERCRIME} has its 40th qualifying instrument, deposited on"
        " 28 Oct 2026, and enters into force on 26 Jan 2027",
        f"<b>Threshold reached:</b> the {LINK} has its 40th qualifying instrument, deposited on"
        " 28 Oct 2026, and enters into force on 26 Jan 2027",
    ),
    "entry-into-force": (
        IN_FORCE,
        f"The {CYBERCRIME} enters into force today, 12 Mar 2026",
        f"The {LINK} enters into force today, 12 Mar 2026",
    ),
}


@pytest.mark.parametrize("case", EXPECTED)
def test_plain_text_of_each_event_type(case: str) -> None:
    event, plain, _ = EXPECTED[case]

    assert render_plain(event) == plain


@pytest.mark.parametrize("case", EXPECTED)
def test_telegram_html_of_each_event_type_is_exact_and_accepted(case: str) -> None:
    event, _, markup = EXPECTED[case]

    actual = render_html(event)

    assert actual == markup
    assert html_error(actual) is None


EXTRA_FIELDS: dict[str, Any] = {
    "previous_action": ActionRef("ratification", dt.date(2026, 3, 2)),
    "previous_withdrawn": False,
    "withdrawn": False,
    "reached": 20,
    "of": 40,
    "nth_deposit_date": dt.date(2026, 4, 12),
    "source": "page",
    "change": "new",
    "excerpt": "Reservation: the Government <reserves> the right…",
    "dates": (),
    "kinds": ("reservation",),
    "objected_to": (),
    "territory": "Bermuda & Anguilla",
    "date": dt.date(1994, 9, 7),
    "party_entry_into_force_date": dt.date(2026, 6, 10),
    "party_entry_into_force_basis": "own",
}


def one_of(cls: type[Event]) -> Event:
    base = {f.name for f in dataclasses.fields(Event)}
    extra = {f.name: EXTRA_FIELDS[f.name] for f in dataclasses.fields(cls) if f.name not in base}
    return cls(**common(), **extra)


@pytest.mark.parametrize("type_name", EVENT_TYPES)
def test_every_type_of_the_catalogue_renders_in_both_forms(type_name: str) -> None:
    event = one_of(EVENT_TYPES[type_name])

    plain, markup = render_plain(event), render_html(event)

    assert (plain != "", html_error(markup)) == (True, None)
    assert "None" not in plain + markup
    assert CYBERCRIME in plain and CYBERCRIME in visible_text(markup)


def test_a_milestone_without_a_known_threshold_never_says_none() -> None:
    event = MilestoneEvent(
        **treaty_level(counts=dataclasses.replace(COUNTS, threshold=None, remaining=None)),
        reached=20,
        of=None,
    )

    assert render_plain(event) == (
        f"Milestone: the {CYBERCRIME} has reached 20 qualifying instruments · 17 parties"
    )


def test_a_milestone_below_the_current_count_adds_where_the_treaty_stands() -> None:
    event = MilestoneEvent(**treaty_level(), reached=15, of=40)

    assert render_plain(event) == (
        f"Milestone: the {CYBERCRIME} has reached 15 qualifying instruments of the 40 needed to"
        f" enter into force · {PROGRESS}"
    )


def test_a_withdrawn_action_and_a_withdrawn_participant_read_differently() -> None:
    assert render_plain(ACTION_WITHDRAWN).startswith("🇫🇷 France's ratification of 12 Mar 2026 is")
    assert render_plain(PARTICIPANT_WITHDRAWN).startswith("🇫🇷 France withdrew from the")


def test_a_correction_of_kind_date_and_brackets_says_all_three() -> None:
    event = correction(
        ActionRef("accession", dt.date(2026, 3, 13)), ActionRef("ratification", MAR_12), was=True
    )

    assert render_plain(event) == (
        f"Correction for the {CYBERCRIME}: 🇫🇷 France's instrument recorded as accession instead"
        " of ratification, date corrected from 12 Mar 2026 to 13 Mar 2026, no longer shown as"
        f" withdrawn · {PROGRESS}"
    )


def test_a_correction_removing_an_actions_brackets_says_so() -> None:
    event = correction(
        ActionRef("ratification", MAR_12), ActionRef("ratification", MAR_12), was=True
    )

    assert render_plain(event) == (
        f"Correction for the {CYBERCRIME}: 🇫🇷 France's ratification of 12 Mar 2026 is no longer"
        f" shown as withdrawn (brackets removed) · {PROGRESS}"
    )


def test_a_correction_to_an_ambiguous_kind_names_it_plainly() -> None:
    event = correction(ActionRef(None, MAR_12), ActionRef("ratification", MAR_12))

    assert "recorded as an unspecified instrument instead of ratification" in render_plain(event)


def test_threshold_without_a_computable_date_says_so() -> None:
    event = ThresholdReachedEvent(
        **treaty_level(counts=REACHED), nth_deposit_date=None, entry_into_force_date=None
    )

    assert render_plain(event) == (
        f"Threshold reached: the {CYBERCRIME} has its 40th qualifying instrument;"
        " entry-into-force date not yet computable"
    )


@pytest.mark.parametrize(
    ("date", "today", "expected"),
    [
        (MAR_12, MAR_12, "enters into force today, 12 Mar 2026"),
        (dt.date(2026, 1, 12), MAR_12, "has been in force since 12 Jan 2026"),
        (dt.date(2026, 6, 1), MAR_12, "will enter into force on 1 Jun 2026"),
        (None, MAR_12, "has entered into force"),
    ],
)
def test_entry_into_force_is_said_relative_to_today(
    date: dt.date | None, today: dt.date, expected: str
) -> None:
    event = EntryIntoForceEvent(**treaty_level(entry_into_force_date=date), source="page")

    assert render_plain(event, today=today) == f"The {CYBERCRIME} {expected}"


def test_today_defaults_to_the_day_the_event_was_detected() -> None:
    later = MAR_12 + dt.timedelta(days=3)

    assert render_plain(IN_FORCE, today=later).endswith("has been in force since 12 Mar 2026")
    assert render_plain(IN_FORCE).endswith("enters into force today, 12 Mar 2026")


@pytest.mark.parametrize(
    ("qualifying", "threshold", "parties", "expected"),
    [
        (17, 40, 17, "17 of 40 — 23 to go"),
        (39, 40, 39, "39 of 40 — 1 to go"),
        (40, 40, 40, "40 instruments (40 needed) — threshold reached"),
        (41, 40, 41, "41 instruments (40 needed) — threshold reached"),
        (1, 1, 1, "1 instrument (1 needed) — threshold reached"),
        (43, None, 43, "43 parties"),
        (1, None, 1, "1 party"),
    ],
)
def test_progress_line_never_says_more_than_the_threshold(
    qualifying: int, threshold: int | None, parties: int, expected: str
) -> None:
    counts = Counts(
        signatories=50, parties=parties, qualifying=qualifying, threshold=threshold, remaining=None
    )

    assert progress_text(counts) == expected


ORDINALS = {
    1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 10: "10th", 11: "11th", 12: "12th", 13: "13th",
    14: "14th", 21: "21st", 22: "22nd", 23: "23rd", 40: "40th", 100: "100th", 101: "101st",
    102: "102nd", 111: "111th", 112: "112th", 113: "113th", 121: "121st", 1001: "1001st",
}  # fmt: skip


def test_ordinals_are_english() -> None:
    assert {n: ordinal(n) for n in ORDINALS} == ORDINALS


def test_the_22nd_instrument_is_not_the_22th() -> None:
    counts = dataclasses.replace(REACHED, threshold=22, qualifying=22)
    event = dataclasses.replace(THRESHOLD, counts=counts)

    assert "has its 22nd qualifying instrument" in render_plain(event)


@pytest.mark.parametrize("kind", KNOWN_KINDS)
def test_every_known_kind_has_a_verb(kind: str) -> None:
    did, preposition = verb(kind)
    text = render_plain(consent(kind))

    assert kind in VERBS
    assert not did.startswith("deposited")
    assert " ".join(filter(None, ["France", did, preposition, "the United"])) in text


def test_unknown_and_ambiguous_kinds_are_said_plainly() -> None:
    assert render_plain(consent("signature_ad_referendum")).startswith(
        "🇫🇷 France deposited an instrument (signature ad referendum) for the United Nations"
    )
    assert render_plain(consent(None)).startswith(
        "🇫🇷 France deposited an instrument for the United Nations Convention"
    )


def test_a_participant_without_a_flag_has_no_leading_space() -> None:
    event = consent("accession", participant=ParticipantRef("Kosovo", None, None))

    assert render_plain(event).startswith("Kosovo acceded to the United Nations")
    assert render_html(event).startswith("<b>Kosovo</b> acceded to the <a href=")


HOSTILE = [
    "<script>alert(1)</script>",
    "Trinidad & Tobago",
    "a > b < c",
    "Côte d'Ivoire",
    'The "Quoted" Republic',
    "&amp; &lt;b&gt; already escaped",
    "🏴‍☠️ Pirates 👩‍👩‍👧",
    "الإمارات العربية المتحدة",
    "\u202eevil RTL override",
    "</b><b>",
    "</a><a href='x'>",
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_names_and_titles_give_html_telegram_accepts_showing_them_verbatim(
    hostile: str,
) -> None:
    treaty = TreatyRef("X-1", f"Convention on {hostile}", f'https://example.org/?q="{hostile}"&x')
    participant = ParticipantRef(hostile, None, "🇫🇷")
    events = [
        dataclasses.replace(one_of(cls), treaty=treaty, participant=participant)
        for cls in EVENT_TYPES.values()
    ]

    for event in events:
        markup = render_html(event)
        assert html_error(markup) is None, markup
        assert f"Convention on {hostile}" in visible_text(markup)
    for message in render_batch_html(events):
        assert html_error(message) is None, message
        assert hostile in visible_text(message)


def test_a_link_is_only_made_for_web_addresses() -> None:
    treaty = TreatyRef("X-1", "Convention", 'javascript:alert("x")')

    assert render_html(consent("accession", treaty=treaty)) == (
        "🇫🇷 <b>France</b> acceded to the Convention on 12 Mar 2026\n<i>17 of 40 — 23 to go</i>"
    )


OTHER = TreatyRef("XXVII-7-d", "Paris Agreement", "https://treaties.un.org/paris?a=1&b=2")
OTHER_COUNTS = Counts(signatories=195, parties=195, qualifying=195, threshold=None, remaining=None)
GERMANY = ParticipantRef("Germany", "DE", "🇩🇪")


def check_events() -> list[Event]:
    return [
        SIGNATURE,
        consent("accession", participant=GERMANY),
        ConsentEvent(**common(treaty=OTHER, counts=OTHER_COUNTS)),
        MILESTONE,
    ]


def test_batch_html_groups_per_treaty_with_the_title_linked_and_the_progress_once() -> None:
    actual = render_batch_html(check_events())

    assert actual == [
        f"<b>{LINK}</b>\n"
        "🇫🇷 <b>France</b> signed on 25 Oct 2025\n"
        "🇩🇪 <b>Germany</b> acceded on 12 Mar 2026\n"
        "<b>Milestone:</b> 17 qualifying instruments of the 40 needed\n"
        f"<i>{PROGRESS}</i>\n"
        "\n"
        '<b><a href="https://treaties.un.org/paris?a=1&amp;b=2">Paris Agreement</a></b>\n'
        "🇫🇷 <b>France</b> ratified on 12 Mar 2026\n"
        "<i>195 parties</i>"
    ]
    assert html_error(actual[0]) is None


def test_batch_plain_groups_per_treaty() -> None:
    assert render_batch_plain(check_events()) == (
        f"{CYBERCRIME} (XVIII-16)\n"
        "  🇫🇷 France signed on 25 Oct 2025\n"
        "  🇩🇪 Germany acceded on 12 Mar 2026\n"
        "  Milestone: 17 qualifying instruments of the 40 needed\n"
        f"  {PROGRESS}\n"
        "\n"
        "Paris Agreement (XXVII-7-d)\n"
        "  🇫🇷 France ratified on 12 Mar 2026\n"
        "  195 parties"
    )


def test_batch_lines_of_every_type_leave_the_treaty_to_the_header() -> None:
    events = [
        PARTICIPANT_WITHDRAWN,
        ACTION_WITHDRAWN,
        DATE_CORRECTED,
        THRESHOLD,
        dataclasses.replace(IN_FORCE, counts=REACHED),
    ]

    assert render_batch_plain(events).splitlines() == [
        f"{CYBERCRIME} (XVIII-16)",
        "  🇫🇷 France withdrew",
        "  🇫🇷 France's ratification of 12 Mar 2026 is now shown as withdrawn",
        "  Correction: 🇫🇷 France's signature date corrected from 25 Oct 2025 to 26 Oct 2025",
        "  Threshold reached: 40th qualifying instrument, deposited on 28 Oct 2026; enters into"
        " force on 26 Jan 2027",
        "  Enters into force today, 12 Mar 2026",
        "  40 instruments (40 needed) — threshold reached",
    ]


def test_a_name_ending_in_s_takes_a_bare_apostrophe() -> None:
    event = WithdrawalEvent(**common(participant=ParticipantRef("Bahamas", "BS", "🇧🇸")))

    assert render_plain(event).startswith("🇧🇸 Bahamas' ratification of 12 Mar 2026 is now")


def test_an_empty_batch_gives_nothing() -> None:
    assert (render_batch_html([]), render_batch_plain([])) == ([], "")


def lines_of(messages: list[str]) -> list[str]:
    return [line for message in messages for line in message.split("\n") if line.strip()]


def test_a_long_batch_is_split_between_lines_under_4096_utf16_units() -> None:
    events: list[Event] = []
    for i in range(120):
        name = f"{i:03d} Republic of {'Ünïcødé & <Tags> ' * 6}🇺🇳"
        treaty = TREATY if i % 3 else OTHER
        events.append(
            consent("ratification", treaty=treaty, participant=ParticipantRef(name, None, "🇫🇷"))
        )

    messages = render_batch_html(events)
    unsplit = render_batch_html(events, limit=10**9)

    assert len(messages) > 2
    assert [html_error(m) for m in messages] == [None] * len(messages)
    assert lines_of(messages) == lines_of(unsplit)
    assert all(utf16_length(visible_text(m)) <= 4096 for m in messages)


def test_a_single_over_long_line_is_truncated_safely() -> None:
    name = "Tonga & <b>Fiji</b> " * 400 + "🇫🇯"
    event = consent("accession", participant=ParticipantRef(name, None, "🇹🇴"))

    messages = render_batch_html([event])

    assert [html_error(m) for m in messages] == [None] * len(messages)
    long_line = next(line for line in lines_of(messages) if "Tonga" in line)
    assert visible_text(long_line).endswith("…")
    assert long_line.endswith("…</b>")


def test_truncation_at_every_length_never_cuts_a_tag_an_entity_or_a_flag() -> None:
    line = f'🇫🇷 <b>A &amp; B</b> &lt;x&gt; <a href="{HREF}">T &quot;q&quot;</a> 🇩🇪 end'
    full = visible_text(line)

    for limit in range(2, utf16_length(full) + 1):
        cut = truncate_html(line, limit)
        shown = visible_text(cut)
        assert html_error(cut) is None, (limit, cut)
        assert utf16_length(shown) <= limit
        assert full.startswith(shown.removesuffix("…"))
        assert shown.count("🇫") == shown.count("🇷"), (limit, shown)


def test_event_text_reads_the_stored_json() -> None:
    assert event_text(RATIFICATION.to_json()) == render_plain(RATIFICATION)


def test_helpers() -> None:
    assert human_date("2026-03-02") == "2 Mar 2026"
    assert human_date(dt.date(2027, 12, 31)) == "31 Dec 2027"
    assert human_date(None) == "—"
    assert progress_bar(20, 40, width=10) == "█████░░░░░"


def test_a_consent_after_the_threshold_says_when_the_treaty_enters_into_force_for_the_party() -> (
    None
):
    chile = ParticipantRef("Chile", "CL", "🇨🇱")
    event = consent(
        "ratification",
        participant=chile,
        counts=REACHED,
        party_entry_into_force_date=dt.date(2027, 5, 12),
        party_entry_into_force_basis="own",
    )

    assert render_plain(event) == (
        "🇨🇱 Chile ratified the United Nations Convention against Cybercrime on 12 Mar 2026; "
        "it enters into force for Chile on 12 May 2027 · 40 instruments (40 needed) — "
        "threshold reached"
    )
    assert "it enters into force for Chile on 12 May 2027" in render_html(event)


def test_a_party_date_already_past_when_seen_is_said_in_the_past() -> None:
    event = consent(
        "ratification",
        party_entry_into_force_date=dt.date(2026, 3, 1),
        party_entry_into_force_basis="general",
    )

    assert "; it entered into force for France on 1 Mar 2026" in render_plain(event)


@pytest.mark.parametrize(
    ("qualifying", "share", "expected"),
    [
        (17, 4.5, "17 of 55 — 38 to go; 4.50 % of 55 %"),
        (63, 52.13, "63 instruments (55 needed); 52.13 % of 55 % — 2.87 % to go"),
        (74, 58.82, "74 instruments (55 needed); 58.82 % of 55 % — threshold reached"),
    ],
)
def test_a_dual_threshold_shows_both_parts(qualifying: int, share: float, expected: str) -> None:
    weight = WeightCounts("paris-article21", share, 55.0)
    counts = Counts(197, qualifying, qualifying, 55, max(55 - qualifying, 0), weight)

    assert progress_text(counts) == expected


def test_a_dual_threshold_event_says_both_parts_and_the_day_both_held() -> None:
    weight = WeightCounts("paris-article21", 58.83, 55.0)
    event = ThresholdReachedEvent(
        **treaty_level(
            treaty=TreatyRef("XXVII-7-d", "Paris Agreement", URL),
            counts=Counts(191, 74, 74, 55, 0, weight),
            entry_into_force_date=dt.date(2016, 11, 4),
        ),
        nth_deposit_date=dt.date(2016, 10, 5),
    )

    assert render_plain(event, today=dt.date(2016, 10, 5)) == (
        "Threshold reached: the Paris Agreement has 74 qualifying instruments (55 needed) and "
        "58.83 % of 55 %, both met on 5 Oct 2016, and enters into force on 4 Nov 2016"
    )
