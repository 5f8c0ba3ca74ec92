"""Event and status texts: what a subscriber or maintainer reads."""

from __future__ import annotations

from typing import Any

from bot.render import event_text, human_date, progress_bar


def consent(kind: str | None, **counts: Any) -> dict[str, Any]:
    return {
        "type": "treaty.consent",
        "treaty": {"id": "XVIII-16", "title": "United Nations Convention against Cybercrime"},
        "participant": {"name": "France", "code": "FR", "flag": "🇫🇷"},
        "action": {"kind": kind, "date": "2026-03-12"},
        "counts": {"qualifying": 17, "threshold": 40, "remaining": 23, "parties": 17, **counts},
        "entry_into_force": {"date": None},
    }


def test_ratification_reads_as_news_with_the_count_toward_entry_into_force() -> None:
    assert event_text(consent("ratification")) == (
        "🇫🇷 France ratified the United Nations Convention against Cybercrime on 12 Mar 2026"
        " — 17 of 40 instruments needed, 23 to go"
    )


def test_unknown_and_ambiguous_kinds_are_said_plainly() -> None:
    assert "deposited an instrument (definitive acceptance) for" in event_text(
        consent("definitive_acceptance")
    )
    assert "deposited an instrument for the United" in event_text(consent(None))


def test_threshold_reached_gives_the_entry_into_force_date() -> None:
    event = {
        "type": "treaty.threshold_reached",
        "treaty": {"id": "XVIII-16", "title": "United Nations Convention against Cybercrime"},
        "counts": {"qualifying": 40, "threshold": 40, "remaining": 0},
        "entry_into_force": {"date": "2026-09-10"},
    }
    assert event_text(event).endswith("enters into force on 10 Sep 2026")


def test_helpers() -> None:
    assert human_date("2026-03-02") == "2 Mar 2026"
    assert human_date(None) == "—"
    assert progress_bar(20, 40, width=10) == "█████░░░░░"
