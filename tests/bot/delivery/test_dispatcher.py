"""The dispatcher against a real SQLite outbox and a scripted test channel, on a fake clock."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest_asyncio

from bot.delivery.channel import RetryPolicy, Sent
from bot.delivery.dispatcher import Dispatcher
from bot.errors import Rejected, RetryLater, TargetGone
from store import outbox, snapshots, subscribers
from store.db import Store
from store.events import Event
from store.targets import TargetRoute
from tests.bot.delivery.events import consent

T0 = 1_800_000_000.0
NOW = dt.datetime.fromtimestamp(T0, dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


Step = Exception | asyncio.Event | None  # raise it / wait for it (a hang) / succeed


@dataclass
class ScriptedChannel:
    """A channel whose sends follow a per-target script; every call is recorded."""

    scripts: dict[str, list[Step]] = field(default_factory=dict)
    calls: list[tuple[str, list[str]]] = field(default_factory=list)
    name: str = "test"
    policy: RetryPolicy = field(default_factory=lambda: RetryPolicy((5.0, 300.0), jitter=0.1))
    max_batch: int = 10
    concurrency: int = 4
    send_timeout_s: float = 30.0

    async def send(self, target: str, events: Sequence[Event]) -> Sent:
        self.calls.append((target, [e.id for e in events]))
        script = self.scripts.get(target, [])
        step = script.pop(0) if script else None
        if isinstance(step, asyncio.Event):
            await step.wait()
        elif isinstance(step, Exception):
            raise step
        return Sent(200)

    async def close(self) -> None:
        return None


@pytest_asyncio.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = Store(tmp_path / "t.db")
    yield store
    store.close()


async def queue(store: Store, deliveries: dict[str, list[Event]]) -> dict[str, list[int]]:
    """Insert events and route each to its targets, as the pipeline's transaction does."""
    routes = [(event.id, "test", target) for target, evs in deliveries.items() for event in evs]
    events = list({e.id: e for evs in deliveries.values() for e in evs}.values())
    for target in deliveries:
        await store.run(subscribers.upsert_target, "test", target, match="filter", now=NOW)

    def insert(db: snapshots.Database) -> None:
        with snapshots.immediate(db):
            snapshots.insert_events(db, events, lambda _db, _events: routes)

    await store.run(insert)
    rows = await store.run(outbox.list_rows, channel="test", limit=1000, with_attempts=False)
    out: dict[str, list[int]] = {}
    for row in sorted(rows, key=lambda r: r["id"]):
        out.setdefault(row["target"], []).append(row["id"])
    return out


async def row(store: Store, row_id: int) -> dict[str, object]:
    [found] = [r for r in await store.run(outbox.list_rows, limit=1000) if r["id"] == row_id]
    return found


def dispatcher(store: Store, channel: ScriptedChannel, clock: Clock, **kw: object) -> Dispatcher:
    alerts: list[tuple[str, str, str, str]] = []
    d = Dispatcher(
        store,
        channel,
        clock=clock,
        rng=random.Random(7),
        on_alert=lambda *a: alerts.append(a),
        **kw,  # type: ignore[arg-type]
    )
    d.alerts = alerts  # type: ignore[attr-defined]  # test-only handle on what was alerted
    return d


async def round_at(d: Dispatcher, clock: Clock, when: float) -> int:
    clock.now = when
    claimed = await d.run_once()
    await d.drain()
    return claimed


async def test_a_retryable_error_is_retried_on_the_schedule_and_every_try_is_logged(
    store: Store,
) -> None:
    clock = Clock()
    channel = ScriptedChannel({"a": [RetryLater("HTTP 503", status=503), RetryLater("timeout")]})
    d = dispatcher(store, channel, clock)
    [[row_id]] = (await queue(store, {"a": [consent()]})).values()

    assert await round_at(d, clock, T0) == 1
    first = await row(store, row_id)
    assert (first["status"], first["attempts"], first["last_error"]) == ("pending", 1, "HTTP 503")
    assert await round_at(d, clock, T0 + 4.9) == 0  # not before 5 s
    assert await round_at(d, clock, T0 + 5.6) == 1  # 5 s + at most 10 % jitter
    assert await round_at(d, clock, T0 + 5.6 + 299) == 0  # next step: 300 s
    assert await round_at(d, clock, T0 + 5.6 + 331) == 1

    done = await row(store, row_id)
    assert (done["status"], done["attempts"]) == ("sent", 3)
    log = done["attempts_log"]
    assert isinstance(log, list)
    assert [(a["outcome"], a["status_code"], a["error"]) for a in log] == [
        ("retry", 503, "HTTP 503"),
        ("retry", None, "timeout"),
        ("sent", 200, None),
    ]
    assert all(isinstance(a["duration_ms"], int) for a in log)


