"""The parts of an entry-into-force rule a maintainer may set: `RuleOverrides`.

The one place that lists the override keys: config (`[[treaties]]`), the CLI (`track`), the
store's JSON and `store.thresholds.resolve_rule` all go through this class, and `validate`
holds the bounds every entry point shares.

Pure: no I/O, no clock.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from store.laterparties import AFTER_CHOICES

_FRACTION = re.compile(r"(?P<num>\d+)/(?P<den>\d+)")
_TREATY_ID = re.compile(r"^[IVXL]+-\d+(?:-[a-z])?$")


def parse_fraction(text: str) -> tuple[int, int]:
    """ "2/3" → (2, 3). Raises ValueError unless 0 < num <= den <= 100."""
    match = _FRACTION.fullmatch(text.strip())
    if not match:
        raise ValueError(f"threshold_fraction must look like 2/3, not {text!r}")
    num, den = int(match.group("num")), int(match.group("den"))
    if not 0 < num <= den <= 100:
        raise ValueError(f"threshold_fraction must be between 1/100 and 1/1, not {text!r}")
    return num, den


@dataclass(frozen=True, slots=True)
class RuleOverrides:
    """Parts of an entry-into-force rule given by a maintainer, each replacing the text's part
    when set. `validate` enforces the bounds every entry point shares (a delay of 999,999,999
    days or an empty list of counted kinds must stop at the edge, not crash a sweep later).

    Per-party entry into force: `party_delay_days` / `party_delay_months`, `party_month_start`
    ("the first day of the month after …"), `party_after` ("threshold" or "entry_into_force").
    Amendments: `threshold_fraction` ("2/3" of the parties of `parent`), `parent` (the parent
    treaty's id; its party count is read from its stored snapshot), `parent_parties` (the count
    itself, when the parent is not watched).
    """

    threshold: int | None = None
    delay_days: int | None = None
    delay_months: int | None = None
    counted_kinds: frozenset[str] | None = None
    not_counted: frozenset[str] | None = None
    milestones: tuple[int, ...] | None = None
    party_delay_days: int | None = None
    party_delay_months: int | None = None
    party_month_start: bool | None = None
    party_after: str | None = None
    threshold_fraction: str | None = None
    parent: str | None = None
    parent_parties: int | None = None

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
        or months) replaces both of base's delay parts (and so for the party delay)."""
        parts = {key: getattr(base, key) for key in self.keys()}
        if self.delay_days is not None or self.delay_months is not None:
            parts["delay_days"] = parts["delay_months"] = None
        if self.party_delay_days is not None or self.party_delay_months is not None:
            parts["party_delay_days"] = parts["party_delay_months"] = None
        parts.update({k: getattr(self, k) for k in self.keys() if getattr(self, k) is not None})
        return RuleOverrides(**parts)

    def validate(self, known_kinds: Iterable[str] | None = None) -> RuleOverrides:
        """Raise ValueError naming the first bad part; return self when all are usable."""
        bounds = (
            ("threshold", self.threshold, 1, self.MAX_THRESHOLD),
            ("delay_days", self.delay_days, 0, self.MAX_DELAY_DAYS),
            ("delay_months", self.delay_months, 0, self.MAX_DELAY_MONTHS),
            ("party_delay_days", self.party_delay_days, 0, self.MAX_DELAY_DAYS),
            ("party_delay_months", self.party_delay_months, 0, self.MAX_DELAY_MONTHS),
            ("parent_parties", self.parent_parties, 1, self.MAX_THRESHOLD),
        )
        for name, value, low, high in bounds:
            if value is not None and not low <= value <= high:
                raise ValueError(f"{name} must be between {low} and {high:,}, not {value:,}")
        if self.delay_days is not None and self.delay_months is not None:
            raise ValueError("give delay_days or delay_months, not both")
        if self.party_delay_days is not None and self.party_delay_months is not None:
            raise ValueError("give party_delay_days or party_delay_months, not both")
        if self.party_after is not None and self.party_after not in AFTER_CHOICES:
            raise ValueError(
                f"party_after must be one of {', '.join(AFTER_CHOICES)}, not {self.party_after!r}"
            )
        if self.threshold_fraction is not None:
            parse_fraction(self.threshold_fraction)
        if self.parent is not None and not _TREATY_ID.match(self.parent):
            raise ValueError(f"parent must be a treaty id such as XXVII-2-a, not {self.parent!r}")
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

        def text(key: str) -> str | None:
            value = data.get(key)
            return str(value) if value is not None else None

        milestones = data.get("milestones")
        month_start = data.get("party_month_start")
        return cls(
            threshold=ints("threshold"),
            delay_days=ints("delay_days"),
            delay_months=ints("delay_months"),
            counted_kinds=names("counted_kinds"),
            not_counted=names("not_counted"),
            milestones=tuple(sorted({int(m) for m in milestones})) if milestones else None,
            party_delay_days=ints("party_delay_days"),
            party_delay_months=ints("party_delay_months"),
            party_month_start=None if month_start is None else bool(month_start),
            party_after=text("party_after"),
            threshold_fraction=text("threshold_fraction"),
            parent=text("parent"),
            parent_parties=ints("parent_parties"),
        )


NO_OVERRIDES = RuleOverrides()
