"""Sweep benchmark: `treatybot scrape --all` over every real 2015 table as a whole process.

Every table in tests/fixtures/untc/status-2015/ (313) is rendered as a realistic status page
(menus, scripts, a large __VIEWSTATE, declarations: ~19 MB in all) and served from a separate
loopback server process with politeness off. Then, in a fresh database:

  1. `treatybot track` all of them (not measured),
  2. the first sweep (baseline: every page parsed and stored),
  3. a second sweep of the unchanged pages (no validators sent by the server, so this measures
     the fingerprint path: an unchanged page costs no parse and no diff).

For each sweep: wall time, CPU time (user + system of the treatybot process alone, from wait4)
and peak RSS. With --urlwatch, the same unchanged sweep by urlwatch (if installed) for
comparison. Run: python bench/sweep.py [--json] [--urlwatch]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scrapers.urls import int_to_roman  # noqa: E402
from tests.untc_pages import page_from_table, render_page, rows_from_csv  # noqa: E402

TABLES = ROOT / "tests" / "fixtures" / "untc" / "status-2015"

SERVER = r"""
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


def treaty_id(csv_name: str) -> str:
    parts = csv_name.removesuffix(".csv").split("-")
    return "-".join([int_to_roman(int(parts[0])), *parts[1:]])


def render_all(out: Path) -> tuple[list[str], int]:
    ids, total = [], 0
    for path in sorted(TABLES.glob("*.csv")):
        tid = treaty_id(path.name)
        header, rows = rows_from_csv(path.read_text(encoding="utf-8"))
        declarations = [(r[0], "Declaration text. " * 40) for r in rows[: len(rows) // 6]]
        spec = page_from_table(tid, header, rows, viewstate_bytes=38_000, declarations=declarations)
        page = render_page(spec).encode("utf-8")
        (out / f"{tid}.html").write_bytes(page)
        ids.append(tid)
        total += len(page)
    return ids, total


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(port: int) -> None:
    for _ in range(200):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("bench server did not start")


def run_child(cmd: list[str], cwd: Path) -> dict[str, Any]:
    """Run a command; wall time, CPU seconds and peak RSS of that process alone (wait4)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        "wall_s": round(wall, 3),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "code": proc.returncode,
        "stdout": out.decode(errors="replace"),
        "stderr": err.decode(errors="replace"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--urlwatch",
        nargs="?",
        const="urlwatch",
        metavar="EXE",
        help="also time urlwatch's unchanged sweep (the executable, default from PATH)",
    )
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument(
        "--repeat", type=int, default=3, help="unchanged sweeps to run; the median is reported"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="treatybot-sweep-"))
    pages = work / "pages"
    pages.mkdir()
    ids, total = render_all(pages)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(pages), str(port)])
    try:
        wait_for(port)
        base = f"http://127.0.0.1:{port}"
        (work / "config.toml").write_text(
            f'[untc]\nbase_url = "{base}"\nmax_concurrency = {args.concurrency}\n'
            f'min_interval_s = 0\nretries = 0\n[database]\npath = "{work / "sweep.db"}"\n'
        )
        cli = [sys.executable, "-m", "bot.cli", "--config", str(work / "config.toml")]
        tracked = run_child([*cli, "track", *ids], work)
        assert tracked["code"] == 0, tracked["stderr"]
        first = run_child([*cli, "scrape", "--all", "--jsonl"], work)
        second = median_run([run_child([*cli, "scrape", "--all", "--jsonl"], work)
                             for _ in range(args.repeat)])  # fmt: skip
        results: dict[str, Any] = {"pages": len(ids), "bytes": total}
        for name, run in (("baseline", first), ("unchanged", second)):
            outcomes: dict[str, int] = {}
            for line in run["stdout"].splitlines():
                outcome = json.loads(line)["outcome"]
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
            results[name] = {k: run[k] for k in ("wall_s", "cpu_s", "peak_rss_mb", "code")}
            results[name]["outcomes"] = outcomes
        if args.urlwatch:
            results["urlwatch_unchanged"] = urlwatch_sweep(
                work, base, ids, args.urlwatch, args.repeat
            )
    finally:
        server.terminate()
        server.wait()
    results["machine"] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "nproc": os.cpu_count(),
    }
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(
        f"{results['pages']} pages, {total / 1e6:.1f} MB, concurrency {args.concurrency}, "
        f"unchanged sweeps: median of {args.repeat} by CPU time"
    )
    print(f"{'sweep':<22}{'wall s':>8}{'CPU s':>8}{'peak RSS MB':>13}  outcomes")
    for name in ("baseline", "unchanged", "urlwatch_unchanged"):
        if name in results:
            r = results[name]
            print(
                f"{name:<22}{r['wall_s']:>8}{r['cpu_s']:>8}{r['peak_rss_mb']:>13}  "
                f"{r.get('outcomes', '')}"
            )
    print(f"machine: {results['machine']}")


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median CPU time (its wall and RSS reported with it)."""
    ordered = sorted(runs, key=lambda r: r["cpu_s"])
    return ordered[len(ordered) // 2]


def urlwatch_sweep(work: Path, base: str, ids: list[str], name: str, repeat: int) -> dict[str, Any]:
    """urlwatch 2.29 with a CSS filter on the grid: first run to fill its cache, then measured."""
    exe = shutil.which(name)
    if exe is None:
        return {"skipped": "urlwatch not installed (pip install urlwatch==2.29)"}
    jobs = "\n---\n".join(
        f"name: {tid}\nurl: {base}/Pages/ViewDetails.aspx?src=TREATY&mtdsg_no={tid}\n"
        "filter:\n  - css: 'table[id$=\"tblgrid\"]'\n"
        for tid in ids
    )
    (work / "urls.yaml").write_text(jobs)
    (work / "urlwatch.yaml").write_text(
        "report:\n  stdout:\n    enabled: false\n  text:\n    details: false\n"
    )
    cmd = [
        exe,
        "--urls", str(work / "urls.yaml"),
        "--config", str(work / "urlwatch.yaml"),
        "--cache", str(work / "urlwatch-cache.db"),
    ]  # fmt: skip
    first = run_child(cmd, work)
    if first["code"] != 0:
        return {"failed": first["stderr"][-500:]}
    second = median_run([run_child(cmd, work) for _ in range(repeat)])
    return {k: second[k] for k in ("wall_s", "cpu_s", "peak_rss_mb", "code")}


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


if __name__ == "__main__":
    main()