async def test_a_retry_after_longer_than_the_schedule_is_honoured(store: Store) -> None:
    clock = Clock()
    channel = ScriptedChannel({"a": [RetryLater("429", status=429, after=600)]})
    d = dispatcher(store, channel, clock)
    [[row_id]] = (await queue(store, {"a": [consent()]})).values()
    await round_at(d, clock, T0)
    assert await round_at(d, clock, T0 + 599) == 0
    assert await round_at(d, clock, T0 + 600) == 1
    assert (await row(store, row_id))["status"] == "sent"


async def test_a_permanent_error_fails_the_delivery_after_one_try(store: Store) -> None:
    clock = Clock()
    channel = ScriptedChannel({"a": [Rejected("400 can't parse entities", status=400)]})
    d = dispatcher(store, channel, clock)
    [[row_id]] = (await queue(store, {"a": [consent()]})).values()
    await round_at(d, clock, T0)
    assert await round_at(d, clock, T0 + 10_000) == 0
    failed = await row(store, row_id)
    assert (failed["status"], failed["attempts"]) == ("failed", 1)
    assert len(channel.calls) == 1


async def test_an_exhausted_schedule_fails_the_delivery_and_alerts_once(store: Store) -> None:
    clock = Clock()
    channel = ScriptedChannel({"a": [RetryLater("down")] * 3})
    d = dispatcher(store, channel, clock)
    [[row_id]] = (await queue(store, {"a": [consent()]})).values()
    for when in (T0, T0 + 10, T0 + 10 + 400):
        assert await round_at(d, clock, when) == 1
    final = await row(store, row_id)
    assert (final["status"], final["attempts"]) == ("failed", 3)
    assert final["last_error"] == "gave up after 3 attempt(s): down"
    assert d.alerts == [("exhausted", "test", "a", "down")]  # type: ignore[attr-defined]


async def test_a_gone_target_is_deactivated_and_its_pending_deliveries_fail(
    store: Store,
) -> None:
    clock = Clock()
    channel = ScriptedChannel({"gone": [TargetGone("403 bot was blocked by the user", status=403)]})
    channel.max_batch = 1  # one event per send: the second row is still pending when it fails
    d = dispatcher(store, channel, clock)
    rows = await queue(
        store, {"gone": [consent("France"), consent("Ghana", "GH")], "ok": [consent()]}
    )

    await round_at(d, clock, T0)

    assert [(await row(store, i))["status"] for i in rows["gone"]] == ["failed", "failed"]
    assert (await row(store, rows["ok"][0]))["status"] == "sent"
    target = await store.run(subscribers.target, "test", "gone")
    assert target is not None
    assert (target["active"], target["deactivated_reason"]) == (
        False,
        "403 bot was blocked by the user",
    )
    assert [c[0] for c in channel.calls].count("gone") == 1  # never retried
    assert d.alerts == [("gone", "test", "gone", "403 bot was blocked by the user")]  # type: ignore[attr-defined]
    assert await store.run(subscribers.routes) == [TargetRoute("test", "ok", "filter")]


async def test_a_slow_target_never_delays_a_fast_one(store: Store) -> None:
    clock = Clock()
    hang = asyncio.Event()
    channel = ScriptedChannel({"slow": [hang]})
    d = dispatcher(store, channel, clock)
    rows = await queue(store, {"slow": [consent("France")], "fast": [consent("France")]})

    clock.now = T0
    await d.run_once()
    for _ in range(20):
        if (await row(store, rows["fast"][0]))["status"] == "sent":
            break
        await asyncio.sleep(0.01)
    assert (await row(store, rows["fast"][0]))["status"] == "sent"
    assert (await row(store, rows["slow"][0]))["status"] == "pending"

    # more news while the slow send still hangs: the fast target gets it at once,
    # and the slow target is not sent to twice
    more = await queue(store, {"slow": [consent("Ghana", "GH")], "fast": [consent("Ghana", "GH")]})
    await d.run_once()
    for _ in range(20):
        if (await row(store, more["fast"][-1]))["status"] == "sent":
            break
        await asyncio.sleep(0.01)
    assert (await row(store, more["fast"][-1]))["status"] == "sent"
    assert [c[0] for c in channel.calls].count("slow") == 1

    hang.set()
    await d.drain()
    await d.run_once()
    await d.drain()
    statuses = [(await row(store, i))["status"] for i in more["slow"]]
    assert statuses == ["sent", "sent"]


