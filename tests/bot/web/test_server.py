"""`serve` on a real loopback port and `WebServer.stop`, as the service will use them."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from bot.app import command_app
from bot.config import load_config
from bot.web import running
from tests.bot.helpers import clock


async def test_serve_answers_on_the_bound_port_and_stop_closes_it(web_config: Path) -> None:
    with command_app(load_config(str(web_config)), clock=clock) as app:
        async with running(app, health=lambda: True, host="127.0.0.1", port=0) as server:
            url = server.url
            async with aiohttp.ClientSession() as session, session.get(f"{url}/healthz") as r:
                assert (r.status, (await r.json())["status"]) == (200, "ok")
            assert server.port > 0

        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.ClientConnectionError):
                await session.get(f"{url}/healthz")


async def test_head_and_errors_carry_the_cors_header(web_config: Path) -> None:
    with command_app(load_config(str(web_config)), clock=clock) as app:
        async with (
            running(app, health=lambda: True, host="127.0.0.1", port=0) as server,
            aiohttp.ClientSession() as session,
        ):
            head = await session.head(f"{server.url}/feed.atom")
            missing = await session.get(f"{server.url}/nowhere")

    assert head.status == 200
    assert head.headers["Access-Control-Allow-Origin"] == "*"
    assert missing.status == 404
    assert missing.headers["Access-Control-Allow-Origin"] == "*"
    assert missing.headers["X-Content-Type-Options"] == "nosniff"
