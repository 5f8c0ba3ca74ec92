"""Detection-latency benchmark: the real service watching 560 treaties on a simulated day.

- The loopback UN site (its own process) serves 560 status pages: the 313 real 2015 tables
  plus 247 copies under other ids, with ETags (as a well-behaved site would) and 304s.
- The database knows all 560 (a stored catalogue, so `[watch] all` watches every one); a hot
  set of 20 is tracked by hand, the other 540 are left to the planner (the 2015 tables' last
  actions are years old: quiet).
- Changes are injected at random times of the simulated day: 5 new participants in each hot
  treaty, one in each of 40 randomly chosen quiet ones. The site serves the changed page from
  the injection time on.
- The service is the real one (`run_service`: watch loop, budget, fetcher, pipeline, store) on a
  clock the bench controls: sim = start + (monotonic − t0) × scale, sleeps divided by scale.
  CLOCK_MONOTONIC is shared by processes, so the site computes the same simulated time.
- Default budget: `[fetch] requests_per_minute = 60` and the default tiers (hot 3 min, warm
  1 h, quiet 12 h). One simulated hour before the day lets the first reading of 560 pages end.

Reported: detection latency p50/p95/max per set and per tier (true: first seen − injection;
the service's own bound: first seen − the previous good check), requests spent, the most
request starts in any 60 simulated seconds, and false, duplicated and missed events. Targets:
hot p95 ≤ 5 min, every change ≤ 24 h, never over the budget, 0 false or duplicated events.

Run: python bench/latency.py [--scale 150] [--seed 7] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import datetime as dt
import json
import logging
import os
import platform
import random
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")

from sqlite_utils import Database  # noqa: E402

from bot.app import Timing  # noqa: E402
from bot.config import load_config  # noqa: E402
from bot.service import run_service  # noqa: E402
from scrapers.model import CatalogueEntry  # noqa: E402
from scrapers.urls import int_to_roman, status_url  # noqa: E402
from store.countries import participant_key  # noqa: E402
from store.treaties import save_catalogue  # noqa: E402
from tests.untc_pages import page_from_table, rows_from_csv  # noqa: E402
from tests.untc_pages import render_page as render  # noqa: E402

TABLES = ROOT / "tests" / "fixtures" / "untc" / "status-2015"
DAY_START = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
PREROLL_S = 3600.0
DAY_S = 86_400.0
BUDGET = 60  # the default [fetch] requests_per_minute
HOT_P95_TARGET_S = 300.0
ALL_MAX_TARGET_S = 86_400.0

# Participants the injections add: real names, each used only where the table lacks it.
NEWCOMERS = [
    "Tuvalu", "Nauru", "Palau", "Kiribati", "Marshall Islands", "Niue", "Cook Islands", "Samoa",
    "Tonga", "Vanuatu", "Solomon Islands", "Bhutan", "Andorra", "San Marino", "Monaco",
    "Liechtenstein", "Timor-Leste", "South Sudan", "Eritrea", "Somalia", "Comoros",
    "Sao Tome and Principe", "Seychelles", "Maldives", "Brunei Darussalam", "Myanmar",
    "Mongolia", "Turkmenistan", "Tajikistan", "Kyrgyzstan", "Saint Lucia", "Grenada", "Dominica",
    "Saint Kitts and Nevis", "Antigua and Barbuda", "Belize", "Suriname", "Guyana", "Djibouti",
    "Equatorial Guinea", "Gabon", "Lesotho", "Botswana", "Namibia", "Malawi", "Zambia",
    "Burundi", "Rwanda", "Liberia", "Sierra Leone", "Gambia", "Guinea-Bissau", "Cabo Verde",
    "Mauritania",
]  # fmt: skip

SITE = r"""
import json, sys, time
from pathlib import Path
from aiohttp import web
root, port, t0, scale, epoch = Path(sys.argv[1]), int(sys.argv[2]), *map(float, sys.argv[3:6])
schedule = json.loads((root / "schedule.json").read_text())
pages = {p.stem: p.read_bytes() for p in root.glob("*.html")}
starts = []
def sim():
    return epoch + (time.monotonic() - t0) * scale
async def handle(request):
    now = sim()
    starts.append(now)
    tid = request.query.get("mtdsg_no", "")
    if f"{tid}~0" not in pages:
        return web.Response(text="<html><body>No record found.</body></html>",
                            content_type="text/html")
    version = sum(1 for at in schedule.get(tid, []) if at <= now)
    etag = f'"{tid}~{version}"'
    if request.headers.get("If-None-Match") == etag:
        return web.Response(status=304, headers={"ETag": etag})
    return web.Response(body=pages[f"{tid}~{version}"], content_type="text/html",
                        charset="utf-8", headers={"ETag": etag})
