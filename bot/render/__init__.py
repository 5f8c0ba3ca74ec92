"""Pure rendering: typed events, statuses and tables → text a person reads.

- `alerts`: one event → `render_plain` (console, CLI) or `render_html` (Telegram HTML);
- `batch`: the events of one check → `render_batch_html` (messages ≤ 4,096 UTF-16 units) or
  `render_batch_plain`;
- `words`: dates, ordinals, verbs per action kind, the progress line;
- `fit`: Telegram lengths, safe truncation and splitting of our HTML;
- `tables`: `status_table`, `table`, `progress_bar` for the CLI.

No I/O and no clock anywhere in the package: callers print or send what these return.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.render.alerts import AnyEvent, render_html, render_plain
from bot.render.batch import render_batch_html, render_batch_plain
from bot.render.fit import MAX_MESSAGE_UTF16, split_html, truncate_html, utf16_length
from bot.render.tables import progress_bar, short_header, status_table, table
from bot.render.words import human_date, ordinal, progress_text
from store.events import event_from_json

__all__ = [
    "MAX_MESSAGE_UTF16",
    "AnyEvent",
    "event_text",
    "human_date",
    "ordinal",
    "progress_bar",
    "progress_text",
    "render_batch_html",
    "render_batch_plain",
    "render_html",
    "render_plain",
    "short_header",
    "split_html",
    "status_table",
    "table",
    "truncate_html",
    "utf16_length",
]


def event_text(event: Mapping[str, Any]) -> str:
    """An event's stable JSON (`Event.to_json()`, as stored) → its plain one-line text."""
    return render_plain(event_from_json(event))
