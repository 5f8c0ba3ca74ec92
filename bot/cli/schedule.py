"""`treatybot schedule`: when each watched treaty is next checked, its tier and why."""

from __future__ import annotations

import click

from bot.cli.options import Listing, listing_options, store_app
from bot.render import table
from bot.watching import current_plans


@click.command()
@listing_options
@click.pass_context
def schedule(ctx: click.Context, as_json: bool, as_jsonl: bool) -> None:
    """Every watched treaty, soonest due first: its tier (hot, warm, quiet), why, and when
    `treatybot run` checks it next. What is watched and how often: the [watch] config.

    With --json, an array of one object per treaty (--jsonl: one per line): {"id", "tier",
    "reason", "next_due", "last_checked"} (UTC; "last_checked" null when never read).

    \b
    Examples:
      treatybot schedule
      treatybot schedule --json | jq '.[] | select(.tier == "hot")'
    """
    out = Listing.of(as_json, as_jsonl)
    with store_app(ctx, must_exist=True) as app:
        plans = app.store.call(current_plans, app.config, app.clock())
    found = [p.to_json() for p in plans]
    if out.machine:
        out.emit(found)
        return
    if not found:
        click.echo("nothing is watched yet: run `treatybot catalogue` or `treatybot track ID`",
                   err=True)  # fmt: skip
        return
    rows = [[str(p["next_due"]), str(p["tier"]), str(p["id"]), str(p["reason"])] for p in found]
    for line in table(["next due (UTC)", "tier", "treaty", "why"], rows):
        click.echo(line)


COMMANDS = [schedule]
