"""Declarations, objections and territorial applications end to end: the CRC page (IV-11, real
statements in the site's shape) changes on the fake UN site → the real pipeline checks it → the
outbox → a signed webhook, verified by the reference `standardwebhooks` library, whose body
validates against the published schema; and a Telegram message through the fake Bot API.

An endpoint filtered to `treaty.objection` gets only the objection; a chat following Qatar gets
Slovakia's objection to Qatar's reservation (and nothing else: it follows no treaty)."""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot import operations
from bot.telegram.sender import NAME
from store import subscribers
from store import webhooks as endpoints
from store.db import Store
from tests.bot.helpers import NOW, scrape, with_app, write_config
from tests.bot.telegram.support import dispatching, make_channel, wait_for_rows
from tests.bot.webhooks.support import T0, Clock, Harness, Wall, add_endpoint, config, schema_errors
from tests.fakes.telegram_api import FakeBotAPI
from tests.fakes.telegram_html import html_error, visible_text
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.fakesite import FakeUNSite
from tests.fixtures.pages.build import children_sections
from tests.untc_sections import CRC_AFGHANISTAN, crc_sections

BEFORE = children_sections(
    crc_sections(declarations=[("Afghanistan", CRC_AFGHANISTAN)], objections=None, territorial=None)
)
AFTER = children_sections()  # + Algeria's declarations, Slovakia's objection, the UK's territories
QATAR_FOLLOWER = 77


