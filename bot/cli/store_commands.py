"""Commands over the store: tracking, listing, status, the event log, quarantine, schema."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import click

from bot import operations
from bot.cli.options import (
    Listing,
    emit_json,
    get_config,
    json_option,
    listing_options,
    store_app,
    treaty_id_argument,
    treaty_ids_argument,
)
from bot.render import event_text, human_date, progress_bar, table
from store.thresholds import RuleOverrides

# The most rows `events --limit` may ask for (far more than any database holds; bounded so an
# absurd number is a usage error, not an overflow inside SQLite).
MAX_LIMIT = 1_000_000


def _csv(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


@click.command()
@treaty_ids_argument(required=True)
@click.option(
    "--threshold",
    type=click.IntRange(1, RuleOverrides.MAX_THRESHOLD),
    help="Instruments needed (N).",
)
@click.option(
    "--delay-days",
    type=click.IntRange(0, RuleOverrides.MAX_DELAY_DAYS),
    help="Days from the N-th deposit.",
)
@click.option(
    "--delay-months",
    type=click.IntRange(0, RuleOverrides.MAX_DELAY_MONTHS),
    help="Months from the N-th deposit (instead).",
)
@click.option(
    "--counted-kinds", help="Comma-separated kinds that count, e.g. ratification,approval."
)
@click.option("--not-counted", help="Comma-separated participants whose instruments don't count.")
@click.option("--milestones", help="Comma-separated counts to announce, e.g. 10,20,30,39.")
@click.option(
    "--party-delay-days",
    type=click.IntRange(0, RuleOverrides.MAX_DELAY_DAYS),
    help="For a later party: days from its own deposit.",
)
@click.option(
    "--party-delay-months",
    type=click.IntRange(0, RuleOverrides.MAX_DELAY_MONTHS),
    help="For a later party: months from its own deposit (instead).",
)
@click.option(
    "--party-month-start/--no-party-month-start",
    default=None,
    help="Then the first day of the next month (Rome Statute 126(2)).",
)
@click.option(
    "--party-after",
    type=click.Choice(["threshold", "entry_into_force"]),
    help="A party is 'later' after the N-th deposit, or after the entry into force.",
)
@click.option("--threshold-fraction", help="Amendment: share of the parent's parties, e.g. 2/3.")
@click.option("--parent", help="Amendment: the parent treaty's id (its stored party count).")
@click.option(
    "--parent-parties",
    type=click.IntRange(1, RuleOverrides.MAX_THRESHOLD),
    help="Amendment: the parent's party count, when the parent is not watched.",
)
@click.pass_context
def track(
    ctx: click.Context,
    treaty_ids: list[str],
    threshold: int | None,
    delay_days: int | None,
    delay_months: int | None,
    counted_kinds: str | None,
    not_counted: str | None,
    milestones: str | None,
    party_delay_days: int | None,
    party_delay_months: int | None,
    party_month_start: bool | None,
    party_after: str | None,
    threshold_fraction: str | None,
    parent: str | None,
    parent_parties: int | None,
) -> None:
    """Start watching treaties, optionally overriding the entry-into-force rule.

    \b
    Examples:
      treatybot track XVIII-16
      treatybot track XXVI-8 --threshold 50 --delay-days 90 \\
          --counted-kinds ratification,acceptance,approval
      treatybot track XVIII-10 --party-delay-days 60 --party-month-start
      treatybot track XXVII-2-f --threshold-fraction 2/3 --parent XXVII-2-a
    """
    overrides = operations.rule_overrides(
        threshold,
        delay_days,
        delay_months,
        _csv(counted_kinds),
        _csv(not_counted),
        _csv(milestones),
        party=RuleOverrides(
            party_delay_days=party_delay_days,
            party_delay_months=party_delay_months,
            party_month_start=party_month_start,
            party_after=party_after,
            threshold_fraction=threshold_fraction,
            parent=parent.upper() if parent else None,
            parent_parties=parent_parties,
        ),
    )
    with store_app(ctx) as app:
        operations.track(app, treaty_ids, overrides)
    click.echo(f"tracking {', '.join(treaty_ids)}")


@click.command()
@treaty_id_argument
@click.option(
    "--forget",
    is_flag=True,
    help="Delete a treaty never checked successfully (a mistyped id) and its failed checks.",
)
@click.pass_context
def untrack(ctx: click.Context, treaty_id: str, forget: bool) -> None:
    """Stop watching a treaty (its history is kept).

    \b
    Examples:
      treatybot untrack XVIII-16
      treatybot untrack XVIII-99 --forget   # a typo that was never found: remove it
    """
    with store_app(ctx, must_exist=True) as app:
        operations.untrack(app, treaty_id, forget=forget)
    click.echo(f"forgot {treaty_id}" if forget else f"no longer tracking {treaty_id}")


@click.command()
@click.option("--tracked", is_flag=True, help="Only tracked treaties.")
@click.option("--search", metavar="WORDS", help="Words to find in id or title.")
@listing_options
@click.pass_context
def treaties(
    ctx: click.Context, tracked: bool, search: str | None, as_json: bool, as_jsonl: bool
) -> None:
    """List known treaties (run `catalogue` first for the full list).

    With --json, an array of one object per treaty (--jsonl: one per line).

    \b
    Examples:
      treatybot treaties --tracked
      treatybot treaties --search cybercrime --json
    """
    out = Listing.of(as_json, as_jsonl)
    with store_app(ctx, must_exist=True) as app:
        rows = operations.list_treaties(app, tracked_only=tracked, search=search)
    if out.machine:
        out.emit(rows)
        return
    body = [
        [r["id"], "yes" if r["tracked"] else "", (r["title"] or "")[:60], _health(r)] for r in rows
    ]
    for line in table(["ID", "TRACKED", "TITLE", "HEALTH"], body):
        click.echo(line)


def _health(row: dict[str, Any]) -> str:
    if row.get("quarantine_reason"):
        return "quarantined"
    failures = row.get("consecutive_failures") or 0
    if failures:
        error = str(row.get("last_error") or "")
        error = error if len(error) <= 50 else error[:49] + "…"
        return f"{failures} failure{'s' if failures > 1 else ''}: {error}"
    return "ok" if row.get("last_check") else "never checked"


@click.command()
@treaty_id_argument
@json_option
@click.pass_context
def status(ctx: click.Context, treaty_id: str, as_json: bool) -> None:
    """How a treaty stands: counts, progress to entry into force, last actions, check health.

    \b
    Example:
      treatybot status XVIII-16
    """
    with store_app(ctx, must_exist=True) as app:
        report = operations.status(app, treaty_id)
    if as_json:
        emit_json(report)
        return
    click.echo(f"{report['id']}  {report['title'] or ''}".rstrip())
    health = report["health"]
    if not report["checked"]:
        if health["last_error"]:
            click.echo("  never checked successfully")
            click.echo(f"  last error ({health['last_check']}): {health['last_error']}")
        else:
            click.echo(f"  never checked; run `treatybot scrape {report['id']}`")
        return
    counts, eif = report["counts"], report["entry_into_force"]
    click.echo(f"  signatories {_n(counts['signatories'])}   parties {_n(counts['parties'])}")
    threshold, weight = counts["threshold"], counts["weight"]
    if threshold and weight is not None:
        # A dual threshold: the bar follows the weighted part, the text says both.
        bar = progress_bar(
            int(min(weight["share"], weight["needed"]) * 100), int(weight["needed"] * 100)
        )
        click.echo(f"  {bar} {report['progress']}")
    elif threshold and counts["qualifying"] < threshold:
        bar = progress_bar(counts["qualifying"], threshold)
        click.echo(
            f"  {bar} {counts['qualifying']}/{threshold} qualifying instruments"
            f" ({counts['remaining']} remaining)"
        )
    elif threshold:
        click.echo(f"  {progress_bar(1, 1)} {report['progress']}")
    elif eif["state"] not in ("in_force", "scheduled"):
        click.echo(f"  entry-into-force rule not computable: {report['rule']['reason']}")
    label = {
        "in_force": "in force since",
        "scheduled": "scheduled entry into force",
        "projected": "projected entry into force",
    }
    if eif["date"]:
        click.echo(f"  {label.get(eif['state'], 'entry into force')}: {human_date(eif['date'])}")
    click.echo("  last actions:")
    for action in report["last_actions"]:
        click.echo(f"    {human_date(action['date'])}  {action['participant']}  {action['kind']}")
    dated = [p for p in report["parties_entry_into_force"] if p["date"]]
    if dated:
        click.echo("  in force for the latest parties (all: --json):")
        for party in dated[-5:]:
            click.echo(
                f"    {human_date(party['date'])}  {party['participant']}"
                f"  (deposit {human_date(party['deposit'])})"
            )
    click.echo(
        f"  last check {health['last_check'] or '—'}; last success {health['last_success'] or '—'};"
        f" consecutive failures {health['consecutive_failures']}"
    )
    if health["last_error"]:
        click.echo(f"  last error: {health['last_error']}")


def _n(value: int | None) -> str:
    return "—" if value is None else str(value)


@click.command()
@click.option("--treaty", "treaty_id", help="Only this treaty (an MTDSG id such as XVIII-16).")
@click.option("--country", help="Only this participant (UN name, common name or ISO code).")
@click.option("--type", "event_type", help="Only this type, e.g. treaty.consent.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Detected on or after DATE.")
@click.option("--limit", type=click.IntRange(1, MAX_LIMIT), help="Only the newest N.")
@listing_options
@click.pass_context
def events(
    ctx: click.Context,
    treaty_id: str | None,
    country: str | None,
    event_type: str | None,
    since: dt.datetime | None,
    limit: int | None,
    as_json: bool,
    as_jsonl: bool,
) -> None:
    """The event log, oldest first.

    With --json, an array of event objects (README "JSON contracts"); --jsonl: one per line.

    \b
    Examples:
      treatybot events --treaty XVIII-16 --type treaty.consent
      treatybot events --country France --since 2026-01-01 --json
    """
    out = Listing.of(as_json, as_jsonl)
    operations.event_filters(treaty_id, event_type, country)  # bad input: exit 2 before the db
    with store_app(ctx, must_exist=True) as app:
        rows = operations.events(
            app,
            treaty_id=treaty_id,
            country=country,
            event_type=event_type,
            since=since.date().isoformat() if since else None,
            limit=limit,
        )
    _print_events(rows, out)


@click.command()
@click.argument("country")
@listing_options
@click.pass_context
def timeline(ctx: click.Context, country: str, as_json: bool, as_jsonl: bool) -> None:
    """One country's actions across every watched treaty.

    With --json, an array of event objects; --jsonl: one per line.

    \b
    Examples:
      treatybot timeline France
      treatybot timeline TR --json
    """
    out = Listing.of(as_json, as_jsonl)
    operations.find_country(country)  # bad input: exit 2 before the database is opened
    with store_app(ctx, must_exist=True) as app:
        rows = operations.timeline(app, country)
    _print_events(rows, out)


def _print_events(rows: Sequence[dict[str, Any]], out: Listing) -> None:
    if out.machine:
        out.emit(rows)
        return
    for row in rows:
        click.echo(f"{row['detected_at']}  {row['treaty']['id']}  {event_text(row)}")
    if not rows:
        click.echo("no events", err=True)


@click.command()
@treaty_id_argument
@click.pass_context
def accept(ctx: click.Context, treaty_id: str) -> None:
    """Accept a quarantined observation as the new baseline (no events are sent).

    \b
    Example:
      treatybot accept XVIII-16
    """
    with store_app(ctx, must_exist=True) as app:
        reason = operations.accept(app, treaty_id)
    click.echo(f"{treaty_id}: accepted the held-back observation ({reason}) as the new baseline")


@click.group()
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
    config = get_config(ctx)
    applied = operations.db_upgrade(config)
    click.echo(
        f"{config.database.path}: applied {', '.join(applied)}"
        if applied
        else f"{config.database.path}: schema is up to date"
    )


COMMANDS = (track, untrack, treaties, status, events, timeline, accept, db)
