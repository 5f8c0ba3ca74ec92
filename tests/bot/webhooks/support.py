"""Shared pieces of the webhook tests: a controllable clock, the schema validator, a real outbox
with endpoints in it, and a dispatcher driving the real `WebhookChannel`."""

from __future__ import annotations

import datetime as dt
import functools
import json
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aiohttp.abc import AbstractResolver
from jsonschema import Draft202012Validator

from bot.config import WebhooksConfig
from bot.delivery.dispatcher import Dispatcher
from bot.webhooks.channel import WebhookChannel
from bot.webhooks.secrets import SecretBox
from bot.webhooks.signing import generate_secret
from store import outbox, snapshots
from store import webhooks as endpoints
from store.db import Store
from store.events import Event

ROOT = Path(__file__).resolve().parents[3]
SCHEMA_DIR = ROOT / "docs" / "schema"
T0 = 1_800_000_000.0  # the scheduling clock (the events of tests/bot/delivery/events.py are due)


class Clock:
    """Unix seconds that tests move by hand."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Wall:
    """The real time plus a shift (the receiver's verifier checks timestamps against real time,
    ±5 minutes); shifting it gives a later attempt a visibly later timestamp."""

    def __init__(self) -> None:
        self.shift = 0.0

    def __call__(self) -> float:
        return time.time() + self.shift


def config(**changes: Any) -> WebhooksConfig:
    values: dict[str, Any] = {
        "retry_schedule": ["5s", "5m", "30m"],
        "timeout_s": 2.0,
        "allow_private_targets": True,
        "allow_http": True,
    }
    return WebhooksConfig(**(values | changes))


@functools.cache
def validators() -> dict[str, Draft202012Validator]:
    out = {}
    for path in sorted(SCHEMA_DIR.glob("v*/*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        Draft202012Validator.check_schema(schema)
        out[path.stem] = Draft202012Validator(
            schema, format_checker=Draft202012Validator.FORMAT_CHECKER
        )
    return out


def schema_errors(envelope: dict[str, Any]) -> list[str]:
    """Every way `envelope` breaks the published schema of its type ([] when it is valid)."""
    validator = validators().get(str(envelope.get("type")))
    if validator is None:
        return [f"no schema for type {envelope.get('type')!r}"]
    return [error.message for error in validator.iter_errors(envelope)]


async def add_endpoint(
    store: Store,
    url: str,
    *,
    secret: str | None = None,
    box: SecretBox | None = None,
    filters: endpoints.Filters | None = None,
    now: float = T0,
) -> tuple[str, str]:
    """An endpoint straight into the store: (id, secret)."""
    secret = secret or generate_secret()
    endpoint_id = endpoints.new_endpoint_id()
    await store.run(
        endpoints.add,
        endpoint_id,
        url,
        (box or SecretBox(None)).seal(secret),
        filters=filters or endpoints.Filters(),
        now=now,
    )
    return endpoint_id, secret


async def emit(store: Store, events: Sequence[Event]) -> None:
    """Insert events and route them with the real router, as a check's transaction does."""
    from bot.app import store_router

    def insert(db: snapshots.Database) -> None:
        with snapshots.immediate(db):
            snapshots.insert_events(db, list(events), store_router)

    await store.run(insert)


async def rows_of(store: Store, endpoint_id: str) -> list[dict[str, Any]]:
    rows = await store.run(outbox.list_rows, target=endpoint_id, limit=1000)
    return sorted(rows, key=lambda r: r["id"])


class Harness:
    """The real dispatcher and channel on a fake scheduling clock; alerts collected."""

    def __init__(
        self,
        store: Store,
        cfg: WebhooksConfig,
        clock: Clock,
        wall: Wall,
        resolver: AbstractResolver | None = None,
    ) -> None:
        self.clock = clock
        self.alerts: list[tuple[str, str, str, str]] = []
        self.channel = WebhookChannel(
            store,
            cfg,
            clock=clock,
            wall=wall,
            resolver=resolver,
            on_alert=lambda *a: self.alerts.append(a),
        )
        self.dispatcher = Dispatcher(
            store,
            self.channel,
            clock=clock,
            rng=random.Random(3),
            on_alert=self.channel.on_alert,
        )

    async def round_at(self, when: float) -> int:
        """One dispatcher round at `when`, waiting for its sends to end."""
        self.clock.now = when
        claimed = await self.dispatcher.run_once()
        await self.dispatcher.drain()
        return claimed

    async def close(self, timeout_s: float = 1.0) -> None:
        await self.dispatcher.close(timeout_s)


def at(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)