async def stats(request):
    return web.json_response({"starts": starts})
app = web.Application()
app.router.add_get("/Pages/ViewDetails.aspx", handle)
app.router.add_get("/bench/stats", stats)
web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tables() -> list[tuple[str, list[str], list[list[str]]]]:
    """(id, header, rows) for 560 treaties: the 313 real tables, then copies under XXX ids."""
    real = []
    for path in sorted(TABLES.glob("*.csv")):
        parts = path.name.removesuffix(".csv").split("-")
        tid = "-".join([int_to_roman(int(parts[0])), *parts[1:]])
        header, rows = rows_from_csv(path.read_text(encoding="utf-8"))
        real.append((tid, header, rows))
    copies = [(f"XXX-{n}", *real[n % len(real)][1:]) for n in range(560 - len(real))]
    return real + copies


def absent(rows: list[list[str]]) -> list[str]:
    """NEWCOMERS the table lacks, compared as the diff compares them ("St. Kitts and Nevis"
    in a 2015 table is Saint Kitts and Nevis: adding it again would be a duplicate row)."""
    present = {participant_key(re.sub(r"(\s*\d+)+$", "", r[0].strip())) for r in rows}
    return [name for name in NEWCOMERS if participant_key(name) not in present]


def with_row(header: list[str], rows: list[list[str]], name: str, day: str) -> list[list[str]]:
    """`rows` with `name` added in alphabetical place, its first action dated `day`."""
    row = [name, day, *([""] * (len(header) - 2))]
    keys = [r[0].lower() for r in rows]
    at = bisect.bisect(keys, name.lower())
    return [*rows[:at], row, *rows[at:]]


def un_date(when: float) -> str:
    day = dt.datetime.fromtimestamp(when, dt.UTC)
    return f"{day.day} {day.strftime('%b %Y')}"


def plan_injections(
    treaties: list[tuple[str, list[str], list[list[str]]]], rng: random.Random
) -> tuple[list[str], list[dict[str, Any]]]:
    """The hot set and every injection: treaty, set, participant, simulated unix time."""
    epoch = DAY_START.timestamp()
    fits = [t for t in treaties if len(t[2]) <= 150 and len(absent(t[2])) >= 5]
    hot = rng.sample(fits, 20)
    hot_ids = {t[0] for t in hot}
    quiet = rng.sample([t for t in treaties if t[0] not in hot_ids and absent(t[2])], 40)
    injections = []
    for group, chosen, per in (("hot", hot, 5), ("quiet", quiet, 1)):
        for tid, _header, rows in chosen:
            names = rng.sample(absent(rows), per)
            times = sorted(epoch + rng.uniform(0, DAY_S) for _ in range(per))
            injections += [
                {"treaty": tid, "set": group, "participant": n, "at": t}
                for n, t in zip(names, times, strict=True)
            ]
    return sorted(hot_ids), injections


def write_pages(
    out: Path,
    treaties: list[tuple[str, list[str], list[list[str]]]],
    injections: list[dict[str, Any]],
) -> None:
    by_treaty: dict[str, list[dict[str, Any]]] = {}
    for inj in injections:
        by_treaty.setdefault(inj["treaty"], []).append(inj)
    schedule = {}
    for tid, header, rows in treaties:
        versions = [rows]
        for inj in sorted(by_treaty.get(tid, []), key=lambda i: i["at"]):
            versions.append(with_row(header, versions[-1], inj["participant"], un_date(inj["at"])))
        for number, version in enumerate(versions):
            spec = page_from_table(tid, header, version, viewstate_bytes=20_000)
            (out / f"{tid}~{number}.html").write_bytes(render(spec).encode("utf-8"))
        schedule[tid] = [inj["at"] for inj in sorted(by_treaty.get(tid, []), key=lambda i: i["at"])]
    (out / "schedule.json").write_text(json.dumps(schedule), encoding="utf-8")


