"""Weighted thresholds: "N parties *and* W % of a weight table" (Paris Agreement article 21(1)).

Owns the weight tables shipped as package data (`store/data/`, sources in SOURCES.md there),
matching a status page's participants to a table's rows (ISO code first, then the rename-aware
name key), and the share of the table the qualifying deposits hold as they come in
(`weight_progress`): the share now and the date it first reached the percentage.

A row marked `counted=no` (the European Union in the Paris table: its emissions "are not counted
as additional to those of the member States") adds nothing; its members count by their own
deposits.

Pure: reading the package's own data file is the only input besides the arguments (no network,
no database, no clock); tables are parsed once and cached.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

from store.countries import participant_key, resolve

# Table name → the package data file holding it.
TABLES: dict[str, str] = {"paris-article21": "paris-article21-emissions.csv"}

_GHG = re.compile(r"greenhouse gas emissions", re.IGNORECASE)
_PERCENT = re.compile(r"(?P<n>\d+(?:\.\d+)?)\s*(?:per\s*cent|percent|%)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class WeightTable:
    name: str
    weights: dict[str, float]  # key (ISO alpha-2, or "name:" + name key) → weight
    total: float

    def weight_of(self, participant: str) -> float:
        """The participant's weight (0 when the table does not list it or does not count it)."""
        code = resolve(participant).code
        if code is not None and code in self.weights:
            return self.weights[code]
        return self.weights.get("name:" + participant_key(participant), 0.0)

    def share_of(self, participant: str) -> float:
        return 100.0 * self.weight_of(participant) / self.total if self.total else 0.0


@dataclass(frozen=True, slots=True)
class WeightedThreshold:
    """The weighted part of a rule: at least `percent` % of table `table`."""

    table: str
    percent: float


@dataclass(frozen=True, slots=True)
class WeightProgress:
    table: str
    share: float  # % of the table held by the qualifying deposits now
    needed: float
    reached_on: dt.date | None  # the day the share first reached `needed`

    @property
    def met(self) -> bool:
        return self.reached_on is not None


def weighted_from_text(text: str) -> tuple[WeightedThreshold | None, str | None]:
    """(the weighted part, None) when the text names a table we ship; (None, why) otherwise."""
    match = _PERCENT.search(text)
    if match is None:
        return None, None
    if _GHG.search(text):
        return WeightedThreshold("paris-article21", float(match.group("n"))), None
    return None, (
        "weighted threshold ('per cent' of a total, e.g. of 1990 carbon dioxide emissions): "
        f"no weight table for it is shipped (known: {', '.join(TABLES)}), so it is not computable"
    )


@functools.cache
def load_table(name: str) -> WeightTable:
    """A shipped table by name. Raises KeyError for an unknown name."""
    text = resources.files("store.data").joinpath(TABLES[name]).read_text(encoding="utf-8")
    weights: dict[str, float] = {}
    printed_total: float | None = None
    rows_total = 0.0
    for row in csv.DictReader(io.StringIO(text)):
        value = float(row["emissions_gg_co2eq"] or 0)
        if row["counted"] == "total":
            printed_total = value  # the table's own total is the denominator when it has one
            continue
        weight = value if row["counted"] == "yes" else 0.0
        rows_total += weight
        if row["iso2"]:
            weights[row["iso2"]] = weight
        weights["name:" + participant_key(row["party"])] = weight
    return WeightTable(name, weights, printed_total or rows_total)


def weight_progress(
    deposits: Sequence[tuple[str, dt.date]], weighted: WeightedThreshold
) -> WeightProgress:
    """The share held by `deposits` ((name, date), by date) and the day it reached the need."""
    table = load_table(weighted.table)
    share = 0.0
    reached_on: dt.date | None = None
    for name, date in deposits:
        share += table.share_of(name)
        # Compared in hundredths of a per cent: float sums must not miss 55.00 by 1e-12.
        if reached_on is None and round(share, 6) >= weighted.percent:
            reached_on = date
    return WeightProgress(weighted.table, share, weighted.percent, reached_on)
