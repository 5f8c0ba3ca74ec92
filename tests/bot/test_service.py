"""`treatybot run` as a real process: a change on the (fake) site reaches the console channel
through the outbox, exactly once, across a crash right after the commit and a restart."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import sys
import textwrap
from pathlib import Path
from typing import ClassVar

from tests.bot.helpers import CYBER, run_cli, scrape, with_france_ratifying, write_config
from tests.fakesite import FakeUNSite

ROOT = Path(__file__).resolve().parents[2]
FRANCE_LINE = "[XVIII-16] 🇫🇷 France ratified the United Nations Convention against Cybercrime"


class Service:
    """`python -m bot.cli --config C run -v`, its stdout collected line by line. Every started
    process is killed at the end of its test if the test did not stop it (a failing assertion
    must not leave a service running)."""

    started: ClassVar[list[asyncio.subprocess.Process]] = []

    def __init__(self, config: Path) -> None:
        self.config = config
        self.lines: list[str] = []
        self.proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        env = {**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONPATH": str(ROOT)}
        env.pop("TREATYBOT_CONFIG", None)
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "--config", str(self.config), "run", "-v",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
            cwd=str(self.config.parent),
        )  # fmt: skip
        self._reader = asyncio.create_task(self._read())
        Service.started.append(self.proc)

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        async for raw in self.proc.stdout:
            self.lines.append(raw.decode().rstrip("\n"))

    async def wait_for_line(self, prefix: str, timeout: float = 15) -> None:
        for _ in range(int(timeout / 0.05)):
            if any(line.startswith(prefix) for line in self.lines):
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"no line {prefix!r} within {timeout} s; got {self.lines}")

    async def stop(self) -> tuple[int, str]:
        assert self.proc is not None and self.proc.stderr is not None
        self.proc.send_signal(signal.SIGTERM)
        err = await asyncio.wait_for(self.proc.stderr.read(), 15)
        code = await asyncio.wait_for(self.proc.wait(), 15)
        if self._reader is not None:
            await self._reader
        return code, err.decode()


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return list(conn.execute(sql))


async def first_check(db: Path) -> None:
    for _ in range(300):
        try:
            if db.exists() and rows(db, "SELECT count(*) FROM checks") != [(0,)]:
                return
        except sqlite3.OperationalError:
            pass  # the service is still creating the schema
        await asyncio.sleep(0.05)
    raise AssertionError("the service made no check within 15 s")


def service_config(tmp_path: Path, site: FakeUNSite) -> Path:
    return write_config(
        tmp_path, site.base_url, extra='[[treaties]]\nid = "XVIII-16"\ninterval = "1s"\n'
    )


async def test_a_change_on_the_site_reaches_the_console_through_the_outbox(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    fake_site.pages["XVIII-16"] = CYBER.encode()
    config = service_config(tmp_path, fake_site)
    service = Service(config)
    await service.start()
    try:
        await first_check(tmp_path / "treatybot.db")  # the file may exist before its schema
        fake_site.pages["XVIII-16"] = with_france_ratifying(CYBER).encode()
        await service.wait_for_line(FRANCE_LINE)
    finally:
        code, err = await service.stop()
    assert code == 0, err
    assert [line for line in service.lines if line.startswith("[XVIII-16]")] == [
        FRANCE_LINE + " on 12 Mar 2026 · 1 of 40 — 39 to go"
    ]
    assert rows(tmp_path / "treatybot.db", "SELECT channel, target, status FROM outbox") == [
        ("console", "stdout", "sent")
    ]


CHILD = textwrap.dedent(
    """
    import asyncio, os, sys
    sys.path.insert(0, {root!r})
    from bot import operations
    from bot.app import open_app
    from bot.config import load_config

    async def main():
        async with open_app(load_config({config!r})) as app:
            [result] = await operations.scrape(app, ["XVIII-16"])
            assert [e.type for e in result.events] == ["treaty.consent"], result
            os._exit(9)  # committed: event and its delivery row; nothing sent yet

    asyncio.run(main())
    """
)


async def test_a_crash_after_the_commit_and_before_any_send_prints_the_alert_once_after_restart(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    fake_site.pages["XVIII-16"] = CYBER.encode()
    config = service_config(tmp_path, fake_site)
    db = tmp_path / "treatybot.db"
    # a first run registers the console target and takes the baseline
    first = Service(config)
    await first.start()
    await first_check(db)
    assert (await first.stop())[0] == 0

    fake_site.pages["XVIII-16"] = with_france_ratifying(CYBER).encode()
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CHILD.format(root=str(ROOT), config=str(config)),
        stderr=asyncio.subprocess.PIPE, cwd=str(tmp_path),
    )  # fmt: skip
    _, err = await asyncio.wait_for(child.communicate(), 30)
    assert child.returncode == 9, err.decode()
    assert rows(db, "SELECT status FROM outbox") == [("pending",)]

    second = Service(config)
    await second.start()
    await second.wait_for_line(FRANCE_LINE)
    await asyncio.sleep(1.5)  # at least one more check: nothing new to say
    code, err = await second.stop()
    assert code == 0, err
    third = Service(config)
    await third.start()
    await asyncio.sleep(1.5)
    assert (await third.stop())[0] == 0

    printed = [line for line in second.lines + third.lines if line.startswith("[XVIII-16]")]
    assert len(printed) == 1
    assert printed[0].startswith(FRANCE_LINE)
    assert rows(db, "SELECT status, attempts FROM outbox") == [("sent", 1)]
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]


async def test_a_baseline_and_an_announced_backfill_are_recorded_but_never_routed(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    fake_site.pages["XVIII-16"] = with_france_ratifying(CYBER).encode()
    config = service_config(tmp_path, fake_site)
    db = tmp_path / "treatybot.db"
    first = Service(config)  # registers the console target, takes a silent baseline
    await first.start()
    await first_check(db)
    assert (await first.stop())[0] == 0
    with sqlite3.connect(db) as conn:  # forget the snapshot: the next check is a first sight
        conn.execute("UPDATE treaties SET status = NULL")
        conn.execute("DELETE FROM participants")

    [backfill] = await scrape(config, "XVIII-16", announce=True)

    assert backfill.outcome == "baseline"
    assert len(backfill.events) == 32  # 31 signatures and France's ratification
    assert rows(db, "SELECT count(*) FROM events") == [(32,)]
    assert rows(db, "SELECT count(*) FROM outbox") == [(0,)]


async def test_a_second_run_on_the_same_database_exits_1_naming_the_first_and_kill_9_frees_it(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    fake_site.pages["XVIII-16"] = CYBER.encode()
    config = service_config(tmp_path, fake_site)
    first = Service(config)
    await first.start()
    await first_check(tmp_path / "treatybot.db")
    assert first.proc is not None

    second = await run_cli(config, "run", timeout=30)

    assert second.code == 1
    [line] = second.stderr.strip().splitlines()
    assert line.startswith("Error: ")
    assert "another treatybot run is using this database" in line
    assert f"pid {first.proc.pid}, running since " in line

    first.proc.kill()  # kill -9: no clean shutdown, the lock file stays behind
    await first.proc.wait()
    third = Service(config)
    await third.start()
    await asyncio.sleep(1.5)
    code, err = await third.stop()
    assert code == 0, err


async def test_log_json_writes_one_json_object_per_line(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    fake_site.pages["XVIII-16"] = CYBER.encode()
    config = service_config(tmp_path, fake_site)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "--config", str(config), "run", "-v", "--log-json",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, env=env,
        cwd=str(tmp_path),
    )  # fmt: skip
    await first_check(tmp_path / "treatybot.db")
    proc.send_signal(signal.SIGTERM)
    _, err = await asyncio.wait_for(proc.communicate(), 15)
    assert proc.returncode == 0
    records = [json.loads(line) for line in err.decode().splitlines()]
    assert records
    assert all(set(r) >= {"time", "level", "logger", "message"} for r in records)
    assert any("XVIII-16: baseline" in r["message"] for r in records)


async def test_run_with_nothing_tracked_says_so_at_start(tmp_path: Path) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:9")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONPATH": str(ROOT)}
    env.pop("TREATYBOT_CONFIG", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "--config", str(config), "run",  # no -v
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
        cwd=str(tmp_path),
    )  # fmt: skip
    assert proc.stderr is not None
    try:
        line = await asyncio.wait_for(proc.stderr.readline(), 15)
    finally:
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), 15)

    expected = (
        "WARNING treatybot nothing to watch: run `treatybot catalogue`, or add one with"
        " `treatybot track TREATY_ID`"
    )
    assert expected in line.decode()
    assert code == 0
