"""Entry into force for each party: the later-parties clause, and the day it gives one party.

Owns reading the clause that follows the general rule ("For each State ratifying … after the
deposit of the fortieth instrument …, the Convention shall enter into force on the thirtieth day
after …") out of an entry-into-force text (`party_rule_from_text`), the text without that clause
(`without_party_clauses`, so the general rule is read from its own words), and the date one
party's instrument takes effect (`party_date`).

Two kinds of clause, as the real texts write them:

- **after the threshold** (Cybercrime 65(2), Rome Statute 126(2), Paris Agreement 21(3)): a party
  whose instrument counts after the N-th deposit gets its own date; one that deposited by the
  N-th deposit gets the general date;
- **after the entry into force** (Arms Trade Treaty 22(2), Kigali Amendment IV(3)): a party that
  deposits once the treaty is in force gets its own date; one that deposited by the general
  date gets the general date (Kigali: a deposit of 6 Dec 2018 took effect on 1 Jan 2019).

A party's own date is never before the general date ("… or on the date on which the Convention
enters into force, whichever is later"). "The first day of the month after the sixtieth day
following the deposit" (Rome Statute) is `month_start=True` with a delay of 60 days.

Pure: no I/O, no clock, no database.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

After = Literal["threshold", "entry_into_force"]
AFTER_CHOICES: tuple[After, ...] = ("threshold", "entry_into_force")

# A sentence about each later party: "For each State / any other Party / each Contracting State
# … which ratifies … after …" or "… thereafter …".
_PARTY_SENTENCE = re.compile(
    r"\bfor (?:each|every|any other|any|a) (?:other )?(?:State|Party|Parties|Contracting|"
    r"signatory|Member|regional|country)\b|\bthereafter\b",
    re.IGNORECASE,
)
_AFTER_EIF = re.compile(
    r"\b(?:after|subsequent to) (?:the|its) (?:date of (?:the )?)?entry into force\b", re.IGNORECASE
)
_SENTENCE_END = re.compile(r"(?<=[.;])\s+(?=[A-Z(0-9])")


@dataclass(frozen=True, slots=True)
class PartyRule:
    """How long after its own deposit the treaty enters into force for a later party.

    `delay_days` / `delay_months` (one of them), `month_start`: then the first day of the next
    month; `after`: from when a deposit is "later" (see the module docstring). `source` is
    "text", "config", "text+config" or "remembered".
    """

    delay_days: int | None
    delay_months: int | None = None
    month_start: bool = False
    after: After = "threshold"
    source: str = "text"

    def to_json(self) -> dict[str, Any]:
        return {
            "delay_days": self.delay_days,
            "delay_months": self.delay_months,
            "month_start": self.month_start,
            "after": self.after,
            "source": self.source,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> PartyRule | None:
        """The stored form back; None when it is missing or unusable."""
        if not data:
            return None
        try:
            days = None if data.get("delay_days") is None else int(data["delay_days"])
            months = None if data.get("delay_months") is None else int(data["delay_months"])
        except (TypeError, ValueError):
            return None
        after = data.get("after", "threshold")
        if (days is None) == (months is None) or after not in AFTER_CHOICES:
            return None
        return cls(days, months, bool(data.get("month_start")), after, "remembered")

    def own_date(self, deposit: dt.date) -> dt.date:
        """The party's own date, from its deposit alone (deposit day is day 0)."""
        if self.delay_months is not None:
            day = add_months(deposit, self.delay_months)
        else:
            day = deposit + dt.timedelta(days=self.delay_days or 0)
        return first_of_next_month(day) if self.month_start else day

    def describe(self) -> str:
        """ "the 30th day after its deposit", "the first day of the month after the 60th day …"."""
        if self.delay_months is not None:
            core = f"{self.delay_months} month(s) after its deposit"
        else:
            core = f"the {_ordinal(self.delay_days or 0)} day after its deposit"
        if self.month_start:
            core = f"the first day of the month after {core}"
        when = "the threshold" if self.after == "threshold" else "the entry into force"
        return f"{core} (for a deposit after {when})"


def split_sentences(text: str) -> list[str]:
    return [part for part in _SENTENCE_END.split(text) if part.strip()]


def is_party_sentence(sentence: str) -> bool:
    return bool(_PARTY_SENTENCE.search(sentence))


def without_party_clauses(text: str) -> str:
    """The text with its later-parties sentences left out (the general rule alone)."""
    kept = [s for s in split_sentences(text) if not is_party_sentence(s)]
    return " ".join(kept)


def party_rule_from_text(
    text: str, read_delay: Callable[[str], tuple[int | None, int | None, bool]]
) -> PartyRule | None:
    """The later-parties clause of `text`, or None when it has none with a readable delay.

    `read_delay` reads (days, months, month_start) out of one sentence: the general rule's own
    reader (`store.thresholds`), so both clauses understand the same words.
    """
    for sentence in split_sentences(text):
        if not is_party_sentence(sentence):
            continue
        days, months, month_start = read_delay(sentence)
        if days is None and months is None:
            continue
        after: After = "entry_into_force" if _AFTER_EIF.search(sentence) else "threshold"
        # "After the entry into force of the Amendment, as provided under paragraphs 1 and 2,
        # it shall enter into force for any other Party …": the condition opens the sentence.
        return PartyRule(days, months, month_start, after, "text")
    return None


def party_date(
    deposit: dt.date,
    general: dt.date,
    threshold_date: dt.date,
    rule: PartyRule | None,
) -> tuple[dt.date, str] | None:
    """(the date the treaty enters into force for a party that deposited on `deposit`, basis).

    Basis "general" (deposited by the threshold, or by the entry into force, as the clause
    says) or "own" (the clause's date, never before the general one). None for a later
    deposit when no clause is known: its date is unknown, never guessed as the general one.
    """
    cutoff = threshold_date if rule is None or rule.after == "threshold" else general
    if deposit <= cutoff:
        return general, "general"
    if rule is None:
        return None
    return max(general, rule.own_date(deposit)), "own"


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months; a day missing in the target month becomes that month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def first_of_next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10)
    return f"{number}{suffix or 'th'}"
