"""The console channel: every alert printed on stdout as one readable line, as it would be sent.

The first real channel: it exercises the whole path (event → outbox → dispatcher → sender) and
shows a newcomer what the bot would say. On in `treatybot run` unless `[console] enabled = false`.
Its one target is `stdout`, subscribed to everything.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TextIO

from bot.delivery.channel import RetryPolicy, Sent
from bot.errors import RetryLater
from bot.render import render_plain
from store.events import Event

NAME = "console"
TARGET = "stdout"


@dataclass
class ConsoleChannel:
    stream: TextIO = field(default_factory=lambda: sys.stdout)
    name: str = NAME
    policy: RetryPolicy = field(default_factory=lambda: RetryPolicy((1.0, 5.0, 30.0)))
    max_batch: int = 50
    concurrency: int = 1
    send_timeout_s: float = 10.0

    async def send(self, target: str, events: Sequence[Event]) -> Sent:
        lines = [f"[{event.treaty.id}] {render_plain(event)}" for event in events]
        try:
            self.stream.write("\n".join(lines) + "\n")
            self.stream.flush()
        except OSError as exc:  # a closed or full stdout: try again later
            raise RetryLater(f"cannot write to {target}: {exc}") from exc
        return Sent()

    async def close(self) -> None:
        return None
