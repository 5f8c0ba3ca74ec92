"""`treatybot run` with a webhook endpoint from config.toml: a change on the (fake) site reaches a
local receiver signed and schema-valid, through the registry, the outbox and the dispatcher."""

from __future__ import annotations

import asyncio
import contextlib
import io
import sqlite3
from pathlib import Path

import pytest

from bot.config import load_config
from bot.service import run_service
from bot.webhooks.signing import generate_secret
from tests.bot.helpers import CYBER, with_france_ratifying, write_config
from tests.bot.webhooks.support import schema_errors
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.fakesite import FakeUNSite


async def baseline_taken(db: Path) -> None:
    """Poll until the service has stored its first check (a silent baseline)."""
    async with asyncio.timeout(15):
        while True:
            with contextlib.suppress(sqlite3.OperationalError):
                if db.exists():
                    with contextlib.closing(sqlite3.connect(db)) as conn:
                        if conn.execute("SELECT count(*) FROM checks").fetchone() != (0,):
                            return
            await asyncio.sleep(0.05)


async def test_a_change_on_the_site_reaches_a_config_endpoint_signed(
    fake_site: FakeUNSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = generate_secret()
    monkeypatch.setenv("HOOK_SECRET", secret)
    fake_site.pages["XVIII-16"] = CYBER.encode()
    async with WebhookReceiver(secrets=[secret]) as rx:
        extra = (
            '[[treaties]]\nid = "XVIII-16"\ninterval = "1s"\n'
            "[webhooks]\nallow_private_targets = true\nallow_http = true\n"
            f'[[webhooks.endpoints]]\nurl = "{rx.url("/hook")}"\nsecret_env = "HOOK_SECRET"\n'
        )
        config = load_config(str(write_config(tmp_path, fake_site.base_url, extra=extra)))
        stop = asyncio.Event()
        service = asyncio.create_task(run_service(config, stop=stop, console_stream=io.StringIO()))
        try:
            await baseline_taken(tmp_path / "treatybot.db")
            fake_site.pages["XVIII-16"] = with_france_ratifying(CYBER).encode()
            [request] = await rx.wait_for(1, "/hook", timeout=15)
        finally:
            stop.set()
            with contextlib.suppress(asyncio.CancelledError):
                await service

    assert request.verified_by == (secret,)
    assert request.json()["type"] == "treaty.consent"
    assert request.json()["data"]["participant"]["name"] == "France"
    assert schema_errors(request.json()) == []
