"""`treatybot chats [--json]` lists Telegram chats with what they receive and their state."""

from __future__ import annotations

from pathlib import Path

from store import subscribers
from tests.bot.helpers import NOW, run_cli, with_app, write_config


async def test_chats_lists_subscriptions_follows_filters_and_state(tmp_path: Path) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:9")
    with with_app(config) as app:
        for chat in ("7", "-42"):
            target = app.store.call(
                subscribers.upsert_target, "telegram", chat, match="subscribed", now=NOW,
                meta={"type": "private" if chat == "7" else "group", "title": "<b>&</b>"},
            )  # fmt: skip
            app.store.call(subscribers.subscribe, target, "treaty", "XVIII-16", now=NOW)
        app.store.call(subscribers.subscribe, target, "country", "FR", now=NOW)
        app.store.call(subscribers.set_types, target, ["treaty.consent"])
        app.store.call(subscribers.set_active, "telegram", "7", False, now=NOW, reason="blocked")

    listed = await run_cli(config, "chats", "--json")
    text = await run_cli(config, "chats")

    assert listed.code == 0, listed.stderr
    assert [(c["chat_id"], c["active"], c["treaties"], c["countries"], c["types"])
            for c in listed.json_array()] == [
        ("7", False, ["XVIII-16"], [], None),
        ("-42", True, ["XVIII-16"], ["FR"], ["treaty.consent"]),
    ]  # fmt: skip
    assert "inactive (blocked)" in text.stdout and "consent" in text.stdout
