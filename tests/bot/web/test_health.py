"""`/healthz` turns 503 with its reasons — scheduler stopped, a treaty failing
`failures_before_alert` checks in a row or quarantined, a due delivery overdue — and back to
200 when they clear; `/metrics` is Prometheus text with the treatybot_ names and live values."""

from __future__ import annotations

import re
from typing import Any

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from sqlite_utils import Database

from bot import metrics
from store import outbox
from store.db import immediate
from tests.bot.helpers import NOW, scrape, write_config
from tests.bot.web.conftest import Web, cyber_pages
from tests.fakesite import FakeUNSite, Reply


async def health(web: Web) -> tuple[int, dict[str, Any]]:
    response = await web.client.get("/healthz")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return response.status, await response.json()


def queue_overdue(db: Database, seconds_ago: float) -> list[int]:
    """One console delivery of the first event, due `seconds_ago` before the test's now."""
    event_id, seq = db.execute("SELECT id, seq FROM events ORDER BY seq LIMIT 1").fetchone()
    with immediate(db):
        outbox.enqueue(
            db, event_id, seq, [("console", "stdout")], now=NOW.timestamp() - seconds_ago
        )
    return [row[0] for row in db.execute("SELECT id FROM outbox").fetchall()]


async def test_healthy_service_is_200_ok(web: Web) -> None:
    status, body = await health(web)

    assert status == 200
    assert body["status"] == "ok"
    assert body["reasons"] == []
    assert body["scheduler"] == "running"
    assert body["treaties"]["tracked"] == 1
    assert body["outbox"] == {"oldest_due_lag_s": None, "max_lag_s": 600.0}


async def test_a_stopped_scheduler_is_503(web: Web) -> None:
    web.probe.running = False

    status, body = await health(web)

    assert (status, body["status"], body["scheduler"]) == (503, "unhealthy", "stopped")
    assert body["reasons"] == ["the scheduler is not running"]


async def test_503_after_n_failed_checks_in_a_row_and_200_after_recovery(
    web: Web, fake_site: FakeUNSite
) -> None:
    config = write_config(web.config.parent, fake_site.base_url, retries=0)
    fake_site.pages["XVIII-16"] = cyber_pages()[-1].encode()
    fake_site.script("XVIII-16", *[Reply(status=500)] * 3)
    statuses = []
    for _ in range(3):
        [result] = await scrape(config, "XVIII-16")
        assert result.outcome == "failed"
        statuses.append((await health(web))[0])
    _, failing = await health(web)
    [recovered] = await scrape(config, "XVIII-16")
    after = await health(web)

    assert statuses == [200, 200, 503]
    assert failing["treaties"]["failing"][0]["id"] == "XVIII-16"
    [reason] = failing["reasons"]
    assert reason.startswith("XVIII-16: 3 checks failed in a row (last error: ")
    assert "HTTP 500" in reason
    assert recovered.outcome == "unchanged"
    assert after[0] == 200


async def test_a_quarantined_treaty_is_503(web: Web, fake_site: FakeUNSite) -> None:
    config = write_config(web.config.parent, fake_site.base_url, retries=0)
    page, count = re.subn(r"<tr><td>Cuba</td>.*?</tr>", "", cyber_pages()[-1])
    assert count == 1
    fake_site.pages["XVIII-16"] = page.encode()
    [result] = await scrape(config, "XVIII-16")

    status, body = await health(web)

    assert (result.outcome, status) == ("quarantined", 503)
    [reason] = body["reasons"]
    assert reason.startswith("XVIII-16: quarantined: ") and "Cuba" in reason


async def test_an_overdue_delivery_is_503_until_it_is_sent(web: Web) -> None:
    ids = await web.app.store.run(queue_overdue, 601)
    overdue = await health(web)
    await web.app.store.run(outbox.mark_sent, ids, now=NOW.timestamp())
    sent = await health(web)

    assert overdue[0] == 503
    assert overdue[1]["outbox"]["oldest_due_lag_s"] == 601
    assert overdue[1]["reasons"] == [
        "the oldest due delivery has waited 601 s (more than [health] max_outbox_lag = 600 s)"
    ]
    assert sent[0] == 200


async def test_a_delivery_due_within_the_lag_is_healthy(web: Web) -> None:
    await web.app.store.run(queue_overdue, 599)

    status, body = await health(web)

    assert (status, body["outbox"]["oldest_due_lag_s"]) == (200, 599)


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


async def scrape_metrics(web: Web) -> tuple[set[str], dict[Any, float]]:
    response = await web.client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"] == metrics.CONTENT_TYPE_LATEST
    text = await response.text()
    names = {family.name for family in text_string_to_metric_families(text)}
    return names, samples(text)


async def test_metrics_text_has_the_treatybot_families_and_process_metrics(web: Web) -> None:
    names, _ = await scrape_metrics(web)

    assert {
        "treatybot_checks",
        "treatybot_check_duration_seconds",
        "treatybot_events",
        "treatybot_deliveries",
        "treatybot_delivery_latency_seconds",
        "treatybot_end_to_end_latency_seconds",
        "treatybot_detection_latency_seconds",
        "treatybot_telegram_429",
        "treatybot_outbox_depth",
        "process_resident_memory_bytes",
    } <= names


async def test_observations_show_in_the_next_scrape(web: Web) -> None:
    failed = ("treatybot_checks_total", (("outcome", "failed"),))
    milestones = ("treatybot_events_total", (("type", "treaty.milestone"),))
    sent = ("treatybot_deliveries_total", (("channel", "webhook"), ("outcome", "sent")))
    fast = ("treatybot_delivery_latency_seconds_bucket", (("channel", "webhook"), ("le", "1.0")))
    slow = ("treatybot_delivery_latency_seconds_count", (("channel", "webhook"),))
    whole = (
        "treatybot_end_to_end_latency_seconds_bucket",
        (("channel", "webhook"), ("le", "300.0")),
    )
    too_many = ("treatybot_telegram_429_total", ())
    _, before = await scrape_metrics(web)

    metrics.observe_check("failed", 0.2)
    metrics.observe_event("treaty.milestone")
    metrics.observe_delivery("webhook", "sent", 0.7, 200.0)
    metrics.observe_delivery("webhook", "retry", 3.0, 250.0)  # a retry has no latency to record
    metrics.observe_telegram_429()
    _, after = await scrape_metrics(web)

    def grew(key: Any) -> float:
        return after[key] - before.get(key, 0.0)

    observed = (failed, milestones, sent, fast, slow, whole, too_many)
    assert [grew(k) for k in observed] == [1, 1, 1, 1, 1, 1, 1]


async def test_outbox_depth_is_read_from_the_store_at_scrape_time(web: Web) -> None:
    ids = await web.app.store.run(queue_overdue, 10)
    _, pending = await scrape_metrics(web)
    await web.app.store.run(outbox.mark_sent, ids, now=NOW.timestamp())
    _, sent = await scrape_metrics(web)

    def depth(values: dict[Any, float], status: str) -> float:
        return values[("treatybot_outbox_depth", (("channel", "console"), ("status", status)))]

    assert (depth(pending, "pending"), depth(pending, "sent")) == (1, 0)
    assert (depth(sent, "pending"), depth(sent, "sent")) == (0, 1)


def test_checks_and_events_start_at_zero_for_every_known_label() -> None:
    text = generate_latest(metrics.REGISTRY).decode()
    values = samples(text)

    assert ("treatybot_checks_total", (("outcome", "quarantined"),)) in values
    assert ("treatybot_events_total", (("type", "treaty.entry_into_force"),)) in values
