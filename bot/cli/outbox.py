"""`treatybot outbox`: the delivery queue and its attempt log, and re-queuing failures."""

from __future__ import annotations

import click

from bot import operations
from bot.cli.options import Listing, listing_options, store_app
from bot.render import table


@click.group(invoke_without_command=True)
@click.option(
    "--status",
    type=click.Choice(["pending", "sent", "failed"]),
    help="Only rows in this state.",
)
@click.option("--channel", help="Only this channel (console, telegram, webhook).")
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
@listing_options
@click.pass_context
def outbox(
    ctx: click.Context,
    status: str | None,
    channel: str | None,
    limit: int,
    as_json: bool,
    as_jsonl: bool,
) -> None:
    """The delivery queue, newest first, with every attempt.

    With --json, an array of one object per row (--jsonl: one per line): {"id", "event_id",
    "event_type", "treaty", "channel", "target", "status", "attempts", "due_at", "last_error",
    "created_at", "sent_at",
    "attempts_log": [{"attempted_at", "outcome", "status_code", "error", "duration_ms"}]}.

    \b
    Examples:
      treatybot outbox --status failed
      treatybot outbox --channel telegram --json | jq '.[].last_error'
      treatybot outbox retry 42
      treatybot outbox retry --failed
    """
    if ctx.invoked_subcommand is not None:
        return
    out = Listing.of(as_json, as_jsonl)
    with store_app(ctx, must_exist=True) as app:
        rows = operations.outbox_rows(app, status=status, channel=channel, limit=limit)
    if out.machine:
        out.emit(rows)
        return
    if not rows:
        click.echo("the outbox is empty" if status is None else f"no {status} deliveries", err=True)
        return
    body = [
        [
            str(r["id"]),
            r["status"],
            r["channel"],
            r["target"][:24],
            r["event_type"].removeprefix("treaty."),
            r["treaty"],
            str(r["attempts"]),
            (r["last_error"] or "")[:60],
        ]
        for r in rows
    ]
    headers = ["ID", "STATUS", "CHANNEL", "TARGET", "EVENT", "TREATY", "TRIES", "LAST ERROR"]
    for line in table(headers, body):
        click.echo(line)


@outbox.command()
@click.argument("ids", nargs=-1, type=click.IntRange(1, 2**63 - 1))
@click.option("--failed", is_flag=True, help="Every failed delivery.")
@click.pass_context
def retry(ctx: click.Context, ids: tuple[int, ...], failed: bool) -> None:
    """Queue deliveries again, due now (a running service sends them within seconds).

    \b
    Examples:
      treatybot outbox retry 42 43
      treatybot outbox retry --failed
    """
    if failed == bool(ids):
        raise click.UsageError("give outbox row ids, or --failed, not both")
    with store_app(ctx, must_exist=True) as app:
        count = operations.outbox_retry(app, ids, failed=failed)
    click.echo(f"queued {count} delivery(ies) again")


COMMANDS = (outbox,)
