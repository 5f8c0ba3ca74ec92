"""The `treatybot` command line: thin click commands over the use cases in `bot/operations.py`.

One module per command family (`pages`: parse/scrape/catalogue; `store_commands`: tracking and
reading the store; `outbox`: the delivery queue; `service`: run; `demo`: the simulation).
Library errors become click errors only at the edge (`options.TreatybotGroup`).
"""

from __future__ import annotations

import click

from bot.cli import (
    chats,
    config_cmd,
    demo,
    outbox,
    pages,
    schedule,
    service,
    store_commands,
    webhooks,
)
from bot.cli.options import CONFIG_PATH_KEY, TreatybotGroup


@click.group(cls=TreatybotGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
      treatybot outbox --status failed  # deliveries that did not get through
    """
    # Loaded on first use (`options.get_config`): `parse`, `--help` and `--version` need no
    # config, so a broken ./config.toml must not stop them.
    ctx.meta[CONFIG_PATH_KEY] = config_path


for _module in (
    pages,
    store_commands,
    outbox,
    chats,
    webhooks,
    service,
    config_cmd,
    demo,
    schedule,
):
    for _command in _module.COMMANDS:
        main.add_command(_command)
