"""`treatybot run`: the long-running service."""

from __future__ import annotations

import asyncio

import click

from bot.cli.options import get_config
from bot.logs import setup_logging


@click.command()
@click.option("-v", "--verbose", is_flag=True, help="Log every check, not only problems.")
@click.option("--log-json", is_flag=True, help="Log one JSON object per line (for log shippers).")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    envvar="PORT",
    help="HTTP port (default: $PORT, else [http] port).",
)
@click.pass_context
def run(ctx: click.Context, verbose: bool, log_json: bool, port: int | None) -> None:
    """Run the service: check every tracked treaty at its interval and deliver the alerts
    (console, and every other enabled channel) until stopped (Ctrl-C or SIGTERM).

    \b
    Examples:
      treatybot track XVIII-16 && treatybot run -v
      treatybot run --log-json 2>> /var/log/treatybot.jsonl
    """
    from bot.app import open_store
    from bot.service import run_service

    config = get_config(ctx)
    # A database that cannot be used is one `Error:` line before anything starts (the
    # single-instance lock file next to it included).
    open_store(config).close()
    setup_logging(verbose=verbose, as_json=log_json)
    asyncio.run(run_service(config, http_port=port))


COMMANDS = (run,)
