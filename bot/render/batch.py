"""Several events of one check → one digest: per treaty a header, one line per event and the
progress once (not under statements alone: they move no count); as Telegram HTML messages
(each within 4,096 UTF-16 units) or console text.

Pure: no I/O, no clock ("today" is an argument, by default each event's detection day).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.render.alerts import HTML, PLAIN, STATEMENT_EVENTS, Markup, known_event, sentence
from bot.render.fit import MAX_MESSAGE_UTF16, split_html
from bot.render.words import progress_text
from store.events import Event


def render_batch_html(
    events: Sequence[Event], *, today: dt.date | None = None, limit: int = MAX_MESSAGE_UTF16
) -> list[str]:
    """Telegram messages for one chat, in order; several treaties are grouped per treaty (in
    the order each first appears), blank-line separated. Split only between lines; a single
    over-long line is truncated with "…". No events → no message."""
    lines: list[str] = []
    for group in _groups(events):
        if lines:
            lines.append("")
        lines.extend(_group_lines(group, HTML, today))
    return split_html(lines, limit)


def render_batch_plain(events: Sequence[Event], *, today: dt.date | None = None) -> str:
    """The same digest for the console: per treaty `Title (ID)`, then indented lines."""
    blocks = ["\n".join(_group_lines(group, PLAIN, today)) for group in _groups(events)]
    return "\n\n".join(blocks)


def _groups(events: Sequence[Event]) -> list[list[Event]]:
    by_treaty: dict[str, list[Event]] = {}
    for event in events:
        by_treaty.setdefault(event.treaty.id, []).append(event)
    return list(by_treaty.values())


def _group_lines(group: list[Event], m: Markup, today: dt.date | None) -> list[str]:
    ref = group[0].treaty
    indent = "" if m.html else "  "
    header = f"<b>{m.treaty(ref)}</b>" if m.html else f"{m.treaty(ref)} ({ref.id})"
    lines = [header]
    lines.extend(
        indent + sentence(known_event(event), m, today=today, with_treaty=False) for event in group
    )
    if not all(isinstance(event, STATEMENT_EVENTS) for event in group):
        lines.append(indent + m.italic(progress_text(group[-1].counts)))  # statements move none
    return lines
