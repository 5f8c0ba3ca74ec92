"""Webhook delivery benchmark: 1,000 events fanned out to 20 endpoints on loopback (20,000
signed deliveries) through the real outbox, dispatcher and `WebhookChannel`.

A producer commits the events one transaction each (as a check would: events and their outbox rows
together, the router choosing the 20 endpoints) and wakes the dispatcher, which runs with the
default `[webhooks]` settings (16 deliveries in flight, one per endpoint at a time, in event
order). The 20 endpoints are 20 aiohttp servers on 127.0.0.1 in a separate process, each
answering 204 and noting when each request arrived. Reported: deliveries per second (from the
first commit to the last receipt), and latency from an event's commit to its receipt at each
endpoint (p50, p90, p99, max). Afterwards every received request is verified with the reference
`standardwebhooks` library. Target: ≥ 500 deliveries/s.

Run: python bench/webhooks.py [--events N] [--endpoints N] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import multiprocessing
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import store_router  # noqa: E402
from bot.config import WebhooksConfig  # noqa: E402
from bot.delivery.dispatcher import Dispatcher  # noqa: E402
from bot.webhooks.channel import WebhookChannel  # noqa: E402
from bot.webhooks.signing import generate_secret  # noqa: E402
from store import snapshots  # noqa: E402
from store import webhooks as endpoints  # noqa: E402
from store.db import Store  # noqa: E402
from store.events import (  # noqa: E402
    ActionRef,
    ConsentEvent,
    Counts,
    Event,
    ParticipantRef,
    TreatyRef,
    event_id,
)

TARGET_PER_S = 500.0
NAMES = ROOT / "tests" / "fixtures" / "participant-names.txt"
TREATY = TreatyRef(
    "XVIII-16",
    "United Nations Convention against Cybercrime",
    "https://treaties.un.org/Pages/ViewDetails.aspx?src=TREATY&mtdsg_no=XVIII-16&chapter=18",
)


# -- the receivers (child process) --------------------------------------------------------------


def receivers(count: int, expected: int, ports: Any, out_path: str, secret: str) -> None:
    """Serve `count` endpoints until `expected` requests arrived; write what arrived."""
    from aiohttp import web

    arrivals: list[tuple[str, str, float]] = []
    bodies: list[tuple[bytes, dict[str, str]]] = []
    done = asyncio.Event()

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        arrivals.append((request.host, request.headers["webhook-id"], time.time()))
        bodies.append((body, {k.lower(): v for k, v in request.headers.items()}))
        if len(arrivals) >= expected:
            done.set()
        return web.Response(status=204)

    async def main() -> None:
        runners = []
        for index in range(count):
            app = web.Application()
            app.router.add_post("/hook", handle)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            server = site._server
            assert server is not None
            ports[index] = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
            runners.append(runner)
        await done.wait()
        for runner in runners:
            await runner.cleanup()

    asyncio.run(main())
    cpu = time.process_time()
    from standardwebhooks import Webhook

    verifier = Webhook(secret)
    verified = 0
    for body, headers in bodies:
        verifier.verify(body, headers, json_parse=False)
        verified += 1
    Path(out_path).write_text(
        json.dumps({"arrivals": arrivals, "verified": verified, "cpu_s": cpu})
    )


# -- the sender (this process) ------------------------------------------------------------------


def make_events(count: int) -> list[Event]:
    names = [n.strip() for n in NAMES.read_text(encoding="utf-8").splitlines() if n.strip()]
    now = dt.datetime.now(dt.UTC)
    out: list[Event] = []
    for i in range(count):
        name = names[i % len(names)]
        action = ActionRef("ratification", dt.date(2026, 1, 1) + dt.timedelta(days=i // len(names)))
        out.append(
            ConsentEvent(
                id=event_id(
                    ConsentEvent.type, TREATY.id, participant=name, action=action, column=i
                ),
                detected_at=now,
                treaty=TREATY,
                participant=ParticipantRef(name, None, None),
                action=action,
                counts=Counts(72, 17, 17, 40, 23),
            )
        )
    return out


async def send_all(
    db_path: Path, urls: list[str], secret: str, events: list[Event], child: Any
) -> tuple[dict[str, float], float, float]:
    """Register the endpoints, run the dispatcher, commit the events one by one; return when
    the receivers have everything: (commit time per event id, start, end of the commits)."""
    store = Store(db_path)
    for url in urls:
        await store.run(
            endpoints.add,
            endpoints.new_endpoint_id(),
            url,
            secret,
            filters=endpoints.Filters(),
            now=time.time(),
        )
    config = WebhooksConfig(allow_private_targets=True, allow_http=True)
    channel = WebhookChannel(store, config)
    dispatcher = Dispatcher(store, channel, on_alert=channel.on_alert)
    stop = asyncio.Event()
    runner = asyncio.create_task(dispatcher.run(stop))
    committed: dict[str, float] = {}

    def insert(db: snapshots.Database, event: Event) -> None:
        with snapshots.immediate(db):
            snapshots.insert_events(db, [event], store_router)

    started = time.time()
    for event in events:
        await store.run(insert, event)
        committed[event.id] = time.time()
        dispatcher.wake()
    produced = time.time()
    while child.is_alive():
        await asyncio.sleep(0.05)
    stop.set()
    await runner
    await dispatcher.close(5.0)
    store.close()
    return committed, started, produced


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def run(events_n: int, endpoints_n: int) -> dict[str, Any]:
    expected = events_n * endpoints_n
    secret = generate_secret()
    with tempfile.TemporaryDirectory() as tmp:
        out_path = os.path.join(tmp, "arrivals.json")
        ctx = multiprocessing.get_context("spawn")
        ports = ctx.Array("i", endpoints_n)
        child = ctx.Process(target=receivers, args=(endpoints_n, expected, ports, out_path, secret))
        child.start()
        deadline = time.time() + 30
        while any(p == 0 for p in ports[:]) and time.time() < deadline:
            time.sleep(0.05)
        urls = [f"http://127.0.0.1:{port}/hook" for port in ports[:]]
        events = make_events(events_n)

        cpu0 = time.process_time()
        committed, started, produced = asyncio.run(
            send_all(Path(tmp) / "bench.db", urls, secret, events, child)
        )
        cpu = time.process_time() - cpu0
        child.join(60)
        received = json.loads(Path(out_path).read_text())
    arrivals = received["arrivals"]
    latencies = [(at - committed[msg_id]) * 1000 for _, msg_id, at in arrivals]
    last = max(at for _, _, at in arrivals)
    per_s = len(arrivals) / (last - started)
    return {
        "events": events_n,
        "endpoints": endpoints_n,
        "deliveries": len(arrivals),
        "verified": received["verified"],
        "duplicates": len(arrivals) - len({(p, m) for p, m, _ in arrivals}),
        "commit_s": round(produced - started, 3),
        "total_s": round(last - started, 3),
        "deliveries_per_s": round(per_s, 1),
        "latency_ms": {
            "p50": round(percentile(latencies, 0.50), 1),
            "p90": round(percentile(latencies, 0.90), 1),
            "p99": round(percentile(latencies, 0.99), 1),
            "max": round(max(latencies), 1),
        },
        "sender_cpu_s": round(cpu, 2),
        "receivers_cpu_s": round(received["cpu_s"], 2),
        "target_met": per_s >= TARGET_PER_S,
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--endpoints", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.events, args.endpoints)
    if args.json:
        print(json.dumps(result))
        return 0
    lat = result["latency_ms"]
    print(
        f"{result['deliveries']} deliveries ({result['events']} events x {result['endpoints']}"
        f" endpoints), {result['verified']} verified, {result['duplicates']} duplicates"
    )
    print(f"commits done in {result['commit_s']} s; last receipt at {result['total_s']} s")
    print(
        f"{result['deliveries_per_s']} deliveries/s; CPU: sender {result['sender_cpu_s']} s,"
        f" receivers {result['receivers_cpu_s']} s"
    )
    print(
        f"commit → receipt: p50 {lat['p50']} ms, p90 {lat['p90']} ms, p99 {lat['p99']} ms,"
        f" max {lat['max']} ms"
    )
    print("target met" if result["target_met"] else f"target MISSED (≥ {TARGET_PER_S:g}/s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
