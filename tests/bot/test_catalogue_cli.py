"""`treatybot catalogue` against the fake site: index → every chapter → stored treaty list."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

from click.testing import CliRunner

from bot.cli import main
from scrapers.catalogue import parse_index
from tests.bot.helpers import FIXTURES, run_cli, write_config
from tests.fakesite import FakeUNSite, Reply
from tests.fixtures.catalogue.make_fixtures import chapter_page, row

PAGES = FIXTURES / "catalogue"
HAVE = {"IV": "chapter-IV.html", "XVIII": "chapter-XVIII.html", "XI-B": "chapter-XI-B.html"}


def path_qs(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def serve_catalogue(site: FakeUNSite) -> int:
    index = (PAGES / "index.html").read_bytes()
    site.extra["/Pages/ParticipationStatus.aspx?clang=_en"] = index
    chapters = parse_index(index, site.base_url)
    for chapter in chapters:
        if chapter.label in HAVE:
            body = (PAGES / HAVE[chapter.label]).read_bytes()
        else:  # a one-treaty chapter page in the same markup
            ref = f"{chapter.label}-1"
            link = f"ViewDetails.aspx?src=TREATY&mtdsg_no={ref}&chapter={chapter.number}&clang=_en"
            rows = [row("1", ref, link, f"Treaty one of {chapter.label}", "Geneva, 1 May 1950")]
            body = chapter_page(chapter.number, chapter.title, chapter.subid, rows, "").encode()
        site.extra[path_qs(chapter.url)] = body
    return len(chapters)


async def test_catalogue_fetches_every_chapter_and_stores_the_list(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    chapters = serve_catalogue(fake_site)
    config = write_config(tmp_path, fake_site.base_url)

    result = await run_cli(config, "catalogue", "--json")

    assert result.code == 0, result.stderr
    entries = result.json_array()
    ids = {e["id"] for e in entries}
    assert "XVIII-16" in ids
    assert any(i.startswith("XI-B-") for i in ids)
    assert any(i.startswith("XI-E-") for i in ids)
    cyber = next(e for e in entries if e["id"] == "XVIII-16")
    assert cyber["title"].startswith("United Nations Convention against Cybercrime")
    assert cyber["url"].endswith("mtdsg_no=XVIII-16&chapter=18&clang=_en")
    assert len(fake_site.log) == chapters + 1  # the index, then each chapter once

    listed = CliRunner().invoke(
        main, ["--config", str(config), "treaties", "--search", "Cybercrime", "--json"]
    )
    assert listed.exit_code == 0
    assert [row["id"] for row in json.loads(listed.stdout)] == ["XVIII-16"]


async def test_a_broken_chapter_is_reported_once_and_the_other_chapters_are_still_stored(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    serve_catalogue(fake_site)
    broken = (PAGES / "broken-chapter.html").read_bytes()
    fake_site.script("/Pages/Treaties.aspx?id=18&subid=A&clang=_en", Reply(body=broken))
    config = write_config(tmp_path, fake_site.base_url)

    result = await run_cli(config, "catalogue")

    assert result.code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1
    assert "chapter XVIII" in errors[0]
    assert errors[0].count("XVIII") == 1
    assert "catalogue" not in errors[0]
    listed = CliRunner().invoke(main, ["--config", str(config), "treaties", "--json"])
    ids = {row["id"] for row in json.loads(listed.stdout)}
    assert "IV-11" in ids  # chapter IV was stored although chapter XVIII failed
    assert not any(i.startswith("XVIII-") for i in ids)


async def test_an_unreadable_index_fails_the_catalogue_with_one_line(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    config = write_config(tmp_path, fake_site.base_url)  # no index page: HTTP 404

    result = await run_cli(config, "catalogue")

    assert result.code == 1
    assert result.stderr.count("Error:") == 1
    assert result.stderr.startswith("Error: catalogue index: fetch failed")
    assert "Traceback" not in result.stderr
