"""`treatybot run` as a deployed process: a real subprocess against the fake UN site, the fake
Telegram Bot API and a webhook receiver that verifies signatures.

- a change on the site reaches a subscribed chat, the webhook endpoint, `/api/events`, the Atom
  feed and `/metrics`; SIGTERM ends the process with exit 0 within the shutdown timeout;
- `kill -9` in the middle of a broadcast, then a restart: every alert delivered, duplicates only
  for sends that were on the wire, `PRAGMA integrity_check` ok;
- the site fails for five checks then recovers: exactly one "failing" and one "recovered"
  operational alert (admin chat and health webhook), and not one subscriber alert.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import feedparser
import pytest
from prometheus_client.parser import text_string_to_metric_families

from store import subscribers
from store.db import Store
from tests.bot.helpers import CYBER, NOW, with_france_ratifying, write_config
from tests.bot.telegram.support import wait_for
from tests.bot.test_service import Service, first_check
from tests.fakes.telegram_api import FakeBotAPI
from tests.fakes.telegram_model import TOKEN
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.fakesite import FakeUNSite, Reply

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
HEALTH_SECRET = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
ALICE, ADMIN = 7, 99
SHUTDOWN_S = 5.0


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TB_HOOK_SECRET", SECRET)
    monkeypatch.setenv("TB_HEALTH_SECRET", HEALTH_SECRET)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    yield


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def deployment(
    tmp_path: Path,
    site: FakeUNSite,
    fake: FakeBotAPI,
    receiver: WebhookReceiver,
    port: int,
    *,
    retries: int = 3,
) -> Path:
    return write_config(
        tmp_path,
        site.base_url,
        retries=retries,
        http_port=port,
        extra=f"""
[console]
enabled = false

[telegram]
api_base_url = "{fake.url}"
admin_chat_ids = [{ADMIN}]

[webhooks]
allow_private_targets = true
allow_http = true

[[webhooks.endpoints]]
url = "{receiver.url("/hook")}"
secret_env = "TB_HOOK_SECRET"

[health]
failures_before_alert = 3
webhook_url = "{receiver.url("/ops")}"
webhook_secret_env = "TB_HEALTH_SECRET"

[service]
shutdown_timeout_s = {SHUTDOWN_S}

