"""Entry-into-force rules: how many instruments, of which kinds, then how long until in force.

Owns: reading the rule out of a treaty's entry-into-force text (`rule_from_text`), letting
per-treaty config win part by part (`resolve_rule`), counting qualifying deposits in a
participants table (`qualifying`, `progress`) and projecting the date (`eif_date`).

A rule read once is remembered: after the threshold is reached the UN replaces the rule's text
with the date ("26 January 2027, in accordance with article 65(1)."), so the last rule read from
the text (`EifRule.text_parts`, stored with the treaty) is used again when the text no longer
states one (`resolve_rule(..., remembered=...)`; source "remembered").

Pure: no I/O, no clock ("today" is always an argument), no database, no network. A rule that
cannot be computed from the table (no count found, or a weighted threshold such as the Paris
Agreement's "55 per cent of emissions") has `threshold=None` and says why in `reason`: it is
never guessed.

Date convention (checked against every real outcome in docs/untc-format.md §6): the day of the
N-th deposit is day 0, so "on the thirtieth day after/following the date of deposit" and
"30 days after/following" both mean deposit + 30 days. Hostages 4 May 1983 + 30 = 3 Jun 1983,
Paris 5 Oct 2016 + 30 = 4 Nov 2016, ATT 25 Sep 2014 + 90 = 24 Dec 2014, TPNW 24 Oct 2020 + 90 =
22 Jan 2021, BBNJ 19 Sep 2025 + 120 = 17 Jan 2026. "Three months after" is calendar arithmetic
from the deposit date; a day missing in the target month becomes that month's last day.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from scrapers.columns import normalise_space
from scrapers.model import KNOWN_KINDS, Participant
from store.countries import participant_key

# Counted when the text names no kinds ("when thirty States have become parties").
DEFAULT_COUNTED: frozenset[str] = frozenset({"ratification", "acceptance", "approval", "accession"})
REGIONAL_ORGANISATIONS: frozenset[str] = frozenset({"European Union"})

# Number words, first..hundredth and one..hundred: "twenty-second" = twenty + second.
_UNITS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_UNITS_TH = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth")
_TEENS: tuple[str, ...] = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen")
_TEENS += ("sixteen", "seventeen", "eighteen", "nineteen")
_TEENS_TH = ("tenth", "eleventh", "twelfth", *(word + "th" for word in _TEENS[3:]))
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_NUMBER_WORDS: dict[str, int] = {
    **{word: i + 1 for words in (_UNITS, _UNITS_TH) for i, word in enumerate(words)},
    **{word: i + 10 for words in (_TEENS, _TEENS_TH) for i, word in enumerate(words)},
    **{word: (i + 2) * 10 for i, word in enumerate(_TENS)},
    **{word[:-1] + "ieth": (i + 2) * 10 for i, word in enumerate(_TENS)},
    "hundred": 100,
    "hundredth": 100,
}
_WORD = "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
_NUMBER = rf"(?:\d+(?:st|nd|rd|th)?|(?:{_WORD})(?:[\s-]+(?:and[\s-]+)?(?:{_WORD}))*)"
_THRESHOLD = re.compile(
    rf"\b(?P<n>{_NUMBER})\s+(?:instruments?|States|Parties|Contracting\s+States|countries)\b",
    re.IGNORECASE,
)
_DELAY = re.compile(
    rf"\b(?P<n>{_NUMBER})\s+(?P<unit>days?|months?)\s+(?:after|following|from)\b", re.IGNORECASE
)
_ON_DEPOSIT = re.compile(r"\bon the (?:date|day) of (?:the )?deposit\b", re.IGNORECASE)
_MONTH_START = re.compile(r"\bfirst day of the (?:calendar )?month\b", re.IGNORECASE)
_KIND_LIST = re.compile(r"\binstruments? of (?P<list>[^.;:]*)", re.IGNORECASE)
_LIST_END = re.compile(r"\b(?:with|has|have|by|deposited|shall|in accordance|for)\b", re.I)
# Kinds of the one vocabulary (`scrapers.model.KNOWN_KINDS`) that an entry-into-force clause can
# count, found in its text by their own words (longest first), plus the texts' one alias.
_NEVER_COUNTED = frozenset(
    {
        "signature",
        "succession_to_signature",
        "provisional_application",
        "simplified_procedure",
        "application",
    }
)
_KIND_WORDS: tuple[tuple[str, str], ...] = (
    ("signature not subject to ratification", "definitive_signature"),
    *sorted(
        ((kind.replace("_", " "), kind) for kind in KNOWN_KINDS if kind not in _NEVER_COUNTED),
        key=lambda pair: -len(pair[0]),
    ),
)
_REGIONAL = re.compile(r"regional (?:economic )?integration organi[sz]ation", re.IGNORECASE)
_NOT_ADDITIONAL = re.compile(r"not be counted", re.IGNORECASE)
_WEIGHTED = re.compile(r"\bper\s*cent\b|\bpercent\b|%", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class EifRule:
    """When a treaty enters into force. `threshold=None` means unknown: no projection, see `reason`.

    `not_counted` holds participant names, compared by `name_key` (rename-aware).
    `source` is "text", "config", "text+config" or "default" (nothing recognised in the text).
    """

    threshold: int | None
    delay_days: int | None
    delay_months: int | None
    counted_kinds: frozenset[str]
    not_counted: frozenset[str]
    excludes_regional_orgs: bool
    milestones: tuple[int, ...]
    source: str
    reason: str | None = None

    @property
    def known(self) -> bool:
        return self.threshold is not None

    def text_parts(self) -> dict[str, Any]:
        """The parts read from the text, as stored JSON (`rule_from_parts` reads it back)."""
        return {
            "threshold": self.threshold,
            "delay_days": self.delay_days,
            "delay_months": self.delay_months,
            "counted_kinds": sorted(self.counted_kinds),
            "not_counted": sorted(self.not_counted),
            "excludes_regional_orgs": self.excludes_regional_orgs,
        }


def rule_from_parts(data: Mapping[str, Any]) -> EifRule | None:
    """A remembered text rule back from `EifRule.text_parts` JSON; None if it is unusable."""
    try:
        threshold = int(data["threshold"])
        delay_days = None if data.get("delay_days") is None else int(data["delay_days"])
        delay_months = None if data.get("delay_months") is None else int(data["delay_months"])
        kinds = frozenset(str(k) for k in data.get("counted_kinds") or ()) or DEFAULT_COUNTED
        not_counted = frozenset(str(n) for n in data.get("not_counted") or ())
    except (KeyError, TypeError, ValueError):
        return None
    if threshold < 1:
        return None
    return EifRule(
        threshold=threshold,
        delay_days=delay_days,
        delay_months=delay_months,
        counted_kinds=kinds,
        not_counted=not_counted,
        excludes_regional_orgs=bool(data.get("excludes_regional_orgs")),
        milestones=default_milestones(threshold),
        source="remembered",
    )


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a treaty is from entry into force, computed from one participants table."""

    qualifying: int
    threshold: int | None
    remaining: int | None
    nth_date: dt.date | None
    eif_date: dt.date | None
    reason: str | None = None

    def in_force_on(self, today: dt.date) -> bool:
        """True once the computed entry-into-force date has arrived (False if none is known)."""
        return self.eif_date is not None and today >= self.eif_date


