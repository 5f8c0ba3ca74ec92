"""Telegram updates by webhook: the POST route checks the secret token on every update, limits
and parses the body and queues a real PTB `Update`; and `treatybot run` with `webhook_url` set
calls setWebhook instead of polling and answers /start posted to its own HTTP server."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from telegram import Bot, Update
from telegram.ext import ApplicationBuilder

from bot.telegram.app import ALLOWED_UPDATES, PtbApplication
from bot.telegram.webhook import MAX_BODY, SECRET_HEADER, make_handler, webhook_path
from tests.bot.helpers import CYBER, write_config
from tests.bot.telegram.support import wait_for
from tests.bot.test_service import Service
from tests.fakes.telegram_api import FakeBotAPI
from tests.fakes.telegram_model import TOKEN
from tests.fakesite import FakeUNSite

SECRET = "s3cret_Token-42"
PATH = "/telegram/updates"
ALICE, EVE = 7, 11


def start_update(chat_id: int) -> dict[str, Any]:
    """The Update JSON Telegram would POST for a user writing /start (built by the fake)."""
    return FakeBotAPI().user_sends(chat_id, "/start")


@pytest.fixture
def application() -> PtbApplication:
    built: PtbApplication = ApplicationBuilder().bot(Bot(TOKEN)).job_queue(None).build()
    return built


@pytest_asyncio.fixture
async def client(application: PtbApplication) -> AsyncIterator[TestClient[Any, Any]]:
    web_app = web.Application()
    web_app.router.add_post(PATH, make_handler(application, SecretStr(SECRET)))
    async with TestClient(TestServer(web_app, host="127.0.0.1")) as test_client:
        yield test_client


def queued(application: PtbApplication) -> list[object]:
    items = []
    while not application.update_queue.empty():
        items.append(application.update_queue.get_nowait())
    return items


async def test_an_update_with_the_right_secret_is_queued_as_a_ptb_update(
    client: TestClient[Any, Any], application: PtbApplication
) -> None:
    update = start_update(ALICE)

    response = await client.post(PATH, json=update, headers={SECRET_HEADER: SECRET})

    assert (response.status, await response.json()) == (200, {"ok": True})
    [got] = queued(application)
    assert isinstance(got, Update)
    assert got.update_id == update["update_id"]
    assert got.effective_chat is not None and got.effective_chat.id == ALICE
    assert got.effective_message is not None and got.effective_message.text == "/start"
    assert got.get_bot() is application.bot


async def test_an_update_telegram_sends_again_is_acknowledged_and_handled_once(
    client: TestClient[Any, Any], application: PtbApplication
) -> None:
    update = start_update(ALICE)
    headers = {SECRET_HEADER: SECRET}

    first = await client.post(PATH, json=update, headers=headers)
    again = await client.post(PATH, json=update, headers=headers)

    assert (first.status, again.status) == (200, 200)
    assert [u.update_id for u in queued(application)] == [update["update_id"]]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {SECRET_HEADER: ""},
        {SECRET_HEADER: "wrong"},
        {SECRET_HEADER: SECRET[:-1]},
        {SECRET_HEADER: SECRET + "x"},
        {SECRET_HEADER: SECRET.upper()},
        {SECRET_HEADER: "sécret"},
    ],
    ids=["missing", "empty", "wrong", "prefix", "longer", "case", "non-ascii"],
)
async def test_a_missing_or_wrong_secret_is_refused_403_and_nothing_is_queued(
    client: TestClient[Any, Any], application: PtbApplication, headers: dict[str, str]
) -> None:
    response = await client.post(PATH, json=start_update(ALICE), headers=headers)

    assert response.status == 403
    assert (await response.json())["error"] == "forbidden"
    assert queued(application) == []


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe",
        b"[]",
        b'"update"',
        b'{"message": {}}',
        b'{"update_id": "1"}',
        b'{"update_id": true}',
        b'{"update_id": 1, "message": {"chat": 5}}',
        b'{"update_id": 1, "message": "hello"}',
    ],
)
async def test_a_body_that_is_not_an_update_is_refused_400_and_nothing_is_queued(
    client: TestClient[Any, Any], application: PtbApplication, body: bytes
) -> None:
    response = await client.post(PATH, data=body, headers={SECRET_HEADER: SECRET})

    assert response.status == 400
    assert (await response.json())["error"] == "bad_request"
    assert queued(application) == []


async def test_a_body_over_the_limit_is_refused_413_with_or_without_a_length(
    client: TestClient[Any, Any], application: PtbApplication
) -> None:
    update = start_update(ALICE)
    update["message"]["text"] = "/start " + "x" * MAX_BODY
    body = json.dumps(update).encode()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 65536):
            yield body[start : start + 65536]

    sized = await client.post(PATH, data=body, headers={SECRET_HEADER: SECRET})
    chunked = await client.post(PATH, data=chunks(), headers={SECRET_HEADER: SECRET})

    assert (sized.status, chunked.status) == (413, 413)
    assert queued(application) == []


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("https://example.org/telegram/updates", "/telegram/updates"),
        ("https://example.org:8443/tg/hook?from=telegram", "/tg/hook"),
        ("https://example.org", "/"),
    ],
)
def test_the_route_is_the_path_of_the_webhook_url(url: str, path: str) -> None:
    assert webhook_path(url) == path


# -- `treatybot run` in webhook mode ------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def webhook_config(tmp_path: Path, site: FakeUNSite, fake: FakeBotAPI, port: int) -> Path:
    path = write_config(
        tmp_path,
        site.base_url,
        extra=f"""