[[treaties]]
id = "XVIII-16"
interval = "1s"
""",
    )


async def metrics_once_delivered(url: str) -> str:
    """/metrics once both deliveries are recorded (a send is marked just after it arrives)."""
    wanted = ('channel="webhook",outcome="sent"', 'channel="telegram",outcome="sent"')
    for _ in range(100):
        _, text = await get(url)
        if all(f"treatybot_deliveries_total{{{labels}}} 1.0" in text for labels in wanted):
            return text
        await asyncio.sleep(0.1)
    return text


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return list(conn.execute(sql))


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text()


async def test_a_change_reaches_chat_endpoint_api_feed_and_metrics_then_sigterm_exits_0(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    fake_site.pages["XVIII-16"] = CYBER.encode()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with FakeBotAPI() as fake, WebhookReceiver(secrets=[SECRET]) as receiver:
        service = Service(deployment(tmp_path, fake_site, fake, receiver, port))
        await service.start()
        try:
            await first_check(tmp_path / "treatybot.db")
            await wait_for(lambda: len(fake.calls_to("getUpdates")) > 0, 20)
            fake.user_sends(ALICE, "/subscribe cybercrime")
            await wait_for(lambda: len(fake.sent(ALICE)) >= 1, 20)
            assert (await get(f"{base}/healthz"))[0] == 200

            fake_site.pages["XVIII-16"] = with_france_ratifying(CYBER).encode()

            await wait_for(lambda: any("France" in m.json["text"] for m in fake.sent(ALICE)), 20)
            [delivered] = await receiver.wait_for(1, "/hook", timeout=20)
            status, body = await get(f"{base}/api/events?type=treaty.consent")
            _, feed_text = await get(f"{base}/feed.atom")
            metrics_text = await metrics_once_delivered(f"{base}/metrics")
        finally:
            assert service.proc is not None
            stopping = time.monotonic()
            code, err = await service.stop()
            stopped_in = time.monotonic() - stopping

    assert code == 0, err
    assert stopped_in < SHUTDOWN_S + 3
    # the webhook endpoint: a signed Standard Webhooks event, verified on the exact bytes
    assert delivered.verified
    payload = json.loads(delivered.body)
    assert (payload["type"], payload["data"]["participant"]["name"]) == ("treaty.consent", "France")
    assert delivered.headers["webhook-id"] == payload["data"]["id"]
    # the API: the same event, with its sequence number
    assert status == 200
    [event] = json.loads(body)["events"]
    assert (event["id"], event["participant"]["name"]) == (payload["data"]["id"], "France")
    assert isinstance(event["seq"], int)
    # the Atom feed: valid, one entry for the event
    feed = feedparser.parse(feed_text)
    assert feed.bozo == 0
    assert [entry.title for entry in feed.entries if "France" in entry.title] != []
    # the metrics: the check, the event and both deliveries counted
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(metrics_text)
        for sample in family.samples
    }
    assert samples[("treatybot_events_total", (("type", "treaty.consent"),))] == 1
    assert samples[("treatybot_checks_total", (("outcome", "changed"),))] >= 1
    sent = "sent"
    assert samples[("treatybot_deliveries_total", (("channel", "webhook"), ("outcome", sent)))] == 1
    assert (
        samples[("treatybot_deliveries_total", (("channel", "telegram"), ("outcome", sent)))] == 1
    )


async def test_kill_9_during_a_broadcast_then_restart_delivers_every_alert(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    chats = list(range(1000, 1080))
    fake_site.pages["XVIII-16"] = CYBER.encode()
    db = tmp_path / "treatybot.db"
    async with FakeBotAPI() as fake, WebhookReceiver(secrets=[SECRET]) as receiver:
        config = deployment(tmp_path, fake_site, fake, receiver, free_port())
        first = Service(config)
        await first.start()
        await first_check(db)
        assert (await first.stop())[0] == 0
        store = Store(db)
        for chat in chats:
            target = store.call(
                subscribers.upsert_target, "telegram", str(chat), match="subscribed", now=NOW
            )
            store.call(subscribers.subscribe, target, "treaty", "XVIII-16", now=NOW)
        store.close()
        fake_site.pages["XVIII-16"] = with_france_ratifying(CYBER).encode()

        # The Bot API delivers 20 messages, then holds every later send unanswered: the kill
        # lands in the middle of the broadcast however loaded the machine is.
        fake.hold_after(20)
        broadcast = Service(config)
        await broadcast.start()
        await wait_for(lambda: len(fake.sent()) == 20 and fake.held > 0, 30)
        assert broadcast.proc is not None
        broadcast.proc.kill()  # kill -9 in the middle of the broadcast
        await broadcast.proc.wait()
        at_kill, on_the_wire = len(fake.sent()), fake.held
        # What reached Telegram is delivered although its sender died (and was never marked).
        fake.hold_after(None)
        fake.release()
        await wait_for(lambda: fake.held == 0 and len(fake.sent()) == at_kill + on_the_wire, 10)
        # A restart cannot know when the dead process last sent to a chat: like any real
        # restart, it comes no sooner than one per-chat interval (1 s) after the crash.
        await asyncio.sleep(1.0)

        restarted = Service(config)
        await restarted.start()
        await wait_for(lambda: {m.chat_id for m in fake.sent()} >= set(chats), 40)
        await asyncio.sleep(1.0)  # anything sent twice would arrive now
        assert (await restarted.stop())[0] == 0

    per_chat = Counter(m.chat_id for m in fake.sent() if m.chat_id in chats)
    assert at_kill == 20
    assert set(per_chat) == set(chats)  # every alert delivered
    twice = [chat for chat, count in per_chat.items() if count > 1]
    # Only a send on the wire when the process died arrives twice (its row was not yet marked):
    # exactly those, and the pacer lets one message out at a time, so that is one or two.
    assert 1 <= on_the_wire <= 2
    assert len(twice) == on_the_wire, twice
    assert max(per_chat.values()) <= 2
    assert rows(
        db, "SELECT status, count(*) FROM outbox WHERE channel = 'telegram' GROUP BY 1"
    ) == [("sent", len(chats))]
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]
    assert fake.violations == []


async def test_five_failed_checks_then_recovery_raise_one_failing_and_one_recovered_alert(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    fake_site.pages["XVIII-16"] = CYBER.encode()
    db = tmp_path / "treatybot.db"
    async with FakeBotAPI() as fake, WebhookReceiver(secrets=[HEALTH_SECRET]) as receiver:
        config = deployment(tmp_path, fake_site, fake, receiver, free_port(), retries=0)
        service = Service(config)
        await service.start()
        try:
            await first_check(db)
            await wait_for(lambda: len(fake.calls_to("getUpdates")) > 0, 20)
            fake.user_sends(ALICE, "/subscribe cybercrime")
            await wait_for(lambda: len(fake.sent(ALICE)) >= 1, 20)
            replies_before = len(fake.sent(ALICE))
            checks_before = len(fake_site.requests_to("XVIII-16"))
            fake_site.script("XVIII-16", *[Reply(status=503)] * 5)
            await wait_for(lambda: len(fake_site.requests_to("XVIII-16")) >= checks_before + 8, 30)
            await receiver.wait_for(2, "/ops", timeout=10)
            await asyncio.sleep(0.5)
        finally:
            code, err = await service.stop()

    assert code == 0, err
    ops = [json.loads(r.body) for r in receiver.requests("/ops")]
    assert [o["type"] for o in ops] == ["ops.treaty.failing", "ops.treaty.recovered"]
    assert all(r.verified for r in receiver.requests("/ops"))
    admin = [m.json["text"] for m in fake.sent(ADMIN)]
    assert len(admin) == 2
    assert "XVIII-16 is failing" in admin[0] and "HTTP 503" in admin[0]
    assert "XVIII-16 recovered" in admin[1]
    assert len(fake.sent(ALICE)) == replies_before  # not one subscriber alert
    assert receiver.requests("/hook") == []
    assert fake.html_rejections == []
