"""The polite fetcher against a fake treaties.un.org on loopback; timings from the server log."""

from __future__ import annotations

import asyncio
import itertools
import socket
import time
from datetime import UTC, datetime

import aiohttp
import pytest

from scrapers.errors import FetchError, SiteUnavailable
from scrapers.fetch import Fetcher, FetchPolicy, Validators, parse_retry_after
from scrapers.urls import status_url
from tests.fakesite import FakeUNSite, Reply

TREATY = "XVIII-16"
PAGE = b"<html><body>Status as at : 16-11-2025 10:16:04 EDT - Cybercrime</body></html>"
UA = "treatybot-test/0.1 (+https://example.invalid/treatybot)"


def fast_policy(**overrides: object) -> FetchPolicy:
    settings: dict[str, object] = {
        "user_agent": UA,
        "timeout_s": 2.0,
        "max_concurrency": 2,
        "min_interval_s": 0.0,
        "retries": 3,
        "backoff_base_s": 0.01,
        "backoff_max_s": 0.05,
        "retry_after_max_s": 5.0,
    }
    settings.update(overrides)
    return FetchPolicy(**settings)  # type: ignore[arg-type]


@pytest.fixture
def site(fake_site: FakeUNSite) -> FakeUNSite:
    fake_site.pages[TREATY] = PAGE
    return fake_site


async def test_serves_the_page_with_its_content_type(site: FakeUNSite) -> None:
    url = status_url(site.base_url, TREATY)
    async with Fetcher(fast_policy()) as fetcher:
        result = await fetcher.fetch(url, treaty_id=TREATY)
    assert (result.status, result.body, result.attempts) == (200, PAGE, 1)
    assert result.url == result.final_url == url
    assert result.content_type == "text/html; charset=utf-8"
    assert not result.not_modified
    assert result.validators == Validators(None, None)


async def test_sends_the_configured_user_agent(site: FakeUNSite) -> None:
    async with Fetcher(fast_policy()) as fetcher:
        await fetcher.fetch(status_url(site.base_url, TREATY), treaty_id=TREATY)
    assert site.log[0].headers["User-Agent"] == UA


async def test_follows_a_redirect_and_records_the_final_url(site: FakeUNSite) -> None:
    target = f"/Pages/ViewDetailsII.aspx?src=TREATY&mtdsg_no={TREATY}&chapter=18&Temp=mtdsg2"
    site.script(TREATY, Reply(redirect_to=target))
    url = status_url(site.base_url, TREATY)
    async with Fetcher(fast_policy()) as fetcher:
        result = await fetcher.fetch(url, treaty_id=TREATY)
    assert result.url == url
    assert result.final_url == site.base_url + target
    assert result.body == PAGE
    assert [entry.status for entry in site.log] == [302, 200]


async def test_503_then_200_succeeds_on_the_second_attempt(site: FakeUNSite) -> None:
    site.script(TREATY, Reply(status=503))
    async with Fetcher(fast_policy()) as fetcher:
        result = await fetcher.fetch(status_url(site.base_url, TREATY), treaty_id=TREATY)
    assert (result.status, result.body, result.attempts) == (200, PAGE, 2)
    assert [entry.status for entry in site.log] == [503, 200]


async def test_429_with_retry_after_waits_that_long_before_retrying(site: FakeUNSite) -> None:
    site.script(TREATY, Reply(status=429, headers={"Retry-After": "1"}))
    async with Fetcher(fast_policy()) as fetcher:
        result = await fetcher.fetch(status_url(site.base_url, TREATY), treaty_id=TREATY)
    assert result.attempts == 2
    first, second = site.log
    assert first.status == 429 and first.end is not None
    assert second.start - first.end >= 0.95


