"""Pure helpers of the conversation: arguments, matching, type names, buttons, HTML texts."""

from __future__ import annotations

import pytest

from bot.errors import InvalidInput
from bot.render.fit import visible_text
from bot.telegram import logic, texts
from bot.telegram.logic import SHORT_TYPES

ROWS = [
    {"id": "XVIII-12", "title": "Convention against Transnational Organized Crime", "tracked": 0},
    {"id": "XVIII-14", "title": "United Nations Convention against Corruption", "tracked": 1},
    {"id": "XVIII-16", "title": "United Nations Convention against Cybercrime", "tracked": 1},
    {"id": "XXVI-8", "title": "Arms Trade Treaty", "tracked": 0},
]


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["consent"], {"treaty.consent"}),
        (["consents", "signatures"], {"treaty.consent", "treaty.signature"}),
        (
            ["threshold_reached,entry-into-force"],
            {"treaty.threshold_reached", "treaty.entry_into_force"},
        ),
        (["milestones", "Withdrawal"], {"treaty.milestone", "treaty.withdrawal"}),
        (["ratifications"], {"treaty.consent"}),
        (["declarations", "objection"], {"treaty.declaration", "treaty.objection"}),
        (["territorial_applications"], {"treaty.territorial_application"}),
        (["reservations", "territorial"], {"treaty.declaration", "treaty.territorial_application"}),
    ],
)
def test_only_accepts_short_names_plurals_and_aliases(words: list[str], expected: set[str]) -> None:
    assert logic.parse_types(words) == frozenset(expected)


def test_only_all_resets_and_nonsense_names_the_valid_types() -> None:
    with pytest.raises(InvalidInput) as caught:
        logic.parse_types(["ratified"])

    assert logic.parse_types(["all"]) is None
    assert "signature, consent, withdrawal" in str(caught.value)


def test_toggling_the_last_missing_type_means_all_again() -> None:
    without = logic.toggle_type(None, "treaty.signature")

    assert without == frozenset(SHORT_TYPES.values()) - {"treaty.signature"}
    assert logic.toggle_type(without, "treaty.signature") is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("xviii-16", ["XVIII-16"]),
        ("cybercrime", ["XVIII-16"]),
        ("convention against", ["XVIII-16", "XVIII-14", "XVIII-12"]),
        ("ARMS trade", ["XXVI-8"]),
        ("nothing like it", []),
        ("", []),
    ],
)
def test_treaties_match_by_id_or_title_words_tracked_and_cybercrime_first(
    query: str, expected: list[str]
) -> None:
    assert [c.id for c in logic.match_treaties(query, ROWS)] == expected


def test_start_offers_tracked_treaties_cybercrime_first() -> None:
    assert [c.id for c in logic.start_order(ROWS)] == ["XVIII-16", "XVIII-14"]


@pytest.mark.parametrize(
    ("text", "ok"), [("XVIII-16", True), ("xxvii-7-a", True), ("IV-11", True), ("cyber", False)]
)
def test_treaty_ids_are_recognised(text: str, ok: bool) -> None:
    assert logic.looks_like_treaty_id(text) is ok


def test_button_data_too_long_for_telegram_is_left_out() -> None:
    board = logic.keyboard([("a", logic.callback("unfollow", "key:" + "x" * 80)), ("b", "ok:1")])

    assert board == [[("b", "ok:1")]]


def test_commands_addressed_to_another_bot_are_not_ours() -> None:
    assert logic.addressed_to("/status@TreatyBot x", "treatybot") is True
    assert logic.addressed_to("/status x", "treatybot") is True
    assert logic.addressed_to("/status@other_bot", "treatybot") is False
    assert logic.split_command("/Status@TreatyBot XVIII-16 now") == ("status", ["XVIII-16", "now"])


def test_status_text_escapes_everything_and_shows_the_progress() -> None:
    status = {
        "id": "XVIII-16",
        "title": "Convention <against> & “crime”; long tail",
        "url": 'https://treaties.un.org/x?a=1&b="2"',
        "counts": {"signatories": 72, "parties": 17, "qualifying": 17, "threshold": 40,
                   "remaining": 23},
        "entry_into_force": {"date": None, "state": "not_yet"},
        "last_actions": [{"date": "2026-03-12", "participant": "Côte <d'Ivoire> & co",
                          "kind": "ratification"}],
        "health": {"last_check": "2026-03-12T14:05:09Z", "consecutive_failures": 0},
    }  # fmt: skip
    text = texts.status_text(status)

    assert "Convention &lt;against&gt; &amp; “crime”" in text
    assert 'href="https://treaties.un.org/x?a=1&amp;b=&quot;2&quot;"' in text
    assert "17 of 40" in visible_text(text) and "23 more instruments needed" in text
    assert "Côte &lt;d'Ivoire&gt; &amp; co" in text


def test_help_lists_every_command_with_an_example() -> None:
    plain = texts.help_text(admin=True)

    for command, _, example in texts.COMMANDS + texts.ADMIN_COMMANDS:
        assert f"/{command}" in plain
        assert texts.esc(example) in plain
