"""Time parsing one large status page: our parser, the fingerprint check, and a full-tree baseline.

    /work/venv/bin/python bench/parse.py [--runs 200] [--baseline-runs 30] [--json]

Measured on tests/fixtures/pages/iv-11-crc-large.html (IV-11, 196 participants, ~190 KB):

1. `scrapers.parse.parse_status_page(page_bytes, "IV-11", url)`   (bytes in, decode included)
2. `scrapers.parse.page_fingerprint(page_bytes)`                  (the unchanged-page check)
3. baseline: `BeautifulSoup(text, "html.parser")` of the whole page plus a walk of every element
   (`for el in soup.find_all(True): pass`); also the same with the "lxml" backend, for reference.
   The baselines get the already decoded text, so they do not pay for decoding.

Each case is warmed up, then timed call by call with `time.perf_counter_ns`. The garbage
collector stays ENABLED while timing (as in the service); `gc.collect()` runs before each case so
one case's garbage is not collected on another's clock. The number of collections that happened
during a case is reported. Exit code is 0 whether or not the target is met: this is a measurement.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bs4 import BeautifulSoup  # noqa: E402

from scrapers import parse as ours  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "pages" / "iv-11-crc-large.html"
TREATY_ID = "IV-11"
URL = "https://treaties.un.org/Pages/ViewDetails.aspx?src=TREATY&mtdsg_no=IV-11&chapter=4&clang=_en"
EXPECTED_PARTICIPANTS = 196
TARGET_MS = 10.0  # target: parse_status_page median ≤ 10 ms on the large fixture


@dataclass(frozen=True)
class Result:
    name: str
    runs: int
    warmup: int
    median_ms: float
    p90_ms: float
    min_ms: float
    max_ms: float
    mean_ms: float
    gc_collections: int  # collections (all generations) that ran during the timed calls


def _collections() -> int:
    return sum(stat["collections"] for stat in gc.get_stats())


def measure(name: str, fn: Callable[[], object], runs: int, warmup: int) -> Result:
    """Warm up, then time `runs` calls one by one (gc enabled, collected beforehand)."""
    for _ in range(warmup):
        fn()
    gc.collect()
    before = _collections()
    samples: list[int] = []
    clock = time.perf_counter_ns
    for _ in range(runs):
        start = clock()
        fn()
        samples.append(clock() - start)
    collections = _collections() - before
    samples.sort()
    ms = [s / 1e6 for s in samples]
    p90 = ms[max(0, math.ceil(0.9 * len(ms)) - 1)]  # nearest rank
    return Result(
        name=name,
        runs=runs,
        warmup=warmup,
        median_ms=statistics.median(ms),
        p90_ms=p90,
        min_ms=ms[0],
        max_ms=ms[-1],
        mean_ms=statistics.fmean(ms),
        gc_collections=collections,
    )


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.lower().startswith(("model name", "hardware", "cpu model")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, str | int | None]:
    import lxml.etree

    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "nproc": os.cpu_count(),
        "lxml": _version("lxml"),
        "libxml2": ".".join(str(p) for p in lxml.etree.LIBXML_VERSION),
        "beautifulsoup4": _version("beautifulsoup4"),
    }


def _walk_full_tree(text: str, backend: str) -> int:
    soup = BeautifulSoup(text, backend)
    count = 0
    for _el in soup.find_all(True):
        count += 1
    return count


def run(runs: int, warmup: int, baseline_runs: int, fixture: Path) -> dict[str, Any]:
    page = fixture.read_bytes()
    text = ours.decode(page)

    # Check once, untimed, that every case does its full job on this page.
    status = ours.parse_status_page(page, TREATY_ID, URL)
    if len(status.participants) != EXPECTED_PARTICIPANTS:
        raise SystemExit(
            f"{fixture.name}: parsed {len(status.participants)} participants, "
            f"expected {EXPECTED_PARTICIPANTS}; not benchmarking a wrong parse"
        )
    if ours.page_fingerprint(page) is None:
        raise SystemExit(f"{fixture.name}: page_fingerprint returned None")
    elements = _walk_full_tree(text, "html.parser")

    cases: list[tuple[str, Callable[[], object], int]] = [
        ("parse_status_page", lambda: ours.parse_status_page(page, TREATY_ID, URL), runs),
        ("page_fingerprint", lambda: ours.page_fingerprint(page), runs),
        (
            'baseline: BeautifulSoup "html.parser" + walk',
            lambda: _walk_full_tree(text, "html.parser"),
            baseline_runs,
        ),
        (
            'baseline: BeautifulSoup "lxml" + walk',
            lambda: _walk_full_tree(text, "lxml"),
            baseline_runs,
        ),
    ]
    results = []
    for name, fn, n in cases:
        gc.collect()
        results.append(measure(name, fn, n, warmup=min(warmup, max(1, n // 5))))
    gc.collect()

    ours_median = results[0].median_ms
    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "fixture": str(fixture.relative_to(ROOT)),
        "page_bytes": len(page),
        "participants": len(status.participants),
        "elements_in_full_tree": elements,
        "gc": "enabled while timing; gc.collect() before each case",
        "target": f"parse_status_page median <= {TARGET_MS:g} ms",
        "target_met": ours_median <= TARGET_MS,
        "results": [asdict(r) for r in results],
        "machine": machine(),
    }


def print_report(report: dict[str, Any]) -> None:
    print(
        f"{report['fixture']}: {report['page_bytes']:,} bytes, "
        f"{report['participants']} participants, {report['elements_in_full_tree']:,} elements"
    )
    print(f"gc: {report['gc']}")
    print()
    header = f"{'case':<44} {'runs':>5} {'median ms':>10} {'p90 ms':>8} {'min ms':>8} {'gc':>4}"
    print(header)
    print("-" * len(header))
    results = report["results"]
    for r in results:
        print(
            f"{r['name']:<44} {r['runs']:>5} {r['median_ms']:>10.3f} {r['p90_ms']:>8.3f} "
            f"{r['min_ms']:>8.3f} {r['gc_collections']:>4}"
        )
    ours_median = results[0]["median_ms"]
    print()
    for r in results[2:]:
        print(f"{r['name']} / parse_status_page: {r['median_ms'] / ours_median:.1f}x (median)")
    print()
    verdict = "target met" if report["target_met"] else "target MISSED"
    print(f"target: {report['target']} -> {ours_median:.3f} ms: {verdict}")
    print()
    for key, value in report["machine"].items():
        print(f"{key:<15} {value}")
    print(f"{'date':<15} {report['date']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=200, help="timed runs of ours (200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed runs first (20)")
    parser.add_argument(
        "--baseline-runs", type=int, default=30, help="timed runs of each baseline (30)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.baseline_runs < 1 or args.warmup < 0:
        parser.error("--runs and --baseline-runs must be >= 1, --warmup >= 0")
    report = run(args.runs, args.warmup, args.baseline_runs, FIXTURE)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
