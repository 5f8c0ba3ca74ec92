"""Soak benchmark: `treatybot run` for minutes under a realistic load, watched from outside.

- 560 tracked treaties (the 313 real 2015 tables rendered as status pages, plus 247 copies
  under other ids) checked every minute against a loopback UN site in its own process; every
  minute one more state ratifies the Cybercrime Convention (XVIII-16), so alerts flow;
- 1,000 Telegram chats subscribed to XVIII-16 on the fake Bot API (in this process), with
  `global_rate_per_s` 25 against the fake's 30/s;
- an HTTP client polling `/healthz`, `/api/events` and `/feed.atom` about 10 times a second.

Sampled every 10 s from /proc: RSS, CPU time, open file descriptors of the service. Reported:
peak RSS (target ≤ 150 MB), CPU share of one core, RSS and open files at the first and last
sample after warm-up (no growth), HTTP p50/p99 latency under load, alerts delivered, 429s and
rate violations seen by the fake. Everything on 127.0.0.1; the service is stopped with SIGTERM.

Run: python bench/soak.py [--minutes 10] [--treaties 560] [--chats 1000] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")

import aiohttp  # noqa: E402

from scrapers.urls import int_to_roman  # noqa: E402
from tests.fakes.telegram_api import FakeBotAPI  # noqa: E402
from tests.fakes.telegram_model import TOKEN  # noqa: E402
from tests.untc_pages import page_from_table, rows_from_csv  # noqa: E402
from tests.untc_pages import render_page as render  # noqa: E402

TABLES = ROOT / "tests" / "fixtures" / "untc" / "status-2015"
CYBER = ROOT / "tests" / "fixtures" / "pages" / "xviii-16-2025-11.html"
TARGET_RSS_MB = 150

SITE = r"""
import sys
from pathlib import Path
from aiohttp import web
root = Path(sys.argv[1])
async def handle(request):
    tid = request.query.get("mtdsg_no", "")
    path = root / f"{tid}.html"
    if not tid or not path.is_file():
        return web.Response(text="<html><body>No record found.</body></html>",
                            content_type="text/html")
    return web.Response(body=path.read_bytes(), content_type="text/html", charset="utf-8")
app = web.Application()
app.router.add_get("/Pages/ViewDetails.aspx", handle)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[2]), print=None, access_log=None)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def render_pages(out: Path, count: int) -> list[str]:
    """`count` status pages: the real tables first, then copies under chapter XXX ids."""
    tables = sorted(TABLES.glob("*.csv"))
    ids: list[str] = []
    for number in range(count):
        path = tables[number % len(tables)]
        parts = path.name.removesuffix(".csv").split("-")
        tid = "-".join([int_to_roman(int(parts[0])), *parts[1:]])
        if number >= len(tables):
            tid = f"XXX-{number}"
        header, rows = rows_from_csv(path.read_text(encoding="utf-8"))
        spec = page_from_table(tid, header, rows, viewstate_bytes=20_000)
        (out / f"{tid}.html").write_bytes(render(spec).encode("utf-8"))
        ids.append(tid)
    (out / "XVIII-16.html").write_bytes(CYBER.read_bytes())
    return [*ids, "XVIII-16"]


SIGNATORIES = re.compile(r"<tr><td>([^<]+)</td><td>([^<]+)</td><td></td></tr>")


def ratify_next(page: Path, day: str) -> str | None:
    """Give the next signatory without a consent a ratification on `day`; its name."""
    text = page.read_text(encoding="utf-8")
    match = SIGNATORIES.search(text)
    if match is None:
        return None
    row = f"<tr><td>{match.group(1)}</td><td>{match.group(2)}</td><td>{day}</td></tr>"
    page.write_text(text[: match.start()] + row + text[match.end() :], encoding="utf-8")
    return match.group(1)


def proc_sample(pid: int) -> dict[str, float]:
    status = Path(f"/proc/{pid}/status").read_text()
    rss_kb = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    return {"t": time.monotonic(), "rss_mb": rss_kb / 1024, "cpu_s": cpu, "fds": fds}