def name_key(name: str) -> str:
    """The key participant names are compared by: the rename-aware `countries.participant_key`
    ("European Community" and "European Union" are one participant, as are Turkey/Türkiye)."""
    return participant_key(name)


def number_from_words(text: str) -> int | None:
    """ "twenty-second" → 22, "fortieth" → 40, "one hundredth" → 100, "55" / "22nd" → 55 / 22."""
    text = text.strip().lower()
    digits = re.fullmatch(r"(\d+)(?:st|nd|rd|th)?", text)
    if digits:
        return int(digits.group(1))
    total = 0
    for token in re.split(r"[\s-]+", text):
        if token == "and":
            continue
        if token not in _NUMBER_WORDS:
            return None
        value = _NUMBER_WORDS[token]
        total = max(total, 1) * 100 if value == 100 else total + value
    return total or None


def default_milestones(threshold: int) -> tuple[int, ...]:
    """25 %, 50 %, 75 % of N rounded up and N-1 ("one to go"); values in 1..N-1, no repeats."""
    wanted = [math.ceil(threshold * share / 4) for share in (1, 2, 3)] + [threshold - 1]
    return tuple(sorted({m for m in wanted if 1 <= m < threshold}))


def rule_from_text(text: str) -> EifRule:
    """Read threshold, delay, counted kinds and the regional-organisation clause from the text."""
    text = normalise_space(text)
    reason: str | None = None
    threshold_match = _THRESHOLD.search(text)
    threshold = number_from_words(threshold_match.group("n")) if threshold_match else None
    threshold = threshold if threshold and threshold > 0 else None
    if _WEIGHTED.search(text):
        threshold = None
        reason = "weighted threshold ('per cent' of a total, e.g. of emissions): not computable"
    elif threshold is None:
        reason = "no instrument count found in the entry-into-force text"
    delay_days, delay_months = _delay(text)
    regional = bool(_REGIONAL.search(text) and _NOT_ADDITIONAL.search(text))
    kinds = _counted_kinds(text[threshold_match.start() :] if threshold_match else text)
    recognised = threshold_match is not None or delay_days is not None or delay_months is not None
    return EifRule(
        threshold=threshold,
        delay_days=delay_days,
        delay_months=delay_months,
        counted_kinds=kinds or DEFAULT_COUNTED,
        not_counted=REGIONAL_ORGANISATIONS if regional else frozenset(),
        excludes_regional_orgs=regional,
        milestones=default_milestones(threshold) if threshold else (),
        source="text" if recognised else "default",
        reason=reason,
    )


