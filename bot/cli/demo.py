"""`treatybot demo`: the newcomer's first minute — the Cybercrime Convention's story replayed
through the real pipeline against a page served on 127.0.0.1 (see `bot/demo/`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator
from typing import TextIO

import click

from bot.app import App
from bot.cli.options import Listing, get_config, listing_options


@click.command()
@click.option(
    "--speed",
    type=click.FloatRange(min=0.1, max=100.0),
    default=1.0,
    show_default=True,
    help="Pace of the story: 2 plays it twice as fast (about 30 s at 1).",
)
@click.option("--fast", is_flag=True, help="No pauses at all (a few seconds; for tests).")
@click.option(
    "--db",
    "db_path",
    metavar="PATH",
    help="Keep the demo's database at PATH (a new file). Default: a temporary one, deleted.",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    help="Port of the HTTP API while the demo runs (default: [http] port).",
)
@listing_options
@click.pass_context
def demo(
    ctx: click.Context,
    speed: float,
    fast: bool,
    db_path: str | None,
    port: int | None,
    as_json: bool,
    as_jsonl: bool,
) -> None:
    """Watch the Cybercrime Convention go from the Hanoi signatures to entry into force in
    under a minute: a SIMULATION run through the real checks and alerts, on 127.0.0.1, with a
    temporary database. No internet and no Telegram token needed.

    Alerts print on the console as they would be sent; webhooks and Telegram you configured
    get them too. With --json, stdout carries one JSON object at the end, {"steps": [...],
    "summary": {...}}; with --jsonl, one object per step as it happens, then {"summary": ...}.
    Either way the narration and alerts go to stderr.

    \b
    Examples:
      treatybot demo
      treatybot demo --fast --json | jq .summary
      treatybot demo --jsonl | jq -c 'select(.events) | .events[].type'
    """
    from bot.demo.runner import check_db_path, run_demo

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    out = Listing.of(as_json, as_jsonl)
    check_db_path(db_path)
    human = sys.stderr if out.machine else sys.stdout
    asyncio.run(
        run_demo(
            get_config(ctx),
            speed=None if fast else speed,
            db_path=db_path,
            port=port,
            out=human,
            alerts=human,
            json_out=sys.stdout if out.machine else None,
            json_lines=out.jsonl,
            services=[lambda app: _http_api(app, human)],
        )
    )


@contextlib.asynccontextmanager
async def _http_api(app: App, out: TextIO) -> AsyncIterator[object]:
    """The real HTTP API and Atom feed, live during the demo; a busy port is said, not fatal."""
    from bot.web import running

    host, port = app.config.http.host, app.config.http.port
    try:
        async with running(app, health=lambda: True, host=host, port=port) as server:
            out.write(
                f"HTTP API live during the demo: {server.url}/api/events,"
                f" {server.url}/feed.atom, {server.url}/metrics\n"
            )
            yield server
    except OSError as exc:
        out.write(f"HTTP API not started ({host}:{port}: {exc.strerror or exc}); try --port N\n")
        yield None


COMMANDS = (demo,)
