"""Chart images for the pages and the bot, drawn off the event loop and kept by version.

A chart is drawn once per (treaty, latest event, latest snapshot change, format, threshold,
title): the page, the badge and every later `/status` reuse it until the treaty changes. The
drawing (`bot.charts.render`, which imports matplotlib on first use) runs in the loop's default
executor; at most `MAX_ENTRIES` images are kept (least recently used dropped).
Must not: write to the database.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import OrderedDict
from functools import partial

from bot.app import App
from bot.charts.series import cumulative
from store import pages

MAX_ENTRIES = 128

Key = tuple[str, int, str | None, str, int | None, str]


class ChartCache:
    """Drawn charts by key; one per `App` (the web app and the bot share it)."""

    def __init__(self) -> None:
        self._images: OrderedDict[Key, bytes] = OrderedDict()

    def get(self, key: Key) -> bytes | None:
        image = self._images.get(key)
        if image is not None:
            self._images.move_to_end(key)
        return image

    def put(self, key: Key, image: bytes) -> None:
        self._images[key] = image
        self._images.move_to_end(key)
        while len(self._images) > MAX_ENTRIES:
            self._images.popitem(last=False)


_CACHES: dict[int, ChartCache] = {}


def cache_of(app: App) -> ChartCache:
    """The cache of `app` (created on first use, dropped when `app` is collected)."""
    key = id(app)
    if key not in _CACHES:
        _CACHES[key] = ChartCache()
        weakref.finalize(app, _CACHES.pop, key, None)
    return _CACHES[key]


async def chart(app: App, treaty_id: str, fmt: str, *, title: str, threshold: int | None) -> bytes:
    """The treaty's cumulative chart as SVG (`fmt="svg"`) or PNG bytes."""
    from bot.charts import render

    version = await app.store.run(pages.page_version, treaty_id)
    key: Key = (treaty_id, version.event_seq, version.snapshot_at, fmt, threshold, title)
    cache = cache_of(app)
    image = cache.get(key)
    if image is None:
        points = cumulative(await app.store.run(pages.participants, treaty_id))
        draw = partial(
            render.chart_svg_bytes if fmt == "svg" else render.chart_png,
            points,
            title=title,
            threshold=threshold,
        )
        drawn: bytes = await asyncio.get_running_loop().run_in_executor(None, draw)
        cache.put(key, drawn)
        image = drawn
    return image
