"""Fan-out benchmark: one event to N subscribed Telegram chats through the real path — outbox,
Dispatcher, TelegramChannel (Gate + Pacer), python-telegram-bot — against the fake Bot API on
loopback with its global limit at L messages/s.

The fake runs in a process of its own, so client and server do not share one CPU. Reports the
achieved rate (first to last accepted send) and its ratio to the limit, 429s and
rate violations seen by the fake, the per-chat spacing (every chat gets one message; the fake
checks the interval anyway), the wall time, peak RSS of the bot side (store, dispatcher,
channel, PTB) and of the fake, and the machine.

Telegram's real limit is ~30 messages/s (10,000 chats: 5.6 minutes). `--scale 10` runs the same
schedule ten times faster: the fake's limit at 300/s and `global_rate_per_s` at 300/s too (the
pacer's bursts of 3 and the fake's 1-second sliding window unchanged).

The pacer runs at `--share` of the limit (1.0: 30/s) with bursts of `--burst` (3) and its
sliding-window cap: at most rate x 1 s sends released in any 1 s + `--margin` (0.04 s), counted
as the fake counts, so the limit is used fully and never exceeded; the margin absorbs the
jitter between the pacer's release and the fake's arrival. (The product's defaults: 25/s, bursts
of 3, 25 per 1.05 s.) `--scale 1` is real speed (the default `--scale` is 10).

Run: python bench/fanout.py [--chats 10000] [--limit 30] [--scale 10] [--share R] [--burst B]
     [--margin S] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PTB_TIMEDELTA", "true")
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")

from telegram import Bot  # noqa: E402
from telegram.request import HTTPXRequest  # noqa: E402

from bot.app import store_router  # noqa: E402
from bot.delivery.dispatcher import Dispatcher  # noqa: E402
from bot.telegram.gate import Gate  # noqa: E402
from bot.telegram.pacing import PacingLimits  # noqa: E402
from bot.telegram.sender import NAME, POOL_SIZE, TelegramChannel  # noqa: E402
from store import outbox, snapshots  # noqa: E402
from store.db import Store  # noqa: E402
from tests.bot.delivery.events import consent  # noqa: E402
from tests.fakes.telegram_api import FakeBotAPI  # noqa: E402
from tests.fakes.telegram_model import TOKEN  # noqa: E402

NOW = dt.datetime(2026, 3, 12, 14, 5, 9, tzinfo=dt.UTC)


def subscribe_all(db: snapshots.Database, chats: int) -> None:
    with snapshots.immediate(db):
        for chat in range(1, chats + 1):
            db.execute(
                """INSERT INTO targets (channel, address, active, match, created_at)
                   VALUES (?, ?, 1, 'subscribed', ?)""",
                [NAME, str(chat), NOW.isoformat()],
            )
            db.execute(
                """INSERT INTO subscriptions (target_id, kind, value, created_at)
                   VALUES (last_insert_rowid(), 'treaty', 'XVIII-16', ?)""",
                [NOW.isoformat()],
            )


def queue_event(db: snapshots.Database) -> None:
    with snapshots.immediate(db):
        snapshots.insert_events(db, [consent()], store_router)


async def serve(rate: int) -> None:
    """The fake Bot API in its own process (its own CPU): prints its URL, then on a line from
    stdin prints what it saw as JSON and exits."""
    async with FakeBotAPI(global_per_s=rate) as fake:
        print(fake.url, flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        sends = fake.calls_to("sendMessage")
        print(json.dumps({
            "ok_times": sorted(c.time for c in sends if c.status == 200),
            "refused": sum(1 for c in sends if c.status == 429),
            "violations": [v.kind for v in fake.violations],
            "chats": len({m.chat_id for m in fake.sent()}),
            "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }), flush=True)  # fmt: skip


async def run(
    chats: int, limit: float, scale: float, share: float, burst: int, margin: float
) -> dict[str, object]:
    rate = limit * scale
    paced = rate * share
    limits = PacingLimits(global_rate_per_s=paced, burst=burst, window_margin_s=margin)
    server = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--serve", str(int(rate)),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=2**26,
    )  # fmt: skip
    assert server.stdout is not None and server.stdin is not None
    url = (await server.stdout.readline()).decode().strip()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "fanout.db")
        await store.run(subscribe_all, chats)
        await store.run(queue_event)
        if True:
            request = HTTPXRequest(connection_pool_size=POOL_SIZE, read_timeout=20.0)
            bot = Bot(TOKEN, base_url=f"{url}/bot", request=request)
            gate = Gate(limits)
            channel = TelegramChannel(bot, store, gate)
            dispatcher = Dispatcher(store, channel)
            stop = asyncio.Event()
            cpu0, wall0 = time.process_time(), time.monotonic()
            async with bot:
                task = asyncio.create_task(dispatcher.run(stop))
                while (await store.run(outbox.counts_by_status)).get(NAME, {}).get(
                    "sent", 0
                ) < chats:
                    await asyncio.sleep(0.25)
                wall, cpu = time.monotonic() - wall0, time.process_time() - cpu0
                stop.set()
                await task
                await dispatcher.close(5.0)
        store.close()
    server.stdin.write(b"stats\n")
    await server.stdin.drain()
    seen = json.loads(await server.stdout.readline())
    await server.wait()
    sends = seen["ok_times"]
    span = sends[-1] - sends[0]
    achieved = (len(sends) - 1) / span if span > 0 else float("inf")
    window = max(sum(1 for u in sends[i:i + int(rate) + 5] if u < t + 1.0)
                 for i, t in enumerate(sends))  # fmt: skip
    return {
        "chats": chats,
        "limit_per_s": limit,
        "scale": scale,
        "fake_limit_per_s": rate,
        "paced_at_per_s": round(paced, 1),
        "burst": burst,
        "window": f"{limits.window_cap} per {limits.window_s + limits.window_margin_s:g} s",
        "delivered": len(sends),
        "distinct_chats": seen["chats"],
        "achieved_per_s": round(achieved, 1),
        "ratio_to_limit": round(achieved / rate, 3),
        "ratio_to_paced": round(achieved / paced, 3),
        "most_in_any_1s_window": window,
        "http_429": seen["refused"],
        "violations": len(seen["violations"]),
        "violation_kinds": sorted(set(seen["violations"])),
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "fake_server_peak_rss_mb": round(seen["rss_mb"], 1),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU,"
        f" Python {platform.python_version()}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--limit", type=float, default=30.0, help="Telegram's limit, messages/s")
    parser.add_argument("--scale", type=float, default=10.0, help="run this many times faster")
    parser.add_argument("--share", type=float, default=1.0, help="global_rate_per_s / limit")
    parser.add_argument("--burst", type=int, default=3, help="the pacer's burst (at most 3)")
    parser.add_argument(
        "--margin",
        type=float,
        default=0.04,
        help="window_margin_s, seconds (the fake's window stays 1 s at any scale)",
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.serve))
        return
    result = asyncio.run(
        run(args.chats, args.limit, args.scale, args.share, args.burst, args.margin)
    )
    if args.json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        print(f"{key:>22}: {value}")


if __name__ == "__main__":
    main()
