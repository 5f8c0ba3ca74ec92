"""The `treatybot` command line: thin click commands over the functions the service calls.

Library errors become `click.ClickException` (exit 1, one line on stderr) only here.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import click

from bot import commands
from bot.cli_shared import (
    emit_json,
    get_config,
    json_option,
    progress_bar_if_terminal,
    treaty_ids_argument,
)
from bot.cli_store import STORE_COMMANDS
from bot.config import ConfigError, load_config
from bot.render import event_text, status_table, table
from scrapers.errors import ScrapeError
from scrapers.parse import guess_treaty_id, parse_status_page


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    metavar="PATH",
    help="Config file (default: $TREATYBOT_CONFIG, else ./config.toml, else built-in defaults).",
)
@click.version_option(package_name="treatybot")
@click.pass_context
def main(ctx: click.Context, config_path: str | None) -> None:
    """Watch UN treaty status pages and report signatures, ratifications and entry into force.

    \b
    Examples:
      treatybot track XVIII-16          # start watching the Cybercrime Convention
      treatybot scrape --all            # check every tracked treaty, store and print news
      treatybot status XVIII-16         # how close is it to entering into force?
    """
    try:
        ctx.obj = load_config(config_path)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--id", "treaty_id", help="Treaty id, if the page does not name it.")
@json_option
def parse(file: Path, treaty_id: str | None, as_json: bool) -> None:
    """Parse a saved status page from disk and print its participants.

    \b
    Example:
      treatybot parse saved/XVIII-16.html --json | jq '.participants | length'
    """
    page = file.read_bytes()
    treaty_id = treaty_id or guess_treaty_id(page)
    if not treaty_id:
        raise click.ClickException(f"{file}: the page does not name its treaty; pass --id")
    try:
        status = parse_status_page(page, treaty_id, file.resolve().as_uri())
    except ScrapeError as exc:
        raise click.ClickException(f"{file}: {exc}") from exc
    click.echo(
        json.dumps(status.to_json(), ensure_ascii=False) if as_json else status_table(status)
    )


@main.command()
@treaty_ids_argument(required=False)
@click.option("--all", "all_tracked", is_flag=True, help="Check every tracked treaty.")
@click.option("--dry-run", is_flag=True, help="Fetch, parse and diff, but write nothing.")
@click.option("--announce", is_flag=True, help="On first sight, emit every action as news.")
@click.option("--table", "show_table", is_flag=True, help="Also print each participants table.")
@json_option
@click.pass_context
def scrape(
    ctx: click.Context,
    treaty_ids: list[str],
    all_tracked: bool,
    dry_run: bool,
    announce: bool,
    show_table: bool,
    as_json: bool,
) -> None:
    """Check treaties now: fetch, parse, diff against the snapshot, store and print new events.

    With --json, one JSON object per treaty per line:
    {"treaty", "outcome": baseline|unchanged|changed|failed|quarantined, "events", "error",
    "status"}. Exits 1 when any treaty failed or was quarantined.

    \b
    Examples:
      treatybot scrape XVIII-16
      treatybot scrape --all --json > checks.jsonl
      treatybot scrape XXVI-9 --dry-run --table
    """
    config = get_config(ctx)
    if all_tracked and treaty_ids:
        raise click.UsageError("give treaty ids or --all, not both")
    if not all_tracked and not treaty_ids:
        raise click.UsageError("give at least one treaty id, or --all for every tracked treaty")
    bar = progress_bar_if_terminal("checking", all_tracked)
    try:
        results = asyncio.run(
            commands.scrape(
                config,
                treaty_ids,
                all_tracked=all_tracked,
                dry_run=dry_run,
                announce=announce,
                progress=bar,
            )
        )
    finally:
        if bar is not None:
            bar.close()
    if all_tracked and not results:
        click.echo("No tracked treaties: add one with `treatybot track TREATY_ID`.", err=True)
    tally = {"checked": 0, "changed": 0, "events": 0, "failures": 0, "quarantined": 0}
    for result in results:
        tally["checked"] += 1
        tally["events"] += len(result.events)
        tally["changed"] += result.outcome == "changed"
        tally["failures"] += result.outcome == "failed"
        tally["quarantined"] += result.outcome == "quarantined"
        if as_json:
            line = result.to_json()
            line["status"] = result.status.to_json() if result.status else None
            emit_json(line)
            continue
        note = f": {result.error}" if result.error else ""
        click.echo(f"{result.treaty}  {result.outcome}{note}")
        for event in result.events:
            click.echo(f"  • {event_text(event.to_json())}")
        if show_table and result.status:
            click.echo(status_table(result.status))
    summary = ", ".join(f"{v} {k}" for k, v in tally.items())
    click.echo(("dry run: " if dry_run else "") + summary, err=as_json)
    if tally["failures"] or tally["quarantined"]:
        ctx.exit(1)


@main.command()
@json_option
@click.option("--no-save", is_flag=True, help="Print only; do not store the list.")
@click.pass_context
def catalogue(ctx: click.Context, as_json: bool, no_save: bool) -> None:
    """Fetch the list of all treaties (every chapter) and store it.

    \b
    Example:
      treatybot catalogue --json | jq -r '.id'
    """
    bar = progress_bar_if_terminal("chapters")
    try:
        entries = asyncio.run(commands.catalogue(get_config(ctx), save=not no_save, progress=bar))
    except ValueError as exc:
        raise click.ClickException(f"catalogue: {exc}") from exc
    finally:
        if bar is not None:
            bar.close()
    if as_json:
        for entry in entries:
            emit_json(entry.to_json())
        return
    for line in table(
        ["ID", "TITLE", "CONCLUDED"], [[e.id, e.title[:70], e.place_date] for e in entries]
    ):
        click.echo(line)
    click.echo(f"{len(entries)} treaties", err=True)


@main.command()
@click.option("-v", "--verbose", is_flag=True, help="Log every check, not only problems.")
@click.pass_context
def run(ctx: click.Context, verbose: bool) -> None:
    """Run the service: check every tracked treaty at its interval until stopped (Ctrl-C).

    \b
    Example:
      treatybot track XVIII-16 && treatybot run -v
    """
    import logging

    from bot.scheduler import run_service

    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    asyncio.run(run_service(get_config(ctx)))


for _command in STORE_COMMANDS:
    main.add_command(_command)


if __name__ == "__main__":
    main()
