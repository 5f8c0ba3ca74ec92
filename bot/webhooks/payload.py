"""Webhook payloads: the Standard Webhooks envelope of an event, its bytes, and its JSON Schema.

Owns: `envelope(event)` — `{"type", "timestamp", "data"}` where `data` is exactly
`Event.to_json()` (the object of `events --json`) plus `schema_version`; `ping_envelope` (a
`webhook.test`) for `webhooks test`; `encode` (the exact bytes that are signed and sent, at
most `MAX_BYTES`); and the published schema: pydantic models of every payload, from which
`schemas()` generates one JSON Schema (draft 2020-12) per type, committed under
`docs/schema/v<SCHEMA_VERSION>/`. The models forbid unknown fields, so a field added to an event
fails the schema tests until the schema is regenerated (`python -m bot.webhooks.payload
docs/schema`) and `SCHEMA_VERSION` considered.

Must not: sign, send or read the database.
"""

from __future__ import annotations

import json
import secrets as _random
import sys
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from store.events import EVENT_TYPES, Event

SCHEMA_VERSION = 1
MAX_BYTES = 20_000
TEST_TYPE = "webhook.test"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


class PayloadTooLarge(ValueError):
    """An envelope over `MAX_BYTES` (Standard Webhooks keeps payloads under 20 KB)."""


def envelope(event: Event) -> dict[str, Any]:
    """The Standard Webhooks payload of `event`; `timestamp` is when it was detected."""
    data = event.to_json()
    data["schema_version"] = SCHEMA_VERSION
    return {"type": event.type, "timestamp": data["detected_at"], "data": data}


def ping_envelope(endpoint_id: str, timestamp: str) -> dict[str, Any]:
    """A `webhook.test` payload with a fresh id (`evt_test_…`), for `webhooks test`."""
    return {
        "type": TEST_TYPE,
        "timestamp": timestamp,
        "data": {
            "id": "evt_test_" + _random.token_hex(12),
            "type": TEST_TYPE,
            "endpoint": endpoint_id,
            "message": "a test event from treatybot: your endpoint is reachable",
            "schema_version": SCHEMA_VERSION,
        },
    }


def encode(payload: dict[str, Any]) -> bytes:
    """The body bytes (compact UTF-8 JSON); PayloadTooLarge above `MAX_BYTES`."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if len(body) > MAX_BYTES:
        raise PayloadTooLarge(f"the payload is {len(body)} bytes; the limit is {MAX_BYTES}")
    return body


# -- the published schema ---------------------------------------------------------------------

_UTC_SECOND = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"
_DATE = r"^\d{4}-\d{2}-\d{2}$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TreatyModel(_Model):
    """Which treaty."""

    id: str = Field(description="MTDSG number, e.g. XVIII-16")
    title: str = Field(description="Short title (up to the first ';')")
    url: str = Field(description="The treaty's status page at treaties.un.org")


class ParticipantModel(_Model):
    """Who acted."""

    name: str = Field(description="The participant's name as the page prints it")
    code: str | None = Field(description="ISO 3166-1 alpha-2 code, or null")
    flag: str | None = Field(description="Flag emoji, or null")


class ActionModel(_Model):
    """What was done, and when."""

    kind: str | None = Field(description="ratification, signature, accession …; null if unknown")
    date: str = Field(pattern=_DATE, description="Date of the action (YYYY-MM-DD)")


class WeightModel(_Model):
    table: str = Field(description="The weight table, e.g. paris-article21")
    share: float = Field(description="Per cent of the table the qualifying deposits hold")
    needed: float = Field(description="Per cent needed")


class CountsModel(_Model):
    """The treaty's state after this event."""

    signatories: int
    parties: int
    qualifying: int = Field(description="Instruments counting toward entry into force")
    threshold: int | None = Field(description="Instruments needed, null if unknown")
    remaining: int | None = Field(description="Instruments still needed, null if unknown")
    weight: WeightModel | None = Field(
        None, description="A dual threshold's weighted part (e.g. Paris: % of emissions), or null"
    )


class PartyEntryIntoForceModel(_Model):
    date: str | None = Field(
        pattern=_DATE, description="When the treaty enters into force for this participant"
    )
    basis: Literal["general", "own"] | None = Field(
        description="general: the treaty's date; own: the later-parties clause's date"
    )


class EntryIntoForceModel(_Model):
    date: str | None = Field(pattern=_DATE, description="Entry-into-force date, null if none")


class CorrectionModel(_Model):
    previous_action: ActionModel | None
    previous_withdrawn: bool
    withdrawn: bool


class MilestoneModel(_Model):
    reached: int
    of: int | None


class StatementModel(_Model):
    """What the section events share: how the statement changed and its new text."""

    change: Literal["new", "changed", "withdrawn"] = Field(
        description="new: the participant's first entry in the section; changed: new paragraphs; "
        "withdrawn: new paragraphs that say something was withdrawn"
    )
    excerpt: str = Field(
        max_length=280, description="The new text, at most 280 characters, cut on a word with …"
    )
    dates: list[str] = Field(description="Dates the new paragraphs start with (YYYY-MM-DD)")


