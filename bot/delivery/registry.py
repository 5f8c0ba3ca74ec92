"""The channels treatybot can deliver through, by name: an explicit dict, no import magic.

Each entry builds the channel from the running `App`, or returns None when it is switched off
(no token, not enabled). Adding a channel: a module under `bot/` with a class meeting
`bot.delivery.channel.Channel`, an entry here, a target kind in `store/subscribers.py` if it has
subscribers of its own. See CONTRIBUTING.md, "Add a notification channel".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.delivery import console
from bot.delivery.channel import Channel
from bot.webhooks import channel as webhooks

if TYPE_CHECKING:
    from bot.app import App


def _console(app: App) -> Channel | None:
    return console.ConsoleChannel() if app.config.console.enabled else None


def _webhook(app: App) -> Channel | None:
    return webhooks.WebhookChannel(app.store, app.config.webhooks)


def _telegram(app: App) -> Channel | None:
    if app.config.telegram.token is None:
        return None
    from bot.telegram.app import build_channel  # python-telegram-bot only when it is used

    return build_channel(app)


CHANNELS: dict[str, Callable[[App], Channel | None]] = {
    console.NAME: _console,
    webhooks.NAME: _webhook,
    "telegram": _telegram,
}
