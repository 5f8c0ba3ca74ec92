"""Every event a check finds carries when the change was first seen and the earliest it could
have been (the previous good check, which still saw the old state)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.app import open_app
from bot.config import load_config
from bot.pipeline import check_treaty
from store.events import Detection, event_from_json
from tests.bot.helpers import CYBER, with_france_ratifying, write_config
from tests.fakesite import FakeUNSite

FIRST = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
SECOND = dt.datetime(2026, 12, 7, 9, 3, tzinfo=dt.UTC)


async def test_a_change_is_bounded_by_the_previous_check_and_the_one_that_saw_it(
    fake_site: FakeUNSite, tmp_path: Path
) -> None:
    fake_site.pages["XVIII-16"] = CYBER.encode()
    config = load_config(str(write_config(tmp_path, fake_site.base_url)))
    async with open_app(config, clock=lambda: FIRST) as app:
        baseline = await check_treaty(app, "XVIII-16")
    fake_site.pages["XVIII-16"] = with_france_ratifying(CYBER).encode()
    async with open_app(config, clock=lambda: SECOND) as app:
        changed = await check_treaty(app, "XVIII-16")

    assert all(e.detection is None for e in baseline.events)  # history, not a change seen
    assert changed.events
    assert {e.detection for e in changed.events} == {Detection(SECOND, FIRST, None)}
    stored = changed.events[0].to_json()
    assert stored["detection"] == {
        "first_seen_at": "2026-12-07T09:03:00Z",
        "changed_after": "2026-12-07T09:00:00Z",
        "tier": None,
    }
    assert event_from_json(stored) == changed.events[0]


def test_an_event_stored_before_detection_fields_still_loads() -> None:
    old = {
        "id": "evt_" + "0" * 24,
        "type": "treaty.signature",
        "detected_at": "2025-11-16T15:16:04Z",
        "treaty": {"id": "XVIII-16", "title": "T", "url": "u"},
        "participant": {"name": "France", "code": "FR", "flag": "🇫🇷"},
        "action": {"kind": "signature", "date": "2025-10-25", "column": 1, "raw": "25 Oct 2025",
                   "withdrawn": False, "footnotes": []},
        "counts": {"signatories": 1, "parties": 0, "qualifying": 0, "threshold": 40,
                   "remaining": 40},
        "entry_into_force": {"date": None},
    }  # fmt: skip

    event = event_from_json(old)

    assert event.detection is None
    assert "detection" not in event.to_json()
