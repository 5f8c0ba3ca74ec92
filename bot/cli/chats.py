"""`treatybot chats`: the Telegram chats, their subscriptions, follows, type filters and state."""

from __future__ import annotations

import click

from bot.cli.options import Listing, listing_options, store_app
from bot.render import table
from store import subscribers


@click.command()
@listing_options
@click.pass_context
def chats(ctx: click.Context, as_json: bool, as_jsonl: bool) -> None:
    """Telegram chats the bot knows, oldest first: subscriptions, follows, filters, state.

    With --json, an array of one object per chat (--jsonl: one per line): {"chat_id",
    "active", "type", "title", "treaties", "countries", "types", "created_at",
    "deactivated_at", "deactivated_reason"} ("types" is null when the chat receives every type).

    \b
    Examples:
      treatybot chats
      treatybot chats --json | jq '.[] | select(.active | not)'
    """
    out = Listing.of(as_json, as_jsonl)
    with store_app(ctx, must_exist=True) as app:
        rows = app.store.call(subscribers.list_targets, "telegram")
    found = [
        {
            "chat_id": row["address"],
            "active": row["active"],
            "type": (row["meta"] or {}).get("type"),
            "title": (row["meta"] or {}).get("title"),
            "treaties": row["subscriptions"]["treaty"],
            "countries": row["subscriptions"]["country"],
            "types": row["types"],
            "created_at": row["created_at"],
            "deactivated_at": row["deactivated_at"],
            "deactivated_reason": row["deactivated_reason"],
        }
        for row in rows
    ]
    if out.machine:
        out.emit(found)
        return
    if not found:
        click.echo("no Telegram chats yet", err=True)
        return
    body = [
        [
            str(c["chat_id"]),
            "active" if c["active"] else f"inactive ({c['deactivated_reason'] or '?'})"[:30],
            c["type"] or "",
            ", ".join(c["treaties"]) or "—",
            ", ".join(c["countries"]) or "—",
            "all"
            if c["types"] is None
            else ", ".join(t.removeprefix("treaty.") for t in c["types"]),
        ]
        for c in found
    ]
    for line in table(["CHAT", "STATE", "TYPE", "TREATIES", "COUNTRIES", "TYPES"], body):
        click.echo(line)


COMMANDS = (chats,)
