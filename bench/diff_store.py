"""Diff + store benchmark: one observation of a 200-participant treaty with one new ratification.

Each run: `compare(previous, current, rule, now)` (pure diff, event building) followed by
`save_observation` (snapshot rewrite, events, check row, one IMMEDIATE transaction) into a WAL
SQLite file on disk. 200 runs, each adding the next participant's ratification, so every run is
a real change. Reports the median and p90 of the whole, and of each half. Target: ≤ 5 ms median.

Run: python bench/diff_store.py [--runs N] [--json]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import gc
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scrapers.model import Action, Participant, TreatyStatus  # noqa: E402
from store import snapshots  # noqa: E402
from store.db import connect, upgrade  # noqa: E402
from store.diff import compare  # noqa: E402
from store.thresholds import rule_from_text  # noqa: E402

NAMES = ROOT / "tests" / "fixtures" / "participant-names.txt"
EIF = (
    "in accordance with article 65(1): on the ninetieth day after the date of deposit of the "
    "fortieth instrument of ratification, acceptance, approval or accession"
)
TARGET_MS = 5.0


def treaty(participants: list[Participant]) -> TreatyStatus:
    return TreatyStatus(
        id="XVIII-16",
        chapter="XVIII",
        chapter_title="PENAL MATTERS",
        number="16",
        title="United Nations Convention against Cybercrime; Strengthening …",
        conclusion="New York, 24 December 2024",
        entry_into_force_text=EIF,
        entry_into_force_date=None,
        registration=None,
        signatories=len(participants),
        parties=None,
        status_as_at=None,
        url="https://treaties.un.org/Pages/ViewDetails.aspx?src=TREATY&mtdsg_no=XVIII-16",
        columns=("Participant", "Signature", "Ratification, Accession(a)"),
        participants=tuple(participants),
    )


def signatories(count: int) -> list[Participant]:
    names = [n for n in NAMES.read_text(encoding="utf-8").splitlines() if n][:count]
    signed = dt.date(2025, 10, 25)
    return [
        Participant(name, actions=(Action("signature", signed, 1, "25 Oct 2025"),))
        for name in names
    ]


def ratify(participant: Participant, day: int) -> Participant:
    date = dt.date(2026, 1, 1) + dt.timedelta(days=day)
    action = Action("ratification", date, 2, date.strftime("%d %b %Y"))
    return dataclasses.replace(participant, actions=(*participant.actions, action))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    people = signatories(args.participants)
    runs = min(args.runs, len(people))
    rule = rule_from_text(EIF)
    now = dt.datetime(2026, 3, 12, 14, 5, 9, tzinfo=dt.UTC)
    with tempfile.TemporaryDirectory() as tmp:
        db = connect(Path(tmp) / "bench.db")
        upgrade(db)
        previous = treaty(people)
        snapshots.save_observation(
            db, previous, [], outcome="baseline", now=now, fingerprint=None, etag=None,
            last_modified=None, qualifying=0,
        )  # fmt: skip
        diff_ms, store_ms, total_ms = [], [], []
        gc.collect()
        for i in range(runs):
            people[i] = ratify(people[i], i)
            current = treaty(people)
            t0 = time.perf_counter_ns()
            comparison = compare(previous, current, rule, now)
            t1 = time.perf_counter_ns()
            snapshots.save_observation(
                db, current, comparison.events, outcome=comparison.outcome, now=now,
                fingerprint=None, etag=None, last_modified=None,
                qualifying=comparison.progress.qualifying, previous=previous,
            )  # fmt: skip
            t2 = time.perf_counter_ns()
            assert comparison.outcome == "changed", comparison.reason
            diff_ms.append((t1 - t0) / 1e6)
            store_ms.append((t2 - t1) / 1e6)
            total_ms.append((t2 - t0) / 1e6)
            previous = current
        events = db.execute("SELECT count(*) FROM events").fetchone()[0]
        db.close()
    result = {
        "participants": len(people),
        "runs": runs,
        "events_stored": events,
        "median_ms": {
            "diff": round(statistics.median(diff_ms), 3),
            "store": round(statistics.median(store_ms), 3),
            "total": round(statistics.median(total_ms), 3),
        },
        "p90_total_ms": round(statistics.quantiles(total_ms, n=10)[-1], 3),
        "target_ms": TARGET_MS,
        "target_met": statistics.median(total_ms) <= TARGET_MS,
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    med = result["median_ms"]
    print(f"{len(people)} participants, {runs} runs (one new ratification each), WAL file db")
    print(f"median: diff {med['diff']} ms + store {med['store']} ms = {med['total']} ms")
    print(f"p90 total: {result['p90_total_ms']} ms; events stored: {events}")
    print(f"target ≤ {TARGET_MS} ms median: {'met' if result['target_met'] else 'MISSED'}")


if __name__ == "__main__":
    main()
