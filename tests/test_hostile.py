"""Hostile inputs, end to end through the real `treatybot` process: bad ids, bad config values,
foreign, corrupt, locked and read-only databases, a wrong page, a future entry-into-force date,
sub-numbered titles. Each case asserts one `Error:` line (no traceback), the exit code, and that
nothing was written where nothing should be."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import os
import re
import sqlite3
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot import operations
from bot.app import open_app
from bot.cli import main
from bot.config import load_config
from tests.bot.helpers import CYBER, PAGES, Completed, write_config
from tests.fakesite import FakeUNSite, Reply

NOWHERE = "http://127.0.0.1:9"  # nothing listens: a command that fetches would fail


async def cli(config: Path, *args: str, timeout: float = 60) -> Completed:
    """The real `treatybot` command line, in-process (its own event loop, on a thread): the same
    edge as the installed command, without a process start-up per call. An exception that
    escaped the CLI is re-raised (it would have been a traceback)."""
    runner = CliRunner()
    result = await asyncio.wait_for(
        asyncio.to_thread(runner.invoke, main, ["--config", str(config), *args]), timeout
    )
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Completed(result.exit_code, result.stdout, result.stderr)


def one_error(result: Completed) -> str:
    """The single `Error:` line of a failed command (and no traceback)."""
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def db_path(tmp_path: Path) -> Path:
    return tmp_path / "treatybot.db"


def config_at(tmp_path: Path, database: Path | str, extra: str = "") -> Path:
    path = tmp_path / "hostile.toml"
    path.write_text(
        f'[untc]\nbase_url = "{NOWHERE}"\n\n[database]\npath = "{database}"\n'
        f"busy_timeout_s = 0.2\n{extra}",
        encoding="utf-8",
    )
    return path


# --- databases -----------------------------------------------------------------------------


async def test_a_directory_as_database_is_one_error_line(tmp_path: Path) -> None:
    folder = tmp_path / "db-folder"
    folder.mkdir()
    result = await cli(config_at(tmp_path, folder), "track", "XVIII-16")

    assert result.code == 1
    assert one_error(result) == f"Error: {folder}: is a directory, not a database file"
    assert list(folder.iterdir()) == []


async def test_a_file_that_is_not_sqlite_is_refused_untouched(tmp_path: Path) -> None:
    notes = tmp_path / "notes.db"
    notes.write_bytes(b"shopping list: bread, milk\n" * 200)
    before = digest(notes)

    result = await cli(config_at(tmp_path, notes), "track", "XVIII-16")

    assert result.code == 1
    assert one_error(result) == f"Error: {notes}: not a SQLite database (file is not a database)"
    assert digest(notes) == before
    assert not Path(f"{notes}-wal").exists()


async def test_a_truncated_database_is_one_error_line(tmp_path: Path) -> None:
    db = db_path(tmp_path)
    config = config_at(tmp_path, db)
    assert (await cli(config, "track", "XVIII-16", "IV-11", "XXVII-7-d")).code == 0
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 3])

    result = await cli(config, "treaties")

    assert result.code == 1
    assert one_error(result).startswith(f"Error: {db}: the database file is damaged")


async def test_a_path_under_a_regular_file_is_one_error_line(tmp_path: Path) -> None:
    regular = tmp_path / "plain.txt"
    regular.write_text("not a folder", encoding="utf-8")
    target = regular / "treatybot.db"

    result = await cli(config_at(tmp_path, target), "track", "XVIII-16")

    assert result.code == 1
    assert one_error(result) == f"Error: {target}: cannot create it: {regular} is not a directory"
    assert regular.read_text(encoding="utf-8") == "not a folder"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through file permissions")
async def test_a_read_only_location_is_one_error_line(tmp_path: Path) -> None:
    locked_dir = tmp_path / "ro"
    locked_dir.mkdir()
    locked_dir.chmod(0o500)
    try:
        result = await cli(config_at(tmp_path, locked_dir / "t.db"), "track", "XVIII-16")
    finally:
        locked_dir.chmod(0o700)

    assert result.code == 1
    assert one_error(result).startswith(f"Error: {locked_dir / 't.db'}: cannot open or create")


@pytest.mark.parametrize(
    "command", [["track", "XVIII-16"], ["run"], ["db", "upgrade"], ["scrape", "XVIII-16"]]
)
async def test_a_foreign_sqlite_database_is_refused_before_anything_is_written(
    tmp_path: Path, command: list[str]
) -> None:
    shop = tmp_path / "shop.sqlite"
    with sqlite3.connect(shop) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO customers (name) VALUES ('Ada')")
    conn.close()
    before = digest(shop)

    result = await cli(config_at(tmp_path, shop), *command)

    assert result.code == 1
    line = one_error(result)
    assert line.startswith(f"Error: {shop}: a SQLite database, but not treatybot's")
    assert "customers" in line
    assert digest(shop) == before
    with sqlite3.connect(shop) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
    conn.close()
    assert (tables, journal) == (["customers"], "delete")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hostile.toml", "shop.sqlite"]


async def test_a_lock_held_by_another_process_is_one_error_line(tmp_path: Path) -> None:
    db = db_path(tmp_path)
    config = config_at(tmp_path, db)
    assert (await cli(config, "track", "XVIII-16")).code == 0
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = await cli(config, "track", "IV-11")
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    assert result.code == 1
    assert one_error(result) == (
        f"Error: {db}: the database is locked by another process (busy timeout exceeded); try again"
    )


async def test_an_absurd_limit_is_a_usage_error_not_an_overflow(tmp_path: Path) -> None:
    config = config_at(tmp_path, db_path(tmp_path))
    assert (await cli(config, "db", "upgrade")).code == 0

    result = await cli(config, "events", "--limit", "99999999999999999999999")

    assert result.code == 2
    assert "--limit" in one_error(result)


@pytest.mark.parametrize(
    "command",
    [
        ["treaties"],
        ["status", "XVIII-16"],
        ["events"],
        ["timeline", "France"],
        ["outbox"],
        ["scrape", "--dry-run", "XVIII-16"],
        ["untrack", "XVIII-16"],
    ],
)
async def test_read_only_commands_never_create_a_database(
    tmp_path: Path, command: list[str]
) -> None:
    mistyped = tmp_path / "typo" / "treatybot.db"

    result = await cli(config_at(tmp_path, mistyped), *command)

    assert result.code == 1
    assert one_error(result).startswith(f"Error: {mistyped}: no such database")
    assert not mistyped.parent.exists()


async def run_here(cwd: Path, *args: str) -> Completed:
    """`treatybot` without --config, from `cwd` (so ./config.toml is the one found)."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("TREATYBOT_CONFIG", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", *args, cwd=str(cwd), env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return Completed(proc.returncode, out.decode(), err.decode())


