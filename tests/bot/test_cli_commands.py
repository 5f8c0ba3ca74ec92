"""The maintainer's commands: documented, with examples, and working on a real database."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from bot.cli import main
from tests.bot.helpers import CYBER, PAGES, scrape, with_france_ratifying, write_config
from tests.fakesite import FakeUNSite

ROOT = Path(__file__).resolve().parents[2]


def all_commands() -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for name, command in main.commands.items():
        if isinstance(command, click.Group):
            found += [(f"{name} {sub}", c) for sub, c in command.commands.items()]
        else:
            found.append((name, command))
    return found


def test_every_command_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name, _ in all_commands() if f"`treatybot {name}" not in readme]
    assert missing == []


def test_every_command_help_has_an_example() -> None:
    runner = CliRunner()
    for name, _ in all_commands():
        result = runner.invoke(main, [*name.split(), "--help"])
        assert result.exit_code == 0, name
        assert "Example" in result.output, name


def test_readme_test_command_is_what_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = "python -m pip install -e '.[test]' && python -m pytest"
    assert command in readme
    assert command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def invoke(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--config", str(config), *args])
    return result.exit_code, result.output


def test_timeline_covers_every_watched_treaty_not_only_tracked_ones(tmp_path: Path) -> None:
    from store import snapshots
    from store.db import immediate
    from tests.bot.delivery.events import ATT, consent
    from tests.bot.helpers import with_app

    config = write_config(tmp_path, "http://127.0.0.1:9")
    with with_app(config) as app:

        def store(db: object) -> None:  # the watch loop read the Arms Trade Treaty: not tracked
            with immediate(db):  # type: ignore[arg-type]
                snapshots.ensure_treaty(db, ATT.id, ATT.url)  # type: ignore[arg-type]
                snapshots.insert_events(db, [consent(treaty=ATT)], None)  # type: ignore[arg-type]

        app.store.call(store)

    code, out = invoke(config, "timeline", "France", "--json")

    assert code == 0, out
    assert [(row["treaty"]["id"], row["action"]["kind"]) for row in json.loads(out)] == [
        ("XXVI-8", "ratification")
    ]


async def test_track_status_events_timeline_after_a_ratification(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    fake_site.pages["XVIII-16"] = CYBER.encode()
    config = write_config(tmp_path, fake_site.base_url)
    assert invoke(config, "track", "XVIII-16")[0] == 0
    await scrape(config, all_tracked=True)
    fake_site.pages["XVIII-16"] = with_france_ratifying(CYBER).encode()
    await scrape(config, all_tracked=True)

    code, out = invoke(config, "treaties", "--tracked", "--json")
    assert code == 0
    assert [row["id"] for row in json.loads(out)] == ["XVIII-16"]

    code, out = invoke(config, "status", "XVIII-16", "--json")
    assert code == 0
    report = json.loads(out)
    assert report["counts"]["qualifying"] == 1
    assert report["counts"]["threshold"] == 40
    assert report["counts"]["remaining"] == 39
    assert report["entry_into_force"] == {"date": None, "state": "not_yet"}
    assert report["last_actions"][0] == {
        "date": "2026-03-12",
        "participant": "France",
        "kind": "ratification",
    }
    code, out = invoke(config, "status", "XVIII-16")
    assert "1/40 qualifying instruments (39 remaining)" in out

    for query in ("France", "FR", "fra"):
        code, out = invoke(config, "timeline", query, "--json")
        assert code == 0
        assert [row["action"]["kind"] for row in json.loads(out)] == ["ratification"]
    code, out = invoke(config, "events", "--type", "treaty.consent")
    assert code == 0
    assert re.search(r"France ratified the United Nations Convention against Cybercrime", out)
    code, out = invoke(config, "events", "--country", "Atlantis")
    assert code == 2
    assert "no country or participant called 'Atlantis'" in out


def test_status_of_an_unchecked_treaty_says_what_to_do(tmp_path: Path) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:9")
    assert invoke(config, "db", "upgrade")[0] == 0
    code, out = invoke(config, "status", "XVIII-16")
    assert code == 1
    assert "treatybot scrape XVIII-16" in out

    assert invoke(config, "track", "XVIII-16")[0] == 0
    code, out = invoke(config, "status", "XVIII-16")
    assert (code, out.splitlines()[-1]) == (0, "  never checked; run `treatybot scrape XVIII-16`")


def test_bad_treaty_id_and_bad_config_are_clear_errors(tmp_path: Path) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:9")
    code, out = invoke(config, "track", "cybercrime")
    assert code == 2
    assert "not an MTDSG treaty id" in out
    bad = tmp_path / "bad.toml"
    bad.write_text("[untc]\nretries = -1\n")
    code, out = invoke(bad, "treaties")
    assert code == 1
    assert "untc.retries" in out


def test_db_upgrade_reports_applied_migrations_once(tmp_path: Path) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:9")
    code, out = invoke(config, "db", "upgrade")
    assert code == 0
    assert "m001_initial" in out
    code, out = invoke(config, "db", "upgrade")
    assert "up to date" in out


def test_parse_guesses_the_treaty_id_from_the_page(tmp_path: Path) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:9")
    code, out = invoke(config, "parse", str(PAGES / "iv-11-crc-large.html"), "--json")
    assert code == 0
    assert json.loads(out)["id"] == "IV-11"


def test_parse_shows_the_sections_below_the_grid(tmp_path: Path) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:9")
    code, out = invoke(config, "parse", str(PAGES / "iv-11-crc-sections.html"))
    code_json, out_json = invoke(config, "parse", str(PAGES / "iv-11-crc-sections.html"), "--json")

    assert (code, code_json) == (0, 0)
    assert out.splitlines()[-3:] == [
        "declarations and reservations: 2 — Afghanistan, Algeria",
        "objections: 1 — Slovakia",
        "territorial application: 1 — United Kingdom of Great Britain and Northern Ireland",
    ]
    sections = json.loads(out_json)["sections"]
    assert sections["objections"][0]["participant"] == "Slovakia"
    assert sections["territorial_applications"][0]["date"] == "1994-09-07"


def test_treaties_in_the_config_count_as_tracked_and_cannot_be_untracked_from_the_cli(
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:9", extra='[[treaties]]\nid = "XVIII-16"\n')
    assert invoke(config, "db", "upgrade")[0] == 0
    code, out = invoke(config, "treaties", "--tracked", "--json")
    assert code == 0
    assert [row["id"] for row in json.loads(out)] == ["XVIII-16"]
    code, out = invoke(config, "untrack", "XVIII-16")
    assert code == 1
    assert "remove it there instead" in out


def test_unknown_event_type_lists_the_valid_ones(tmp_path: Path) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:9")
    code, out = invoke(config, "events", "--type", "treaty.rumour")
    assert code == 2
    assert "treaty.consent" in out and "treaty.threshold_reached" in out


async def test_track_sets_the_later_parties_clause_and_an_amendments_parent(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    fake_site.pages["XVIII-16"] = with_france_ratifying(CYBER).encode()
    config = write_config(tmp_path, fake_site.base_url)
    code, out = invoke(
        config, "track", "XVIII-16", "--party-delay-days", "30", "--party-after",
        "entry_into_force", "--threshold-fraction", "2/3", "--parent-parties", "30",
    )  # fmt: skip
    assert code == 0, out
    await scrape(config, "XVIII-16")

    code, out = invoke(config, "status", "XVIII-16", "--json")

    rule = json.loads(out)["rule"]
    assert rule["threshold"] == 20  # two thirds of 30
    assert rule["share_of_parent"] == {"fraction": "2/3", "parent": None, "parent_parties": 30}
    assert rule["later_parties"] == {
        "delay_days": 30, "delay_months": None, "month_start": False,
        "after": "entry_into_force", "source": "config",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--threshold-fraction", "3/2"), "threshold_fraction"),
        (("--party-delay-days", "5", "--party-delay-months", "1"), "party_delay_days or"),
        (("--parent", "nonsense"), "parent must be a treaty id"),
    ],
)
def test_track_refuses_impossible_party_and_amendment_options(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:9")

    code, out = invoke(config, "track", "XVIII-16", *args)

    assert code == 2, out
    assert message in out


async def test_track_options_override_the_rule_read_from_the_text(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    fake_site.pages["XVIII-16"] = with_france_ratifying(CYBER).encode()
    config = write_config(tmp_path, fake_site.base_url)
    code, out = invoke(
        config, "track", "XVIII-16", "--threshold", "2", "--delay-days", "30",
        "--counted-kinds", "ratification", "--milestones", "1",
    )  # fmt: skip
    assert code == 0, out
    await scrape(config, "XVIII-16")

    code, out = invoke(config, "status", "XVIII-16", "--json")

    report = json.loads(out)
    assert report["rule"]["threshold"] == 2
    assert report["rule"]["delay_days"] == 30
    assert report["rule"]["counted_kinds"] == ["ratification"]
    assert report["counts"] == {
        "signatories": 72, "parties": 1, "qualifying": 1, "threshold": 2, "remaining": 1,
        "threshold_reached_on": None, "weight": None,
    }  # fmt: skip
    code, out = invoke(config, "track", "XVIII-16", "--milestones", "ten")
    assert code == 2
    assert "whole numbers" in out
