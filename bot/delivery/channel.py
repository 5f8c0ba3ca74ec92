"""What a notification channel is: a name, a sender, a retry policy. Nothing else.

A channel's `send(target, events)` delivers one or more events (due together for one target)
and returns normally when they were delivered, or raises one of `bot.errors`:

- `RetryLater`  temporary (network, timeout, 5xx, 429 — with `after` when the target said when);
- `Rejected`    permanent for these events (a 4xx that retrying cannot fix);
- `TargetGone`  the target is gone or refuses us (blocked, kicked, 410): it is deactivated and
                its pending deliveries fail.

Any other exception is a bug in the sender: the dispatcher logs it with its traceback and treats
it as `RetryLater`, so a broken channel delays alerts but never loses them. Channels are
registered by name in `bot/delivery/registry.py` (an explicit dict, no magic).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from store.events import Event


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Delays before each retry: `schedule_s[n]` after the (n+1)-th failed try, each with up to
    `jitter` (a share, 0.1 = 10 %) added at random. Past the schedule the delivery has failed."""

    schedule_s: tuple[float, ...] = (5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0)
    jitter: float = 0.1

    def delay(self, failed_tries: int, rng: random.Random | None = None) -> float | None:
        """Seconds until the next try after `failed_tries` failures; None when exhausted."""
        if failed_tries < 1 or failed_tries > len(self.schedule_s):
            return None
        base = self.schedule_s[failed_tries - 1]
        return base + base * self.jitter * (rng or random).random()


@dataclass(frozen=True, slots=True)
class Sent:
    """A successful send; `status` is the HTTP status where there is one."""

    status: int | None = None
    detail: str | None = None


class Channel(Protocol):
    """A way to reach people. See the module docstring for the contract of `send`."""

    @property
    def name(self) -> str: ...

    @property
    def policy(self) -> RetryPolicy: ...

    @property
    def max_batch(self) -> int:
        """How many events due together for one target may be handed over in one `send`."""
        ...

    @property
    def concurrency(self) -> int:
        """How many targets may be sent to at once."""
        ...

    @property
    def send_timeout_s(self) -> float:
        """A send taking longer is abandoned and retried (its result is unknown)."""
        ...

    async def send(self, target: str, events: Sequence[Event]) -> Sent: ...

    async def close(self) -> None: ...
