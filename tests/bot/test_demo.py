"""`treatybot demo`: the story's pages are real status pages, its dates follow article 65(1),
and the command plays it through the real pipeline — offline, tokenless, leaving no database."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.app import App
from bot.cli import main
from bot.config import Config
from bot.demo.page import render_status_page
from bot.demo.runner import run_demo
from bot.demo.site import DemoSite
from bot.demo.story import STORY, counted_deposits, in_force_since, key_dates, table_at
from scrapers.parse import parse_status_page
from scrapers.urls import status_url
from tests.bot.helpers import PAGES

ROOT = Path(__file__).resolve().parents[2]
THRESHOLD_LINE = (
    "[XVIII-16] Threshold reached: the United Nations Convention against Cybercrime has its 40th"
    " qualifying instrument, deposited on 15 Jun 2027, and enters into force on 13 Sep 2027"
)
IN_FORCE_LINE = (
    "[XVIII-16] The United Nations Convention against Cybercrime enters into force today,"
    " 13 Sep 2027"
)
EU_LINE = re.compile(r"^\[XVIII-16\] \S+ European Union approved .* on 3 Mar 2027 · (.*)$")


def page_at(step: int) -> str:
    return render_status_page(
        table_at(STORY, step), moment=STORY[step].at, in_force_since=in_force_since(STORY, step)
    )


def test_the_parser_reads_every_page_of_the_story_as_its_table() -> None:
    for number, step in enumerate(STORY):
        status = parse_status_page(page_at(number), "XVIII-16", "http://127.0.0.1/")
        table = table_at(STORY, number)
        read = [(p.name, tuple((a.kind, a.date) for a in p.actions)) for p in status.participants]
        expected = [
            (
                row.name,
                ((("signature", row.signature),) if row.signature else ())
                + ((row.instrument,) if row.instrument else ()),
            )
            for row in table
        ]
        assert read == expected, step.caption
        assert status.signatories == sum(1 for row in table if row.signature)
        assert status.entry_into_force_date == in_force_since(STORY, number)
        assert status.status_as_at is not None
        assert status.status_as_at.astimezone(dt.UTC) == step.at


def test_the_hanoi_page_reads_like_the_real_fixture_of_november_2025() -> None:
    fixture = parse_status_page(
        (PAGES / "xviii-16-2025-11.html").read_bytes(), "XVIII-16", "http://127.0.0.1/"
    )
    demo = parse_status_page(page_at(2), "XVIII-16", "http://127.0.0.1/")
    assert [(p.name, [(a.kind, a.date) for a in p.actions]) for p in demo.participants] == [
        (p.name, [(a.kind, a.date) for a in p.actions]) for p in fixture.participants
    ]
    assert (demo.title, demo.columns, demo.entry_into_force_text) == (
        fixture.title,
        fixture.columns,
        fixture.entry_into_force_text,
    )


def test_the_story_dates_follow_article_65_without_the_european_union() -> None:
    counted = counted_deposits(STORY)
    assert "European Union" not in {d.participant for d in counted}
    assert any(d.participant == "European Union" for s in STORY for d in s.deposits)
    assert (counted[39].participant, key_dates()) == (
        "Oman",
        (dt.date(2027, 6, 15), dt.date(2027, 9, 13)),
    )
    assert STORY[-2].at.date() == dt.date(2027, 9, 13)  # the clock reaches the day
    assert [s.simulated for s in STORY[:3]] == [False, False, False]
    assert all(s.simulated for s in STORY[3:])


async def test_the_site_serves_the_current_step_on_loopback_only() -> None:
    import aiohttp

    async with DemoSite(STORY) as site, aiohttp.ClientSession() as http:
        base_url = site.base_url
        site.show(5)
        async with http.get(status_url(site.base_url, "XVIII-16")) as reply:
            body = await reply.text()
        async with http.get(status_url(site.base_url, "XVIII-5")) as other:
            other_body = await other.text()
    assert base_url.startswith("http://127.0.0.1:")
    status = parse_status_page(body, "XVIII-16", base_url)
    assert [p.name for p in status.participants] == [r.name for r in table_at(STORY, 5)]
    assert (other.status, "No record found" in other_body) == (200, True)


# Runs the CLI with an audit hook that refuses any connection or name lookup off loopback.
LOOPBACK_ONLY = """
import runpy, socket, sys

def hook(event, args):
    if event == "socket.connect" and isinstance(args[1], tuple):
        host = args[1][0]
    elif event == "socket.getaddrinfo":
        host = args[0]
    else:
        return
    if host not in ("127.0.0.1", b"127.0.0.1"):
        print(f"network access off loopback: {host!r}", file=sys.stderr, flush=True)
        raise OSError(f"network access off loopback: {host!r}")

