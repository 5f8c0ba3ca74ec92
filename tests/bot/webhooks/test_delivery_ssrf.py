"""The SSRF guard inside the webhook channel: with `allow_private_targets = false` (the default),
an endpoint whose address is not public is refused at send time, with the reason in the attempt
log, and no connection is ever opened (counted by a loopback TCP server). Registration refusals
are tested through the CLI in test_cli.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from store.db import Store
from tests.bot.delivery.events import consent
from tests.bot.webhooks.support import T0, Clock, Harness, Wall, add_endpoint, config, emit, rows_of
from tests.bot.webhooks.test_ssrf import CountingServer, TableResolver


@pytest_asyncio.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = Store(tmp_path / "t.db")
    yield store
    store.close()


@pytest_asyncio.fixture
async def server() -> AsyncIterator[CountingServer]:
    async with CountingServer() as counting:
        yield counting


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "0x7f000001",
        "2130706433",
        "017700000001",
        "127.1",
        "[::ffff:127.0.0.1]",
        "[64:ff9b::7f00:1]",
    ],
)
async def test_a_send_to_loopback_is_refused_without_connecting(
    store: Store, server: CountingServer, host: str
) -> None:
    h = Harness(store, config(allow_private_targets=False), Clock(), Wall())
    endpoint_id, _ = await add_endpoint(store, f"http://{host}:{server.port}/hook")
    await emit(store, [consent()])
    await h.round_at(T0)
    await h.close()

    assert server.connections == 0
    [row] = await rows_of(store, endpoint_id)
    assert row["status"] == "pending"
    assert "loopback" in str(row["last_error"])
    assert "allow_private_targets" in str(row["last_error"])


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("http://10.0.0.8/hook", "private"),
        ("http://100.64.0.1/hook", "carrier-grade NAT"),
        ("http://[fd00::1]/hook", "unique-local"),
        ("http://0.0.0.0/hook", "this network"),
    ],
)
async def test_non_public_literals_are_refused_at_send_time(
    store: Store, url: str, kind: str
) -> None:
    h = Harness(store, config(allow_private_targets=False), Clock(), Wall())
    endpoint_id, _ = await add_endpoint(store, url)
    await emit(store, [consent()])
    await h.round_at(T0)
    await h.close()

    [row] = await rows_of(store, endpoint_id)
    assert kind in str(row["last_error"])


async def test_a_name_rebound_to_loopback_after_registration_is_refused(
    store: Store, server: CountingServer
) -> None:
    rebound = TableResolver({"hooks.example.org": "127.0.0.1"})
    # `rebound` stands for the DNS answer an attacker controls after registration.
    h = Harness(store, config(allow_private_targets=False), Clock(), Wall(), resolver=rebound)
    endpoint_id, _ = await add_endpoint(store, f"http://hooks.example.org:{server.port}/hook")
    await emit(store, [consent()])
    await h.round_at(T0)
    await h.close()

    assert server.connections == 0
    [row] = await rows_of(store, endpoint_id)
    assert "hooks.example.org resolves to 127.0.0.1, a loopback address" in str(row["last_error"])


async def test_allow_private_targets_lets_the_same_send_through(
    store: Store, server: CountingServer
) -> None:
    h = Harness(store, config(allow_private_targets=True), Clock(), Wall())
    endpoint_id, _ = await add_endpoint(store, f"http://127.0.0.1:{server.port}/hook")
    await emit(store, [consent()])
    await h.round_at(T0)
    await h.close()

    assert server.connections == 1
    assert [r["status"] for r in await rows_of(store, endpoint_id)] == ["sent"]
