"""The JSON API over loopback: shapes, pagination, filters, and every 400/404 as JSON."""

from __future__ import annotations

from typing import Any

import pytest
from yarl import URL

from tests.bot.web.conftest import ATT_BULK, FIRST_RATIFIERS, LATER_RATIFIERS, Web

CYBER_EVENTS = len(FIRST_RATIFIERS) + len(LATER_RATIFIERS)
ATT_EVENTS = 10 + ATT_BULK  # one of each type but consent (9), the hostile name, the bulk
ALL_EVENTS = CYBER_EVENTS + ATT_EVENTS


async def get_json(web: Web, path: str, status: int = 200) -> Any:
    response = await web.client.get(path)
    assert response.status == status, await response.text()
    assert response.content_type == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return await response.json()


async def walk(web: Web, path: str) -> tuple[list[dict[str, Any]], int]:
    """Follow `next` from `path` to the end: every event served, and how many pages."""
    events: list[dict[str, Any]] = []
    pages = 0
    url: str | None = path
    while url is not None:
        body = await get_json(web, URL(url).path_qs)
        events.extend(body["events"])
        pages += 1
        url = body["next"]
    return events, pages


async def test_next_walks_every_event_exactly_once_oldest_first(web: Web) -> None:
    events, pages = await walk(web, "/api/events?limit=10")

    seqs = [e["seq"] for e in events]
    assert seqs == list(range(1, ALL_EVENTS + 1))
    assert len({e["id"] for e in events}) == ALL_EVENTS
    assert pages == -(-ALL_EVENTS // 10)


async def test_events_default_to_100_and_carry_the_stored_event_json(web: Web) -> None:
    body = await get_json(web, "/api/events")

    assert len(body["events"]) == 100
    first = body["events"][0]
    assert first["seq"] == 1
    assert first["type"] == "treaty.consent"
    assert first["treaty"]["id"] == "XVIII-16"
    assert first["participant"]["name"] in FIRST_RATIFIERS
    stored = {k: v for k, v in first.items() if k != "seq"}
    with_ids = {e["id"]: e for e in operations_events(web)}
    assert stored == with_ids[first["id"]]
    assert URL(body["next"]).query == {"after": "100"}


def operations_events(web: Web) -> list[dict[str, Any]]:
    from bot import operations

    return operations.events(web.app)


async def test_after_the_last_event_is_an_empty_page_with_no_next(web: Web) -> None:
    body = await get_json(web, f"/api/events?after={ALL_EVENTS}")

    assert body == {"events": [], "next": None}


async def test_limit_1000_returns_everything_in_one_page(web: Web) -> None:
    body = await get_json(web, "/api/events?limit=1000")

    assert (len(body["events"]), body["next"]) == (ALL_EVENTS, None)


async def test_next_keeps_the_filters(web: Web) -> None:
    events, pages = await walk(web, "/api/events?treaty=XVIII-16&limit=3")

    assert [e["treaty"]["id"] for e in events] == ["XVIII-16"] * CYBER_EVENTS
    assert pages == 3


async def test_filters_by_treaty_country_and_type(web: Web) -> None:
    france = await get_json(web, "/api/events?country=FR")
    germany = await get_json(web, "/api/events?country=Germany&treaty=XXVI-8")
    milestones = await get_json(web, "/api/events?type=treaty.milestone")
    cyber_signatures = await get_json(web, "/api/events?treaty=XVIII-16&type=treaty.signature")

    assert [e["participant"]["name"] for e in france["events"]] == ["France"]
    assert [(e["type"], e["participant"]["name"]) for e in germany["events"]] == [
        ("treaty.signature", "Germany")
    ]
    assert [(e["treaty"]["id"], e["milestone"]) for e in milestones["events"]] == [
        ("XXVI-8", {"reached": 100, "of": None})
    ]
    assert cyber_signatures == {"events": [], "next": None}


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("after=-1", "after must be a whole number"),
        ("after=x", "after must be a whole number"),
        ("after=", "after must be a whole number"),
        ("limit=0", "limit must be from 1 to 1000"),
        ("limit=1001", "limit must be from 1 to 1000"),
        ("limit=١٠", "limit must be a whole number"),
        ("treaty=XVIII", "is not an MTDSG treaty id"),
        ("country=Atlantis", "no country or participant called 'Atlantis'"),
        ("type=treaty.party", "unknown event type 'treaty.party'"),
        ("treat=XVIII-16", "unknown parameter 'treat'"),
        ("limit=5&limit=6", "give limit once"),
        ("country=" + "x" * 201, "longer than 200 characters"),
    ],
)
async def test_bad_event_parameters_are_400_with_a_json_error(
    web: Web, query: str, words: str
) -> None:
    body = await get_json(web, f"/api/events?{query}", status=400)

    assert body["error"] == "bad_request"
    assert words in body["message"]