async def test_a_broken_config_does_not_break_commands_that_need_none(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("[untc\nbase_url = ", encoding="utf-8")
    page = PAGES / "xviii-16-2025-11.html"

    assert (await run_here(tmp_path, "--help")).code == 0
    assert (await run_here(tmp_path, "--version")).code == 0
    parsed = await run_here(tmp_path, "parse", str(page), "--json")
    assert parsed.code == 0, parsed.stderr
    assert json.loads(parsed.stdout)["id"] == "XVIII-16"

    broken = await run_here(tmp_path, "treaties")
    assert broken.code == 1
    assert "not valid TOML" in one_error(broken)
    assert not (tmp_path / "treatybot.db").exists()


async def test_a_bad_config_value_is_one_error_line_naming_the_key(tmp_path: Path) -> None:
    config = config_at(
        tmp_path,
        db_path(tmp_path),
        extra='\n[[treaties]]\nid = "XVIII-16"\ncounted_kinds = []\n',
    )

    result = await cli(config, "scrape", "--all")

    assert result.code == 1
    assert "counted_kinds" in one_error(result)
    assert not db_path(tmp_path).exists()


# --- ids and rule values ------------------------------------------------------------------------


async def test_an_id_with_a_newline_is_the_same_treaty_and_repeats_count_once(
    tmp_path: Path,
) -> None:
    config = config_at(tmp_path, db_path(tmp_path))

    result = await cli(config, "track", "XVIII-16\n", " XVIII-16", "XVIII-16")

    assert (result.code, result.stdout) == (0, "tracking XVIII-16\n")
    with sqlite3.connect(db_path(tmp_path)) as conn:
        assert conn.execute("SELECT id FROM treaties").fetchall() == [("XVIII-16",)]
    conn.close()


async def test_scrape_checks_a_repeated_id_once(fake_site: FakeUNSite, tmp_path: Path) -> None:
    fake_site.pages["XVIII-16"] = CYBER.encode()
    config = write_config(tmp_path, fake_site.base_url)

    result = await cli(config, "scrape", "XVIII-16", "XVIII-16\n", " XVIII-16 ")

    assert result.code == 0, result.stderr
    assert result.stdout.splitlines()[:-1] == ["XVIII-16  baseline"]  # then the summary
    assert len(fake_site.requests_to("XVIII-16")) == 1


@pytest.mark.parametrize(
    ("args", "word"),
    [
        (["track", "XVIII-16", "--delay-days", "999999999"], "--delay-days"),
        (["track", "XVIII-16", "--delay-months", "99999999999999999999"], "--delay-months"),
        (["track", "XVIII-16", "--threshold", "99999999999999999999"], "--threshold"),
        (["track", "XVIII-16", "--counted-kinds", "rumour"], "rumour"),
        (["track", "XVIII-16", "--threshold", "5", "--milestones", "9"], "below the threshold"),
        (["track", "XVIII-16", "--milestones", "ten"], "whole numbers"),
        (["track", "XVIII-16 XVIII-17"], "not an MTDSG treaty id"),
        (["events", "--treaty", "XVIII-16; DROP TABLE"], "not an MTDSG treaty id"),
        (["status", "x" * 10_000], "not an MTDSG treaty id"),
        (["outbox", "retry", "99999999999999999999999"], "IDS"),
    ],
)
async def test_impossible_values_are_usage_errors_and_write_nothing(
    tmp_path: Path, args: list[str], word: str
) -> None:
    result = await cli(config_at(tmp_path, db_path(tmp_path)), *args)

    assert result.code == 2
    line = one_error(result)
    assert word in line
    assert len(line) < 300  # a 10 KB id is not echoed back in full
    assert not db_path(tmp_path).exists()


# --- the site ------------------------------------------------------------------------------


async def test_another_treatys_page_is_a_failure_not_a_baseline(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    rome = CYBER.replace("mtdsg_no=XVIII-16", "mtdsg_no=XVIII-10")
    fake_site.pages["XVIII-16"] = rome.encode()
    config = write_config(tmp_path, fake_site.base_url)

    result = await cli(config, "scrape", "XVIII-16")

    assert result.code == 1
    [line] = [x for x in result.stdout.splitlines() if x.startswith("XVIII-16")]
    assert line.startswith("XVIII-16  failed: wrong treaty page:")
    assert "the site answered with XVIII-10" in line
    assert line.count("XVIII-16") == 2  # the result's name, and "asked for XVIII-16"
    status = await cli(config, "status", "XVIII-16", "--json")
    report = json.loads(status.stdout)
    assert (report["checked"], report["counts"]) == (False, None)
    assert "XVIII-10" in report["health"]["last_error"]


async def test_a_failure_line_names_the_treaty_once(fake_site: FakeUNSite, tmp_path: Path) -> None:
    config = write_config(tmp_path, fake_site.base_url)

    result = await cli(config, "scrape", "XVIII-99")

    assert result.code == 1
    [line, _summary] = result.stdout.splitlines()
    assert line.startswith("XVIII-99  failed: treaty not found")
    assert line.count("XVIII-99") == 1


async def test_a_long_retry_after_is_not_waited_for_by_an_interactive_scrape(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    fake_site.pages["XVIII-16"] = CYBER.encode()
    fake_site.script(
        "XVIII-16",
        Reply(status=429, headers={"Retry-After": "0"}),
        Reply(status=429, headers={"Retry-After": "3600"}),
    )
    config = write_config(tmp_path, fake_site.base_url)

    result = await cli(config, "scrape", "XVIII-16", timeout=30)

    assert result.code == 1
    assert "waiting 0 s: the site asked to retry after 0 s (XVIII-16)" in result.stderr
    [line, _summary] = result.stdout.splitlines()
    assert "asked to retry after 3600 s" in line
    assert "interactive wait limit 30 s" in line


async def test_a_never_read_treaty_shows_its_error_and_can_be_forgotten(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    fake_site.pages["XVIII-16"] = CYBER.encode()
    config = write_config(tmp_path, fake_site.base_url)
    assert (await cli(config, "track", "XVIII-99", "XVIII-16")).code == 0
    assert (await cli(config, "scrape", "--all")).code == 1

    status = await cli(config, "status", "XVIII-99")
    assert status.code == 0
    assert "never checked successfully" in status.stdout
    assert "last error" in status.stdout and "treaty not found" in status.stdout

    refused = await cli(config, "untrack", "--forget", "XVIII-16")
    assert refused.code == 1
    assert "--forget would lose" in one_error(refused)

    forgot = await cli(config, "untrack", "--forget", "XVIII-99")
    assert (forgot.code, forgot.stdout) == (0, "forgot XVIII-99\n")
    listed = await cli(config, "treaties", "--json")
    assert [row["id"] for row in json.loads(listed.stdout)] == ["XVIII-16"]
    gone = await cli(config, "status", "XVIII-99")
    assert gone.code == 1
    assert "has never been checked" in one_error(gone)


async def test_a_sub_numbered_treaty_keeps_its_title(fake_site: FakeUNSite, tmp_path: Path) -> None:
    page = PAGES / "xxvii-7-d-paris-bracketed-date.html"
    fake_site.pages["XXVII-7-d"] = page.read_bytes()
    config = write_config(tmp_path, fake_site.base_url)
    assert (await cli(config, "scrape", "XXVII-7-d")).code == 0

    status = await cli(config, "status", "XXVII-7-d", "--json")

    assert json.loads(status.stdout)["title"] == "Paris Agreement"


# --- a scheduled entry into force ---------------------------------------------------------------


def ratified(page: str, name: str, day: dt.date) -> str:
    row = f"<tr><td>{name}</td><td>25 Oct 2025</td><td></td></tr>"
    assert page.count(row) == 1, name
    return page.replace(row, f"<tr><td>{name}</td><td>25 Oct 2025</td><td>{short(day)}</td></tr>")


def short(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def long(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


EIF_CELL = re.compile(r'(rptEIF_ctl00_tcText" class="text">)[^<]*(</td>)')


def eif_text(page: str, text: str) -> str:
    changed, count = EIF_CELL.subn(lambda m: m.group(1) + text + m.group(2), page)
    assert count == 1
    return changed


async def check_on(config: Path, moment: dt.datetime) -> list[dict[str, object]]:
    """One check of every tracked treaty as the service's scheduler runs it, on `moment`."""
    async with open_app(load_config(str(config)), clock=lambda: moment) as app:
        results = await operations.scrape(app, (), all_tracked=True)
    return [event.to_json() for result in results for event in result.events]


async def test_a_future_date_on_the_page_is_scheduled_and_announced_on_the_day(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    today = dt.datetime.now(dt.UTC).date()
    scheduled = today + dt.timedelta(days=58)
    # The rule as the text states it before the threshold: two instruments, then 90 days; the
    # European Union's instrument not counted.
    two = CYBER.replace("fortieth instrument", "second instrument")
    fake_site.pages["XVIII-16"] = ratified(two, "France", today - dt.timedelta(days=20)).encode()
    config = write_config(tmp_path, fake_site.base_url)
    assert (await cli(config, "track", "XVIII-16")).code == 0
    assert (await cli(config, "scrape", "XVIII-16")).code == 0  # baseline: 1 of 2

    # The threshold is reached; the UN replaces the rule's text with the date it schedules.
    page = ratified(two, "France", today - dt.timedelta(days=20))
    page = ratified(page, "European Union", today - dt.timedelta(days=10))
    page = ratified(page, "Algeria", today - dt.timedelta(days=2))
    page = eif_text(page, f"{long(scheduled)}, in accordance with article 65(1).")
    fake_site.pages["XVIII-16"] = page.encode()
    result = await cli(config, "scrape", "XVIII-16", "--json")

    assert result.code == 0, result.stderr
    events = result.json_array()[0]["events"]
    types = [e["type"] for e in events]
    assert "treaty.entry_into_force" not in types
    reached = next(e for e in events if e["type"] == "treaty.threshold_reached")
    assert reached["entry_into_force"]["date"] == scheduled.isoformat()
    assert reached["counts"]["qualifying"] == 2  # the EU is still not counted
    assert reached["counts"]["threshold"] == 2  # the rule read earlier is remembered

    status = await cli(config, "status", "XVIII-16")
    assert f"scheduled entry into force: {short(scheduled)}" in status.stdout
    threshold_day = short(today - dt.timedelta(days=2))
    assert f"2 instruments (2 needed) — threshold reached on {threshold_day}" in status.stdout
    assert "in force since" not in status.stdout
    report = json.loads((await cli(config, "status", "XVIII-16", "--json")).stdout)
    assert report["entry_into_force"] == {"date": scheduled.isoformat(), "state": "scheduled"}
    assert report["rule"]["source"] == "remembered"

    noon = dt.time(12, tzinfo=dt.UTC)
    the_day_before = dt.datetime.combine(scheduled - dt.timedelta(days=1), noon)
    assert await check_on(config, the_day_before) == []
    on_the_day = await check_on(config, dt.datetime.combine(scheduled, noon))
    assert [(e["type"], e["entry_into_force"]) for e in on_the_day] == [
        ("treaty.entry_into_force", {"date": scheduled.isoformat()})
    ]
    assert await check_on(config, dt.datetime.combine(scheduled, noon)) == []  # once


async def test_a_treaty_in_force_when_first_seen_shows_its_date_and_parties(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    page = ratified(CYBER, "France", dt.date(1990, 1, 5))
    page = ratified(page, "Algeria", dt.date(1990, 2, 5))
    fake_site.pages["XVIII-16"] = eif_text(page, "3 June 1991, in accordance with article 65(1).")
    config = write_config(tmp_path, fake_site.base_url)
    assert (await cli(config, "scrape", "XVIII-16")).code == 0

    status = await cli(config, "status", "XVIII-16")

    assert status.code == 0, status.stderr
    assert "in force since: 3 Jun 1991" in status.stdout
    assert "parties 2" in status.stdout
    assert "not computable" not in status.stdout
