"""The webhook channel end to end: the real dispatcher and outbox, a local receiver speaking HTTP
on 127.0.0.1 that verifies every request with the reference `standardwebhooks` library, and a
scheduling clock moved by hand (retries are never waited for)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from bot.webhooks import payload
from bot.webhooks.secrets import SecretBox, generate_key
from bot.webhooks.signing import generate_secret
from store import webhooks as endpoints
from store.db import Store
from tests.bot.delivery.events import consent
from tests.bot.webhooks.support import (
    T0,
    Clock,
    Harness,
    Wall,
    add_endpoint,
    config,
    emit,
    rows_of,
    schema_errors,
)
from tests.fakes.webhook_receiver import Drop, Hang, Reply, WebhookReceiver


@pytest_asyncio.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = Store(tmp_path / "t.db")
    yield store
    store.close()


@pytest_asyncio.fixture
async def harness(store: Store) -> AsyncIterator[Harness]:
    h = Harness(store, config(), Clock(), Wall())
    yield h
    await h.close()


def outcomes(row: dict[str, object]) -> list[tuple[object, object]]:
    log = row["attempts_log"]
    assert isinstance(log, list)
    return [(a["outcome"], a["status_code"]) for a in log]


async def test_a_delivered_request_is_the_signed_envelope_byte_for_byte(
    store: Store, harness: Harness
) -> None:
    event = consent()
    async with WebhookReceiver() as rx:
        endpoint_id, secret = await add_endpoint(store, rx.url("/hook"))
        rx.secrets = [secret]
        await emit(store, [event])
        assert await harness.round_at(T0) == 1

    [request] = rx.requests("/hook")
    assert request.verified_by == (secret,)
    assert request.body == payload.encode(payload.envelope(event))
    assert request.json()["data"] == {**event.to_json(), "schema_version": 1}
    assert request.json()["timestamp"] == "2026-03-12T14:05:09Z"
    assert schema_errors(request.json()) == []
    assert request.headers["webhook-id"] == event.id
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"].startswith("treatybot-webhooks/")
    [row] = await rows_of(store, endpoint_id)
    assert (row["status"], outcomes(row)) == ("sent", [("sent", 204)])


async def test_500_three_times_then_200_is_delivered_once_after_four_logged_attempts(
    store: Store, harness: Harness
) -> None:
    async with WebhookReceiver(default=Reply(200)) as rx:
        endpoint_id, secret = await add_endpoint(store, rx.url("/hook"))
        rx.secrets = [secret]
        rx.script("/hook", Reply(500), Reply(500), Reply(500))
        await emit(store, [consent()])
        assert await harness.round_at(T0) == 1
        assert await harness.round_at(T0 + 4.9) == 0  # not before the first delay (5 s)
        assert await harness.round_at(T0 + 5.6) == 1
        assert await harness.round_at(T0 + 5.6 + 331) == 1  # 5 min + at most 10 %
        assert await harness.round_at(T0 + 5.6 + 331 + 1981) == 1  # 30 min + at most 10 %
        assert await harness.round_at(T0 + 10 * 86400) == 0  # nothing left to send

    requests = rx.requests("/hook")
    assert [r.answered for r in requests] == [500, 500, 500, 200]
    assert all(r.verified for r in requests)
    assert len({r.headers["webhook-id"] for r in requests}) == 1
    assert len({r.body for r in requests}) == 1
    [row] = await rows_of(store, endpoint_id)
    assert row["status"] == "sent"
    assert outcomes(row) == [("retry", 500), ("retry", 500), ("retry", 500), ("sent", 200)]
    assert harness.alerts == []


async def test_410_disables_the_endpoint_at_once_with_one_alert(
    store: Store, harness: Harness
) -> None:
    async with WebhookReceiver(default=Reply(410)) as rx:
        endpoint_id, _ = await add_endpoint(store, rx.url("/gone"))
        await emit(store, [consent("France", "FR"), consent("Chile", "CL")])
        await harness.round_at(T0)
        await harness.round_at(T0 + 86400)

    assert len(rx.requests("/gone")) == 1
    found = await store.run(endpoints.get, endpoint_id)
    assert found is not None
    assert (found.enabled, found.disabled_reason) == (False, "the endpoint answered 410 Gone")
    rows = await rows_of(store, endpoint_id)
    assert [r["status"] for r in rows] == ["failed", "failed"]
    assert outcomes(rows[0]) == [("gone", 410)]
    assert [(what, target) for what, _, target, _ in harness.alerts] == [("gone", endpoint_id)]


async def test_a_redirect_is_a_failure_and_is_never_followed(
    store: Store, harness: Harness
) -> None:
    async with WebhookReceiver() as rx:
        endpoint_id, _ = await add_endpoint(store, rx.url("/moved"))
        rx.script("/moved", Reply(301, headers={"Location": rx.url("/elsewhere")}))
        await emit(store, [consent()])
        await harness.round_at(T0)

    assert rx.requests("/elsewhere") == []
    [row] = await rows_of(store, endpoint_id)
    assert (row["status"], outcomes(row)) == ("pending", [("retry", 301)])
    assert "redirect" in str(row["last_error"]) and "not followed" in str(row["last_error"])


async def test_a_hang_past_the_timeout_is_retried(store: Store) -> None:
    h = Harness(store, config(timeout_s=0.3), Clock(), Wall())
    async with WebhookReceiver(default=Reply(200)) as rx:
        endpoint_id, secret = await add_endpoint(store, rx.url("/slow"))
        rx.secrets = [secret]
        rx.script("/slow", Hang(30))
        await emit(store, [consent()])
        await h.round_at(T0)
        await h.round_at(T0 + 6)
        await h.close()

    assert [r.verified for r in rx.requests("/slow")] == [True, True]
    [row] = await rows_of(store, endpoint_id)
    assert (row["status"], outcomes(row)) == ("sent", [("retry", None), ("sent", 200)])
    assert "no answer within 0.3 s" in str(row["attempts_log"][0]["error"])  # type: ignore[index]


async def test_a_dropped_connection_is_retried(store: Store, harness: Harness) -> None:
    async with WebhookReceiver() as rx:
        endpoint_id, _ = await add_endpoint(store, rx.url("/rude"))
        rx.script("/rude", Drop())
        await emit(store, [consent()])
        await harness.round_at(T0)
        await harness.round_at(T0 + 6)

    [row] = await rows_of(store, endpoint_id)
    assert (row["status"], outcomes(row)) == ("sent", [("retry", None), ("sent", 204)])


async def test_a_dead_endpoint_does_not_delay_a_healthy_one(store: Store) -> None:
    h = Harness(store, config(timeout_s=30), Clock(), Wall())
    events = [consent("France", "FR"), consent("Chile", "CL"), consent("Japan", "JP")]
    async with WebhookReceiver() as rx:
        dead, _ = await add_endpoint(store, rx.url("/dead"))
        healthy, secret = await add_endpoint(store, rx.url("/healthy"))
        rx.secrets = [secret]
        rx.script("/dead", Hang(60))
        await emit(store, events)
        assert await h.dispatcher.run_once() == 6  # one task per endpoint
        # Every healthy delivery arrives while the dead endpoint's first request still hangs.
        arrived = await rx.wait_for(3, "/healthy")
        [stuck] = rx.requests("/dead")
        assert stuck.answered is None
        assert [r.headers["webhook-id"] for r in arrived] == [e.id for e in events]
        assert all(r.verified for r in arrived)
        await h.close(0.2)  # abandons the hanging send; its row goes back to the outbox

    assert [r["status"] for r in await rows_of(store, healthy)] == ["sent"] * 3
    assert [r["status"] for r in await rows_of(store, dead)] == ["pending"] * 3


async def test_retries_pending_at_a_restart_are_resumed_and_none_is_lost(tmp_path: Path) -> None:
    events = [consent("France", "FR"), consent("Chile", "CL")]
    clock = Clock()
    async with WebhookReceiver(default=Reply(200)) as rx:
        store = Store(tmp_path / "restart.db")
        endpoint_id, secret = await add_endpoint(store, rx.url("/hook"))
        rx.secrets = [secret]
        rx.script("/hook", Reply(503))
        await emit(store, events)
        first = Harness(store, config(), clock, Wall())
        await first.round_at(T0)
        await first.close()
        store.close()

        store = Store(tmp_path / "restart.db")  # a new process: new store, channel, dispatcher
        second = Harness(store, config(), clock, Wall())
        await second.round_at(T0 + 6)
        await second.round_at(T0 + 7)
        await second.close()
        rows = await rows_of(store, endpoint_id)
        store.close()

    assert [r["status"] for r in rows] == ["sent", "sent"]
    delivered = [r.headers["webhook-id"] for r in rx.requests("/hook") if r.answered == 200]
    assert delivered == [e.id for e in events]
    assert all(r.verified for r in rx.requests("/hook"))


async def test_retry_after_is_honoured_when_longer_than_the_schedule(
    store: Store, harness: Harness
) -> None:
    async with WebhookReceiver(default=Reply(200)) as rx:
        endpoint_id, _ = await add_endpoint(store, rx.url("/busy"))
        rx.script("/busy", Reply(429, headers={"Retry-After": "120"}))
        await emit(store, [consent()])
        await harness.round_at(T0)
        assert await harness.round_at(T0 + 6) == 0  # the schedule says 5 s; the endpoint 120 s
        assert await harness.round_at(T0 + 119) == 0
        assert await harness.round_at(T0 + 120) == 1

    [row] = await rows_of(store, endpoint_id)
    assert (row["status"], outcomes(row)) == ("sent", [("retry", 429), ("sent", 200)])


async def test_exhausted_retries_fail_the_deliveries_with_one_alert(store: Store) -> None:
    h = Harness(store, config(retry_schedule=["5s"]), Clock(), Wall())
    async with WebhookReceiver(default=Reply(503)) as rx:
        endpoint_id, _ = await add_endpoint(store, rx.url("/down"))
        await emit(store, [consent("France", "FR"), consent("Chile", "CL")])
        for when in (T0, T0 + 6, T0 + 12, T0 + 18):
            await h.round_at(when)
        await h.close()

    rows = await rows_of(store, endpoint_id)
    assert [r["status"] for r in rows] == ["failed", "failed"]
    assert [outcomes(r) for r in rows] == [[("retry", 503), ("failed", 503)]] * 2
    assert [what for what, *_ in h.alerts] == ["exhausted"]


async def test_an_endpoint_failing_everything_for_disable_after_is_disabled(store: Store) -> None:
    h = Harness(store, config(retry_schedule=["5s"], disable_after="1d"), Clock(), Wall())
    async with WebhookReceiver(default=Reply(500)) as rx:
        endpoint_id, _ = await add_endpoint(store, rx.url("/down"))
        await emit(store, [consent("France", "FR")])
        await h.round_at(T0)
        await h.round_at(T0 + 6)  # exhausted: failed, still enabled
        await emit(store, [consent("Chile", "CL")])
        await h.round_at(T0 + 86400 + 1)  # a day after the first failure
        await h.close()

    found = await store.run(endpoints.get, endpoint_id)
    assert found is not None and found.enabled is False
    assert str(found.disabled_reason).startswith("every delivery failed for 1d (last: HTTP 500")
    assert [what for what, *_ in h.alerts] == ["exhausted", "gone"]


async def test_ordering_follows_the_event_sequence(store: Store, harness: Harness) -> None:
    events = [consent(name, code) for name, code in [("Japan", "JP"), ("Chile", "CL")]]
    events += [consent("France", "FR"), consent("Brazil", "BR")]
    async with WebhookReceiver() as rx:
        await add_endpoint(store, rx.url("/hook"))
        await emit(store, events)
        await harness.round_at(T0)

    assert [r.headers["webhook-id"] for r in rx.requests("/hook")] == [e.id for e in events]


async def test_a_rotation_signs_with_both_secrets_during_the_grace_then_the_new_one(
    store: Store, harness: Harness
) -> None:
    old, new = generate_secret(), generate_secret()
    async with WebhookReceiver(secrets=[old, new]) as rx:
        endpoint_id, _ = await add_endpoint(store, rx.url("/hook"), secret=old)
        await emit(store, [consent("France", "FR")])
        await harness.round_at(T0)
        # `webhooks rotate-secret` in another process: the running channel reads it at send time
        await store.run(
            endpoints.rotate, endpoint_id, new, previous_stored=old, grace_until=T0 + 86400
        )
        await emit(store, [consent("Chile", "CL")])
        await harness.round_at(T0 + 10)
        await emit(store, [consent("Japan", "JP")])
        await harness.round_at(T0 + 86400)

    before, during, after = rx.requests("/hook")
    assert before.verified_by == (old,)
    assert during.verified_by == (old, new)
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert after.verified_by == (new,)


async def test_sealed_secrets_are_encrypted_at_rest_and_still_sign(store: Store) -> None:
    key = generate_key()
    h = Harness(store, config(secret_key=key), Clock(), Wall())
    async with WebhookReceiver() as rx:
        endpoint_id, secret = await add_endpoint(store, rx.url("/hook"), box=SecretBox(key))
        rx.secrets = [secret]
        await emit(store, [consent()])
        await h.round_at(T0)
        await h.close()

    stored = await store.run(endpoints.stored_secret, endpoint_id)
    assert stored is not None and stored.startswith("enc:v1:") and secret not in stored
    assert [r.verified for r in rx.requests("/hook")] == [True]


async def test_a_replay_has_the_same_id_and_a_fresh_timestamp_and_signature(store: Store) -> None:
    wall = Wall()
    h = Harness(store, config(), Clock(), wall)
    event = consent()
    async with WebhookReceiver() as rx:
        endpoint_id, secret = await add_endpoint(store, rx.url("/hook"))
        rx.secrets = [secret]
        await emit(store, [event])
        await h.round_at(T0)
        wall.shift = 90.0
        assert await store.run(endpoints.replay, endpoint_id, now=T0 + 60, event_ids=[event.id])
        await h.round_at(T0 + 60)
        await h.close()

    first, again = rx.requests("/hook")
    assert again.verified and first.verified
    assert again.headers["webhook-id"] == first.headers["webhook-id"] == event.id
    assert again.body == first.body
    stamps = int(again.headers["webhook-timestamp"]) - int(first.headers["webhook-timestamp"])
    assert stamps >= 90
    assert again.headers["webhook-signature"] != first.headers["webhook-signature"]


async def test_filters_route_only_the_wanted_events(store: Store, harness: Harness) -> None:
    async with WebhookReceiver() as rx:
        await add_endpoint(
            store,
            rx.url("/fr"),
            filters=endpoints.Filters(countries=("FR",), treaties=("XVIII-16",)),
        )
        await add_endpoint(
            store, rx.url("/sig"), filters=endpoints.Filters(types=("treaty.signature",))
        )
        await add_endpoint(store, rx.url("/all"))
        events = [consent("France", "FR"), consent("Chile", "CL")]
        await emit(store, events)
        await harness.round_at(T0)

    assert [r.headers["webhook-id"] for r in rx.requests("/fr")] == [events[0].id]
    assert rx.requests("/sig") == []
    assert [r.headers["webhook-id"] for r in rx.requests("/all")] == [e.id for e in events]
