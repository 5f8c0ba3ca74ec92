"""The `treatybot` command line: thin click commands over the functions the service calls.

Library errors become `click.ClickException` (exit 1, one line on stderr) only here.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from bot import commands
from bot.config import Config, ConfigError, load_config
from bot.render import event_text, human_date, progress_bar, status_table, table
from scrapers.errors import ScrapeError
from scrapers.parse import guess_treaty_id, parse_status_page
from scrapers.urls import validate_treaty_id

F = TypeVar("F", bound=Callable[..., Any])


def json_option(fn: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")(fn)


def get_config(ctx: click.Context) -> Config:
    config = ctx.obj
    assert isinstance(config, Config)
    return config


class ProgressBar:
    """A click progress bar on stderr, created when the job knows its length."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None

    def __call__(self, done: int, total: int, item: str) -> None:
        if self.bar is None:
            self.bar = click.progressbar(
                length=total, label=self.label, file=sys.stderr, show_pos=True
            )
            self.bar.__enter__()
        self.bar.update(1, current_item=item)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def progress_bar_if_terminal(label: str, wanted: bool = True) -> ProgressBar | None:
    return ProgressBar(label) if wanted and sys.stderr.isatty() else None


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False))


def treaty_id_arg(value: str) -> str:
    try:
        return validate_treaty_id(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


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
@click.argument("treaty_ids", nargs=-1, callback=lambda c, p, v: [treaty_id_arg(x) for x in v])
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


def _csv(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


@main.command()
@click.argument(
    "treaty_ids", nargs=-1, required=True, callback=lambda c, p, v: [treaty_id_arg(x) for x in v]
)
@click.option("--threshold", type=click.IntRange(min=1), help="Instruments needed (N).")
@click.option("--delay-days", type=click.IntRange(min=0), help="Days from the N-th deposit.")
@click.option(
    "--counted-kinds", help="Comma-separated kinds that count, e.g. ratification,approval."
)
@click.option("--not-counted", help="Comma-separated participants whose instruments don't count.")
@click.option("--milestones", help="Comma-separated counts to announce, e.g. 10,20,30,39.")
@click.pass_context
def track(
    ctx: click.Context,
    treaty_ids: list[str],
    threshold: int | None,
    delay_days: int | None,
    counted_kinds: str | None,
    not_counted: str | None,
    milestones: str | None,
) -> None:
    """Start watching treaties, optionally overriding the entry-into-force rule.

    \b
    Examples:
      treatybot track XVIII-16
      treatybot track XXVI-8 --threshold 50 --delay-days 90 \\
          --counted-kinds ratification,acceptance,approval
    """
    try:
        rule = commands.rule_overrides(
            threshold, delay_days, _csv(counted_kinds), _csv(not_counted), _csv(milestones)
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    commands.track(get_config(ctx), treaty_ids, rule)
    click.echo(f"tracking {', '.join(treaty_ids)}")


@main.command()
@click.argument("treaty_id", callback=lambda c, p, v: treaty_id_arg(v))
@click.pass_context
def untrack(ctx: click.Context, treaty_id: str) -> None:
    """Stop watching a treaty (its history is kept).

    \b
    Example:
      treatybot untrack XVIII-16
    """
    try:
        known = commands.untrack(get_config(ctx), treaty_id)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    if not known:
        raise click.ClickException(f"{treaty_id} is not known; nothing to untrack")
    click.echo(f"no longer tracking {treaty_id}")


@main.command()
@click.option("--tracked", is_flag=True, help="Only tracked treaties.")
@click.option("--search", metavar="WORDS", help="Words to find in id or title.")
@json_option
@click.pass_context
def treaties(ctx: click.Context, tracked: bool, search: str | None, as_json: bool) -> None:
    """List known treaties (run `catalogue` first for the full list).

    \b
    Examples:
      treatybot treaties --tracked
      treatybot treaties --search cybercrime --json
    """
    rows = commands.list_treaties(get_config(ctx), tracked_only=tracked, search=search)
    if as_json:
        for row in rows:
            emit_json(row)
        return
    body = [
        [r["id"], "yes" if r["tracked"] else "", (r["title"] or "")[:60], _health(r)] for r in rows
    ]
    for line in table(["ID", "TRACKED", "TITLE", "HEALTH"], body):
        click.echo(line)


def _health(row: dict[str, Any]) -> str:
    if row.get("quarantine_reason"):
        return "quarantined"
    if row.get("consecutive_failures"):
        return f"{row['consecutive_failures']} failures"
    return "ok" if row.get("last_check") else "never checked"


@main.command()
@click.argument("treaty_id", callback=lambda c, p, v: treaty_id_arg(v))
@json_option
@click.pass_context
def status(ctx: click.Context, treaty_id: str, as_json: bool) -> None:
    """How a treaty stands: counts, progress to entry into force, last actions, check health.

    \b
    Example:
      treatybot status XVIII-16
    """
    report = commands.status(get_config(ctx), treaty_id, today=dt.date.today())
    if report is None:
        raise click.ClickException(
            f"{treaty_id} has never been checked; run `treatybot scrape {treaty_id}` first"
        )
    if as_json:
        emit_json(report)
        return
    counts, eif = report["counts"], report["entry_into_force"]
    click.echo(f"{report['id']}  {report['title']}")
    click.echo(f"  signatories {_n(counts['signatories'])}   parties {_n(counts['parties'])}")
    if counts["threshold"]:
        bar = progress_bar(counts["qualifying"], counts["threshold"])
        click.echo(
            f"  {bar} {counts['qualifying']}/{counts['threshold']} qualifying instruments"
            f" ({counts['remaining']} remaining)"
        )
    else:
        click.echo(f"  entry-into-force rule not computable: {report['rule']['reason']}")
    label = {"in_force": "in force since", "projected": "projected entry into force"}
    if eif["date"]:
        click.echo(f"  {label.get(eif['state'], 'entry into force')}: {human_date(eif['date'])}")
    click.echo("  last actions:")
    for action in report["last_actions"]:
        click.echo(f"    {human_date(action['date'])}  {action['participant']}  {action['kind']}")
    health = report["health"]
    click.echo(
        f"  last check {health['last_check'] or '—'}; last success {health['last_success'] or '—'};"
        f" consecutive failures {health['consecutive_failures']}"
    )
    if health["last_error"]:
        click.echo(f"  last error: {health['last_error']}")


def _n(value: int | None) -> str:
    return "—" if value is None else str(value)


@main.command()
@click.option("--treaty", "treaty_id", help="Only this treaty.")
@click.option("--country", help="Only this participant (UN name, common name or ISO code).")
@click.option("--type", "event_type", help="Only this type, e.g. treaty.consent.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Detected on or after DATE.")
@click.option("--limit", type=click.IntRange(min=1), help="Only the newest N.")
@json_option
@click.pass_context
def events(
    ctx: click.Context,
    treaty_id: str | None,
    country: str | None,
    event_type: str | None,
    since: dt.datetime | None,
    limit: int | None,
    as_json: bool,
) -> None:
    """The event log, oldest first.

    \b
    Examples:
      treatybot events --treaty XVIII-16 --type treaty.consent
      treatybot events --country France --since 2026-01-01 --json
    """
    try:
        rows = commands.events(
            get_config(ctx),
            treaty_id=treaty_id,
            country=country,
            event_type=event_type,
            since=since.date().isoformat() if since else None,
            limit=limit,
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    _print_events(rows, as_json)


@main.command()
@click.argument("country")
@json_option
@click.pass_context
def timeline(ctx: click.Context, country: str, as_json: bool) -> None:
    """One country's actions across tracked treaties.

    \b
    Examples:
      treatybot timeline France
      treatybot timeline TR --json
    """
    try:
        rows = commands.timeline(get_config(ctx), country)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    _print_events(rows, as_json)


def _print_events(rows: Sequence[dict[str, Any]], as_json: bool) -> None:
    for row in rows:
        if as_json:
            emit_json(row)
        else:
            click.echo(f"{row['detected_at']}  {row['treaty']['id']}  {event_text(row)}")
    if not as_json and not rows:
        click.echo("no events", err=True)


@main.command()
@click.argument("treaty_id", callback=lambda c, p, v: treaty_id_arg(v))
@click.pass_context
def accept(ctx: click.Context, treaty_id: str) -> None:
    """Accept a quarantined observation as the new baseline (no events are sent).

    \b
    Example:
      treatybot accept XVIII-16
    """
    try:
        reason = commands.accept(get_config(ctx), treaty_id)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{treaty_id}: accepted the held-back observation ({reason}) as the new baseline")


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command()
@click.pass_context
def upgrade(ctx: click.Context) -> None:
    """Apply pending schema migrations.

    \b
    Example:
      treatybot db upgrade
    """
    config = get_config(ctx.find_root())
    applied = commands.db_upgrade(config)
    click.echo(
        f"{config.database.path}: applied {', '.join(applied)}"
        if applied
        else f"{config.database.path}: schema is up to date"
    )


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


if __name__ == "__main__":
    main()
