"""Named failures of the bot layer. Each message says what failed and what to do about it.

    TreatybotError
    ├── ConfigError         a config file or value that cannot be used (bot.config raises it)
    ├── InvalidInput        a bad argument: treaty id, country, event type, rule override …
    ├── NotFound            a treaty, outbox row or quarantined observation that is not there
    ├── StoreError          the database cannot be opened or used (path, lock, not ours …)
    └── DeliveryError       a channel could not deliver (raised inside senders, never past the
        │                   dispatcher: it turns them into outcomes on the outbox row)
        ├── RetryLater      a temporary failure: network, timeout, 5xx, 429 (with `after`)
        ├── Rejected        a permanent failure of this one delivery (bad request, 4xx)
        └── TargetGone      the target no longer exists or refuses us (blocked, kicked, 410):
                            deactivate it and fail its pending deliveries

Scrape failures have their own tree in `scrapers/errors.py`. The CLI maps these to one-line
`Error:` messages at its edge (`bot/cli/options.py`); nothing below the CLI prints.
"""

from __future__ import annotations


class TreatybotError(Exception):
    """Base of every failure the bot reports to a person."""


class ConfigError(TreatybotError):
    """A configuration file that cannot be used; the message says where and why."""


class InvalidInput(TreatybotError, ValueError):
    """A bad argument from a person or a script; the message says what would work."""


class NotFound(TreatybotError, LookupError):
    """Something asked for by id is not there."""


class StoreError(TreatybotError):
    """The database cannot be opened or used; the message names the path and the cause."""


class DeliveryError(TreatybotError):
    """A channel could not deliver. `error` is a short description for the attempt log."""

    def __init__(self, error: str, *, status: int | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.status = status


class RetryLater(DeliveryError):
    """Temporary: try again, not before `after` seconds when the target said so."""

    def __init__(
        self,
        error: str,
        *,
        status: int | None = None,
        after: float | None = None,
        ambiguous: bool = False,
    ) -> None:
        super().__init__(error, status=status)
        self.after = after
        self.ambiguous = ambiguous  # the request may have been delivered (a timeout after sending)


class Rejected(DeliveryError):
    """Permanent for this delivery: never retried."""


class TargetGone(DeliveryError):
    """The target is gone or refuses us: deactivate it, fail its pending deliveries."""