@pytest.fixture(autouse=True)
def _loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    if any(os.environ.get(n) for n in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")):
        monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
        monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest_asyncio.fixture
async def site() -> AsyncIterator[FakeUNSite]:
    async with FakeUNSite(pages={"IV-11": BEFORE.encode()}) as fake_site:
        yield fake_site


async def test_statements_reach_a_filtered_webhook_and_a_following_chat(
    site: FakeUNSite, tmp_path: Path
) -> None:
    cfg = write_config(tmp_path, site.base_url)
    [baseline] = await scrape(cfg, "IV-11")
    assert (baseline.outcome, baseline.events) == ("baseline", ())

    store = Store(tmp_path / "treatybot.db")
    try:
        async with WebhookReceiver() as rx:
            filters = endpoints.Filters(types=("treaty.objection",))
            _, secret = await add_endpoint(store, rx.url("/hook"), filters=filters)
            rx.secrets = [secret]
            chat = await store.run(
                subscribers.upsert_target, NAME, str(QATAR_FOLLOWER), match="subscribed", now=NOW
            )
            await store.run(subscribers.subscribe, chat, "country", "QA", now=NOW)

            site.pages["IV-11"] = AFTER.encode()
            [check] = await scrape(cfg, "IV-11")
            assert check.outcome == "changed"
            assert [e.type for e in check.events] == [
                "treaty.declaration",
                "treaty.objection",
                "treaty.territorial_application",
            ]

            harness = Harness(store, config(), Clock(), Wall())
            try:
                assert await harness.round_at(T0) == 1
            finally:
                await harness.close()

        [request] = rx.requests("/hook")
        assert request.verified_by == (secret,)
        body = request.json()
        assert schema_errors(body) == []
        objection = next(e for e in check.events if e.type == "treaty.objection")
        assert body["data"] == {**objection.to_json(), "schema_version": 1}
        assert body["data"]["objection"]["objected_to"][0]["code"] == "QA"
        assert body["data"]["participant"]["name"] == "Slovakia"

        async with FakeBotAPI() as fake:
            async with dispatching(store, make_channel(fake, store)):
                await wait_for_rows(store, lambda c: c.get("sent") == 1)
            [message] = fake.sent(QATAR_FOLLOWER)
            assert (message.parse_mode, fake.html_rejections) == ("HTML", [])
    finally:
        store.close()

    assert html_error(message.text) is None
    text = visible_text(message.text)
    assert text.startswith(
        "Convention on the Rights of the Child\n🇸🇰 Slovakia made an objection to Qatar's "
        'reservation: “"The Slovak Republic regards the general reservation made by the State '
        "of Qatar"
    )
    assert text.endswith("…”")  # the excerpt, cut on a word; no progress line under it
    assert "<b>Slovakia</b>" in message.text and "<b>Qatar</b>'s" in message.text


async def test_every_statement_webhook_validates_against_its_published_schema(
    site: FakeUNSite, tmp_path: Path
) -> None:
    cfg = write_config(tmp_path, site.base_url)
    await scrape(cfg, "IV-11")
    store = Store(tmp_path / "treatybot.db")
    try:
        async with WebhookReceiver() as rx:
            _, secret = await add_endpoint(store, rx.url("/all"))
            rx.secrets = [secret]
            site.pages["IV-11"] = AFTER.encode()
            await scrape(cfg, "IV-11")
            harness = Harness(store, config(), Clock(), Wall())
            try:
                assert await harness.round_at(T0) == 3
            finally:
                await harness.close()
    finally:
        store.close()

    bodies = [r.json() for r in rx.requests("/all")]
    assert all(r.verified for r in rx.requests("/all"))
    assert sorted(b["type"] for b in bodies) == [
        "treaty.declaration",
        "treaty.objection",
        "treaty.territorial_application",
    ]
    assert [schema_errors(b) for b in bodies] == [[], [], []]
    territorial = next(b for b in bodies if b["type"] == "treaty.territorial_application")
    assert territorial["data"]["territorial_application"]["date"] == "1994-09-07"


def fingerprint_before_sections(page: str) -> str:
    """`page_fingerprint` as treatybot computed it before m007 (treaty block and grid only)."""
    start = page.index("rptHead_ctl00_tcText")
    end = page.index("</table>", page.index("tblgrid")) + len("</table>")
    blob = re.sub(r"Status as at\s*:\s*[\d: -]+[A-Z]{3}", "", page[start:end])
    return hashlib.sha256(" ".join(blob.split()).encode("utf-8")).hexdigest()


async def test_after_the_upgrade_a_page_without_sections_still_announces_its_first_declaration(
    site: FakeUNSite, tmp_path: Path
) -> None:
    bare = children_sections("")  # no section at all below the grid
    site.pages["IV-11"] = bare.encode()
    cfg = write_config(tmp_path, site.base_url)
    await scrape(cfg, "IV-11")
    db = tmp_path / "treatybot.db"
    with sqlite3.connect(db) as conn:  # the state an older treatybot left: no sections read
        conn.execute(
            "UPDATE treaties SET sections = NULL, fingerprint = ?",
            [fingerprint_before_sections(bare)],
        )

    [again] = await scrape(cfg, "IV-11")  # same page: parsed once, sections stored as none
    site.pages["IV-11"] = children_sections(
        crc_sections(declarations=[("Afghanistan", CRC_AFGHANISTAN)], objections=None,
                     territorial=None)
    ).encode()  # fmt: skip
    [first] = await scrape(cfg, "IV-11")

    assert (again.outcome, again.events) == ("unchanged", ())
    assert [(e.type, e.participant and e.participant.name) for e in first.events] == [
        ("treaty.declaration", "Afghanistan")
    ]


async def test_a_vanished_objection_quarantines_until_accepted_and_then_is_the_baseline(
    site: FakeUNSite, tmp_path: Path
) -> None:
    site.pages["IV-11"] = AFTER.encode()
    cfg = write_config(tmp_path, site.base_url)
    await scrape(cfg, "IV-11")
    without = children_sections(crc_sections(objections=None))
    site.pages["IV-11"] = without.encode()

    [held] = await scrape(cfg, "IV-11")
    with with_app(cfg) as app:
        reason = operations.accept(app, "IV-11")
    [after_accept] = await scrape(cfg, "IV-11")

    assert (held.outcome, held.events) == ("quarantined", ())
    assert reason == "the objections section vanished (1 entry before)"
    assert (after_accept.outcome, after_accept.events) == ("unchanged", ())
