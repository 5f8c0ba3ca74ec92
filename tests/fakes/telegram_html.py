"""A strict checker for Telegram's HTML parse mode, as the Bot API applies it.

Used by the fake Bot API server (a message it would reject is answered with Telegram's 400
"can't parse entities") and by rendering tests. Rules (core.telegram.org/bots/api#html-style):

- only the tags b strong i em u ins s strike del span(class="tg-spoiler") tg-spoiler a(href)
  code(class="language-…") pre blockquote(expandable) tg-emoji(emoji-id), properly nested;
- outside tags, every `<`, `>` and `&` is escaped; the only named entities are
  `&lt; &gt; &amp; &quot;`, numeric entities are fine;
- at most 4,096 characters of text after entity parsing, counted in UTF-16 code units.
"""

from __future__ import annotations

import html
import re

MAX_MESSAGE_UTF16 = 4096

_ALLOWED_ATTRS: dict[str, frozenset[str]] = {
    "b": frozenset(),
    "strong": frozenset(),
    "i": frozenset(),
    "em": frozenset(),
    "u": frozenset(),
    "ins": frozenset(),
    "s": frozenset(),
    "strike": frozenset(),
    "del": frozenset(),
    "span": frozenset({"class"}),
    "tg-spoiler": frozenset(),
    "a": frozenset({"href"}),
    "code": frozenset({"class"}),
    "pre": frozenset(),
    "blockquote": frozenset({"expandable"}),
    "tg-emoji": frozenset({"emoji-id"}),
}
_TAG = re.compile(r"<(/?)([a-z][a-z-]*)((?:\s+[a-z-]+(?:\s*=\s*\"[^\"<>]*\")?)*)\s*>")
_ATTR = re.compile(r"([a-z-]+)(?:\s*=\s*\"([^\"<>]*)\")?")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def html_error(text: str) -> str | None:
    """None if Telegram would accept `text` in HTML parse mode, else its complaint."""
    stack: list[str] = []
    visible: list[str] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char == "<":
            match = _TAG.match(text, pos)
            if match is None:
                return f"Can't parse entities: unsupported start tag at byte offset {pos}"
            closing, name, attrs = match.group(1), match.group(2), match.group(3)
            if name not in _ALLOWED_ATTRS:
                return f'Can\'t parse entities: unsupported start tag "{name}" at offset {pos}'
            if closing:
                if attrs.strip():
                    return f"Can't parse entities: end tag with attributes at offset {pos}"
                if not stack or stack[-1] != name:
                    return (
                        f"Can't parse entities: can't find end tag corresponding to start tag \""
                        f'{stack[-1] if stack else name}"'
                    )
                stack.pop()
            else:
                for attr, value in _ATTR.findall(attrs):
                    if attr not in _ALLOWED_ATTRS[name]:
                        return f'Can\'t parse entities: unsupported attribute "{attr}" of "{name}"'
                    if name == "span" and value != "tg-spoiler":
                        return "Can't parse entities: span without class tg-spoiler"
                    if "&" in value and _bad_entities(value):
                        return f"Can't parse entities: bad entity in attribute at offset {pos}"
                stack.append(name)
            pos = match.end()
            continue
        if char == ">":
            return f"Can't parse entities: unescaped '>' at offset {pos}"
        if char == "&":
            match = _ENTITY.match(text, pos)
            if match is None:
                return f"Can't parse entities: unsupported entity at offset {pos}"
            visible.append(html.unescape(match.group(0)))
            pos = match.end()
            continue
        visible.append(char)
        pos += 1
    if stack:
        return (
            f"Can't parse entities: can't find end tag corresponding to start tag \"{stack[-1]}\""
        )
    length = utf16_length("".join(visible))
    if length > MAX_MESSAGE_UTF16:
        return f"Bad Request: message is too long ({length} UTF-16 units)"
    if not "".join(visible).strip():
        return "Bad Request: message text is empty"
    return None


def visible_text(text: str) -> str:
    """The text a reader sees (tags dropped, entities decoded); assumes `html_error` is None."""
    return html.unescape(re.sub(r"<[^>]*>", "", text))


def _bad_entities(value: str) -> bool:
    return any(_ENTITY.match(value, m.start()) is None for m in re.finditer("&", value))