async def test_retry_after_is_capped_at_retry_after_max(site: FakeUNSite) -> None:
    site.script(TREATY, Reply(status=503, headers={"Retry-After": "3600"}))
    started = time.monotonic()
    async with Fetcher(fast_policy(retry_after_max_s=0.05)) as fetcher:
        result = await fetcher.fetch(status_url(site.base_url, TREATY), treaty_id=TREATY)
    assert result.attempts == 2
    assert time.monotonic() - started < 1.0


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2025, 11, 16, 15, 16, 4, tzinfo=UTC)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Sun, 16 Nov 2025 15:16:34 GMT", now=now) == 30.0
    assert parse_retry_after("Sun, 16 Nov 2025 15:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


async def test_404_is_not_retried_and_raises_fetch_error(site: FakeUNSite) -> None:
    site.script(TREATY, Reply(status=404))
    url = status_url(site.base_url, TREATY)
    async with Fetcher(fast_policy()) as fetcher:
        with pytest.raises(FetchError, match="HTTP 404 from") as caught:
            await fetcher.fetch(url, treaty_id=TREATY)
    assert len(site.log) == 1
    assert caught.value.treaty_id == TREATY
    assert url in str(caught.value)


async def test_5xx_forever_raises_site_unavailable_after_retries_plus_one(
    site: FakeUNSite,
) -> None:
    site.script(TREATY, *[Reply(status=503)] * 10)
    url = status_url(site.base_url, TREATY)
    async with Fetcher(fast_policy(retries=2)) as fetcher:
        with pytest.raises(SiteUnavailable, match="HTTP 503 on attempt 3 of 3: ") as caught:
            await fetcher.fetch(url, treaty_id=TREATY)
    assert len(site.log) == 3
    assert url in str(caught.value)


async def test_timeout_is_retried_then_site_unavailable(site: FakeUNSite) -> None:
    site.script(TREATY, Reply(delay_s=0.5), Reply(delay_s=0.5))
    async with Fetcher(fast_policy(timeout_s=0.15, retries=1)) as fetcher:
        with pytest.raises(
            SiteUnavailable, match=r"timed out after 0\.15 s on attempt 2 of 2: "
        ) as caught:
            await fetcher.fetch(status_url(site.base_url, TREATY), treaty_id=TREATY)
    assert len(site.log) == 2
    assert str(caught.value).count("after") == 1  # not "after 0.15 s after 2 attempts"


async def test_connection_refused_is_retried_then_site_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = status_url(f"http://127.0.0.1:{port}", TREATY)
    async with Fetcher(fast_policy(retries=1)) as fetcher:
        with pytest.raises(
            SiteUnavailable, match=r"connection failed \(Connection refused\) on attempt 2 of 2: "
        ):
            await fetcher.fetch(url, treaty_id=TREATY)


async def test_validators_are_returned_and_sent_back_for_a_304(site: FakeUNSite) -> None:
    site.etags = True
    url = status_url(site.base_url, TREATY)
    async with Fetcher(fast_policy()) as fetcher:
        first = await fetcher.fetch(url, treaty_id=TREATY)
        second = await fetcher.fetch(url, treaty_id=TREATY, validators=first.validators)
    assert first.validators == Validators(site.etag_of(PAGE), site.last_modified)
    assert site.log[1].headers["If-None-Match"] == site.etag_of(PAGE)
    assert site.log[1].headers["If-Modified-Since"] == site.last_modified
    assert (second.status, second.not_modified, second.body) == (304, True, b"")
    assert second.validators == first.validators


async def test_a_bare_304_keeps_the_old_validators(site: FakeUNSite) -> None:
    site.script(TREATY, Reply(status=304))
    old = Validators(etag='"abc"', last_modified=None)
    async with Fetcher(fast_policy()) as fetcher:
        result = await fetcher.fetch(
            status_url(site.base_url, TREATY), treaty_id=TREATY, validators=old
        )
    assert result.not_modified and result.body == b""
    assert result.validators == old
    assert site.log[0].headers["If-None-Match"] == '"abc"'
    assert "If-Modified-Since" not in site.log[0].headers


async def test_a_changed_page_answers_200_despite_old_validators(site: FakeUNSite) -> None:
    site.etags = True
    stale = Validators(etag='"stale"', last_modified=None)
    async with Fetcher(fast_policy()) as fetcher:
        result = await fetcher.fetch(
            status_url(site.base_url, TREATY), treaty_id=TREATY, validators=stale
        )
    assert (result.status, result.body) == (200, PAGE)
    assert result.validators.etag == site.etag_of(PAGE)


async def test_request_starts_are_min_interval_apart_including_retries(site: FakeUNSite) -> None:
    site.script(TREATY, Reply(status=503))
    other = "IV-11"
    site.pages[other] = PAGE
    async with Fetcher(fast_policy(min_interval_s=0.2, max_concurrency=2)) as fetcher:
        await asyncio.gather(
            fetcher.fetch(status_url(site.base_url, TREATY), treaty_id=TREATY),
            fetcher.fetch(status_url(site.base_url, other), treaty_id=other),
        )
    starts = sorted(entry.start for entry in site.log)
    assert len(starts) == 3
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    assert min(gaps) >= 0.18, gaps


async def test_max_concurrency_is_never_exceeded_and_is_reached(site: FakeUNSite) -> None:
    site.delay_s = 0.15
    ids = [f"XVIII-{n}" for n in range(1, 7)]
    for treaty_id in ids:
        site.pages[treaty_id] = PAGE
    async with Fetcher(fast_policy(max_concurrency=2)) as fetcher:
        results = await asyncio.gather(
            *(fetcher.fetch(status_url(site.base_url, t), treaty_id=t) for t in ids)
        )
    assert all(result.body == PAGE for result in results)
    assert len(site.log) == 6
    assert site.max_in_flight == 2


async def test_an_external_session_is_used_and_left_open(site: FakeUNSite) -> None:
    async with aiohttp.ClientSession() as session:
        async with Fetcher(fast_policy(), session=session) as fetcher:
            result = await fetcher.fetch(status_url(site.base_url, TREATY), treaty_id=TREATY)
        assert result.body == PAGE
        assert not session.closed


async def test_unknown_treaty_is_a_200_not_found_page(fake_site: FakeUNSite) -> None:
    async with Fetcher(fast_policy()) as fetcher:
        result = await fetcher.fetch(status_url(fake_site.base_url, "I-99"), treaty_id="I-99")
    assert result.status == 200
    assert result.body == fake_site.not_found_body


async def test_a_body_larger_than_the_limit_is_refused_without_retry(
    fake_site: FakeUNSite,
) -> None:
    fake_site.pages["XVIII-16"] = b"<html>" + b"x" * 5000 + b"</html>"
    policy = FetchPolicy(user_agent="test", min_interval_s=0, max_bytes=1000, retries=2)
    async with Fetcher(policy) as fetcher:
        with pytest.raises(FetchError, match="exceeds the 1000-byte limit"):
            await fetcher.fetch(status_url(fake_site.base_url, "XVIII-16"), treaty_id="XVIII-16")
    assert len(fake_site.log) == 1


# --- bounded waits for interactive callers -----------------------------------------------------


class RecordedSleep:
    """Stands in for asyncio.sleep between retries: records the waits, returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


async def test_a_long_retry_after_fails_at_once_beyond_the_wait_limit(site: FakeUNSite) -> None:
    site.script(TREATY, Reply(status=503, headers={"Retry-After": "3600"}))
    heard: list[tuple[str, float, str]] = []
    policy = fast_policy(
        retry_after_max_s=7200.0, max_wait_s=30.0, on_wait=lambda *a: heard.append(a)
    )
    sleep = RecordedSleep()
    url = status_url(site.base_url, TREATY)
    async with Fetcher(policy, sleep=sleep) as fetcher:
        with pytest.raises(SiteUnavailable) as caught:
            await fetcher.fetch(url, treaty_id=TREATY)
    assert "asked to retry after 3600 s; giving up (interactive wait limit 30 s)" in str(
        caught.value
    )
    assert str(caught.value).count(url) == 1
    assert (len(site.log), sleep.waits, heard) == (1, [], [])


async def test_waits_are_announced_and_counted_against_the_limit(site: FakeUNSite) -> None:
    site.script(TREATY, *[Reply(status=429, headers={"Retry-After": "20"})] * 3)
    heard: list[tuple[str, float, str]] = []
    policy = fast_policy(
        retry_after_max_s=300.0, max_wait_s=45.0, on_wait=lambda *a: heard.append(a)
    )
    sleep = RecordedSleep()
    async with Fetcher(policy, sleep=sleep) as fetcher:
        with pytest.raises(SiteUnavailable, match="asked to retry after 20 s; giving up"):
            await fetcher.fetch(status_url(site.base_url, TREATY), treaty_id=TREATY)
    reason = "HTTP 429; the site asked to retry after 20 s"
    assert heard == [(TREATY, 20.0, reason), (TREATY, 20.0, reason)]
    assert sleep.waits == [20.0, 20.0]
    assert len(site.log) == 3  # the third refusal would have needed 60 s of waiting in all


async def test_a_backoff_beyond_the_limit_fails_at_once(site: FakeUNSite) -> None:
    site.script(TREATY, Reply(status=503))
    sleep = RecordedSleep()
    policy = fast_policy(backoff_base_s=10.0, backoff_max_s=60.0, max_wait_s=5.0)
    async with Fetcher(policy, sleep=sleep) as fetcher:
        with pytest.raises(SiteUnavailable, match=r"HTTP 503, the next retry would wait .* s;"):
            await fetcher.fetch(status_url(site.base_url, TREATY), treaty_id=TREATY)
    assert (len(site.log), sleep.waits) == (1, [])


async def test_without_a_limit_every_wait_is_announced_then_the_page_comes(
    site: FakeUNSite,
) -> None:
    site.script(TREATY, Reply(status=503), Reply(status=503))
    heard: list[tuple[str, float, str]] = []
    sleep = RecordedSleep()
    async with Fetcher(fast_policy(on_wait=lambda *a: heard.append(a)), sleep=sleep) as fetcher:
        result = await fetcher.fetch(status_url(site.base_url, TREATY), treaty_id=TREATY)
    assert result.body == PAGE
    assert [(who, why) for who, _, why in heard] == [(TREATY, "HTTP 503; backing off")] * 2
    assert [seconds for _, seconds, _ in heard] == sleep.waits


def test_a_negative_wait_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="max_wait_s"):
        fast_policy(max_wait_s=-1.0)


# --- messages say each thing once --------------------------------------------------------------


async def test_a_redirect_loop_names_the_url_once(site: FakeUNSite) -> None:
    url = status_url(site.base_url, TREATY)
    site.script(TREATY, *[Reply(redirect_to=url)] * 30)
    async with Fetcher(fast_policy()) as fetcher:
        with pytest.raises(FetchError, match="redirect loop") as caught:
            await fetcher.fetch(url, treaty_id=TREATY)
    assert str(caught.value).count(url) == 1
    assert TREATY not in str(caught.value).replace(url, "")
