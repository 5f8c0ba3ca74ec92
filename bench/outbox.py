"""Outbox benchmark: how much the delivery engine itself costs per delivery.

1. Enqueue: one event fanned out to N subscribed targets (10,000 by default) through the real
   path — `insert_events` with the composition root's router (targets and subscriptions loaded
   from SQLite, the pure `route`, `outbox.enqueue`) — in one IMMEDIATE transaction, in a WAL
   file on disk.
2. Drain: a `Dispatcher` with a null channel (returns at once, one event per send, 64 targets in
   flight) claims, "sends" and marks every row, attempt log included, until none is left.

Reports rows per second and milliseconds per delivery for each phase. Target: the engine adds
under 1 ms per delivery (enqueue + claim + mark), so it is never the bottleneck below Telegram's
~30 messages/s or a webhook fan-out of hundreds per second.

Run: python bench/outbox.py [--targets N] [--runs N] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import platform
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import store_router  # noqa: E402
from bot.delivery.channel import RetryPolicy, Sent  # noqa: E402
from bot.delivery.dispatcher import Dispatcher  # noqa: E402
from store import outbox, snapshots  # noqa: E402
from store.db import Store, immediate  # noqa: E402
from store.events import ActionRef, ConsentEvent, Counts, Event, ParticipantRef, TreatyRef  # noqa: E402

TARGET_MS = 1.0
NOW = dt.datetime(2026, 3, 12, 14, 5, 9, tzinfo=dt.UTC)


class NullChannel:
    name = "null"
    policy = RetryPolicy((1.0,))
    max_batch = 1
    concurrency = 64
    send_timeout_s = 10.0

    def __init__(self) -> None:
        self.sent = 0

    async def send(self, target: str, events: Sequence[Event]) -> Sent:
        self.sent += len(events)
        return Sent()

    async def close(self) -> None:
        return None


def event(number: int) -> Event:
    return ConsentEvent(
        id=f"evt_bench{number:019d}",
        detected_at=NOW,
        treaty=TreatyRef("XVIII-16", "United Nations Convention against Cybercrime", "u"),
        participant=ParticipantRef("France", "FR", "🇫🇷"),
        action=ActionRef("ratification", dt.date(2026, 3, 12)),
        counts=Counts(72, 17, 17, 40, 23),
    )


def subscribe(store: Store, targets: int) -> None:
    def work(db: snapshots.Database) -> None:
        with immediate(db):
            db.conn.executemany(
                "INSERT INTO targets (channel, address, active, match, created_at)"
                " VALUES ('null', ?, 1, 'subscribed', '2026-01-01T00:00:00Z')",
                [(str(100_000 + i),) for i in range(targets)],
            )
            db.execute(
                "INSERT INTO subscriptions (target_id, kind, value, created_at)"
                " SELECT id, 'treaty', 'XVIII-16', '2026-01-01T00:00:00Z' FROM targets"
            )

    store.call(work)


def enqueue(store: Store, number: int) -> float:
    def work(db: snapshots.Database) -> None:
        with immediate(db):
            snapshots.insert_events(db, [event(number)], store_router)

    started = time.perf_counter()
    store.call(work)
    return time.perf_counter() - started


async def drain(store: Store, expected: int) -> float:
    channel = NullChannel()
    dispatcher = Dispatcher(store, channel, clock=lambda: NOW.timestamp() + 1, claim_limit=500)
    started = time.perf_counter()
    while channel.sent < expected:
        if not await dispatcher.run_once():
            await dispatcher.drain()
    await dispatcher.drain()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    enqueue_s: list[float] = []
    drain_s: list[float] = []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            store = Store(Path(tmp) / "bench.db")
            subscribe(store, args.targets)
            enqueue_s.append(enqueue(store, run))
            queued = store.call(outbox.counts_by_status)["null"]["pending"]
            assert queued == args.targets, queued
            drain_s.append(asyncio.run(drain(store, args.targets)))
            done = store.call(outbox.counts_by_status)["null"]
            assert done == {"sent": args.targets}, done
            store.close()
    enqueue_med, drain_med = statistics.median(enqueue_s), statistics.median(drain_s)
    per_delivery_ms = (enqueue_med + drain_med) * 1000 / args.targets
    result = {
        "targets": args.targets,
        "runs": args.runs,
        "enqueue_rows_per_s": round(args.targets / enqueue_med),
        "claim_send_mark_rows_per_s": round(args.targets / drain_med),
        "engine_ms_per_delivery": round(per_delivery_ms, 3),
        "target_ms_per_delivery": TARGET_MS,
        "met": per_delivery_ms < TARGET_MS,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"enqueue: {result['enqueue_rows_per_s']:,} rows/s "
            f"({args.targets:,} deliveries of one event in one transaction, routing included)\n"
            f"claim + send + mark: {result['claim_send_mark_rows_per_s']:,} rows/s "
            f"(null channel, one event per send, attempt log written)\n"
            f"engine cost: {per_delivery_ms:.3f} ms per delivery "
            f"(target < {TARGET_MS} ms): {'met' if result['met'] else 'NOT met'}\n"
            f"peak RSS {result['peak_rss_mb']} MB"
        )
    return 0 if result["met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
