"""Draws the cumulative instruments chart (`bot.charts.series`) as SVG or PNG with matplotlib.

matplotlib is imported on the first drawing, not at service start-up (it costs ~0.3 s and
~30 MB), and uses the Agg backend: no display, no GUI toolkit. Drawing is CPU-bound and takes
tens of milliseconds, so callers run it in an executor (`bot.charts.cache` does). The SVG
carries its numbers: a `<title>` (its accessible name), and a `<desc>` whose text is the series
as JSON, so tests (and screen readers) can read exactly what is drawn. Output is deterministic
(fixed hash salt, no date).
Must not: read the database, the clock or the network.
"""

from __future__ import annotations

import io
import json
import re
import threading
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from bot.charts.series import Point, short_title

SIGNATURE_COLOUR = "#1f5f99"  # 6.9:1 on white
CONSENT_COLOUR = "#a33d00"  # 6.4:1 on white
THRESHOLD_COLOUR = "#444444"
# pyplot keeps global state: one drawing at a time.
_LOCK = threading.Lock()
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)


def describe(points: Sequence[Point], threshold: int | None) -> str:
    """The machine-readable description: the series and the threshold, as JSON."""
    data: dict[str, Any] = {
        "threshold": threshold,
        "series": [p.to_json() for p in points],
    }
    return json.dumps(data, separators=(",", ":"))


def _figure(points: Sequence[Point], title: str, threshold: int | None, fmt: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    with _LOCK, matplotlib.rc_context({"svg.hashsalt": "treatybot", "svg.fonttype": "none"}):
        fig, ax = plt.subplots(figsize=(8, 4), dpi=100)
        try:
            if points:
                days = mdates.date2num([p.date for p in points])  # type: ignore[no-untyped-call]
                ax.step(
                    days,
                    [p.signatures for p in points],
                    where="post",
                    label="Signatures",
                    color=SIGNATURE_COLOUR,
                    linewidth=2,
                )
                ax.step(
                    days,
                    [p.consents for p in points],
                    where="post",
                    label="Consents to be bound",
                    color=CONSENT_COLOUR,
                    linewidth=2,
                )
                locator = mdates.AutoDateLocator()  # type: ignore[no-untyped-call]
                ax.xaxis.set_major_locator(locator)
                ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
            else:
                ax.text(
                    0.5, 0.5, "No instruments yet", ha="center", va="center", transform=ax.transAxes
                )
            if threshold:
                ax.axhline(
                    threshold,
                    color=THRESHOLD_COLOUR,
                    linestyle="--",
                    linewidth=1,
                    label=f"Threshold ({threshold})",
                )
            ax.set_ylim(bottom=0)
            ax.set_ylabel("Participants (cumulative)")
            ax.set_title(short_title(title, 70), fontsize=11)
            ax.grid(axis="y", color="#dddddd")
            if points or threshold:
                ax.legend(loc="upper left", frameon=False)
            fig.tight_layout()
            out = io.BytesIO()
            metadata: dict[str, Any] = (
                {"Date": None, "Creator": None} if fmt == "svg" else {"Software": None}
            )
            fig.savefig(out, format=fmt, metadata=metadata)
            return out.getvalue()
        finally:
            plt.close(fig)


def chart_svg(points: Sequence[Point], *, title: str, threshold: int | None) -> str:
    """The chart as a standalone SVG document with `<title>` and a JSON `<desc>`."""
    svg = _figure(points, title, threshold, "svg").decode("utf-8")
    start = svg.index("<svg")
    end = svg.index(">", start) + 1
    head = svg[start:end]
    label = f"Cumulative signatures and consents to be bound: {title}"
    inner = (
        f'<title id="chart-title">{escape(label)}</title>'
        f'<desc id="chart-data">{escape(describe(points, threshold))}</desc>'
    )
    body = _METADATA.sub("", svg[end:])  # matplotlib's RDF block: nothing a reader needs
    return head + inner + body


def chart_svg_bytes(points: Sequence[Point], *, title: str, threshold: int | None) -> bytes:
    """`chart_svg` encoded as UTF-8."""
    return chart_svg(points, title=title, threshold=threshold).encode("utf-8")


def chart_png(points: Sequence[Point], *, title: str, threshold: int | None) -> bytes:
    """The same chart as a PNG (800×400) for Telegram."""
    return _figure(points, title, threshold, "png")