def setup_database(db: Path, chats: int) -> None:
    """Create the schema (`db upgrade`) and subscribe the chats (plain SQL, as /subscribe would
    leave them)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    config = db.parent / "config.toml"
    subprocess.run(
        [sys.executable, "-m", "bot.cli", "--config", str(config), "db", "upgrade"],
        check=True, env=env, capture_output=True,
    )  # fmt: skip
    with sqlite3.connect(db) as conn:
        for chat in range(1, chats + 1):
            conn.execute(
                "INSERT INTO targets (channel, address, active, match, created_at)"
                " VALUES ('telegram', ?, 1, 'subscribed', '2026-01-01T00:00:00Z')",
                [str(chat)],
            )
            conn.execute(
                "INSERT INTO subscriptions (target_id, kind, value, created_at)"
                " VALUES (last_insert_rowid(), 'treaty', 'XVIII-16', '2026-01-01T00:00:00Z')"
            )


async def http_load(base: str, stop: asyncio.Event, latencies: list[float]) -> None:
    paths = ["/healthz", "/api/events?limit=100", "/feed.atom"]
    async with aiohttp.ClientSession() as session:
        number = 0
        while not stop.is_set():
            started = time.perf_counter()
            try:
                async with session.get(base + paths[number % 3]) as response:
                    await response.read()
                latencies.append(time.perf_counter() - started)
            except aiohttp.ClientError:
                pass  # not up yet
            number += 1
            await asyncio.sleep(0.1)


async def soak(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        pages = tmp / "pages"
        pages.mkdir()
        ids = render_pages(pages, args.treaties - 1)
        site_port, http_port = free_port(), free_port()
        site = subprocess.Popen([sys.executable, "-c", SITE, str(pages), str(site_port)])
        async with FakeBotAPI(global_per_s=30) as fake:
            for chat in range(1, args.chats + 1):
                fake.add_chat(chat, "private")
            db = tmp / "treatybot.db"
            (tmp / "config.toml").write_text(
                f"""
[untc]
base_url = "http://127.0.0.1:{site_port}"
max_concurrency = 4
min_interval_s = 0.02
retries = 1

[database]
path = "{db}"

[console]
enabled = false

[http]
port = {http_port}

[telegram]
api_base_url = "{fake.url}"
"""
                + "".join(f'\n[[treaties]]\nid = "{tid}"\ninterval = "1m"\n' for tid in ids),
                encoding="utf-8",
            )
            await asyncio.sleep(0.5)  # the site process starts
            setup_database(db, args.chats)
            env = {**os.environ, "PYTHONPATH": str(ROOT), "TELEGRAM_BOT_TOKEN": TOKEN}
            service = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", "--config", str(tmp / "config.toml"), "run",
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, env=env,
            )  # fmt: skip
            stop = asyncio.Event()
            latencies: list[float] = []
            load = asyncio.create_task(http_load(f"http://127.0.0.1:{http_port}", stop, latencies))
            samples: list[dict[str, float]] = []
            ratified: list[str] = []
            started = time.monotonic()
            deadline = started + args.minutes * 60
            next_change = started + 60
            while time.monotonic() < deadline:
                samples.append(proc_sample(service.pid))
                if time.monotonic() >= next_change:
                    name = ratify_next(pages / "XVIII-16.html", "12 Mar 2026")
                    if name:
                        ratified.append(name)
                    next_change += 60
                await asyncio.sleep(10)
            samples.append(proc_sample(service.pid))
            stop.set()
            await load
            service.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(service.communicate(), 60)
            site.terminate()
            site.wait()
            with sqlite3.connect(db) as conn:
                checks = conn.execute("SELECT count(*) FROM checks").fetchone()[0]
                sent = conn.execute(
                    "SELECT count(*) FROM outbox WHERE channel = 'telegram' AND status = 'sent'"
                ).fetchone()[0]
                pending = conn.execute(
                    "SELECT count(*) FROM outbox WHERE status = 'pending'"
                ).fetchone()[0]
            messages = len(fake.sent())
            violations = len(fake.violations)
            rejected = len(fake.html_rejections)
    warm = [s for s in samples if s["t"] - started >= 120] or samples
    wall = samples[-1]["t"] - samples[0]["t"]
    ordered = sorted(latencies)

    def pct(share: float) -> float:
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000 if ordered else 0

    return {
        "minutes": args.minutes,
        "treaties": args.treaties,
        "chats": args.chats,
        "checks": checks,
        "ratifications_on_site": len(ratified),
        "telegram_messages": messages,
        "deliveries_sent": sent,
        "deliveries_pending_at_stop": pending,
        "fake_violations": violations,
        "html_rejections": rejected,
        "peak_rss_mb": round(max(s["rss_mb"] for s in samples), 1),
        "target_rss_mb": TARGET_RSS_MB,
        "rss_mb_after_warmup_first_last": [
            round(warm[0]["rss_mb"], 1),
            round(warm[-1]["rss_mb"], 1),
        ],
        "open_fds_after_warmup_first_last": [warm[0]["fds"], warm[-1]["fds"]],
        "cpu_share_of_one_core": round((samples[-1]["cpu_s"] - samples[0]["cpu_s"]) / wall, 3),
        "http_requests": len(latencies),
        "http_p50_ms": round(pct(0.50), 1),
        "http_p99_ms": round(pct(0.99), 1),
        "service_exit": service.returncode,
        "service_stderr_tail": err.decode()[-500:],
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--treaties", type=int, default=560)
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = asyncio.run(soak(args))
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")
    met = result["peak_rss_mb"] <= TARGET_RSS_MB and result["service_exit"] == 0
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