@dataclass(frozen=True, slots=True)
class RuleOverrides:
    """Parts of an entry-into-force rule given by a maintainer (`track` options, `[[treaties]]`
    in config), each replacing the text's part when set. The one place that lists the keys:
    config, the CLI, the store's JSON and `resolve_rule` all go through this class.

    `validate` enforces the bounds every entry point shares (a delay of 999,999,999 days or an
    empty list of counted kinds must stop at the edge, not crash a sweep later).
    """

    threshold: int | None = None
    delay_days: int | None = None
    delay_months: int | None = None
    counted_kinds: frozenset[str] | None = None
    not_counted: frozenset[str] | None = None
    milestones: tuple[int, ...] | None = None

    MAX_THRESHOLD: ClassVar[int] = 10_000
    MAX_DELAY_DAYS: ClassVar[int] = 3_650
    MAX_DELAY_MONTHS: ClassVar[int] = 120

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    def is_empty(self) -> bool:
        return all(getattr(self, key) is None for key in self.keys())

    def over(self, base: RuleOverrides) -> RuleOverrides:
        """These overrides laid over `base`: each part set here wins; a delay set here (in days
        or months) replaces both of base's delay parts."""
        parts = {key: getattr(base, key) for key in self.keys()}
        if self.delay_days is not None or self.delay_months is not None:
            parts["delay_days"] = parts["delay_months"] = None
        parts.update({k: getattr(self, k) for k in self.keys() if getattr(self, k) is not None})
        return RuleOverrides(**parts)

    def validate(self, known_kinds: Iterable[str] | None = None) -> RuleOverrides:
        """Raise ValueError naming the first bad part; return self when all are usable."""
        bounds = (
            ("threshold", self.threshold, 1, self.MAX_THRESHOLD),
            ("delay_days", self.delay_days, 0, self.MAX_DELAY_DAYS),
            ("delay_months", self.delay_months, 0, self.MAX_DELAY_MONTHS),
        )
        for name, value, low, high in bounds:
            if value is not None and not low <= value <= high:
                raise ValueError(f"{name} must be between {low} and {high:,}, not {value:,}")
        if self.delay_days is not None and self.delay_months is not None:
            raise ValueError("give delay_days or delay_months, not both")
        if self.counted_kinds is not None:
            if not self.counted_kinds:
                raise ValueError("counted_kinds cannot be empty")
            vocabulary = set(known_kinds) if known_kinds is not None else None
            unknown = sorted(self.counted_kinds - vocabulary) if vocabulary else []
            if unknown:
                raise ValueError(
                    f"unknown action kind(s) {', '.join(unknown)}; expected some of: "
                    + ", ".join(sorted(vocabulary or ()))
                )
        if self.not_counted is not None and not all(n.strip() for n in self.not_counted):
            raise ValueError("not_counted names cannot be empty")
        if self.milestones is not None:
            if any(m < 1 for m in self.milestones):
                raise ValueError("milestones must be 1 or more")
            if self.threshold is not None and any(m >= self.threshold for m in self.milestones):
                raise ValueError(f"milestones must be below the threshold ({self.threshold})")
        return self

    def to_json(self) -> dict[str, Any]:
        """Only the parts that are set; sets as sorted lists."""
        out: dict[str, Any] = {}
        for key in self.keys():
            value = getattr(self, key)
            if isinstance(value, frozenset):
                out[key] = sorted(value)
            elif isinstance(value, tuple):
                out[key] = list(value)
            elif value is not None:
                out[key] = value
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> RuleOverrides:
        """The stored form back (unknown keys are ignored: older rows may hold fewer)."""
        data = data or {}

        def ints(key: str) -> int | None:
            value = data.get(key)
            return int(value) if value is not None else None

        def names(key: str) -> frozenset[str] | None:
            value = data.get(key)
            return frozenset(str(v) for v in value) if value is not None else None

        milestones = data.get("milestones")
        return cls(
            threshold=ints("threshold"),
            delay_days=ints("delay_days"),
            delay_months=ints("delay_months"),
            counted_kinds=names("counted_kinds"),
            not_counted=names("not_counted"),
            milestones=tuple(sorted({int(m) for m in milestones})) if milestones else None,
        )


