"""`treatybot webhooks …`: manage webhook endpoints, test them, read and replay their deliveries.

Formatting only; the use cases are in `bot/webhooks/manage.py`. A secret is printed once, by `add`
and `rotate-secret`; nothing else prints one (`list` shows it masked).
"""

from __future__ import annotations

import datetime as dt

import click

from bot.cli.options import (
    Listing,
    emit_json,
    get_config,
    json_option,
    listing_options,
    store_app,
)
from bot.config_types import format_duration
from bot.render import table
from bot.webhooks import manage

endpoint_argument = click.argument("endpoint_id", metavar="ID")


@click.group()
def webhooks() -> None:
    """Signed webhook endpoints (Standard Webhooks): add, list, test, rotate, replay.

    \b
    Examples:
      treatybot webhooks add https://example.org/hook --type treaty.consent --treaty XVIII-16
      treatybot webhooks add https://example.org/hook --type treaty.objection --country QA
      treatybot webhooks list
      treatybot webhooks test wh_0123abcd…
      treatybot webhooks deliveries wh_0123abcd… --failed
      treatybot webhooks replay wh_0123abcd… --since 2026-03-01
    """


@webhooks.command()
@click.argument("url")
@click.option("--type", "types", multiple=True, help="Only this event type (repeatable).")
@click.option(
    "--treaty", "treaties", multiple=True, help="Only this treaty, MTDSG id (repeatable)."
)
@click.option(
    "--country",
    "countries",
    multiple=True,
    help="Only this participant, name or code (repeatable).",
)
@click.option("--description", default="", help="A note shown in listings.")
@json_option
@click.pass_context
def add(
    ctx: click.Context,
    url: str,
    types: tuple[str, ...],
    treaties: tuple[str, ...],
    countries: tuple[str, ...],
    description: str,
    as_json: bool,
) -> None:
    """Register an endpoint and print its signing secret (shown this once only).

    No filter: every event. Each filter given narrows (types AND treaties AND countries).
    With --json: {"id", "url", "secret", "description", "enabled", "types", "treaties",
    "countries", …}.

    \b
    Examples:
      treatybot webhooks add https://example.org/hook
      treatybot webhooks add https://example.org/hook --type treaty.entry_into_force \\
          --treaty XVIII-16 --country France --description "newsroom" --json
    """
    with store_app(ctx) as app:
        created = manage.add(
            app, url, types=types, treaties=treaties, countries=countries, description=description
        )
    if as_json:
        emit_json(created)
        return
    click.echo(f"added {created['id']} → {created['url']}")
    click.echo(f"signing secret (shown once; store it now): {created['secret']}")


@webhooks.command(name="list")
@listing_options
@click.pass_context
def list_(ctx: click.Context, as_json: bool, as_jsonl: bool) -> None:
    """Every endpoint with its filters, state and last delivery; secrets masked.

    With --json, an array of one object per endpoint (--jsonl: one per line): {"id", "url",
    "description", "enabled", "disabled_reason", "source", "types", "treaties", "countries",
    "secret" (masked), "last_delivery":
    {"attempted_at", "outcome", "status_code", "error", "event_id"} | null, …}.

    \b
    Examples:
      treatybot webhooks list
      treatybot webhooks list --json | jq '.[] | select(.enabled | not)'
    """
    out = Listing.of(as_json, as_jsonl)
    with store_app(ctx, must_exist=True) as app:
        rows = manage.list_endpoints(app)
    if out.machine:
        out.emit(rows)
        return
    if not rows:
        click.echo("no webhook endpoints; add one with `treatybot webhooks add URL`", err=True)
        return
    body = []
    for r in rows:
        last = r["last_delivery"]
        outcome = f"{last['outcome']} {last['status_code'] or ''}".strip() if last else "-"
        filters = ", ".join([*r["types"], *r["treaties"], *r["countries"]]) or "everything"
        state = "enabled" if r["enabled"] else f"disabled: {r['disabled_reason']}"
        body.append([r["id"], r["url"], filters, state[:40], outcome, r["secret"]])
    for line in table(["ID", "URL", "FILTERS", "STATE", "LAST", "SECRET"], body):
        click.echo(line)


@webhooks.command()
@endpoint_argument
@click.pass_context
def remove(ctx: click.Context, endpoint_id: str) -> None:
    """Delete an endpoint; its pending deliveries fail, its delivery log is kept.

    \b
    Example:
      treatybot webhooks remove wh_0123456789abcdef01234567
    """
    with store_app(ctx, must_exist=True) as app:
        manage.remove(app, endpoint_id)
    click.echo(f"removed {endpoint_id}")


@webhooks.command()
@endpoint_argument
@click.pass_context
def enable(ctx: click.Context, endpoint_id: str) -> None:
    """Deliver to an endpoint again (after a 410, a `disable`, or days of failures).

    \b
    Example:
      treatybot webhooks enable wh_0123456789abcdef01234567
    """
    with store_app(ctx, must_exist=True) as app:
        manage.set_enabled(app, endpoint_id, True)
    click.echo(f"enabled {endpoint_id} (replay what it missed with `webhooks replay`)")


