"""Pure: events × targets → deliveries. Which (channel, target) pairs each new event goes to.

Rules (see `store/subscribers.py` for the two ways a target matches):

- a `subscribed` target (a Telegram chat) gets an event about a treaty it subscribed to OR about
  a participant it follows; a target reached both ways gets the event once;
- a `filter` target (a webhook endpoint, the console) gets every event its set filters allow
  (treaties AND countries), and every event when none is set;
- either way, a type filter (`types`) narrows what it receives.

Baselines and announced backfills are never routed: the pipeline does not call the router for
them. No I/O: the composition root (`bot/app.py`) loads the targets (`store.subscribers.routes`)
once per transaction and calls `route`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from store.countries import participant_key
from store.events import Event
from store.targets import TargetRoute

Delivery = tuple[str, str, str]  # (event id, channel, target address)


def country_of(event: Event) -> str | None:
    """The value a followed country is stored as (see `store.targets.country_value`)."""
    if event.participant is None:
        return None
    return event.participant.code or "key:" + participant_key(event.participant.name)


def wants(target: TargetRoute, event: Event) -> bool:
    """Whether `target` should receive `event`."""
    if target.types is not None and event.type not in target.types:
        return False
    country = country_of(event)
    if target.match == "subscribed":
        return event.treaty.id in target.treaties or (
            country is not None and country in target.countries
        )
    if target.treaties and event.treaty.id not in target.treaties:
        return False
    return not target.countries or (country is not None and country in target.countries)


def route(events: Sequence[Event], targets: Iterable[TargetRoute]) -> list[Delivery]:
    """Every (event id, channel, address) delivery, each at most once, in event order."""
    targets = list(targets)
    seen: set[Delivery] = set()
    out: list[Delivery] = []
    for event in events:
        for target in targets:
            delivery = (event.id, target.channel, target.address)
            if delivery not in seen and wants(target, event):
                seen.add(delivery)
                out.append(delivery)
    return out
