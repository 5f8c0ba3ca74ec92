"""The status pages in a real headless Chromium (Debian's /usr/bin/chromium, driven by
Playwright's Python API), served on 127.0.0.1 by the real web app over the replayed Cybercrime
history: no console errors, the gauge's k/N, sorting with and without JavaScript, no
horizontal scroll on a 375 px phone, headings in order, text contrast, and screenshots at
desktop and phone widths kept in docs/screenshots/ (rewritten only when they change).

Skipped only when Chromium is not installed (`.ci/run` installs it).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from bot.web import build_web_app, serve
from tests.bot.web.conftest import FIRST_RATIFIERS, LATER_RATIFIERS, Web

CHROMIUM = Path(os.environ.get("TREATYBOT_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}")

# Every element with its own text: its colour on the first opaque background behind it.
CONTRAST = """() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const back = el => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || c[3] > 0) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const worst = [];
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const a = lum(rgb(getComputedStyle(el).color)), b = lum(back(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) worst.push([el.tagName, el.textContent.trim().slice(0, 40), ratio]);
  }
  return worst;
}"""
HEADINGS = """() => [...document.querySelectorAll("h1,h2,h3,h4,h5,h6")].map(h => +h.tagName[1])"""
OVERFLOW = """() => document.documentElement.scrollWidth - window.innerWidth"""


@pytest_asyncio.fixture
async def site(web: Web) -> AsyncIterator[str]:
    server = await serve(build_web_app(web.app, health=web.probe), host="127.0.0.1", port=0)
    try:
        yield server.url
    finally:
        await server.stop()


@pytest_asyncio.fixture
async def browser(tmp_path: Path) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        context = await pw.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=ARGS,
        )
        try:
            yield context
        finally:
            await context.close()


async def open_page(context: Any, url: str, *, width: int = 1280) -> tuple[Any, list[str]]:
    """A tab at `url`; the list fills with console errors, page errors and failed requests."""
    problems: list[str] = []
    tab = await context.new_page()
    await tab.set_viewport_size({"width": width, "height": 900})
    tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: problems.append(str(e)))
    tab.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    tab.on(
        "response", lambda r: problems.append(f"{r.status}: {r.url}") if r.status >= 400 else None
    )
    await tab.goto(url, wait_until="load")
    return tab, problems


def keep(name: str, png: bytes) -> None:
    """Write the screenshot when it differs from the kept one."""
    path = SCREENSHOTS / name
    if not path.exists() or path.read_bytes() != png:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(png)


async def test_pages_load_without_console_errors_and_the_gauge_shows_7_of_40(
    site: str, browser: Any
) -> None:
    for path in ("/", "/?q=cyber", "/treaties/XXVI-8"):
        _, problems = await open_page(browser, site + path)
        assert problems == [], path
    tab, problems = await open_page(browser, site + "/treaties/XVIII-16")

    gauge = tab.locator("svg.gauge")
    chart_width = await tab.locator("figure img").evaluate("img => img.naturalWidth")

    assert problems == []
    assert await tab.locator("#gauge-number").inner_text() == "7/40"
    assert await gauge.get_attribute("data-qualifying") == "7"
    assert await gauge.get_attribute("data-threshold") == "40"
    assert await tab.locator("#gauge-title").text_content() == "Progress: 7/40"
    assert chart_width > 0


async def test_the_table_sorts_by_clicking_a_column(site: str, browser: Any) -> None:
    tab, problems = await open_page(browser, site + "/treaties/XVIII-16")

    await tab.get_by_role("columnheader", name="Consent to be bound").get_by_role("link").click()
    await tab.wait_for_url("**sort=consent**")
    names = await tab.locator("#participants tbody tr td:first-child").all_inner_texts()

    assert problems == []
    assert set(names[:3]) == set(FIRST_RATIFIERS)
    assert set(names[3:7]) == set(LATER_RATIFIERS)
    header = tab.get_by_role("columnheader", name="Consent to be bound")
    assert await header.get_attribute("aria-sort") == "ascending"


async def test_the_pages_work_with_javascript_off(site: str, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        context = await pw.chromium.launch_persistent_context(
            str(tmp_path / "no-js-profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=ARGS,
            java_script_enabled=False,
        )
        try:
            tab, problems = await open_page(context, site + "/")
            await tab.get_by_label("Search treaties").fill("cybercrime")
            await tab.get_by_role("button", name="Search").click()
            await tab.wait_for_url("**q=cybercrime**")
            await tab.get_by_role(
                "link", name="United Nations Convention against Cybercrime"
            ).click()
            await tab.wait_for_url("**/treaties/XVIII-16")
            await tab.get_by_role("columnheader", name="Signature").get_by_role("link").click()
            await tab.wait_for_url("**sort=signature**")
            gauge = await tab.locator("#gauge-number").inner_text()
        finally:
            await context.close()

    assert problems == []
    assert gauge == "7/40"


async def test_pages_fit_a_phone_have_ordered_headings_and_readable_contrast(
    site: str, browser: Any
) -> None:
    for path in ("/", "/treaties/XVIII-16", "/treaties/XVIII-999"):
        for width in (375, 1280):
            tab, _ = await open_page(browser, site + path, width=width)

            levels = await tab.evaluate(HEADINGS)

            assert await tab.evaluate(OVERFLOW) <= 0, (path, width)
            assert levels[0] == 1 and levels.count(1) == 1, path
            assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), path
            assert await tab.evaluate(CONTRAST) == [], path
            await tab.close()


async def test_screenshots_at_desktop_and_phone_widths(site: str, browser: Any) -> None:
    shots = {}
    for name, width in (("treaty-desktop.png", 1280), ("treaty-phone.png", 375)):
        tab, problems = await open_page(browser, site + "/treaties/XVIII-16", width=width)
        shots[name] = await tab.screenshot(full_page=True)
        assert problems == []
        keep(name, shots[name])
    tab, _ = await open_page(browser, site + "/", width=1280)
    keep("index-desktop.png", await tab.screenshot(full_page=True))

    for name, png in shots.items():
        assert png[:8] == b"\x89PNG\r\n\x1a\n", name
        assert (SCREENSHOTS / name).read_bytes() == png