@webhooks.command()
@endpoint_argument
@click.pass_context
def disable(ctx: click.Context, endpoint_id: str) -> None:
    """Stop delivering to an endpoint; its pending deliveries fail (replayable later).

    \b
    Example:
      treatybot webhooks disable wh_0123456789abcdef01234567
    """
    with store_app(ctx, must_exist=True) as app:
        manage.set_enabled(app, endpoint_id, False)
    click.echo(f"disabled {endpoint_id}")


@webhooks.command()
@endpoint_argument
@json_option
@click.pass_context
def test(ctx: click.Context, endpoint_id: str, as_json: bool) -> None:
    """Send a `webhook.test` event now and show the answer. Exits 1 unless it got a 2xx.

    With --json: {"id", "status", "ok", "duration_ms", "error", "body"}.

    \b
    Example:
      treatybot webhooks test wh_0123456789abcdef01234567
    """
    with store_app(ctx, must_exist=True) as app:
        result = manage.ping(app, endpoint_id)
    if as_json:
        emit_json(
            {
                "id": endpoint_id,
                "status": result.status,
                "ok": result.ok,
                "duration_ms": result.duration_ms,
                "error": result.error,
                "body": result.body,
            }
        )
    else:
        status = f"HTTP {result.status}" if result.status is not None else "no answer"
        click.echo(
            f"{status} in {result.duration_ms} ms" + (f": {result.error}" if result.error else "")
        )
        if result.body:
            click.echo(result.body)
    if not result.ok:
        ctx.exit(1)


@webhooks.command(name="rotate-secret")
@endpoint_argument
@json_option
@click.pass_context
def rotate_secret(ctx: click.Context, endpoint_id: str, as_json: bool) -> None:
    """Make a new signing secret (shown once). The old one keeps signing beside it for
    `[webhooks] rotation_grace` (default 24 h), also in a running service.

    With --json: {"id", "secret", "previous_valid_until"}.

    \b
    Examples:
      treatybot webhooks rotate-secret wh_0123456789abcdef01234567
      treatybot webhooks rotate-secret wh_0123456789abcdef01234567 --json | jq -r .secret
    """
    with store_app(ctx, must_exist=True) as app:
        rotated = manage.rotate_secret(app, endpoint_id)
    if as_json:
        emit_json(rotated)
        return
    grace = format_duration(get_config(ctx).webhooks.rotation_grace_s)
    click.echo(f"new signing secret for {endpoint_id} (shown once): {rotated['secret']}")
    click.echo(f"the previous secret also signs until {rotated['previous_valid_until']} ({grace})")


@webhooks.command()
@endpoint_argument
@click.option("--failed", is_flag=True, help="Only deliveries that failed.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
@listing_options
@click.pass_context
def deliveries(
    ctx: click.Context,
    endpoint_id: str,
    failed: bool,
    limit: int,
    as_json: bool,
    as_jsonl: bool,
) -> None:
    """The endpoint's deliveries, newest first, with every attempt.

    With --json, an array of one object per delivery, as `treatybot outbox --json` prints
    them (--jsonl: one per line).

    \b
    Examples:
      treatybot webhooks deliveries wh_0123456789abcdef01234567
      treatybot webhooks deliveries wh_0123456789abcdef01234567 --failed --json
    """
    out = Listing.of(as_json, as_jsonl)
    with store_app(ctx, must_exist=True) as app:
        rows = manage.deliveries(app, endpoint_id, failed_only=failed, limit=limit)
    if out.machine:
        out.emit(rows)
        return
    if not rows:
        click.echo("no deliveries", err=True)
        return
    body = []
    for r in rows:
        for a in r["attempts_log"] or [{}]:
            body.append(
                [
                    str(r["id"]),
                    r["event_id"],
                    r["event_type"].removeprefix("treaty."),
                    r["status"],
                    a.get("attempted_at") or "-",
                    a.get("outcome") or "-",
                    str(a.get("status_code") or ""),
                    (a.get("error") or "")[:50],
                ]
            )
    headers = ["ROW", "EVENT", "TYPE", "STATUS", "ATTEMPT", "OUTCOME", "HTTP", "ERROR"]
    for line in table(headers, body):
        click.echo(line)


@webhooks.command()
@endpoint_argument
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Events detected since DATE.")
@click.option("--event", "event_id", metavar="EVENT_ID", help="This one event.")
@click.pass_context
def replay(
    ctx: click.Context, endpoint_id: str, since: dt.datetime | None, event_id: str | None
) -> None:
    """Queue deliveries again, due now (a running service sends them within seconds), with the
    same webhook-id and a fresh timestamp and signature.

    Without options: every failed delivery. --since DATE: every delivery of an event detected
    since DATE (sent or failed). --event ID: that event (even one never routed here).

    \b
    Examples:
      treatybot webhooks replay wh_0123456789abcdef01234567
      treatybot webhooks replay wh_0123456789abcdef01234567 --since 2026-03-01
      treatybot webhooks replay wh_0123456789abcdef01234567 --event evt_9f2c41d07ab35e8812c0aa41
    """
    if since is not None and event_id is not None:
        raise click.UsageError("give --since or --event, not both")
    when = since.replace(tzinfo=dt.UTC) if since is not None else None
    with store_app(ctx, must_exist=True) as app:
        count = manage.replay(app, endpoint_id, since=when, event_id=event_id)
    click.echo(f"queued {count} delivery(ies) to {endpoint_id} again")


COMMANDS = (webhooks,)
