"""Pure: events × targets → deliveries. Which (channel, target) pairs each new event goes to.

Rules (see `store/subscribers.py` for the two ways a target matches):

- a `subscribed` target (a Telegram chat) gets an event about a treaty it subscribed to OR about
  a participant it follows; a target reached both ways gets the event once;
- a `filter` target (a webhook endpoint, the console) gets every event its set filters allow
  (treaties AND countries), and every event when none is set;
- either way, a type filter (`types`) narrows what it receives;
- an event is "about" its participant, and an objection (`treaty.objection`) also about each
  participant it objects to: a chat following Qatar gets Slovakia's objection to Qatar's
  reservation; a declaration or territorial application is about the participant who made it.

Baselines and announced backfills are never routed: the pipeline does not call the router for
them. No I/O: the composition root (`bot/app.py`) loads the targets (`store.subscribers.routes`)
once per transaction and calls `route`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from store.countries import participant_key
from store.events import Event, ObjectionEvent, ParticipantRef
from store.targets import TargetRoute

Delivery = tuple[str, str, str]  # (event id, channel, target address)


def country_of(event: Event) -> str | None:
    """The value a followed country is stored as (see `store.targets.country_value`)."""
    if event.participant is None:
        return None
    return _value(event.participant)


def countries_of(event: Event) -> set[str]:
    """Every followed-country value the event is about: its participant, and for an objection
    the participants objected to."""
    about = [event.participant] if event.participant else []
    if isinstance(event, ObjectionEvent):
        about += event.objected_to
    return {_value(p) for p in about}


def _value(participant: ParticipantRef) -> str:
    return participant.code or "key:" + participant_key(participant.name)


def wants(target: TargetRoute, event: Event) -> bool:
    """Whether `target` should receive `event`."""
    if target.types is not None and event.type not in target.types:
        return False
    followed = bool(target.countries) and not countries_of(event).isdisjoint(target.countries)
    if target.match == "subscribed":
        return event.treaty.id in target.treaties or followed
    if target.treaties and event.treaty.id not in target.treaties:
        return False
    return not target.countries or followed


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