NO_OVERRIDES = RuleOverrides()


def resolve_rule(
    text: str,
    overrides: RuleOverrides = NO_OVERRIDES,
    remembered: Mapping[str, Any] | None = None,
) -> EifRule:
    """The rule from `text`, with each part set in `overrides` replacing the text's.

    When the text states no instrument count (the page now shows the date instead) and a rule
    read earlier is `remembered` (`EifRule.text_parts`), that rule is the base instead.
    A configured delay (days or months) replaces the text's delay altogether. Milestones follow
    the final threshold unless configured. Raises ValueError for impossible values.
    """
    base = rule_from_text(text)
    if base.threshold is None and remembered:
        base = rule_from_parts(remembered) or base
    if overrides.is_empty():
        return base
    overrides.validate()
    threshold, delay_days, delay_months = (
        overrides.threshold,
        overrides.delay_days,
        overrides.delay_months,
    )
    kinds, not_counted, milestones = (
        overrides.counted_kinds,
        overrides.not_counted,
        overrides.milestones,
    )
    final_threshold = threshold if threshold is not None else base.threshold
    own_delay = delay_days is not None or delay_months is not None
    if milestones is not None:
        final_milestones = tuple(sorted(set(milestones)))
    else:
        final_milestones = default_milestones(final_threshold) if final_threshold else ()
    return EifRule(
        threshold=final_threshold,
        delay_days=delay_days if own_delay else base.delay_days,
        delay_months=delay_months if own_delay else base.delay_months,
        counted_kinds=kinds if kinds is not None else base.counted_kinds,
        not_counted=not_counted if not_counted is not None else base.not_counted,
        excludes_regional_orgs=base.excludes_regional_orgs,
        milestones=final_milestones,
        source=f"{base.source}+config" if base.source in ("text", "remembered") else "config",
        reason=base.reason if final_threshold is None else None,
    )


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
    """The day the treaty enters into force, the N-th deposit being made on `nth_date`.

    Deposit day is day 0 (see the module docstring). Raises ValueError if the rule has no delay.
    """
    if rule.delay_months is not None:
        return _add_months(nth_date, rule.delay_months)
    if rule.delay_days is not None:
        return nth_date + dt.timedelta(days=rule.delay_days)
    raise ValueError("the rule gives no delay after the last deposit: no date can be computed")


def progress(participants: Sequence[Participant], rule: EifRule) -> Progress:
    """Count toward the threshold; the N-th deposit's date and the projected date once reached."""
    deposits = qualifying(participants, rule)
    if rule.threshold is None:
        return Progress(len(deposits), None, None, None, None, rule.reason or "threshold unknown")
    remaining = max(rule.threshold - len(deposits), 0)
    if remaining:
        return Progress(len(deposits), rule.threshold, remaining, None, None, rule.reason)
    nth = deposits[rule.threshold - 1][1]
    has_delay = rule.delay_days is not None or rule.delay_months is not None
    reason = rule.reason if has_delay else rule.reason or "delay after the last deposit unknown"
    in_force = eif_date(nth, rule) if has_delay else None
    return Progress(len(deposits), rule.threshold, 0, nth, in_force, reason)


def _delay(text: str) -> tuple[int | None, int | None]:
    """(days, months) after the N-th deposit; (None, None) when the text's form is not modelled."""
    if _MONTH_START.search(text):
        return None, None  # "first day of the month following …": not a fixed delay.
    match = _DELAY.search(text)
    if match:
        value = number_from_words(match.group("n"))
        if match.group("unit").lower().startswith("month"):
            return None, value
        return value, None
    if _ON_DEPOSIT.search(text):
        return 0, None
    return None, None


def _counted_kinds(text: str) -> frozenset[str]:
    """Kinds named in the first "instrument(s) of …" list of `text`; empty when none is named."""
    match = _KIND_LIST.search(text)
    if not match:
        return frozenset()
    listed = match.group("list")
    end = _LIST_END.search(listed)
    listed = (listed[: end.start()] if end else listed).lower()
    kinds: set[str] = set()
    for words, kind in _KIND_WORDS:
        if words in listed:
            kinds.add(kind)
            listed = listed.replace(words, " ")
    return frozenset(kinds)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))
