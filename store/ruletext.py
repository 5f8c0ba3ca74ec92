"""Reading an entry-into-force rule out of a treaty's text: `EifRule` and `rule_from_text`.

Owns the rule's value (`EifRule`, and its stored form `text_parts` / `rule_from_parts`), the
number words ("twenty-second", "sixtieth"), and the forms of the texts that are understood:
"N instruments of these kinds", a delay in days or months ("the first day of the month after
the sixtieth day"), the regional-organisation clause, the later-parties clause
(`store.laterparties`), a weighted part (`store.weights`), a fixed date with a fallback
(Kigali) and a share of a parent treaty's parties ("two thirds of the Parties").

Must not: count deposits, compute dates or apply overrides (`store.thresholds` does).
Pure: no I/O, no clock.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scrapers.columns import normalise_space
from scrapers.model import KNOWN_KINDS
from store.laterparties import PartyRule, party_rule_from_text, without_party_clauses
from store.weights import WeightedThreshold, weighted_from_text

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
# "the first day of the month after the sixtieth day following the deposit" (Rome Statute).
_MONTH_AFTER_DAYS = re.compile(
    rf"\bfirst day of the (?:calendar )?month (?:after|following) (?:the expiration of )?"
    rf"(?:a period of )?(?:the )?(?P<n>{_NUMBER})(?:\s+day\b|\s+days?\b)",
    re.IGNORECASE,
)
# "on 1 January 2019, provided that at least twenty instruments … have been deposited"
_FIXED_DATE = re.compile(
    r"\bon (?P<date>\d{1,2} (?:January|February|March|April|May|June|July|August|September|"
    r"October|November|December) \d{4}),? provided (?:that )?",
    re.IGNORECASE,
)
# "at least two thirds of the Parties to the Protocol" (an amendment's share of its parent).
_FRACTIONS = {"half": (1, 2), "two thirds": (2, 3), "two-thirds": (2, 3)}
_FRACTIONS |= {"three fourths": (3, 4), "three-fourths": (3, 4), "three quarters": (3, 4)}
_FRACTIONS |= {"seven eighths": (7, 8), "seven-eighths": (7, 8)}
_FRACTION_OF_PARTIES = re.compile(
    r"\b(?P<f>" + "|".join(sorted(_FRACTIONS, key=len, reverse=True)) + r")\s+of\s+the\s+"
    r"(?:States\s+)?Parties\b",
    re.IGNORECASE,
)
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
    `month_start`: the date is the first day of the month after the delay (Rome Statute).
    `party`: the later-parties clause (`store.laterparties`), None when unknown.
    `weighted`: a second condition, "and W % of a weight table" (Paris Agreement 21(1)).
    `fixed_date`: "on 1 January 2019, provided that N instruments have been deposited by then,
    otherwise on the delay's day after the N-th" (Kigali Amendment IV(1)).
    `fraction`: the threshold is this share of the `parent` treaty's `parent_parties` (an
    amendment); `threshold` is None until the parent's count is known.
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
    month_start: bool = False
    party: PartyRule | None = None
    weighted: WeightedThreshold | None = None
    fixed_date: dt.date | None = None
    fraction: tuple[int, int] | None = None
    parent: str | None = None
    parent_parties: int | None = None

    @property
    def known(self) -> bool:
        return self.threshold is not None

    def text_parts(self) -> dict[str, Any]:
        """The parts read from the text, as stored JSON (`rule_from_parts` reads it back)."""
        parts: dict[str, Any] = {
            "threshold": self.threshold,
            "delay_days": self.delay_days,
            "delay_months": self.delay_months,
            "counted_kinds": sorted(self.counted_kinds),
            "not_counted": sorted(self.not_counted),
            "excludes_regional_orgs": self.excludes_regional_orgs,
        }
        if self.month_start:
            parts["month_start"] = True
        if self.party is not None:
            parts["party"] = self.party.to_json()
        if self.weighted is not None:
            parts["weighted"] = {"table": self.weighted.table, "percent": self.weighted.percent}
        if self.fixed_date is not None:
            parts["fixed_date"] = self.fixed_date.isoformat()
        if self.fraction is not None:
            parts["fraction"] = list(self.fraction)
        return parts


def rule_from_parts(data: Mapping[str, Any]) -> EifRule | None:
    """A remembered text rule back from `EifRule.text_parts` JSON; None if it is unusable."""
    try:
        threshold = None if data.get("threshold") is None else int(data["threshold"])
        delay_days = None if data.get("delay_days") is None else int(data["delay_days"])
        delay_months = None if data.get("delay_months") is None else int(data["delay_months"])
        kinds = frozenset(str(k) for k in data.get("counted_kinds") or ()) or DEFAULT_COUNTED
        not_counted = frozenset(str(n) for n in data.get("not_counted") or ())
        weighted_data = data.get("weighted")
        weighted = (
            WeightedThreshold(str(weighted_data["table"]), float(weighted_data["percent"]))
            if weighted_data
            else None
        )
        fixed = dt.date.fromisoformat(data["fixed_date"]) if data.get("fixed_date") else None
        fraction_data = data.get("fraction")
        fraction = (int(fraction_data[0]), int(fraction_data[1])) if fraction_data else None
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    if (threshold is None and fraction is None) or (threshold is not None and threshold < 1):
        return None
    return EifRule(
        threshold=threshold,
        delay_days=delay_days,
        delay_months=delay_months,
        counted_kinds=kinds,
        not_counted=not_counted,
        excludes_regional_orgs=bool(data.get("excludes_regional_orgs")),
        milestones=default_milestones(threshold) if threshold else (),
        source="remembered",
        month_start=bool(data.get("month_start")),
        party=PartyRule.from_json(data.get("party")),
        weighted=weighted,
        fixed_date=fixed,
        fraction=fraction,
    )


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
    """Read threshold, delay, counted kinds, the regional-organisation clause, the later-parties
    clause, a weighted part, a fixed date and an amendment's share of its parent's parties."""
    text = normalise_space(text)
    general = without_party_clauses(text) or text
    reason: str | None = None
    threshold_match = _THRESHOLD.search(general)
    threshold = number_from_words(threshold_match.group("n")) if threshold_match else None
    threshold = threshold if threshold and threshold > 0 else None
    fraction_match = _FRACTION_OF_PARTIES.search(general)
    fraction = _FRACTIONS[fraction_match.group("f").lower()] if fraction_match else None
    weighted: WeightedThreshold | None = None
    if _WEIGHTED.search(general):
        weighted, reason = weighted_from_text(general)
        if weighted is None:
            threshold = None
    if fraction is not None:
        threshold = None
        reason = "a share of the parent treaty's parties: set parent (watched) or parent_parties"
    elif threshold is None and reason is None:
        reason = "no instrument count found in the entry-into-force text"
    delay_days, delay_months, month_start = read_delay(general)
    fixed = _FIXED_DATE.search(general)
    regional = bool(_REGIONAL.search(text) and _NOT_ADDITIONAL.search(text))
    kinds = _counted_kinds(general[threshold_match.start() :] if threshold_match else general)
    recognised = (
        threshold_match is not None
        or fraction is not None
        or delay_days is not None
        or delay_months is not None
    )
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
        month_start=month_start,
        party=party_rule_from_text(text, read_delay),
        weighted=weighted,
        fixed_date=_date_words(fixed.group("date")) if fixed else None,
        fraction=fraction,
    )


def read_delay(text: str) -> tuple[int | None, int | None, bool]:
    """(days, months, month_start) after the N-th deposit; (None, None, False) when the text's
    form is not modelled. "The first day of the month after the sixtieth day following …" is
    (60, None, True)."""
    month_after = _MONTH_AFTER_DAYS.search(text)
    if month_after:
        return number_from_words(month_after.group("n")), None, True
    if _MONTH_START.search(text):
        return None, None, False  # "first day of the month following …" in another form
    match = _DELAY.search(text)
    if match:
        value = number_from_words(match.group("n"))
        if match.group("unit").lower().startswith("month"):
            return None, value, False
        return value, None, False
    if _ON_DEPOSIT.search(text):
        return 0, None, False
    return None, None, False


def _date_words(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%d %B %Y").date()


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


def mentions_percent(text: str) -> bool:
    """Whether the text speaks of a percentage (a weighted threshold of some table)."""
    return bool(_WEIGHTED.search(text))