def setup_database(config: Path, db: Path, base_url: str, ids: list[str], hot: list[str]) -> None:
    """The schema (`db upgrade`), the catalogue (so `[watch] all` applies) and the hot set
    tracked by hand."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [sys.executable, "-m", "bot.cli", "--config", str(config), "db", "upgrade"],
        check=True, env=env, capture_output=True,
    )  # fmt: skip
    database = Database(db)
    save_catalogue(
        database,
        [
            CatalogueEntry(
                tid, tid.split("-")[0], "Bench", f"Treaty {tid}", "", status_url(base_url, tid)
            )
            for tid in ids
        ],
    )
    with database.conn:
        database.execute(
            f"UPDATE treaties SET tracked = 1 WHERE id IN ({','.join('?' * len(hot))})", hot
        )
    database.close()


class SimClock:
    def __init__(self, scale: float, start: float) -> None:
        self.scale, self.start, self.t0 = scale, start, time.monotonic()

    def unix(self) -> float:
        return self.start + (time.monotonic() - self.t0) * self.scale

    def monotonic(self) -> float:
        return (time.monotonic() - self.t0) * self.scale

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.unix(), dt.UTC).replace(microsecond=0)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(seconds, 0.0) / self.scale)


def detected(db: Path, injections: list[dict[str, Any]]) -> int:
    wanted = {(i["treaty"], i["participant"]) for i in injections}
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT treaty_id, participant FROM events").fetchall()
    return len(wanted & {(t, p) for t, p in rows})


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def summary(values: list[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50_s": percentile(values, 0.50),
        "p95_s": percentile(values, 0.95),
        "max_s": max(values) if values else None,
    }


def stamp(text: str | None) -> float | None:
    if not text:
        return None
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC).timestamp()


def analyse(db: Path, injections: list[dict[str, Any]], starts: list[float]) -> dict[str, Any]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT treaty_id, participant, type, json FROM events").fetchall()
    by_key: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for treaty_id, participant, _type, data in rows:
        by_key.setdefault((treaty_id, participant), []).append(json.loads(data))
    injected = {(i["treaty"], i["participant"]) for i in injections}
    false = [
        {"treaty": t, "participant": p, "types": [e["type"] for e in events]}
        for (t, p), events in by_key.items()
        if (t, p) not in injected
    ]
    true_by_set: dict[str, list[float]] = {"hot": [], "quiet": []}
    own_by_set: dict[str, list[float]] = {"hot": [], "quiet": []}
    by_tier: dict[str, list[float]] = {}
    duplicated = missed = 0
    for inj in injections:
        events = by_key.get((inj["treaty"], inj["participant"]), [])
        if not events:
            missed += 1
            continue
        duplicated += len(events) - 1
        detection = events[0].get("detection") or {}
        seen = stamp(detection.get("first_seen_at"))
        after = stamp(detection.get("changed_after"))
        if seen is None:
            missed += 1
            continue
        true_by_set[inj["set"]].append(seen - inj["at"])
        if after is not None:
            own_by_set[inj["set"]].append(seen - after)
        by_tier.setdefault(str(detection.get("tier")), []).append(seen - inj["at"])
    ordered = sorted(starts)
    busiest = 0
    low = 0
    for high, when in enumerate(ordered):
        while when - ordered[low] >= 60.0:
            low += 1
        busiest = max(busiest, high - low + 1)
    day = [s for s in ordered if DAY_START.timestamp() <= s < DAY_START.timestamp() + DAY_S]
    every = [s for values in true_by_set.values() for s in values]
    hot_p95 = percentile(true_by_set["hot"], 0.95)
    return {
        "injections": {"hot": sum(i["set"] == "hot" for i in injections),
                       "quiet": sum(i["set"] == "quiet" for i in injections)},
        "latency_true": {name: summary(values) for name, values in true_by_set.items()},
        "latency_service_bound": {name: summary(values) for name, values in own_by_set.items()},
        "latency_by_tier_seen": {name: summary(values) for name, values in sorted(by_tier.items())},
        "requests": {"total": len(ordered), "during_the_day": len(day),
                     "max_in_any_60_s": busiest, "budget_per_60_s": BUDGET},
        "events": {"false": len(false), "false_examples": false[:5],
                   "duplicated": duplicated, "missed": missed},
        "targets": {
            "hot_p95_le_5_min": hot_p95 is not None and hot_p95 <= HOT_P95_TARGET_S,
            "every_change_le_24_h": not missed and bool(every) and max(every) <= ALL_MAX_TARGET_S,
            "never_over_budget": busiest <= BUDGET,
            "no_false_or_duplicated": not false and not duplicated,
        },
    }  # fmt: skip


def write_config(tmp: Path, site_port: int, db: Path) -> Path:
    config = tmp / "config.toml"
    config.write_text(
        f"""
