"""One JSON rule for every command (README "JSON output"): `--json` prints exactly one JSON
document on stdout — an array for a listing, an object for one thing — and a listing's
`--jsonl` prints one object per line."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from bot.cli import main
from store import subscribers, treaties
from store.db import Store
from tests.bot.helpers import CYBER, NOW, scrape, with_france_ratifying, write_config
from tests.bot.test_cli_commands import all_commands
from tests.fakesite import FakeUNSite

ARRAY_HELP = "Print one JSON array."
OBJECT_HELP = "Print one JSON object."
LINES_HELP = "Print one JSON object per line."

# Every listing command, with arguments that make it list something on the seeded database.
LISTINGS = {
    "treaties": [],
    "events": [],
    "timeline": ["France"],
    "outbox": [],
    "chats": [],
    "webhooks list": [],
    "scrape": ["XVIII-16", "--dry-run"],
}


def options(command: click.Command) -> dict[str, click.Option]:
    return {
        name: param
        for param in command.params
        if isinstance(param, click.Option)
        for name in param.opts
    }


def test_every_json_option_is_one_of_the_two_documented_kinds() -> None:
    kinds: dict[str, str] = {}
    groups = [(name, c) for name, c in main.commands.items() if isinstance(c, click.Group)]
    for name, command in [*all_commands(), *groups]:
        found = options(command)
        if "--json" not in found:
            continue
        help_text = found["--json"].help
        assert help_text in (ARRAY_HELP, OBJECT_HELP), (name, help_text)
        kinds[name] = "array" if help_text == ARRAY_HELP else "object"
        # a listing can stream; a single thing has nothing to stream
        has_lines = "--jsonl" in found
        assert has_lines == (help_text == ARRAY_HELP), name
        if has_lines:
            assert found["--jsonl"].help == LINES_HELP, name
    assert set(LISTINGS) <= {name for name, kind in kinds.items() if kind == "array"}
    assert {"status", "config check", "parse"} <= {
        name for name, kind in kinds.items() if kind == "object"
    }


@pytest.fixture
async def seeded(fake_site: FakeUNSite, tmp_path: Path) -> Path:
    """A database with a baseline and one ratification of the Cybercrime Convention."""
    fake_site.pages["XVIII-16"] = CYBER.encode()
    config = write_config(tmp_path, fake_site.base_url)
    await scrape(config, "XVIII-16")
    store = Store(tmp_path / "treatybot.db")
    store.call(treaties.track, ["XVIII-16"], None)
    store.call(subscribers.upsert_target, "console", "stdout", match="filter", now=NOW)
    store.close()
    fake_site.pages["XVIII-16"] = with_france_ratifying(CYBER).encode()
    await scrape(config, "XVIII-16")
    return config


async def run(config: Path, *args: str) -> click.testing.Result:
    """The command in a thread: `scrape` runs its own event loop; the fake site serves on ours."""
    return await asyncio.to_thread(CliRunner().invoke, main, ["--config", str(config), *args])


@pytest.mark.parametrize("name", sorted(LISTINGS))
async def test_a_listing_prints_one_array_with_json_and_one_object_a_line_with_jsonl(
    seeded: Path, name: str
) -> None:
    args = [*name.split(), *LISTINGS[name]]

    as_json = await run(seeded, *args, "--json")
    as_lines = await run(seeded, *args, "--jsonl")
    both = await run(seeded, *args, "--json", "--jsonl")

    assert as_json.exit_code == 0, as_json.output
    document = json.loads(as_json.stdout)
    assert isinstance(document, list)
    assert as_lines.exit_code == 0, as_lines.output
    streamed = [json.loads(line) for line in as_lines.stdout.splitlines()]
    assert all(isinstance(item, dict) for item in streamed)
    assert streamed == document
    assert both.exit_code == 2
    assert "give --json or --jsonl, not both" in both.output


async def test_the_seeded_listings_are_not_trivially_empty(seeded: Path) -> None:
    """The parametrised test above compares real rows, not two empty outputs."""
    events = json.loads((await run(seeded, "events", "--json")).stdout)
    timeline = json.loads((await run(seeded, "timeline", "France", "--json")).stdout)
    checks = json.loads((await run(seeded, "scrape", "XVIII-16", "--dry-run", "--json")).stdout)
    queued = json.loads((await run(seeded, "outbox", "--json")).stdout)

    assert [e["type"] for e in events] == ["treaty.consent"]
    assert [e["participant"]["name"] for e in timeline] == ["France"]
    assert [c["outcome"] for c in checks] == ["unchanged"]
    assert [(row["channel"], row["event_type"]) for row in queued] == [
        ("console", "treaty.consent")
    ]


async def test_an_empty_listing_is_an_empty_array_not_nothing(seeded: Path) -> None:
    result = await run(seeded, "webhooks", "list", "--json")

    assert (result.exit_code, result.stdout) == (0, "[]\n")


async def test_a_single_thing_prints_one_object(seeded: Path) -> None:
    result = await run(seeded, "status", "XVIII-16", "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["id"] == "XVIII-16"
