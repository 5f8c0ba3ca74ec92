"""Whether an HTML text fits as a photo caption: the Bot API allows 1,024 UTF-16 code units of
the caption as the reader sees it (tags dropped, entities decoded).

Pure. Must not: send anything.
"""

from __future__ import annotations

import html
import re

CAPTION_LIMIT = 1024
_TAG = re.compile(r"<[^>]*>")


def caption_units(text: str) -> int:
    """UTF-16 code units of the visible text of `text` (Telegram HTML)."""
    visible = html.unescape(_TAG.sub("", text))
    return len(visible.encode("utf-16-le")) // 2


def fits_caption(text: str) -> bool:
    return caption_units(text) <= CAPTION_LIMIT
