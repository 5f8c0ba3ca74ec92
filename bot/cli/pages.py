"""Commands that read the site or a saved page: `parse`, `scrape`, `catalogue`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from bot import operations
from bot.cli.options import (
    Listing,
    json_option,
    listing_options,
    progress_bar_if_terminal,
    run_with_app,
    treaty_ids_argument,
)
from bot.render import event_text, status_table, table
from scrapers.errors import ScrapeError
from scrapers.parse import guess_treaty_id, parse_status_page


@click.command()
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


@click.command()
@treaty_ids_argument(required=False)
@click.option("--all", "all_tracked", is_flag=True, help="Check every tracked treaty.")
@click.option("--dry-run", is_flag=True, help="Fetch, parse and diff, but write nothing.")
@click.option("--announce", is_flag=True, help="On first sight, emit every action as news.")
@click.option("--table", "show_table", is_flag=True, help="Also print each participants table.")
@listing_options
@click.pass_context
def scrape(
    ctx: click.Context,
    treaty_ids: list[str],
    all_tracked: bool,
    dry_run: bool,
    announce: bool,
    show_table: bool,
    as_json: bool,
    as_jsonl: bool,
) -> None:
    """Check treaties now: fetch, parse, diff against the snapshot, store and print new events.

    With --json, an array of one object per treaty (--jsonl: one per line):
    {"treaty", "outcome": baseline|unchanged|changed|failed|quarantined, "events", "error",
    "status"}; the summary goes to stderr. Exits 1 when any treaty failed or was quarantined.

    \b
    Examples:
      treatybot scrape XVIII-16
      treatybot scrape --all --json > checks.json
      treatybot scrape --all --jsonl | jq -c 'select(.outcome == "failed")'
      treatybot scrape XXVI-9 --dry-run --table
    """
    out = Listing.of(as_json, as_jsonl)
    if all_tracked and treaty_ids:
        raise click.UsageError("give treaty ids or --all, not both")
    if not all_tracked and not treaty_ids:
        raise click.UsageError("give at least one treaty id, or --all for every tracked treaty")
    bar = progress_bar_if_terminal("checking", all_tracked)
    try:
        results = run_with_app(
            ctx,
            lambda app: operations.scrape(
                app,
                treaty_ids,
                all_tracked=all_tracked,
                dry_run=dry_run,
                announce=announce,
                progress=bar,
            ),
            must_exist=dry_run,  # a dry run writes nothing, so it never creates a database
        )
    finally:
        if bar is not None:
            bar.close()
    if all_tracked and not results:
        click.echo("No tracked treaties: add one with `treatybot track TREATY_ID`.", err=True)
    tally = {"checked": 0, "changed": 0, "events": 0, "failures": 0, "quarantined": 0}
    lines = []
    for result in results:
        tally["checked"] += 1
        tally["events"] += len(result.events)
        tally["changed"] += result.outcome == "changed"
        tally["failures"] += result.outcome == "failed"
        tally["quarantined"] += result.outcome == "quarantined"
        if out.machine:
            line = result.to_json()
            line["status"] = result.status.to_json() if result.status else None
            lines.append(line)
            continue
        note = f": {result.error}" if result.error else ""
        click.echo(f"{result.treaty}  {result.outcome}{note}")
        for event in result.events:
            click.echo(f"  • {event_text(event.to_json())}")
        if show_table and result.status:
            click.echo(status_table(result.status))
    if out.machine:
        out.emit(lines)
    summary = ", ".join(f"{v} {k}" for k, v in tally.items())
    click.echo(("dry run: " if dry_run else "") + summary, err=out.machine)
    if tally["failures"] or tally["quarantined"]:
        ctx.exit(1)


@click.command()
@listing_options
@click.option("--no-save", is_flag=True, help="Print only; do not store the list.")
@click.pass_context
def catalogue(ctx: click.Context, as_json: bool, as_jsonl: bool, no_save: bool) -> None:
    """Fetch the list of all treaties (every chapter) and store it.

    With --json, an array of {"id", "chapter", "chapter_title", "title", "place_date", "url"}
    (--jsonl: one per line).

    \b
    Example:
      treatybot catalogue --json | jq -r '.[].id'
    """
    out = Listing.of(as_json, as_jsonl)
    bar = progress_bar_if_terminal("chapters")
    try:
        result = run_with_app(
            ctx, lambda app: operations.catalogue(app, save=not no_save, progress=bar)
        )
    finally:
        if bar is not None:
            bar.close()
    entries = result.entries
    if out.machine:
        out.emit(entry.to_json() for entry in entries)
    else:
        for line in table(
            ["ID", "TITLE", "CONCLUDED"], [[e.id, e.title[:70], e.place_date] for e in entries]
        ):
            click.echo(line)
    for failure in result.failures:
        click.echo(f"Error: {failure}", err=True)
    stored = "" if no_save else " stored"
    failed = f"; {len(result.failures)} chapter(s) failed" if result.failures else ""
    click.echo(f"{len(entries)} treaties{stored}{failed}", err=True)
    if result.failures:
        ctx.exit(1)


COMMANDS = (parse, scrape, catalogue)
