"""The strict Telegram HTML checker rejects what Telegram rejects and accepts what it accepts."""

from __future__ import annotations

import pytest

from tests.fakes.telegram_html import html_error, utf16_length, visible_text


@pytest.mark.parametrize(
    "text",
    [
        "plain text",
        '<b>bold</b> and <i>italic</i> and <a href="https://x.org/?a=1&amp;b=2">link</a>',
        "<b><i>nested</i></b> &lt;tag&gt; &amp; &quot;quoted&quot; &#127467;",
        '<span class="tg-spoiler">hidden</span> <tg-spoiler>also</tg-spoiler>',
        "🇫🇷 France ratified",
        '<pre><code class="language-python">x = 1</code></pre>',
    ],
)
def test_accepts_valid_telegram_html(text: str) -> None:
    assert html_error(text) is None


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("a < b", "unsupported start tag"),
        ("a > b", "unescaped '>'"),
        ("AT&T", "unsupported entity"),
        ("&nbsp;", "unsupported entity"),
        ("<div>x</div>", "unsupported start tag"),
        ("<b>x", "can't find end tag"),
        ("<b><i>x</b></i>", "can't find end tag"),
        ('<a href="x" target="_blank">x</a>', "unsupported attribute"),
        ('<span class="red">x</span>', "tg-spoiler"),
        ("<b></b>", "empty"),
    ],
)
def test_rejects_what_telegram_rejects(text: str, why: str) -> None:
    error = html_error(text)
    assert error is not None
    assert why in error


def test_length_counts_utf16_units_after_entities() -> None:
    assert utf16_length("🇫🇷") == 4
    assert html_error("&amp;" * 4096) is None
    assert html_error("&amp;" * 4097) is not None
    assert html_error("🇫🇷" * 1024) is None
    assert html_error("🇫🇷" * 1025) is not None


def test_visible_text_drops_tags_and_decodes_entities() -> None:
    assert visible_text("<b>A &amp; B</b> &lt;3") == "A & B <3"
