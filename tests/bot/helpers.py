"""Shared test helpers: a config pointing at the fake site, and running the real CLI process."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot import operations
from bot.app import App, command_app, open_app
from bot.config import load_config
from bot.pipeline import CheckResult

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PAGES = FIXTURES / "pages"

# The Cybercrime Convention page of November 2025, and edits of it for later observations.
NOW = dt.datetime(2026, 3, 12, 14, 5, 9, tzinfo=dt.UTC)
CYBER = (PAGES / "xviii-16-2025-11.html").read_text(encoding="utf-8")
FRANCE_ROW = re.compile(r"<tr><td>France</td><td>25 Oct 2025</td><td></td></tr>")


def with_france_ratifying(page: str) -> str:
    changed, count = FRANCE_ROW.subn(
        "<tr><td>France</td><td>25 Oct 2025</td><td>12 Mar 2026</td></tr>", page
    )
    assert count == 1
    return changed


def without_france(page: str) -> str:
    changed, count = FRANCE_ROW.subn("", page)
    assert count == 1
    return changed


def clock() -> dt.datetime:
    return NOW


def write_config(
    tmp_path: Path,
    base_url: str,
    *,
    max_concurrency: int = 2,
    min_interval_s: float = 0.05,
    retries: int = 3,
    http_port: int = 0,
    extra: str = "",
) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[untc]
base_url = "{base_url}"
timeout_s = 10
max_concurrency = {max_concurrency}
min_interval_s = {min_interval_s}
retries = {retries}

[database]
path = "{tmp_path / "treatybot.db"}"

[http]
port = {http_port}
{extra}
""",
        encoding="utf-8",
    )
    return path


@dataclass
class Completed:
    code: int
    stdout: str
    stderr: str

    def json_lines(self) -> list[dict[str, Any]]:
        """stdout of `--jsonl`: one object per line."""
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]

    def json_array(self) -> list[dict[str, Any]]:
        """stdout of a listing's `--json`: exactly one JSON array, nothing else."""
        data = json.loads(self.stdout)
        assert isinstance(data, list), self.stdout[:200]
        return data


async def run_cli(config: Path, *args: str, timeout: float = 60) -> Completed:
    """Run `treatybot` as a real process (the fake site keeps serving on this event loop)."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("TREATYBOT_CONFIG", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "--config",
        str(config),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        cwd=str(config.parent),
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    assert proc.returncode is not None
    return Completed(proc.returncode, out.decode(), err.decode())


async def scrape(config: Path, *ids: str, **options: Any) -> list[CheckResult]:
    """`operations.scrape` through the real composition root, on the fixed clock."""
    async with open_app(load_config(str(config)), clock=clock) as app:
        return await operations.scrape(app, ids, **options)


def with_app(config: Path) -> contextlib.AbstractContextManager[App]:
    """The synchronous app (store only) on the fixed clock."""
    return command_app(load_config(str(config)), clock=clock)


def ratify(page: str, name: str, date: str) -> str:
    """The page with `name`'s empty consent cell filled with `date` (e.g. "12 Mar 2026")."""
    row = re.compile(rf"(<tr><td>{re.escape(name)}</td><td>[^<]*</td><td>)(</td></tr>)")
    changed, count = row.subn(rf"\g<1>{date}\g<2>", page)
    assert count == 1, name
    return changed
