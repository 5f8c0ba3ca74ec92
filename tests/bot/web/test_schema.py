"""`GET /api/schema/{type}`: a valid draft 2020-12 schema per event type, which the events
`/api/events` serves satisfy; 404 JSON for anything else; the lookup can be replaced."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
from aiohttp.test_utils import TestClient, TestServer

from bot.app import command_app
from bot.config import load_config
from bot.web import build_web_app
from store.events import EVENT_TYPES
from tests.bot.helpers import clock
from tests.bot.web.conftest import Web


async def test_every_served_event_is_valid_against_its_types_schema(web: Web) -> None:
    events = (await (await web.client.get("/api/events?limit=1000")).json())["events"]
    schemas: dict[str, Any] = {}
    for event_type in EVENT_TYPES:
        response = await web.client.get(f"/api/schema/{event_type}")
        assert response.status == 200
        schemas[event_type] = await response.json()
        jsonschema.Draft202012Validator.check_schema(schemas[event_type])

    assert {e["type"] for e in events} == set(EVENT_TYPES)
    for event in events:
        validator = jsonschema.Draft202012Validator(schemas[event["type"]])
        assert list(validator.iter_errors(event)) == [], event["type"]
        # Every field is described; `detection` only on events seen by a check since issue 13.
        optional = {"detection"}
        described = set(schemas[event["type"]]["properties"])
        assert set(event) - optional == described - optional, event["type"]


async def test_a_schema_rejects_an_event_of_another_shape(web: Web) -> None:
    schema = await (await web.client.get("/api/schema/treaty.milestone")).json()
    consent = (await (await web.client.get("/api/events?limit=1")).json())["events"][0]

    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(consent))

    assert errors != []


async def test_an_unknown_type_is_404_json(web: Web) -> None:
    response = await web.client.get("/api/schema/treaty.party")

    assert response.status == 404
    body = await response.json()
    assert body["error"] == "not_found"
    assert "treaty.consent" in body["message"]


async def test_the_schema_lookup_can_be_repointed(web_config: Path) -> None:
    def published(event_type: str) -> dict[str, Any] | None:
        return {"title": f"published {event_type}"} if event_type == "treaty.consent" else None

    with command_app(load_config(str(web_config)), clock=clock) as app:
        server = TestServer(build_web_app(app, health=lambda: True, schemas=published))
        async with TestClient(server) as client:
            consent = await client.get("/api/schema/treaty.consent")
            milestone = await client.get("/api/schema/treaty.milestone")

            assert await consent.json() == {"title": "published treaty.consent"}
            assert milestone.status == 404


async def test_a_bug_is_a_500_json_error_that_leaks_no_details(web_config: Path) -> None:
    def broken(event_type: str) -> dict[str, Any] | None:
        raise RuntimeError("secret internals")

    with command_app(load_config(str(web_config)), clock=clock) as app:
        async with TestClient(
            TestServer(build_web_app(app, health=lambda: True, schemas=broken))
        ) as client:
            response = await client.get("/api/schema/treaty.consent")
            body = await response.json()

    assert response.status == 500
    assert body["error"] == "internal_error"
    assert "secret" not in body["message"]
