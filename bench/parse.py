"""Parse benchmark: our status-page parser on the large fixture vs a plain BeautifulSoup walk.

Measures, on tests/fixtures/pages/iv-11-crc-large.html (196 participants, footnotes, declaring
states, long declarations, a ~120 KB __VIEWSTATE; ~190 KB):

  ours         scrapers.parse.parse_status_page (classification + complete TreatyStatus)
  fingerprint  scrapers.parse.page_fingerprint (the unchanged-page check)
  bs4 walk     BeautifulSoup(html, "html.parser") and a walk of every element (comparison)

Median, p90 and min of many runs after a warm-up; the garbage collector stays on (it is on in
production) and a full collection runs between phases. Target: ours ≤ 10 ms median.
Run: python bench/parse.py [--runs N] [--json]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import bs4  # noqa: E402
import lxml.etree  # noqa: E402
from bs4 import BeautifulSoup  # noqa: E402

from scrapers.parse import page_fingerprint, parse_status_page  # noqa: E402

PAGE = ROOT / "tests" / "fixtures" / "pages" / "iv-11-crc-large.html"
TARGET_MS = 10.0


def measure(fn: Callable[[], object], runs: int, warmup: int = 5) -> dict[str, float]:
    for _ in range(warmup):
        fn()
    gc.collect()
    samples = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - start) / 1e6)
    return {
        "median_ms": round(statistics.median(samples), 3),
        "p90_ms": round(statistics.quantiles(samples, n=10)[-1], 3),
        "min_ms": round(min(samples), 3),
        "runs": runs,
    }


def bs4_walk(page: bytes) -> int:
    soup = BeautifulSoup(page, "html.parser")
    return sum(1 for _ in soup.find_all(True))


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    page = PAGE.read_bytes()
    status = parse_status_page(page, "IV-11", "bench")
    assert len(status.participants) == 196
    results = {
        "page": {"file": str(PAGE.relative_to(ROOT)), "bytes": len(page), "participants": 196},
        "ours": measure(lambda: parse_status_page(page, "IV-11", "bench"), args.runs),
        "fingerprint": measure(lambda: page_fingerprint(page), args.runs),
        "bs4_html_parser_walk": measure(lambda: bs4_walk(page), max(10, args.runs // 7)),
        "target_ms": TARGET_MS,
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpu": cpu_model(),
            "nproc": os.cpu_count(),
            "lxml": ".".join(map(str, lxml.etree.LXML_VERSION)),
            "beautifulsoup4": bs4.__version__,
        },
    }
    met = results["ours"]["median_ms"] <= TARGET_MS  # type: ignore[index]
    results["target_met"] = met
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{PAGE.name}: {len(page):,} bytes, 196 participants")
    print(f"{'':<24}{'median ms':>10}{'p90 ms':>9}{'min ms':>9}{'runs':>6}")
    for name in ("ours", "fingerprint", "bs4_html_parser_walk"):
        r = results[name]
        assert isinstance(r, dict)
        print(f"{name:<24}{r['median_ms']:>10}{r['p90_ms']:>9}{r['min_ms']:>9}{r['runs']:>6}")
    print(f"target ≤ {TARGET_MS} ms median for ours: {'met' if met else 'MISSED'}")
    print(f"machine: {results['machine']}")


if __name__ == "__main__":
    main()
