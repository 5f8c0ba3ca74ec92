"""Fitting our own Telegram HTML into messages: length as Telegram counts it, safe truncation of
one line, and splitting many lines into messages of at most 4,096 UTF-16 code units.

Works only on HTML this package produced (well-formed, every text escaped), so a tokeniser is
enough: tags, entities and characters are never cut. Pure: no I/O.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

MAX_MESSAGE_UTF16 = 4096
ELLIPSIS = "…"

_TOKEN = re.compile(r"<[^>]*>|&#?\w+;|.", re.DOTALL)
_TAG_NAME = re.compile(r"</?([a-z][a-z-]*)")


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, Telegram's unit (an emoji flag counts 4)."""
    return len(text.encode("utf-16-le")) // 2


def visible_text(markup: str) -> str:
    """The text Telegram shows for our HTML: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]*>", "", markup))


def visible_length(markup: str) -> int:
    return utf16_length(visible_text(markup))


def truncate_html(markup: str, limit: int = MAX_MESSAGE_UTF16) -> str:
    """`markup` if it fits in `limit` visible UTF-16 units, else its longest prefix that fits with
    "…" appended, cut between characters (never inside a tag, an entity or a flag's pair of
    regional indicators), every open tag closed and no tag left empty."""
    if visible_length(markup) <= limit:
        return markup
    budget = limit - utf16_length(ELLIPSIS)
    out: list[str] = []
    stack: list[str] = []
    used = 0
    for match in _TOKEN.finditer(markup):
        token = match.group(0)
        if token.startswith("<"):
            name = _TAG_NAME.match(token)
            tag = name.group(1) if name else ""
            if token.startswith("</"):
                stack.pop()
            else:
                stack.append(tag)
            out.append(token)
            continue
        units = utf16_length(html.unescape(token))
        if used + units > budget:
            break
        out.append(token)
        used += units
    _drop_half_flag(out)
    while out and out[-1].startswith("<") and not out[-1].startswith("</"):
        out.pop()  # an opening tag with nothing inside it yet
        stack.pop()
    return "".join(out) + ELLIPSIS + "".join(f"</{tag}>" for tag in reversed(stack))


def split_html(lines: Iterable[str], limit: int = MAX_MESSAGE_UTF16) -> list[str]:
    """Lines joined by newlines into as few messages as fit in `limit` each, cut only between
    lines; a line too long for a message of its own is truncated. Blank lines at the edge of a
    message are dropped (they only separate groups)."""
    chunks: list[list[str]] = []
    current: list[str] = []
    size = 0
    for raw in lines:
        line = truncate_html(raw, limit)
        length = visible_length(line)
        if current and size + 1 + length > limit:
            chunks.append(current)
            current, size = [], 0
        if not current:
            if not line.strip():
                continue
            current, size = [line], length
        else:
            current.append(line)
            size += 1 + length
    if current:
        chunks.append(current)
    return ["\n".join(_strip_blank(chunk)) for chunk in chunks]


def _strip_blank(lines: list[str]) -> list[str]:
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines


def _is_regional_indicator(token: str) -> bool:
    return len(token) == 1 and 0x1F1E6 <= ord(token) <= 0x1F1FF


def _drop_half_flag(out: list[str]) -> None:
    """A flag is two regional indicators: never keep the first one alone."""
    run = 0
    for token in reversed(out):
        if not _is_regional_indicator(token):
            break
        run += 1
    if run % 2:
        out.pop()
