"""`treatybot outbox` and `outbox retry` as a maintainer runs them (a real CLI process)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from store import outbox, subscribers
from store.db import Store
from tests.bot.helpers import CYBER, NOW, run_cli, scrape, with_france_ratifying, write_config
from tests.fakesite import FakeUNSite


async def test_outbox_lists_rows_with_attempts_and_retry_requeues_failures(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    fake_site.pages["XVIII-16"] = CYBER.encode()
    config = write_config(tmp_path, fake_site.base_url)
    db = tmp_path / "treatybot.db"
    await scrape(config, "XVIII-16")
    store = Store(db)
    store.call(subscribers.upsert_target, "console", "stdout", match="filter", now=NOW)
    store.close()
    fake_site.pages["XVIII-16"] = with_france_ratifying(CYBER).encode()
    await scrape(config, "XVIII-16")
    store = Store(db)
    [claimed] = store.call(outbox.claim_due, "console", NOW.timestamp(), 10)
    store.call(outbox.mark_failed, [claimed.id], now=NOW.timestamp(), error="stdout closed")
    store.close()

    listing = await run_cli(config, "outbox", "--json")
    assert listing.code == 0, listing.stderr
    [row] = listing.json_array()
    assert (row["status"], row["channel"], row["target"], row["event_type"]) == (
        "failed",
        "console",
        "stdout",
        "treaty.consent",
    )
    assert [(a["outcome"], a["error"]) for a in row["attempts_log"]] == [
        ("failed", "stdout closed")
    ]
    text = await run_cli(config, "outbox", "--status", "failed")
    assert "stdout closed" in text.stdout
    assert (
        await run_cli(config, "outbox", "--status", "sent")
    ).stderr.strip() == "no sent deliveries"

    retried = await run_cli(config, "outbox", "retry", "--failed")
    assert (retried.code, retried.stdout.strip()) == (0, "queued 1 delivery(ies) again")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT status, attempts FROM outbox").fetchall() == [("pending", 1)]

    missing = await run_cli(config, "outbox", "retry", "999")
    assert (missing.code, missing.stderr.strip()) == (1, "Error: no outbox row with id 999")
    both = await run_cli(config, "outbox", "retry")
    assert both.code == 2


async def test_outbox_on_a_mistyped_database_path_says_so_and_creates_nothing(
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:9")
    result = await run_cli(config, "outbox")
    assert result.code == 1
    assert "no such database" in result.stderr
    assert not (tmp_path / "treatybot.db").exists()
