"""Shared fixtures. Keep this small: add fixtures that several test modules need."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from tests.fakesite import FakeUNSite


@pytest_asyncio.fixture
async def fake_site() -> AsyncIterator[FakeUNSite]:
    """A started fake treaties.un.org on 127.0.0.1 with no pages; fill `pages`/`extra`/scripts."""
    async with FakeUNSite() as site:
        yield site
