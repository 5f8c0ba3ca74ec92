"""`treatybot run`: the long-running service."""

from __future__ import annotations

import asyncio
import logging

import click

from bot.cli.options import get_config


@click.command()
@click.option("-v", "--verbose", is_flag=True, help="Log every check, not only problems.")
@click.pass_context
def run(ctx: click.Context, verbose: bool) -> None:
    """Run the service: check every tracked treaty at its interval and deliver the alerts
    (console, and every other enabled channel) until stopped (Ctrl-C or SIGTERM).

    \b
    Example:
      treatybot track XVIII-16 && treatybot run -v
    """
    from bot.app import open_store
    from bot.service import run_service

    config = get_config(ctx)
    # A database that cannot be used is one `Error:` line before anything starts (the
    # single-instance lock file next to it included).
    open_store(config).close()
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    asyncio.run(run_service(config))


COMMANDS = (run,)
