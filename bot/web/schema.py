"""The JSON Schema of each event type, for `GET /api/schema/{type}`.

`event_schema` is the default lookup; `build_web_app(schemas=…)` takes any other function of the
same shape (`SchemaLookup`: type → schema or None). Order of preference:

1. a packaged file `bot/web/schemas/<type>.json` (the published schemas, if a build copies them
   there as package data);
2. else a schema generated here: the shared parts (`treaty`, `participant`, `action`, `counts`)
   from pydantic `TypeAdapter`s of the event's own dataclasses, the envelope written out to
   match `Event.to_json()` field for field, so it describes exactly what `/api/events` serves
   (plus its `seq`, which is the API's, not the event's).

Unknown types give None (→ 404). Must not: read the database or the network.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from pydantic import TypeAdapter

from store.events import EVENT_TYPES, ActionRef, Counts, ParticipantRef, TreatyRef

DIALECT = "https://json-schema.org/draft/2020-12/schema"
_DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_NULLABLE_DATE = {"anyOf": [_DATE, {"type": "null"}]}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/$defs/{name}"}


def _nullable(name: str) -> dict[str, Any]:
    return {"anyOf": [_ref(name), {"type": "null"}]}


_STAMP = {
    "type": "string",
    "format": "date-time",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$",
}
# Detection-latency bounds (`store.events.Detection`); events stored before them have none.
_DETECTION = {
    "type": "object",
    "properties": {
        "first_seen_at": _STAMP,
        "changed_after": {"anyOf": [_STAMP, {"type": "null"}]},
        "tier": {"anyOf": [{"enum": ["hot", "warm", "quiet"]}, {"type": "null"}]},
    },
    "required": ["first_seen_at", "changed_after", "tier"],
}
_OPTIONAL = frozenset({"seq", "detection"})

# The fields each type adds to the common ones (its `_extra_json`).
_EXTRA: dict[str, dict[str, Any]] = {
    "treaty.correction": {
        "correction": {
            "type": "object",
            "properties": {
                "previous_action": _nullable("ActionRef"),
                "previous_withdrawn": {"type": "boolean"},
                "withdrawn": {"type": "boolean"},
            },
            "required": ["previous_action", "previous_withdrawn", "withdrawn"],
        }
    },
    "treaty.milestone": {
        "milestone": {
            "type": "object",
            "properties": {
                "reached": {"type": "integer"},
                "of": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
            },
            "required": ["reached", "of"],
        }
    },
    "treaty.consent": {
        "party_entry_into_force": {
            "type": "object",
            "properties": {
                "date": _NULLABLE_DATE,
                "basis": {"anyOf": [{"enum": ["general", "own"]}, {"type": "null"}]},
            },
            "required": ["date", "basis"],
        }
    },
    "treaty.threshold_reached": {"nth_deposit_date": _NULLABLE_DATE},
    "treaty.entry_into_force": {"source": {"enum": ["page", "computed"]}},
    **{
        f"treaty.{name}": {
            name: {
                "type": "object",
                "properties": {
                    "change": {"enum": ["new", "changed", "withdrawn"]},
                    "excerpt": {"type": "string", "maxLength": 280},
                    "dates": {"type": "array", "items": _DATE},
                    **extra,
                },
                "required": ["change", "excerpt", "dates", *extra],
            }
        }
        for name, extra in (
            ("declaration", {"kinds": {"type": "array", "items": {"type": "string"}}}),
            ("objection", {"objected_to": {"type": "array", "items": _ref("ParticipantRef")}}),
            (
                "territorial_application",
                {"territory": {"type": "string"}, "date": _NULLABLE_DATE},
            ),
        )
    },
}


@cache
def _defs() -> dict[str, Any]:
    defs: dict[str, Any] = {}
    for cls in (TreatyRef, ParticipantRef, ActionRef, Counts):
        schema = TypeAdapter(cls).json_schema(ref_template="#/$defs/{model}")
        schema.pop("description", None)  # the dataclass docstring talks Python, not JSON
        defs.update(schema.pop("$defs", {}))  # nested types (Counts.weight) at the top level
        defs[cls.__name__] = schema
    for nested in defs.values():
        nested.pop("description", None)
    return defs


def generated_schema(event_type: str) -> dict[str, Any]:
    """The schema of one event type's JSON (`Event.to_json()`), with the API's `seq`."""
    cls = EVENT_TYPES[event_type]
    properties: dict[str, Any] = {
        "seq": {"type": "integer", "minimum": 1, "description": "Position in the event log"},
        "id": {"type": "string", "pattern": r"^evt_[0-9a-f]{24}$"},
        "type": {"const": event_type},
        "detected_at": {
            "type": "string",
            "format": "date-time",
            "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$",
        },
        "treaty": _ref("TreatyRef"),
        "participant": _nullable("ParticipantRef"),
        "action": _nullable("ActionRef"),
        "counts": _ref("Counts"),
        "entry_into_force": {
            "type": "object",
            "properties": {"date": _NULLABLE_DATE},
            "required": ["date"],
        },
        "detection": _DETECTION,
        **_EXTRA.get(event_type, {}),
    }
    return {
        "$schema": DIALECT,
        "$id": f"urn:treatybot:schema:event:{event_type}",
        "title": event_type,
        "description": " ".join((cls.__doc__ or "").split()),
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in _OPTIONAL],
        "$defs": _defs(),
    }


def packaged_schema(event_type: str) -> dict[str, Any] | None:
    path = resources.files("bot.web").joinpath("schemas").joinpath(f"{event_type}.json")
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def event_schema(event_type: str) -> dict[str, Any] | None:
    """The default `SchemaLookup`: packaged file, else generated; None for an unknown type."""
    if event_type not in EVENT_TYPES:
        return None
    return packaged_schema(event_type) or generated_schema(event_type)
