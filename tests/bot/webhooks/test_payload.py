"""The webhook payload and its published JSON Schema: the committed files are what the payload
models generate, every event the product emits validates, and a drifting event does not."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from bot.webhooks import payload
from store.events import EVENT_TYPES, ActionRef, ConsentEvent, Event, ParticipantRef
from tests.bot.delivery.events import consent
from tests.bot.helpers import CYBER, scrape, with_france_ratifying, write_config
from tests.bot.webhooks.support import SCHEMA_DIR, schema_errors
from tests.fakesite import FakeUNSite
from tests.store.test_events import one_of_each


def test_the_committed_schema_files_are_what_the_models_generate() -> None:
    generated = {name: payload.render(schema) for name, schema in payload.schemas().items()}
    committed = {
        str(path.relative_to(SCHEMA_DIR)): path.read_text(encoding="utf-8")
        for path in SCHEMA_DIR.glob("v*/*.json")
    }
    assert committed == generated, "run: python -m bot.webhooks.payload docs/schema"


def test_every_event_type_and_webhook_test_has_a_schema() -> None:
    names = {Path(name).stem for name in payload.schemas()}
    assert names == {*EVENT_TYPES, "webhook.test"}


@pytest.mark.parametrize("event", one_of_each(), ids=lambda e: e.type)
def test_one_event_of_each_type_validates(event: Event) -> None:
    assert schema_errors(payload.envelope(event)) == []


def test_unknown_participant_code_flag_and_kind_validate() -> None:
    event = dataclasses.replace(
        consent(),  # type: ignore[type-var]
        participant=ParticipantRef("European Union", None, None),
        action=ActionRef(None, consent().action.date),  # type: ignore[union-attr]
    )
    assert schema_errors(payload.envelope(event)) == []


async def test_every_event_a_real_check_emits_validates(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    """The Cybercrime Convention page announced in full (every signature and consent on it), then
    France ratifying: the events exactly as the pipeline stores and routes them."""
    fake_site.pages["XVIII-16"] = CYBER.encode()
    config = write_config(tmp_path, fake_site.base_url)
    [announced] = await scrape(config, "XVIII-16", announce=True)
    fake_site.pages["XVIII-16"] = with_france_ratifying(CYBER).encode()
    [changed] = await scrape(config, "XVIII-16")
    events = [*announced.events, *changed.events]

    assert len(events) > 30
    assert {e.type for e in changed.events} >= {ConsentEvent.type}
    for event in events:
        assert schema_errors(payload.envelope(event)) == [], event.id


def test_the_ping_validates() -> None:
    ping = payload.ping_envelope("wh_0123", "2026-03-12T14:05:09Z")
    assert schema_errors(ping) == []


def mutated(change: str) -> dict[str, Any]:
    envelope = payload.envelope(consent())
    data = envelope["data"]
    if change == "added field":
        data["surprise"] = 1
    elif change == "missing field":
        del data["counts"]
    elif change == "renamed type":
        data["type"] = envelope["type"] = "treaty.ratification"
    elif change == "bad date":
        data["action"]["date"] = "12 March 2026"
    elif change == "string count":
        data["counts"]["parties"] = "17"
    elif change == "no schema version":
        del data["schema_version"]
    return envelope


@pytest.mark.parametrize(
    "change",
    [
        "added field",
        "missing field",
        "renamed type",
        "bad date",
        "string count",
        "no schema version",
    ],
)
def test_a_payload_that_drifts_from_the_schema_is_caught(change: str) -> None:
    assert schema_errors(mutated(change)) != []


def test_the_envelope_is_the_event_json_plus_schema_version_and_stays_small() -> None:
    event = consent()
    envelope = payload.envelope(event)
    assert envelope == {
        "type": "treaty.consent",
        "timestamp": "2026-03-12T14:05:09Z",
        "data": {**event.to_json(), "schema_version": payload.SCHEMA_VERSION},
    }
    body = payload.encode(envelope)
    assert json.loads(body) == envelope
    assert len(body) < 1_000


def test_an_oversized_payload_is_refused() -> None:
    envelope = payload.envelope(consent())
    envelope["data"]["treaty"]["title"] = "x" * payload.MAX_BYTES
    with pytest.raises(payload.PayloadTooLarge):
        payload.encode(envelope)
