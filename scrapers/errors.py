"""Named scrape failures. Each message names the treaty and what is wrong.

    ScrapeError
    ├── TreatyNotFound      HTTP 200 page with neither the entry-into-force block nor the grid
    ├── SiteUnavailable     maintenance page, 5xx/429 after retries, timeouts, connection errors
    ├── LayoutChanged       the page is there but no longer reads as a status page
    │   └── TruncatedPage   the document ends before the grid does
    └── FetchError          any other HTTP failure (4xx other than 429)

A broken page never yields a `TreatyStatus`: the parser raises one of these instead.
"""

from __future__ import annotations


class ScrapeError(Exception):
    """Base of every failure to read a treaty's status."""

    reason = "scrape failed"

    def __init__(self, treaty_id: str, detail: str) -> None:
        self.treaty_id = treaty_id
        self.detail = detail
        super().__init__(f"{treaty_id}: {self.reason}: {detail}")


class TreatyNotFound(ScrapeError):
    reason = "treaty not found"


class SiteUnavailable(ScrapeError):
    reason = "site unavailable"


class LayoutChanged(ScrapeError):
    reason = "page layout not understood"


class TruncatedPage(LayoutChanged):
    reason = "page truncated"


class FetchError(ScrapeError):
    reason = "fetch failed"