[console]
enabled = false

[telegram]
api_base_url = "{fake.url}"
webhook_url = "https://example.org{PATH}"

[[treaties]]
id = "XVIII-16"
interval = "1h"
""",
    )
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("port = 0\n", f"port = {port}\n", 1), encoding="utf-8")
    return path


async def post(url: str, update: dict[str, Any], secret: str | None) -> int:
    headers = {} if secret is None else {SECRET_HEADER: secret}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json=update, headers=headers) as response,
    ):
        return response.status


async def wait_until_serving(base: str) -> None:
    async def answers() -> bool:
        try:
            async with aiohttp.ClientSession() as session, session.get(f"{base}/healthz"):
                return True
        except aiohttp.ClientConnectionError:
            return False

    for _ in range(300):
        if await answers():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{base} did not answer")


async def test_run_with_a_webhook_url_sets_the_webhook_and_answers_updates_posted_to_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with (
        FakeUNSite(pages={"XVIII-16": CYBER.encode()}) as site,
        FakeBotAPI() as fake,
    ):
        service = Service(webhook_config(tmp_path, site, fake, port))
        await service.start()
        try:
            await wait_for(lambda: len(fake.calls_to("setWebhook")) > 0, 20)
            await wait_until_serving(base)

            refused = [
                await post(f"{base}{PATH}", fake.user_sends(EVE, "/start"), None),
                await post(f"{base}{PATH}", fake.user_sends(EVE, "/start"), "not-the-secret"),
            ]
            accepted = await post(f"{base}{PATH}", fake.user_sends(ALICE, "/start"), SECRET)
            await wait_for(lambda: len(fake.sent(ALICE)) > 0, 20)
        finally:
            code, err = await service.stop()

        assert (refused, accepted, code) == ([403, 403], 200, 0)
        [set_webhook] = fake.calls_to("setWebhook")
        params = set_webhook.params
        allowed = params["allowed_updates"]
        assert params["url"] == f"https://example.org{PATH}"
        assert params["secret_token"] == SECRET
        assert (json.loads(allowed) if isinstance(allowed, str) else allowed) == list(
            ALLOWED_UPDATES
        )
        assert fake.calls_to("getUpdates") == []
        assert fake.sent(ALICE)[0].json["text"].startswith("treatybot watches the UN")
        assert fake.sent(EVE) == []  # every queued update is handled before the service stops
        assert SECRET not in err