sys.addaudithook(hook)
sys.argv = ["treatybot", *sys.argv[1:]]
runpy.run_module("bot.cli", run_name="__main__")
"""


def offline_cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM", "TREATYBOT"))}
    env |= {"PYTHONIOENCODING": "utf-8", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", LOOPBACK_ONLY, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_demo_fast_plays_the_story_offline_without_a_token_and_leaves_no_database(
    tmp_path: Path,
) -> None:
    done = offline_cli(tmp_path, "demo", "--fast")
    lines = done.stdout.splitlines()
    assert (done.returncode, done.stderr) == (0, "")
    assert "SIMULATION" in lines[1] and "SIMULATION" in lines[-2]
    assert lines.count(THRESHOLD_LINE) == 1
    assert lines.count(IN_FORCE_LINE) == 1
    eu = [m.group(1) for line in lines if (m := EU_LINE.match(line))]
    assert eu == ["18 of 40 — 22 to go"]  # the same count as the 18th instrument before it
    assert any(line.endswith("on 24 Feb 2027 · 18 of 40 — 22 to go") for line in lines)
    assert list(tmp_path.iterdir()) == []


def test_the_offline_guard_stops_a_connection_off_loopback(tmp_path: Path) -> None:
    """The guard above can fail: `scrape` against the default (real) site is refused."""
    config = tmp_path / "config.toml"
    config.write_text("[untc]\nretries = 0\n", encoding="utf-8")
    done = offline_cli(tmp_path, "--config", str(config), "scrape", "XVIII-16")
    assert done.returncode == 1
    assert "network access off loopback: 'treaties.un.org'" in done.stderr


async def test_demo_json_document_holds_the_same_steps_and_summary_as_the_lines() -> None:
    lines_out, document_out = io.StringIO(), io.StringIO()
    await run_demo(Config(), speed=None, out=io.StringIO(), json_out=lines_out)
    await run_demo(Config(), speed=None, out=io.StringIO(), json_out=document_out, json_lines=False)
    # Each run serves its page on its own port; everything else is the same.
    same = re.compile(r"127\.0\.0\.1:\d+")
    lines = [json.loads(line) for line in same.sub("HOST", lines_out.getvalue()).splitlines()]

    document = json.loads(same.sub("HOST", document_out.getvalue()))  # one JSON document

    assert document == {"steps": lines[:-1], "summary": lines[-1]["summary"]}
    assert len(document["steps"]) == len(STORY)


async def test_demo_jsonl_gives_a_line_per_step_and_a_summary_with_the_dates() -> None:
    human, data = io.StringIO(), io.StringIO()
    result = await run_demo(Config(), speed=None, out=human, json_out=data)
    lines = [json.loads(line) for line in data.getvalue().splitlines()]
    assert len(lines) == len(STORY) + 1
    assert [line["outcome"] for line in lines[:2]] == ["baseline", "changed"]
    assert lines[-1]["summary"] == {
        "simulation": True,
        "events": {
            "treaty.signature": 26,
            "treaty.consent": 42,
            "treaty.milestone": 4,
            "treaty.threshold_reached": 1,
            "treaty.entry_into_force": 1,
        },
        "fortieth_counted_instrument": "2027-06-15",
        "entry_into_force": "2027-09-13",
        "database": None,
    }
    assert (result.fortieth, result.in_force) == (dt.date(2027, 6, 15), dt.date(2027, 9, 13))
    assert THRESHOLD_LINE in human.getvalue()


async def test_demo_keeps_its_database_at_a_new_db_path_and_runs_the_given_services(
    tmp_path: Path,
) -> None:
    db = tmp_path / "demo.db"
    seen: list[tuple[str, int, str]] = []

    @contextlib.asynccontextmanager
    async def api(app: App) -> AsyncIterator[None]:
        seen.append(("enter", app.config.http.port, app.config.untc.base_url))
        yield
        seen.append(("exit", app.config.http.port, app.config.database.path))

    result = await run_demo(
        Config(), speed=None, db_path=str(db), port=18080, out=io.StringIO(), services=[api]
    )
    assert [(what, port) for what, port, _ in seen] == [("enter", 18080), ("exit", 18080)]
    assert seen[0][2].startswith("http://127.0.0.1:") and seen[1][2] == str(db)
    assert result.database == str(db)
    with contextlib.closing(sqlite3.connect(db)) as conn:
        types = dict(conn.execute("SELECT type, count(*) FROM events GROUP BY type").fetchall())
        sent = conn.execute("SELECT count(*) FROM outbox WHERE status = 'sent'").fetchone()
    assert (types["treaty.threshold_reached"], types["treaty.entry_into_force"]) == (1, 1)
    assert sent == (sum(types.values()),)  # every alert delivered (the baseline stored none)


def test_demo_refuses_an_existing_db_path(tmp_path: Path) -> None:
    existing = tmp_path / "real.db"
    existing.write_bytes(b"")
    done = CliRunner().invoke(main, ["demo", "--fast", "--db", str(existing)])
    assert (done.exit_code, existing.read_bytes()) == (2, b"")
    assert "the file exists" in done.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["real.db"]


@pytest.mark.parametrize("step", [0, len(STORY) - 1])
def test_the_page_names_the_simulation_in_its_title(step: int) -> None:
    assert "simulation" in page_at(step).split("<title>")[1].split("</title>")[0]
