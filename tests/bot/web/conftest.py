"""A database filled once per session through the real pipeline and store functions, copied
for each test, and a TestClient over loopback serving `build_web_app` on it.

The database: the Cybercrime Convention (XVIII-16, tracked) checked against the fake UN site —
a baseline, then three ratifications, then four more, all real `treaty.consent` events — and
the Arms Trade Treaty (XXVI-8) with one event of every type plus 110 consents stored with
`snapshots.insert_events`, so the feeds have more than 100 events and pagination many pages.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from sqlite_utils import Database

from bot import operations
from bot.app import App, command_app
from bot.config import load_config
from bot.web import build_web_app
from scrapers.model import Sections, StatementEntry
from store import snapshots
from store.db import immediate
from store.events import (
    ActionRef,
    CorrectionEvent,
    Counts,
    DeclarationEvent,
    EntryIntoForceEvent,
    Event,
    MilestoneEvent,
    ObjectionEvent,
    ParticipantRef,
    SignatureEvent,
    TerritorialApplicationEvent,
    ThresholdReachedEvent,
    WithdrawalEvent,
    event_id,
)
from tests.bot.delivery.events import ATT, NOW, consent
from tests.bot.helpers import CYBER, clock, ratify, scrape, with_app, write_config
from tests.fakesite import FakeUNSite

FIRST_RATIFIERS = ("France", "Algeria", "Austria")
LATER_RATIFIERS = ("Belgium", "Brazil", "Chile", "Ghana")
ATT_BULK = 110


def _att_event(
    cls: type[Event], name: str | None, number: int, code: str | None = None, **extra: object
) -> Event:
    action = ActionRef("ratification", dt.date(2026, 3, 1)) if name else None
    counts = Counts(130, 110, 110, 50, None)
    return cls(  # type: ignore[call-arg]
        id=event_id(cls.type, ATT.id, participant=name, action=action, extra=[number]),
        detected_at=NOW - dt.timedelta(days=1),
        treaty=ATT,
        participant=ParticipantRef(name, code, None) if name else None,
        action=action,
        counts=counts,
        **extra,
    )


def att_events() -> list[Event]:
    one_of_each = [
        _att_event(SignatureEvent, "Germany", 1, "DE"),
        _att_event(WithdrawalEvent, "Venezuela", 2),
        _att_event(
            CorrectionEvent,
            "Norway",
            3,
            previous_action=ActionRef("accession", dt.date(2026, 2, 1)),
            previous_withdrawn=False,
            withdrawn=False,
        ),
        _att_event(MilestoneEvent, None, 4, reached=100, of=None),
        _att_event(ThresholdReachedEvent, None, 5, nth_deposit_date=dt.date(2014, 9, 25)),
        _att_event(EntryIntoForceEvent, None, 6, source="page"),
        *statement_events(),
    ]
    bulk = [consent(f"Participant {i}", None, treaty=ATT, day=3) for i in range(ATT_BULK)]
    # A control character a hostile page could carry: the feed must stay valid XML.
    hostile = consent("Evil\x1bLand", None, treaty=ATT, day=2)
    return [*one_of_each, *bulk, hostile]


def statement_events() -> list[Event]:
    """One section event of each type (action None: a statement is no treaty action)."""
    made = [
        _att_event(DeclarationEvent, "Iceland", 7, "IS", change="new", excerpt="Declaration: …",
                   kinds=("declaration",)),
        _att_event(ObjectionEvent, "Fiji", 8, "FJ", change="new", excerpt="objects to …",
                   objected_to=(ParticipantRef("Venezuela", "VE", None),)),
        _att_event(TerritorialApplicationEvent, "Tonga", 9, "TO", change="new",
                   excerpt="Svalbard", territory="Svalbard", date=dt.date(2014, 6, 12)),
    ]  # fmt: skip
    return [dataclasses.replace(e, action=None) for e in made]


def _store_att(db: Database) -> None:
    with immediate(db):
        snapshots.ensure_treaty(db, ATT.id, ATT.url)
        snapshots.insert_events(db, att_events(), None)


def cyber_pages() -> list[str]:
    """The Cybercrime Convention's page as observed: before, after 3, after 7 ratifications."""
    pages = [CYBER]
    for names, date in ((FIRST_RATIFIERS, "1 Mar 2026"), (LATER_RATIFIERS, "10 Mar 2026")):
        page = pages[-1]
        for name in names:
            page = ratify(page, name, date)
        pages.append(page)
    return pages


async def _fill(tmp: Path) -> Path:
    async with FakeUNSite() as site:
        config = write_config(tmp, site.base_url)
        for page in cyber_pages():
            site.pages["XVIII-16"] = page.encode()
            await scrape(config, "XVIII-16")
    with with_app(config) as app:
        operations.track(app, ["XVIII-16"], None)
        app.store.call(_store_att)
    return tmp / "treatybot.db"


@pytest.fixture(scope="session")
def filled_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return asyncio.run(_fill(tmp_path_factory.mktemp("web-db")))


class Probe:
    """The scheduler-running probe, switched by tests."""

    def __init__(self) -> None:
        self.running = True

    def __call__(self) -> bool:
        return self.running


@dataclass
class Web:
    client: TestClient  # type: ignore[type-arg]
    app: App
    probe: Probe
    config: Path


@pytest.fixture
def db_copy(filled_db: Path, tmp_path: Path) -> Path:
    shutil.copy(filled_db, tmp_path / "treatybot.db")
    return tmp_path / "treatybot.db"


@pytest.fixture
def web_config(db_copy: Path) -> Path:
    return write_config(db_copy.parent, "http://127.0.0.1:9", retries=0)


@pytest_asyncio.fixture
async def web(web_config: Path) -> AsyncIterator[Web]:
    with command_app(load_config(str(web_config)), clock=clock) as app:
        probe = Probe()
        async with TestClient(TestServer(build_web_app(app, health=probe))) as client:
            yield Web(client, app, probe, web_config)


def hostile_sections() -> Sections:
    """Sections below the grid as a hostile page could print them: markup and an ampersand
    in names and texts, two paragraphs in one entry, a territorial row without a date."""
    return Sections(
        declarations=(
            StatementEntry("Zambia", ("Reservation: <script>alert(1)</script> & more.",)),
            StatementEntry("Algeria", ("Declaration: first paragraph.", "Second paragraph.")),
        ),
        objections=(StatementEntry("France", ("France objects to the reservation of Zambia.",)),),
        territorial_applications=(
            StatementEntry("Norway", date=dt.date(2026, 3, 2), territory="Svalbard"),
            StatementEntry("Denmark <DK>", territory="Faroe Islands & Greenland"),
        ),
    )


def store_sections(app: App, treaty_id: str, sections: Sections) -> None:
    def write(db: Database) -> None:
        with immediate(db):
            db.execute(
                "UPDATE treaties SET sections = ? WHERE id = ?",
                [json.dumps(sections.to_json()), treaty_id],
            )

    app.store.call(write)
