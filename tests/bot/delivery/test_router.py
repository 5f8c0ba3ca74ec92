"""The pure routing decision: event × targets → deliveries."""

from __future__ import annotations

from bot.delivery.router import route
from store.targets import TargetRoute
from tests.bot.delivery.events import ATT, consent

FRANCE = consent("France", "FR")
EU = consent("European Union", "EU")
GHANA_ATT = consent("Ghana", "GH", treaty=ATT)
HOLY_SEE = consent("Holy See", None)


def chat(address: str, **subs: object) -> TargetRoute:
    return TargetRoute("telegram", address, "subscribed", **subs)  # type: ignore[arg-type]


def test_a_chat_gets_events_of_the_treaties_it_subscribed_to_only() -> None:
    target = chat("1", treaties=frozenset({"XVIII-16"}))
    assert route([FRANCE, GHANA_ATT], [target]) == [(FRANCE.id, "telegram", "1")]


def test_a_chat_following_a_country_gets_it_across_treaties() -> None:
    target = chat("2", countries=frozenset({"GH"}))
    assert route([FRANCE, GHANA_ATT], [target]) == [(GHANA_ATT.id, "telegram", "2")]


def test_a_participant_without_iso_code_is_followed_by_its_key() -> None:
    target = chat("3", countries=frozenset({"key:holy see"}))
    assert route([FRANCE, HOLY_SEE], [target]) == [(HOLY_SEE.id, "telegram", "3")]


def test_a_chat_reached_by_treaty_and_by_country_gets_the_event_once() -> None:
    target = chat("4", treaties=frozenset({"XVIII-16"}), countries=frozenset({"FR"}))
    assert route([FRANCE], [target, target]) == [(FRANCE.id, "telegram", "4")]


def test_a_chat_with_no_subscriptions_gets_nothing() -> None:
    assert route([FRANCE, GHANA_ATT], [chat("5")]) == []


def test_a_type_filter_narrows_what_a_chat_receives() -> None:
    only_signatures = chat(
        "6", treaties=frozenset({"XVIII-16"}), types=frozenset({"treaty.signature"})
    )
    only_consents = chat("7", treaties=frozenset({"XVIII-16"}), types=frozenset({"treaty.consent"}))
    assert route([FRANCE], [only_signatures, only_consents]) == [(FRANCE.id, "telegram", "7")]


def test_a_filter_target_without_filters_gets_every_event() -> None:
    console = TargetRoute("console", "stdout", "filter")
    assert route([FRANCE, GHANA_ATT], [console]) == [
        (FRANCE.id, "console", "stdout"),
        (GHANA_ATT.id, "console", "stdout"),
    ]


def test_a_filter_target_applies_every_filter_that_is_set() -> None:
    endpoint = TargetRoute(
        "webhook", "wh_1", "filter", treaties=frozenset({"XVIII-16"}), countries=frozenset({"EU"})
    )
    assert route([FRANCE, EU, GHANA_ATT], [endpoint]) == [(EU.id, "webhook", "wh_1")]


def test_deliveries_follow_event_order_then_target_order() -> None:
    a, b = chat("a", treaties=frozenset({"XVIII-16"})), chat("b", countries=frozenset({"FR"}))
    assert route([EU, FRANCE], [a, b]) == [
        (EU.id, "telegram", "a"),
        (FRANCE.id, "telegram", "a"),
        (FRANCE.id, "telegram", "b"),
    ]
