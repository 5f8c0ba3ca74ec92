"""`treatybot scrape` as a whole process against the fake UN site over loopback."""

from __future__ import annotations

import json
from pathlib import Path

from tests.bot.helpers import FIXTURES, PAGES, run_cli, write_config
from tests.fakesite import FakeUNSite, Reply


def expected(name: str) -> dict[str, object]:
    data = json.loads((FIXTURES / "expected" / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def serve_fixtures(site: FakeUNSite) -> None:
    site.pages["XVIII-16"] = (PAGES / "xviii-16-2025-11.html").read_bytes()
    site.pages["IV-11"] = (PAGES / "iv-11-crc-large.html").read_bytes()
    site.pages["XVIII-5"] = (PAGES / "xviii-5-old-prefix.html").read_bytes()


async def test_scrape_json_through_redirect_503_429_then_304(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    serve_fixtures(fake_site)
    fake_site.etags = True
    fake_site.delay_s = 0.1  # long enough for requests to overlap if the limit allowed it
    redirect = "/Pages/ViewDetailsII.aspx?src=TREATY&mtdsg_no=XVIII-16&chapter=18&clang=_en"
    fake_site.script("XVIII-16", Reply(status=503), Reply(redirect_to=redirect))
    fake_site.script("IV-11", Reply(status=429, headers={"Retry-After": "1"}))
    config = write_config(tmp_path, fake_site.base_url, max_concurrency=2)

    first = await run_cli(config, "scrape", "XVIII-16", "IV-11", "XVIII-5", "--json")

    assert first.code == 0, first.stderr
    lines = {line["treaty"]: line for line in first.json_array()}
    assert sorted(lines) == ["IV-11", "XVIII-16", "XVIII-5"]
    assert {line["outcome"] for line in lines.values()} == {"baseline"}
    assert all(line["events"] == [] and line["error"] is None for line in lines.values())
    cyber = lines["XVIII-16"]["status"]
    assert cyber["url"].startswith(fake_site.base_url + "/Pages/ViewDetailsII.aspx")
    want = expected("xviii-16-2025-11.json")
    assert {k: v for k, v in cyber.items() if k != "url"} == {
        k: v for k, v in want.items() if k != "url"
    }
    assert (
        lines["IV-11"]["status"]["participants"] == expected("iv-11-crc-large.json")["participants"]
    )
    cyber_requests = [e for e in fake_site.log if "XVIII-16" in e.path_qs]
    assert [e.status for e in cyber_requests] == [503, 302, 200]
    crc = [e for e in fake_site.log if "IV-11" in e.path_qs]
    assert [e.status for e in crc] == [429, 200]
    assert crc[1].start - (crc[0].end or 0) >= 0.95  # Retry-After: 1 honoured
    assert fake_site.max_in_flight == 2  # reached, never exceeded
    assert "3 checked" in first.stderr

    fake_site.log.clear()
    second = await run_cli(config, "scrape", "XVIII-16", "IV-11", "XVIII-5", "--json")

    assert second.code == 0, second.stderr
    assert {line["outcome"] for line in second.json_array()} == {"unchanged"}
    assert {e.status for e in fake_site.log} == {304}
    assert all("if-none-match" in {h.lower() for h in e.headers} for e in fake_site.log)
    assert fake_site.max_in_flight <= 2


async def test_scrape_of_a_broken_page_exits_non_zero_with_the_reason(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    fake_site.pages["XVIII-16"] = (PAGES / "broken" / "maintenance.html").read_bytes()
    config = write_config(tmp_path, fake_site.base_url)

    result = await run_cli(config, "scrape", "XVIII-16", "XXVI-9", "--json")

    assert result.code == 1
    lines = {line["treaty"]: line for line in result.json_array()}
    assert lines["XVIII-16"]["outcome"] == "failed"
    assert "maintenance" in lines["XVIII-16"]["error"]
    assert lines["XXVI-9"]["outcome"] == "failed"  # unknown to the site: 200 "no record" page
    assert "treaty not found" in lines["XXVI-9"]["error"]
    assert lines["XVIII-16"]["status"] is None


async def test_parse_command_prints_json_and_fails_on_a_broken_page(tmp_path: Path) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:9")
    good = await run_cli(config, "parse", str(PAGES / "xviii-16-2025-11.html"), "--json")
    assert good.code == 0, good.stderr
    data = json.loads(good.stdout)
    want = expected("xviii-16-2025-11.json")
    assert {k: v for k, v in data.items() if k != "url"} == {
        k: v for k, v in want.items() if k != "url"
    }
    table = await run_cli(config, "parse", str(PAGES / "xviii-16-2025-11.html"))
    assert "Côte d'Ivoire" in table.stdout
    assert "31 participants" in table.stdout

    broken = await run_cli(
        config, "parse", str(PAGES / "broken" / "truncated.html"), "--id", "IV-11"
    )
    assert broken.code == 1
    assert broken.stderr.strip().splitlines()[-1].startswith("Error: ")
    assert "page truncated" in broken.stderr