class DeclarationModel(StatementModel):
    kinds: list[str] = Field(
        description="What the text's own labels call it: reservation, declaration, "
        "interpretative_declaration, understanding …; empty when none is printed"
    )


class ObjectionModel(StatementModel):
    objected_to: list[ParticipantModel] = Field(
        description="Participants of the table the new text names (whose reservation is "
        "objected to); empty when it names none"
    )


class TerritorialApplicationModel(StatementModel):
    territory: str = Field(description="The territories as the page prints them")
    date: str | None = Field(pattern=_DATE, description="Date of receipt of the notification")


class DetectionModel(_Model):
    first_seen_at: str = Field(pattern=_UTC_SECOND, description="When treatybot first saw it")
    changed_after: str | None = Field(
        pattern=_UTC_SECOND,
        description="The previous check that still saw the old state: the change happened "
        "after it (null: no earlier good check)",
    )
    tier: Literal["hot", "warm", "quiet"] | None = Field(
        description="The watch tier the treaty was checked in (null: not known, e.g. `scrape`)"
    )


class EventData(_Model):
    """The event object of `treatybot events --json`, plus `schema_version`."""

    id: str = Field(
        pattern=r"^evt_[0-9a-f]{24}$",
        description="Stable event id; also the webhook-id header (idempotency key)",
    )
    detected_at: str = Field(pattern=_UTC_SECOND, description="When treatybot saw it (UTC)")
    treaty: TreatyModel
    participant: ParticipantModel | None
    action: ActionModel | None
    counts: CountsModel
    entry_into_force: EntryIntoForceModel
    detection: DetectionModel | None = Field(
        None, description="Detection latency bounds (events stored before 0.2 have none)"
    )
    schema_version: Literal[1]


class SignatureData(EventData):
    type: Literal["treaty.signature"]


class ConsentData(EventData):
    type: Literal["treaty.consent"]
    party_entry_into_force: PartyEntryIntoForceModel


class WithdrawalData(EventData):
    type: Literal["treaty.withdrawal"]


class CorrectionData(EventData):
    type: Literal["treaty.correction"]
    correction: CorrectionModel


class MilestoneData(EventData):
    type: Literal["treaty.milestone"]
    milestone: MilestoneModel


class ThresholdReachedData(EventData):
    type: Literal["treaty.threshold_reached"]
    nth_deposit_date: str | None = Field(pattern=_DATE)


class EntryIntoForceData(EventData):
    type: Literal["treaty.entry_into_force"]
    source: Literal["page", "computed"]


class DeclarationData(EventData):
    type: Literal["treaty.declaration"]
    declaration: DeclarationModel


class ObjectionData(EventData):
    type: Literal["treaty.objection"]
    objection: ObjectionModel


class TerritorialApplicationData(EventData):
    type: Literal["treaty.territorial_application"]
    territorial_application: TerritorialApplicationModel


class PingData(_Model):
    id: str = Field(pattern=r"^evt_test_[0-9a-f]{24}$")
    type: Literal["webhook.test"]
    endpoint: str
    message: str
    schema_version: Literal[1]


DATA_MODELS: dict[str, type[BaseModel]] = {
    "treaty.signature": SignatureData,
    "treaty.consent": ConsentData,
    "treaty.withdrawal": WithdrawalData,
    "treaty.correction": CorrectionData,
    "treaty.milestone": MilestoneData,
    "treaty.threshold_reached": ThresholdReachedData,
    "treaty.entry_into_force": EntryIntoForceData,
    "treaty.declaration": DeclarationData,
    "treaty.objection": ObjectionData,
    "treaty.territorial_application": TerritorialApplicationData,
    TEST_TYPE: PingData,
}
assert set(DATA_MODELS) == {*EVENT_TYPES, TEST_TYPE}, "every event type needs a payload model"


def schema_for(event_type: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the whole envelope of one event type."""
    data = DATA_MODELS[event_type].model_json_schema(ref_template="#/$defs/{model}")
    defs = data.pop("$defs", {})
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": f"urn:treatybot:webhook:v{SCHEMA_VERSION}:{event_type}",
        "title": f"treatybot {event_type} webhook (schema version {SCHEMA_VERSION})",
        "type": "object",
        "additionalProperties": False,
        "required": ["type", "timestamp", "data"],
        "properties": {
            "type": {"const": event_type},
            "timestamp": {"type": "string", "pattern": _UTC_SECOND},
            "data": data,
        },
        "$defs": defs,
    }


def schemas() -> dict[str, dict[str, Any]]:
    """`{relative file name: schema}` for every type, as committed under `docs/schema/`."""
    return {f"v{SCHEMA_VERSION}/{name}.json": schema_for(name) for name in DATA_MODELS}


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def main(argv: list[str]) -> int:
    """`python -m bot.webhooks.payload DIR`: write the schema files under DIR."""
    if len(argv) != 1:
        print("usage: python -m bot.webhooks.payload docs/schema", file=sys.stderr)
        return 2
    root = Path(argv[0])
    for name, schema in schemas().items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(schema), encoding="utf-8")
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
