"""Named scrape failures. Each message says what is wrong once; the caller says which treaty.

    ScrapeError
    ├── TreatyNotFound      HTTP 200 page with neither the entry-into-force block nor the grid
    ├── WrongTreaty         the page names another treaty than the one asked for
    ├── SiteUnavailable     maintenance page, 5xx/429 after retries, timeouts, connection errors,
    │                       or a Retry-After longer than the caller agreed to wait
    ├── LayoutChanged       the page is there but no longer reads as a status page (cells that do
    │   │                   not read, implausible dates included)
    │   ├── TruncatedPage   the document ends before the grid does
    │   └── NotAStatusPage  not an HTML status page at all: empty body, JSON, plain text
    └── FetchError          any other HTTP failure (4xx other than 429)

`str(error)` is `"{reason}: {detail}"`; the treaty (or "catalogue") is in `.treaty_id`, so a caller
that prints both writes `f"{error.treaty_id}: {error}"` and names the treaty once.
A broken page never yields a `TreatyStatus`: the parser raises one of these instead.
"""

from __future__ import annotations


class ScrapeError(Exception):
    """Base of every failure to read a treaty's status."""

    reason = "scrape failed"

    def __init__(self, treaty_id: str, detail: str) -> None:
        self.treaty_id = treaty_id
        self.detail = detail
        super().__init__(f"{self.reason}: {detail}")


class TreatyNotFound(ScrapeError):
    reason = "treaty not found"


class WrongTreaty(ScrapeError):
    """The site answered with the page of `answered`, not of the treaty asked for."""

    reason = "wrong treaty page"

    def __init__(self, treaty_id: str, answered: str) -> None:
        self.answered = answered
        super().__init__(treaty_id, f"asked for {treaty_id}, the site answered with {answered}")


class SiteUnavailable(ScrapeError):
    reason = "site unavailable"


class LayoutChanged(ScrapeError):
    reason = "page layout not understood"


class TruncatedPage(LayoutChanged):
    reason = "page truncated"


class NotAStatusPage(LayoutChanged):
    reason = "not a status page"


class FetchError(ScrapeError):
    reason = "fetch failed"
