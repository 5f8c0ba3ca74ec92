"""`treatybot config check`: validate the configuration and show the effective settings."""

from __future__ import annotations

import click

from bot.cli.options import emit_json, get_config, json_option
from bot.config_settings import effective_settings
from bot.render import table


@click.group()
def config() -> None:
    """Configuration."""


@config.command()
@json_option
@click.pass_context
def check(ctx: click.Context, as_json: bool) -> None:
    """Validate the configuration and print every setting with its effective value and where
    it came from (default, file, environment). Secrets (tokens, webhook and signing secrets,
    the at-rest key) appear only as *** when set. Exits 1 with the file, the key and what was
    expected when the configuration is not valid.

    With --json: {"source": FILE, "settings": [{"key", "value", "source"}]}.

    \b
    Examples:
      treatybot config check
      treatybot --config /etc/treatybot.toml config check --json | jq '.settings[]'
    """
    loaded = get_config(ctx)
    settings = effective_settings(loaded)
    if as_json:
        emit_json({"source": loaded.source, "settings": [s.to_json() for s in settings]})
        return
    click.echo(f"configuration: {loaded.source} (valid)")
    rows = [[s.key, _shown(s.value), s.source] for s in settings]
    for line in table(["KEY", "VALUE", "FROM"], rows):
        click.echo(line)


def _shown(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ", ".join(_shown(v) for v in value) or "[]"
    return str(value)


COMMANDS = (config,)