async def test_a_row_claimed_by_a_dead_process_comes_back_when_its_lease_expires(
    store: Store,
) -> None:
    clock = Clock()
    [[row_id]] = (await queue(store, {"a": [consent()]})).values()
    # another process claimed the row, then died without marking it
    claimed = await store.run(outbox.claim_due, "test", T0, 10, lease_s=120)
    assert [c.id for c in claimed] == [row_id]

    channel = ScriptedChannel()
    d = dispatcher(store, channel, clock, lease_s=120)
    assert await round_at(d, clock, T0 + 60) == 0  # still leased
    assert await round_at(d, clock, T0 + 121) == 1
    assert (await row(store, row_id))["status"] == "sent"
    assert len(channel.calls) == 1


async def test_rows_due_together_for_one_target_are_handed_over_as_one_batch(
    store: Store,
) -> None:
    clock = Clock()
    channel = ScriptedChannel()
    d = dispatcher(store, channel, clock)
    events = [consent("France"), consent("Ghana", "GH"), consent("Chile", "CL")]
    await queue(store, {"a": events})
    await round_at(d, clock, T0)
    assert channel.calls == [("a", [e.id for e in events])]


async def test_an_unexpected_sender_bug_is_retried_not_lost(store: Store) -> None:
    clock = Clock()
    channel = ScriptedChannel({"a": [ZeroDivisionError("oops")]})
    d = dispatcher(store, channel, clock)
    [[row_id]] = (await queue(store, {"a": [consent()]})).values()
    await round_at(d, clock, T0)
    assert (await row(store, row_id))["last_error"] == "internal error: ZeroDivisionError: oops"
    await round_at(d, clock, T0 + 6)
    assert (await row(store, row_id))["status"] == "sent"


class CountingStore(Store):
    """The real store, counting what the dispatcher asks of it."""

    calls: list[str]

    async def run(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        self.calls.append(fn.__name__)
        return await super().run(fn, *args, **kwargs)


async def test_a_dispatcher_with_every_slot_busy_waits_instead_of_polling(tmp_path: Path) -> None:
    counting = CountingStore(tmp_path / "c.db")
    counting.calls = []
    try:
        await queue(counting, {"slow": [consent()], "next": [consent("Ghana", "GH")]})
        hang = asyncio.Event()
        channel = ScriptedChannel(scripts={"slow": [hang]}, concurrency=1)
        d = Dispatcher(counting, channel, idle_poll_s=0.2)
        stop = asyncio.Event()
        task = asyncio.create_task(d.run(stop))
        while not channel.calls:
            await asyncio.sleep(0.01)
        counting.calls.clear()
        await asyncio.sleep(0.3)  # a window in which a busy loop would query thousands of times
        polls = counting.calls.count("next_due")
        hang.set()
        while len(channel.calls) < 2:
            await asyncio.sleep(0.01)
        stop.set()
        await task
    finally:
        counting.close()

    assert polls <= 3
    assert [target for target, _ in channel.calls] == ["slow", "next"]


async def test_each_target_gets_its_rows_of_a_check_together_in_a_large_broadcast(
    store: Store,
) -> None:
    """More rows than one claim takes, and more targets than slots: each target is still sent
    all its due events at once (one digest per check), never split across claims."""
    targets = [f"chat{n}" for n in range(6)]
    events = [consent(), consent("Ghana", "GH", qualifying=18)]
    await queue(store, {target: events for target in targets})
    channel = ScriptedChannel(concurrency=2)
    d = Dispatcher(store, channel, claim_limit=5, idle_poll_s=0.05)
    stop = asyncio.Event()
    task = asyncio.create_task(d.run(stop))
    while len(channel.calls) < len(targets):
        await asyncio.sleep(0.01)
    await d.drain()
    stop.set()
    await task

    assert sorted(target for target, _ in channel.calls) == targets
    assert {len(ids) for _, ids in channel.calls} == {2}
