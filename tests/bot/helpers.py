"""Shared test helpers: a config pointing at the fake site, and running the real CLI process."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PAGES = FIXTURES / "pages"


def write_config(
    tmp_path: Path,
    base_url: str,
    *,
    max_concurrency: int = 2,
    min_interval_s: float = 0.05,
    retries: int = 3,
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
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]


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
