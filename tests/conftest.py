"""Shared fixtures. Keep this small: add fixtures that several test modules need."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from tests.fakesite import FakeUNSite


@pytest_asyncio.fixture
async def fake_site() -> AsyncIterator[FakeUNSite]:
    """A started fake treaties.un.org on 127.0.0.1 with no pages; fill `pages`/`extra`/scripts."""
    async with FakeUNSite() as site:
        yield site


@pytest.fixture(autouse=True)
def _no_service_left_running() -> Iterator[None]:
    """Kill any `treatybot run` a test started and did not stop (see tests/bot/test_service.py)."""
    yield
    from tests.bot.test_service import Service

    while Service.started:
        proc = Service.started.pop()
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
