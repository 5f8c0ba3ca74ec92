"""Typed events for delivery tests: real event classes with real ids, made without a page."""

from __future__ import annotations

import datetime as dt

from store.events import ActionRef, ConsentEvent, Counts, Event, ParticipantRef, TreatyRef, event_id

NOW = dt.datetime(2026, 3, 12, 14, 5, 9, tzinfo=dt.UTC)
CYBER = TreatyRef(
    "XVIII-16",
    "United Nations Convention against Cybercrime",
    "https://treaties.un.org/Pages/ViewDetails.aspx?src=TREATY&mtdsg_no=XVIII-16&chapter=18",
)
ATT = TreatyRef("XXVI-8", "Arms Trade Treaty", "https://treaties.un.org/ATT")


def consent(
    name: str = "France",
    code: str | None = "FR",
    *,
    treaty: TreatyRef = CYBER,
    day: int = 12,
    qualifying: int = 17,
) -> Event:
    action = ActionRef("ratification", dt.date(2026, 3, day))
    return ConsentEvent(
        id=event_id(ConsentEvent.type, treaty.id, participant=name, action=action, column=2),
        detected_at=NOW,
        treaty=treaty,
        participant=ParticipantRef(name, code, None),
        action=action,
        counts=Counts(72, qualifying, qualifying, 40, 40 - qualifying),
    )
