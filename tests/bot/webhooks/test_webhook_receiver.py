"""The fake webhook consumer: records exact bytes, verifies with the reference package, and plays
scripted failures (statuses, redirects, Retry-After, hangs, dropped connections) over loopback."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio

from bot.webhooks.signing import generate_secret, headers
from tests.fakes.webhook_receiver import Drop, Hang, Reply, WebhookReceiver

SECRET = generate_secret()
# Non-ASCII, odd spacing and key order: the receiver must keep these bytes exactly.
BODY = '{"type":"treaty.ratified",  "data":{"participant":"Türkiye","n":1}}'.encode()


@pytest_asyncio.fixture
async def rx() -> AsyncIterator[WebhookReceiver]:
    async with WebhookReceiver(secrets=[SECRET]) as receiver:
        yield receiver


async def post(
    url: str, body: bytes = BODY, *, secrets: list[str] | None = None, msg_id: str = "msg_1"
) -> aiohttp.ClientResponse:
    sent = headers(secrets or [SECRET], msg_id, int(time.time()), body)
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=sent, allow_redirects=False) as response,
    ):
        await response.read()
        return response


async def test_a_signed_request_is_recorded_byte_for_byte_and_verified(
    rx: WebhookReceiver,
) -> None:
    response = await post(rx.url("/hook"))
    [received] = rx.requests("/hook")
    assert response.status == 204
    assert received.body == BODY
    assert received.verified is True
    assert received.headers["webhook-id"] == "msg_1"
    assert (b"webhook-id", b"msg_1") in received.raw_headers
    assert received.json()["data"]["participant"] == "Türkiye"


async def test_a_tampered_body_or_a_foreign_secret_is_recorded_as_unverified(
    rx: WebhookReceiver,
) -> None:
    sent = headers([SECRET], "msg_2", int(time.time()), BODY)
    async with aiohttp.ClientSession() as session:
        await session.post(rx.url("/hook"), data=BODY + b" ", headers=sent)
    await post(rx.url("/hook"), secrets=[generate_secret()])
    tampered, foreign = rx.requests("/hook")
    assert (tampered.verified, foreign.verified) == (False, False)
    assert "No matching signature" in tampered.verify_errors[0]


async def test_during_a_rotation_the_receiver_reports_which_secrets_verify() -> None:
    old, new = generate_secret(), generate_secret()
    async with WebhookReceiver(secrets=[old, new]) as rx:
        await post(rx.url("/r"), secrets=[old, new])
        await post(rx.url("/r"), secrets=[new])
        both, only_new = rx.requests("/r")
    assert both.verified_by == (old, new)
    assert only_new.verified_by == (new,)


async def test_a_script_plays_in_order_then_the_default_answers(rx: WebhookReceiver) -> None:
    rx.script("/hook", *[Reply(500)] * 3, Reply(200))
    statuses = [(await post(rx.url("/hook"))).status for _ in range(5)]
    assert statuses == [500, 500, 500, 200, 204]
    assert [r.answered for r in rx.requests("/hook")] == statuses


async def test_gone_and_retry_after_are_answered_as_scripted(rx: WebhookReceiver) -> None:
    rx.script("/gone", Reply(410))
    rx.script("/busy", Reply(429, headers={"Retry-After": "120"}))
    assert (await post(rx.url("/gone"))).status == 410
    busy = await post(rx.url("/busy"))
    assert (busy.status, busy.headers["Retry-After"]) == (429, "120")


async def test_a_followed_redirect_shows_up_on_the_location_path(rx: WebhookReceiver) -> None:
    rx.script("/moved", Reply(301, headers={"Location": rx.url("/elsewhere")}))
    assert (await post(rx.url("/moved"))).status == 301
    assert rx.requests("/elsewhere") == []

    rx.script("/moved", Reply(301, headers={"Location": rx.url("/elsewhere")}))
    async with aiohttp.ClientSession() as session:
        await session.post(rx.url("/moved"), data=BODY)  # aiohttp's default follows redirects
    assert len(rx.requests("/elsewhere")) == 1


async def test_a_hang_outlasts_the_client_timeout_and_is_still_recorded(
    rx: WebhookReceiver,
) -> None:
    rx.script("/slow", Hang(60))
    with pytest.raises(TimeoutError):
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=0.2)) as session:
            await session.post(rx.url("/slow"), data=BODY)
    [received] = rx.requests("/slow")
    assert (received.body, received.answered) == (BODY, None)


async def test_a_dropped_connection_is_a_server_disconnect_for_the_client(
    rx: WebhookReceiver,
) -> None:
    rx.script("/rude", Drop())
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await post(rx.url("/rude"))
    assert len(rx.requests("/rude")) == 1
    assert (await post(rx.url("/rude"))).status == 204


async def test_wait_for_returns_once_enough_requests_arrived(rx: WebhookReceiver) -> None:
    await post(rx.url("/a"))
    await post(rx.url("/a"), msg_id="msg_2")
    arrived = await rx.wait_for(2, "/a", timeout=1.0)
    assert [r.headers["webhook-id"] for r in arrived] == ["msg_1", "msg_2"]
    with pytest.raises(TimeoutError):
        await rx.wait_for(3, "/a", timeout=0.05)
