"""Operational alerts: one when a treaty starts failing, one when it recovers, never one per
failed check; persisted across restarts; sent to a signed health webhook."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.app import open_app
from bot.config import load_config
from bot.ops import OpsAlert, OpsMonitor, health_webhook_sink, treaty_state
from bot.pipeline import check_treaty
from store import ops, outbox, subscribers, treaties
from tests.bot.helpers import CYBER, NOW, clock, with_france_ratifying, write_config
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.fakesite import FakeUNSite, Reply

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@pytest.mark.parametrize(
    ("failures", "quarantined", "expected"),
    [(0, False, None), (2, False, None), (3, False, "failing"), (9, False, "failing"),
     (0, True, "quarantined"), (5, True, "quarantined")],
)  # fmt: skip
def test_a_treaty_is_failing_from_the_configured_count_on(
    failures: int, quarantined: bool, expected: str | None
) -> None:
    assert treaty_state(failures, quarantined, 3) == expected


async def test_five_failed_checks_then_recovery_raise_one_failing_and_one_recovered_alert(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    fake_site.pages["XVIII-16"] = CYBER.encode()
    config = load_config(str(write_config(tmp_path, fake_site.base_url, retries=0)))
    async with open_app(config, clock=clock) as app:
        await app.store.run(subscribers.upsert_target, "console", "stdout", match="filter", now=NOW)
        await app.store.run(treaties.track, ["XVIII-16"])  # someone relies on it
        monitor = OpsMonitor(app.store, failures_before_alert=3, clock=clock)
        await monitor.after_check(await check_treaty(app, "XVIII-16"))  # baseline
        fake_site.script("XVIII-16", *[Reply(status=503)] * 5)
        outcomes = []
        for _ in range(6):
            result = await check_treaty(app, "XVIII-16")
            outcomes.append(result.outcome)
            await monitor.after_check(result)
        deliveries = await app.store.run(outbox.list_rows)

    assert outcomes == ["failed"] * 5 + ["unchanged"]
    assert [(a.kind, a.subject) for a in monitor.sent] == [
        ("treaty.failing", "XVIII-16"),
        ("treaty.recovered", "XVIII-16"),
    ]
    assert "HTTP 503" in monitor.sent[0].detail
    assert monitor.sent[0].text().startswith("XVIII-16 is failing: ")
    assert deliveries == []  # not one subscriber alert


async def test_a_restarted_monitor_neither_repeats_nor_forgets_an_alert(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    fake_site.pages["XVIII-16"] = CYBER.encode()
    config = load_config(str(write_config(tmp_path, fake_site.base_url, retries=0)))
    async with open_app(config, clock=clock) as app:
        await app.store.run(treaties.track, ["XVIII-16"])
        first = OpsMonitor(app.store, failures_before_alert=1, clock=clock)
        await first.after_check(await check_treaty(app, "XVIII-16"))
        fake_site.script("XVIII-16", Reply(status=503), Reply(status=503))
        await first.after_check(await check_treaty(app, "XVIII-16"))
        second = OpsMonitor(app.store, failures_before_alert=1, clock=clock)  # a restart
        await second.after_check(await check_treaty(app, "XVIII-16"))
        fake_site.pages["XVIII-16"] = with_france_ratifying(CYBER).encode()
        await second.after_check(await check_treaty(app, "XVIII-16"))

    assert [a.kind for a in first.sent] == ["treaty.failing"]
    assert [a.kind for a in second.sent] == ["treaty.recovered"]


async def test_a_failing_treaty_nobody_tracks_or_subscribes_to_raises_no_alert(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    """With the whole catalogue watched, a quiet treaty nobody follows must not page anyone."""
    fake_site.pages["XVIII-16"] = CYBER.encode()
    config = load_config(str(write_config(tmp_path, fake_site.base_url, retries=0)))
    async with open_app(config, clock=clock) as app:
        monitor = OpsMonitor(app.store, failures_before_alert=1, clock=clock)
        await monitor.after_check(await check_treaty(app, "XVIII-16"))
        fake_site.script("XVIII-16", Reply(status=503))
        failed = await check_treaty(app, "XVIII-16")
        await monitor.after_check(failed)

    assert failed.outcome == "failed"
    assert monitor.sent == []


async def test_the_health_webhook_gets_a_signed_standard_webhooks_ops_event() -> None:
    async with WebhookReceiver(secrets=[SECRET]) as receiver:
        sink = health_webhook_sink(receiver.url("/ops"), SECRET, allow_private=True)
        await sink(OpsAlert("treaty.failing", "XVIII-16", "HTTP 503", NOW))
        [request] = receiver.requests("/ops")

    assert request.verified
    body = json.loads(request.body)
    assert body == {
        "type": "ops.treaty.failing",
        "timestamp": "2026-03-12T14:05:09Z",
        "data": {
            "type": "ops.treaty.failing",
            "subject": "XVIII-16",
            "detail": "HTTP 503",
            "at": "2026-03-12T14:05:09Z",
        },
    }


async def test_the_health_webhook_refuses_a_private_address_unless_allowed() -> None:
    async with WebhookReceiver(secrets=[SECRET]) as receiver:
        sink = health_webhook_sink(receiver.url("/ops"), SECRET, allow_private=False)
        with pytest.raises(Exception, match=r"loopback|private|not public"):
            await sink(OpsAlert("treaty.failing", "XVIII-16", "HTTP 503", NOW))
        assert receiver.requests("/ops") == []


async def test_a_disabled_webhook_endpoint_is_alerted_once_even_across_restarts(
    tmp_path: Path,
) -> None:
    config = load_config(str(write_config(tmp_path, "http://127.0.0.1:9")))
    async with open_app(config, clock=clock) as app:
        first = OpsMonitor(app.store, failures_before_alert=3, clock=clock)
        first.delivery_hook("gone", "webhook", "wh_1", "HTTP 410 Gone")
        first.delivery_hook("exhausted", "telegram", "42", "not an ops subject")
        await asyncio.sleep(0.1)
        again = OpsMonitor(app.store, failures_before_alert=3, clock=clock)  # a restart
        again.delivery_hook("gone", "webhook", "wh_1", "HTTP 410 Gone")
        again.delivery_hook("exhausted", "webhook", "wh_2", "gave up after 7 attempts")
        await asyncio.sleep(0.1)

    assert [(a.kind, a.subject) for a in first.sent] == [("webhook.disabled", "wh_1")]
    assert [(a.kind, a.subject) for a in again.sent] == [("webhook.exhausted", "wh_2")]


async def test_retention_deletes_old_checks_and_sent_deliveries_but_never_events(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    fake_site.pages["XVIII-16"] = CYBER.encode()
    config = load_config(str(write_config(tmp_path, fake_site.base_url)))
    async with open_app(config, clock=clock) as app:
        await app.store.run(subscribers.upsert_target, "console", "stdout", match="filter", now=NOW)
        await check_treaty(app, "XVIII-16")
        fake_site.pages["XVIII-16"] = with_france_ratifying(CYBER).encode()
        await check_treaty(app, "XVIII-16")
        [claimed] = await app.store.run(outbox.claim_due, "console", NOW.timestamp() + 1, 10)
        await app.store.run(outbox.mark_sent, [claimed.id], now=NOW.timestamp() + 1)
        keep = await app.store.run(ops.prune, before="2026-03-12T00:00:00Z")
        removed = await app.store.run(ops.prune, before="2026-06-01T00:00:00Z")
        left = await app.store.run(outbox.list_rows)
        events = await app.store.run(treaties.query_events)

    assert keep == {"checks": 0, "deliveries": 0}
    assert removed == {"checks": 2, "deliveries": 1}
    assert left == []
    assert [e["type"] for e in events] == ["treaty.consent"]
