"""The pure routing decision: event × targets → deliveries."""

from __future__ import annotations

from bot.delivery.router import route
from store.events import Counts, DeclarationEvent, ObjectionEvent, ParticipantRef, event_id
from store.targets import TargetRoute
from tests.bot.delivery.events import ATT, NOW, consent

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


SLOVAKIA = ParticipantRef("Slovakia", "SK", None)
COUNTS = Counts(140, 196, 196, 20, 0)
SLOVAKIA_OBJECTS_TO_QATAR = ObjectionEvent(
    id=event_id(ObjectionEvent.type, ATT.id, participant="Slovakia", extra=("qatar",)),
    detected_at=NOW, treaty=ATT, participant=SLOVAKIA, action=None, counts=COUNTS,
    change="new", excerpt="…", objected_to=(ParticipantRef("Qatar", "QA", None),),
)  # fmt: skip
ALGERIA_DECLARES = DeclarationEvent(
    id=event_id(DeclarationEvent.type, ATT.id, participant="Algeria", extra=("text",)),
    detected_at=NOW, treaty=ATT, participant=ParticipantRef("Algeria", "DZ", None), action=None,
    counts=COUNTS, change="new", excerpt="…", kinds=("declaration",),
)  # fmt: skip


def test_a_chat_following_a_country_gets_its_declarations() -> None:
    target = chat("8", countries=frozenset({"DZ"}))

    assert route([ALGERIA_DECLARES, GHANA_ATT], [target]) == [
        (ALGERIA_DECLARES.id, "telegram", "8")
    ]


def test_an_objection_reaches_followers_of_the_objector_and_of_the_country_objected_to() -> None:
    qatar, slovakia, other = (
        chat("9", countries=frozenset({"QA"})),
        chat("10", countries=frozenset({"SK"})),
        chat("11", countries=frozenset({"DZ"})),
    )
    hook = TargetRoute("webhook", "wh", "filter", countries=frozenset({"QA"}))

    assert route([SLOVAKIA_OBJECTS_TO_QATAR], [qatar, slovakia, other, hook]) == [
        (SLOVAKIA_OBJECTS_TO_QATAR.id, "telegram", "9"),
        (SLOVAKIA_OBJECTS_TO_QATAR.id, "telegram", "10"),
        (SLOVAKIA_OBJECTS_TO_QATAR.id, "webhook", "wh"),
    ]


def test_a_webhook_filtered_to_objections_gets_only_them() -> None:
    hook = TargetRoute("webhook", "wh", "filter", types=frozenset({"treaty.objection"}))

    assert route([ALGERIA_DECLARES, SLOVAKIA_OBJECTS_TO_QATAR, FRANCE], [hook]) == [
        (SLOVAKIA_OBJECTS_TO_QATAR.id, "webhook", "wh")
    ]
