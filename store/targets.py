"""Pure: what a delivery target wants, as the router reads it. No I/O (`store/subscribers.py`
reads and writes these; `bot/delivery/router.py` decides with them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from store.countries import Country, participant_key

Match = Literal["subscribed", "filter"]


@dataclass(frozen=True, slots=True)
class TargetRoute:
    """One active target and what it wants, as the router sees it."""

    channel: str
    address: str
    match: Match
    treaties: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()
    types: frozenset[str] | None = None


def country_value(country: Country) -> str:
    """How a followed country is stored and matched: its ISO code, else its participant key."""
    return country.code or "key:" + participant_key(country.name)
