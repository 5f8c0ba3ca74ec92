"""The asyncio side of pacing: every message the bot sends (alerts and replies) waits its turn
here, and one loop releases the turns in order with `Pacer.take` semantics.

Owns waiting only: it does not send, map errors or touch the store. Waiters are served oldest
first among those that may go (a chat still inside its per-chat spacing or group window is
skipped, not waited for), so a slow or rate-limited chat never holds up the others. A 429 is
reported with `pause_all(seconds)`: nothing is released before the pause ends.

    gate = Gate(PacingLimits(...))
    await gate.turn(chat_key, "private")   # returns when a message may leave; it is recorded
    gate.pause_all(retry_after)

One loop wakes per release (not every waiter), so thousands of queued chats cost little.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Callable

from bot.telegram.pacing import ChatKind, Pacer, PacingLimits

_PROBE = 0  # no Telegram chat has id 0: `ready_at(_PROBE)` is the global (bucket, pause) limit
_EPS = 1e-9


class Gate:
    def __init__(
        self, limits: PacingLimits | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.pacer = Pacer(limits or PacingLimits())
        self._clock = clock
        self._tickets = itertools.count()
        self._waiting: dict[int, tuple[int, ChatKind, asyncio.Future[None]]] = {}
        self._kick = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    @property
    def paused_for(self) -> float:
        """Seconds left of a bot-wide pause (0 when not paused)."""
        return max(0.0, self.pacer.paused_until - self._clock())

    async def turn(self, chat_key: int, kind: ChatKind) -> None:
        """Wait until a message to this chat may be sent; the send is then recorded."""
        if not self._waiting and self.pacer.reserve(chat_key, kind, self._clock()) == 0.0:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        ticket = next(self._tickets)
        self._waiting[ticket] = (chat_key, kind, future)
        self._kick.set()
        if self._loop_task is None or self._loop_task.done():
            self._loop_task = asyncio.create_task(self._release_loop(), name="telegram-pacing")
        try:
            await future
        finally:
            self._waiting.pop(ticket, None)

    def pause_all(self, seconds: float) -> None:
        self.pacer.pause_all(seconds, self._clock())
        self._kick.set()

    async def close(self) -> None:
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task

    async def _release_loop(self) -> None:
        while self._waiting:
            next_at = self._release(self._clock())
            if not self._waiting:
                return
            self._kick.clear()
            wait = None if next_at is None else max(0.0, next_at - self._clock())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._kick.wait(), wait)

    def _release(self, now: float) -> float | None:
        """Release every waiter that may go now, oldest first; when to look again."""
        next_at: float | None = None
        for ticket, (chat_key, kind, future) in list(self._waiting.items()):
            if future.done():  # cancelled by its sender (shutdown, send timeout)
                self._waiting.pop(ticket, None)
                continue
            global_due = self.pacer.ready_at(_PROBE, "private", now)
            if global_due > now + _EPS:  # no token or paused: nobody behind may go either
                return global_due if next_at is None else min(next_at, global_due)
            delay = self.pacer.reserve(chat_key, kind, now)
            if delay == 0.0:
                self._waiting.pop(ticket, None)
                future.set_result(None)
            else:
                due = now + delay
                next_at = due if next_at is None else min(next_at, due)
        return next_at