async def test_a_well_formed_but_unknown_treaty_is_404(web: Web) -> None:
    body = await get_json(web, "/api/events?treaty=XVIII-99", status=404)

    assert body == {"error": "not_found", "message": "no treaty XVIII-99 in this database"}


async def test_treaties_lists_the_tracked_ones_with_counts_and_health(web: Web) -> None:
    body = await get_json(web, "/api/treaties")

    [cyber] = body["treaties"]
    assert cyber["id"] == "XVIII-16"
    assert cyber["title"].startswith("United Nations Convention against Cybercrime")
    assert cyber["counts"]["qualifying"] == CYBER_EVENTS
    assert cyber["events"] == CYBER_EVENTS
    assert cyber["health"]["state"] == "ok"
    assert cyber["health"]["consecutive_failures"] == 0


async def test_treaties_with_watched_adds_the_treaties_the_watch_loop_read(web: Web) -> None:
    from store.db import immediate

    def read(db: Any) -> None:  # the watch loop read the (untracked) Arms Trade Treaty
        with immediate(db):
            db.execute("UPDATE treaties SET last_success = '2026-03-12T15:00:00Z' WHERE id = ?",
                       ["XXVI-8"])  # fmt: skip

    before = await get_json(web, "/api/treaties?watched=true")
    web.app.store.call(read)
    tracked = await get_json(web, "/api/treaties")
    watched = await get_json(web, "/api/treaties?watched=true")
    bad = await get_json(web, "/api/treaties?watched=yes", status=400)

    assert [t["id"] for t in before["treaties"]] == ["XVIII-16"]
    assert [t["id"] for t in tracked["treaties"]] == ["XVIII-16"]
    assert [t["id"] for t in watched["treaties"]] == ["XVIII-16", "XXVI-8"]
    assert "watched must be true or false" in bad["message"]


async def test_one_treaty_is_the_status_json_data(web: Web) -> None:
    from bot import operations

    body = await get_json(web, "/api/treaties/XVIII-16")

    assert body == operations.status(web.app, "XVIII-16")
    assert body["counts"]["qualifying"] == CYBER_EVENTS
    assert body["counts"]["threshold"] == 40


async def test_one_treaty_invalid_id_is_400_and_unknown_is_404(web: Web) -> None:
    invalid = await get_json(web, "/api/treaties/not-a-treaty", status=400)
    unknown = await get_json(web, "/api/treaties/XVIII-99", status=404)

    assert invalid["error"] == "bad_request"
    assert "is not an MTDSG treaty id" in invalid["message"]
    assert unknown["error"] == "not_found"


@pytest.mark.parametrize(
    "path",
    ["/api/treaties/{id}", "/api/events?treaty={id}", "/treaties/{id}/feed.atom"],
)
async def test_every_treaty_address_is_400_for_a_non_mtdsg_id_and_404_for_an_unknown_one(
    web: Web, path: str
) -> None:
    """The README rule: ZZ-999 is not an MTDSG number (400, saying so); XVIII-999 is one,
    but this database has no such treaty (404)."""
    invalid = await get_json(web, path.format(id="ZZ-999"), status=400)
    unknown = await get_json(web, path.format(id="XVIII-999"), status=404)

    assert invalid == {
        "error": "bad_request",
        "message": "'ZZ-999' is not an MTDSG treaty id (expected e.g. XVIII-16, IV-11-d, XI-B-19)",
    }
    assert unknown == {"error": "not_found", "message": "no treaty XVIII-999 in this database"}


async def test_unknown_paths_under_api_are_404_json(web: Web) -> None:
    body = await get_json(web, "/api/nothing/here", status=404)

    assert body == {"error": "not_found", "message": "no such path: /api/nothing/here"}


async def test_other_methods_are_405_json_with_allow(web: Web) -> None:
    response = await web.client.post("/api/events", data=b"{}")

    assert response.status == 405
    assert (await response.json())["error"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]