[untc]
base_url = "http://127.0.0.1:{site_port}"
retries = 1

[database]
path = "{db}"

[console]
enabled = false

[http]
port = {free_port()}
""",
        encoding="utf-8",
    )
    return config


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    treaties = tables()
    hot, injections = plan_injections(treaties, rng)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        pages = tmp / "pages"
        pages.mkdir()
        print(
            f"rendering {len(treaties)} status pages and their changed versions…", file=sys.stderr
        )
        write_pages(pages, treaties, injections)
        site_port = free_port()
        db = tmp / "treatybot.db"
        config = write_config(tmp, site_port, db)
        base_url = f"http://127.0.0.1:{site_port}"
        setup_database(config, db, base_url, [t[0] for t in treaties], hot)

        clock = SimClock(args.scale, DAY_START.timestamp() - PREROLL_S)
        clock.t0 = time.monotonic() + 3.0  # the simulation starts in 3 s, for both processes
        site = subprocess.Popen(
            [sys.executable, "-c", SITE, str(pages), str(site_port), str(clock.t0),
             str(args.scale), str(clock.start)],
        )  # fmt: skip
        try:
            await asyncio.sleep(clock.t0 - time.monotonic())  # the site reads its pages
            stop = asyncio.Event()
            timing = Timing(clock=clock.unix, monotonic=clock.monotonic, sleep=clock.sleep)
            service = asyncio.create_task(
                run_service(load_config(str(config)), stop=stop, clock=clock.now, timing=timing)
            )
            end = DAY_START.timestamp() + DAY_S
            last_report = 0.0
            started = time.monotonic()
            while True:
                await asyncio.sleep(2.0)
                if service.done():
                    service.result()  # raises what stopped it
                    raise RuntimeError("the service stopped on its own")
                now = clock.unix()
                seen = detected(db, injections)
                if time.monotonic() - last_report >= 30:
                    last_report = time.monotonic()
                    print(
                        f"  sim {dt.datetime.fromtimestamp(now, dt.UTC):%d %b %H:%M}"
                        f"  changes seen {seen}/{len(injections)}"
                        f"  real {time.monotonic() - started:.0f} s",
                        file=sys.stderr,
                    )
                if now >= end and (seen == len(injections) or now >= end + DAY_S / 2):
                    break
            stop.set()
            await service
            with urllib.request.urlopen(f"{base_url}/bench/stats") as response:
                starts = json.loads(response.read())["starts"]
        finally:
            site.terminate()
            site.wait()
        result = analyse(db, injections, starts)
        result["simulated_hours"] = round((clock.unix() - clock.start) / 3600, 1)
        result["real_seconds"] = round(time.monotonic() - started, 1)
    return result


def machine() -> str:
    cpu = ""
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    system = f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs ({cpu})"
    return f"{system}, Python {platform.python_version()}"


def minutes(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds / 60:.1f} min"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scale", type=float, default=150.0, help="simulated seconds per real second"
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed of the injections")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    result = asyncio.run(bench(args))
    result["machine"] = machine()
    result["scale"] = args.scale
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"machine: {result['machine']}; scale ×{args.scale:g}, "
          f"{result['simulated_hours']} simulated h in {result['real_seconds']} s")  # fmt: skip
    for name, stats in result["latency_true"].items():
        own = result["latency_service_bound"][name]
        print(f"{name:5} n={stats['n']:3}  p50 {minutes(stats['p50_s'])}  p95 "
              f"{minutes(stats['p95_s'])}  max {minutes(stats['max_s'])}"
              f"   (service's bound p95 {minutes(own['p95_s'])})")  # fmt: skip
    for tier, stats in result["latency_by_tier_seen"].items():
        print(f"  seen in tier {tier:5} n={stats['n']:3}  p95 {minutes(stats['p95_s'])}"
              f"  max {minutes(stats['max_s'])}")  # fmt: skip
    requests = result["requests"]
    busiest, budget = requests["max_in_any_60_s"], requests["budget_per_60_s"]
    print(f"requests: {requests['total']} ({requests['during_the_day']} during the day), "
          f"at most {busiest} in any 60 s (budget {budget})")  # fmt: skip
    events = result["events"]
    print(f"events: {events['false']} false, {events['duplicated']} duplicated, "
          f"{events['missed']} missed")  # fmt: skip
    for target, met in result["targets"].items():
        print(f"target {target}: {'met' if met else 'NOT MET'}")
    if not all(result["targets"].values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
