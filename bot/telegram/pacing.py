"""Pacing of Telegram sends: when may the next message to a chat leave, so Telegram's limits hold.

Owns the timing decisions only. It does not send, catch exceptions, touch the outbox or read a clock
in its core; python-telegram-bot's `AIORateLimiter` is not used because it does not hold these
limits (see docs: no per-chat spacing, bursts, early release of a RetryAfter halt).

Rules (`PacingLimits`, defaults below Telegram's observed limits):

- global: a token bucket, `global_rate_per_s` (25) tokens a second, capacity `burst` (3): never more
  than 3 messages at once, then one every 1/25 s;
- global, as Telegram counts: a sliding window, at most `window_cap` (= `global_rate_per_s` x
  `window_s`, 25) sends released in any `window_s` (1.0) + `window_margin_s` (0.05) seconds. The
  server counts arrivals in any `window_s`; the margin absorbs the difference between our release
  and its arrival (two sends whose release-to-arrival delays differ by at most the margin cannot
  land closer than the server allows). The bucket smooths, the window holds the limit exactly: a
  late release is caught up (up to `burst` at once) without ever putting N + 1 in a window;
- per chat: at least `per_chat_interval_s` (1.0) + `margin_s` between two messages to one chat;
- per group, supergroup or channel: at most `group_per_minute` (20) messages in any rolling
  `group_window_s` (60) + `margin_s`;
- `pause_all(seconds, now)` after a 429 RetryAfter: nothing is released before the pause ends, a
  later shorter pause never shortens it, and sending resumes at the steady rate (no burst).

Pure core, time passed in (seconds on any monotonic scale, e.g. `loop.time()`):

    pacer = Pacer()
    pacer.ready_at(chat_id, kind, now) -> float   # earliest time a send may go; records nothing
    pacer.reserve(chat_id, kind, now) -> float    # 0.0: go now, the send is recorded;
                                                  # > 0: wait that long, nothing recorded
    pacer.take([(chat_id, kind), ...], now) -> Batch(ready=[...], next_at=float | None)
    pacer.pause_all(seconds, now); pacer.paused_until

A dispatcher calls `take` with its due targets (oldest first): the ready ones are reserved and sent
now, concurrently; it sleeps until `next_at` (or new work) and asks again, so a slow chat never
holds up the others. A reservation whose send is then not made is simply lost capacity.

`AsyncPacer` is the thin asyncio wrapper: `await wait_turn(chat_id, kind)`, `pause_all(seconds)`.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

ChatKind = Literal["private", "group", "supergroup", "channel"]
_EPS = 1e-9  # float slack: a send due at t is ready at t, not 1e-16 later
_PRUNE_EVERY = 1024


@dataclass(frozen=True)
class PacingLimits:
    global_rate_per_s: float = 25.0
    burst: int = 3
    per_chat_interval_s: float = 1.0
    group_per_minute: int = 20
    group_window_s: float = 60.0
    margin_s: float = 0.05  # added to per-chat and group waits: Telegram's clock is not ours
    window_s: float = 1.0  # Telegram's global window: `window_cap` sends in any `window_s`
    window_margin_s: float = 0.05  # added to the window: jitter between release and arrival

    def __post_init__(self) -> None:
        if self.global_rate_per_s <= 0 or self.burst < 1 or self.group_per_minute < 1:
            raise ValueError(f"pacing limits must be positive: {self}")
        if self.window_s <= 0 or self.window_margin_s < 0 or self.margin_s < 0:
            raise ValueError(f"pacing windows must be positive: {self}")

    @property
    def window_cap(self) -> int:
        """At most this many sends in any `window_s` (+ `window_margin_s`): the rate x window."""
        return max(1, math.floor(self.global_rate_per_s * self.window_s + _EPS))


@dataclass
class _Chat:
    last: float
    recent: deque[float]  # the last `group_per_minute` send times (groups only)


@dataclass(frozen=True)
class Batch:
    ready: list[int]  # chat ids reserved now, in the order given
    next_at: float | None  # when the earliest of the others is due; None if none are left


@dataclass
class Pacer:
    limits: PacingLimits = field(default_factory=PacingLimits)
    paused_until: float = float("-inf")
    _tokens: float = field(init=False)
    _tokens_at: float = field(default=float("-inf"), init=False)
    _window: deque[float] = field(init=False)  # the last `window_cap` release times
    _chats: dict[int, _Chat] = field(default_factory=dict, init=False)
    _reservations: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self._tokens = float(self.limits.burst)
        self._window = deque(maxlen=self.limits.window_cap)

    # -- questions ------------------------------------------------------------------------------

    def ready_at(self, chat_id: int, kind: ChatKind, now: float) -> float:
        """The earliest time (>= now) a message to this chat may be sent."""
        limits = self.limits
        due = max(now, self.paused_until)
        tokens = self._tokens_now(due)
        if tokens < 1 - _EPS:
            due = max(due, self._tokens_at) + (1 - tokens) / limits.global_rate_per_s
        if len(self._window) == self._window.maxlen:  # the oldest of the last N must age out
            due = max(due, self._window[0] + limits.window_s + limits.window_margin_s)
        chat = self._chats.get(chat_id)
        if chat is not None:
            due = max(due, chat.last + limits.per_chat_interval_s + limits.margin_s)
            if kind != "private" and len(chat.recent) >= limits.group_per_minute:
                due = max(due, chat.recent[0] + limits.group_window_s + limits.margin_s)
        return due

    # -- decisions ------------------------------------------------------------------------------

    def reserve(self, chat_id: int, kind: ChatKind, now: float) -> float:
        """0.0 and the send is recorded as made at `now`; else the delay, nothing recorded."""
        due = self.ready_at(chat_id, kind, now)
        if due > now + _EPS:
            return due - now
        self._tokens = self._tokens_now(now) - 1
        self._tokens_at = max(self._tokens_at, now)
        self._window.append(now)
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Chat(now, deque(maxlen=self.limits.group_per_minute))
        chat.last = now
        if kind != "private":
            chat.recent.append(now)
        self._reservations += 1
        if self._reservations % _PRUNE_EVERY == 0:
            self._prune(now)
        return 0.0

    def take(self, targets: Iterable[tuple[int, ChatKind]], now: float) -> Batch:
        """Reserve every target that may go now (in order); say when the next other one is due."""
        ready: list[int] = []
        waiting: list[tuple[int, ChatKind]] = []
        for chat_id, kind in targets:
            if self.reserve(chat_id, kind, now) == 0.0:
                ready.append(chat_id)
            else:
                waiting.append((chat_id, kind))
        next_at = min((self.ready_at(c, k, now) for c, k in waiting), default=None)
        return Batch(ready, next_at)

    def pause_all(self, seconds: float, now: float) -> None:
        """Hold every send until now + seconds (a RetryAfter); never shortens a longer pause."""
        until = now + seconds
        if until <= self.paused_until:
            return
        self.paused_until = until
        self._tokens, self._tokens_at = 1.0, until  # resume at the steady rate, no burst

    # -- internals ------------------------------------------------------------------------------

    def _tokens_now(self, now: float) -> float:
        elapsed = max(0.0, now - self._tokens_at)  # inf before the first send: a full bucket
        return min(float(self.limits.burst), self._tokens + elapsed * self.limits.global_rate_per_s)

    def _prune(self, now: float) -> None:
        limits = self.limits
        horizon = max(limits.per_chat_interval_s, limits.group_window_s) + limits.margin_s
        self._chats = {c: s for c, s in self._chats.items() if s.last + horizon > now}


class AsyncPacer:
    """`Pacer` on a real (or injected) clock: `await wait_turn(...)` returns when a send may go."""

    def __init__(
        self,
        limits: PacingLimits | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.pacer = Pacer(limits or PacingLimits())
        self._clock = clock
        self._sleep = sleep

    async def wait_turn(self, chat_id: int, kind: ChatKind) -> None:
        """Wait until a message to this chat may be sent; the send is then recorded."""
        while (delay := self.pacer.reserve(chat_id, kind, self._clock())) > 0:
            await self._sleep(delay)

    def pause_all(self, seconds: float) -> None:
        self.pacer.pause_all(seconds, self._clock())
