"""The dispatcher: one per channel, it moves due outbox rows to the channel's sender.

Each round (`run_once`) claims due rows with a lease (`store.outbox.claim_due`), groups them by
target and starts one task per target, at most `channel.concurrency` at once. A target still
being sent to is never claimed again, so a slow or hanging target holds up only itself. Every
try is recorded (`mark_sent` / `mark_retry` / `mark_failed` / `fail_target`), and the channel's
`RetryPolicy` decides when to try again:

- `RetryLater`: retried on the schedule (never sooner than the target's `after`); past the end
  of the schedule the rows fail and `on_alert("exhausted", …)` is called once;
- `Rejected`: failed at once; `TargetGone`: the target is deactivated and its pending rows fail,
  `on_alert("gone", …)`;
- any other exception: logged with its traceback, treated as `RetryLater`.

Time comes from `clock` (Unix seconds), so tests move it instead of waiting. `run` loops until
stopped, sleeping until the next row is due or `wake()` is called (the pipeline wakes it after a
commit that queued deliveries). `close` lets in-flight sends finish within a bound, then gives
their rows back (a restart sends them again; an abandoned send's result is unknown).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
import random
import time
from collections.abc import Callable, Sequence

from bot import metrics
from bot.delivery.channel import Channel
from bot.errors import Rejected, RetryLater, TargetGone
from store import outbox
from store.db import Store
from store.events import Event, event_from_json
from store.outbox import Claimed, Outcome

log = logging.getLogger("treatybot.delivery")

# (what happened: "gone" | "exhausted", channel, target, error) — operational alerts.
AlertHook = Callable[[str, str, str, str], None]


class Dispatcher:
    def __init__(
        self,
        store: Store,
        channel: Channel,
        *,
        clock: Callable[[], float] = time.time,
        lease_s: float = 120.0,
        claim_limit: int = 500,
        idle_poll_s: float = 5.0,
        on_alert: AlertHook | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self.channel = channel
        self.clock = clock
        self.lease_s = max(lease_s, channel.send_timeout_s * 2)
        self.claim_limit = claim_limit
        self.idle_poll_s = idle_poll_s
        self.on_alert = on_alert
        self.rng = rng or random.Random()
        self._busy: dict[str, asyncio.Task[None]] = {}
        self._claimed: dict[str, list[int]] = {}
        self._wake = asyncio.Event()

    @property
    def name(self) -> str:
        return self.channel.name

    @property
    def in_flight(self) -> int:
        return len(self._busy)

    def wake(self) -> None:
        """Something was queued: look at the outbox now rather than at the next poll."""
        self._wake.set()

    async def run_once(self) -> int:
        """Claim due rows and start sending them; returns how many rows were claimed."""
        free = self.channel.concurrency - len(self._busy)
        if free <= 0:
            return 0
        rows = await self.store.run(
            outbox.claim_due,
            self.channel.name,
            self.clock(),
            self.claim_limit,
            lease_s=self.lease_s,
            busy_targets=list(self._busy),
            max_targets=free,
        )
        by_target: dict[str, list[Claimed]] = {}
        for row in rows:
            by_target.setdefault(row.target, []).append(row)
        started, surplus = list(by_target.items())[:free], list(by_target.items())[free:]
        if surplus:
            extra = [row.id for _, target_rows in surplus for row in target_rows]
            await self.store.run(outbox.release_claims, row_ids=extra)
        for target, target_rows in started:
            self._claimed[target] = [row.id for row in target_rows]
            task = asyncio.create_task(self._deliver(target, target_rows), name=f"send:{target}")
            self._busy[target] = task
            task.add_done_callback(functools.partial(self._done, target))
        return sum(len(target_rows) for _, target_rows in started)

    def _done(self, target: str, _task: asyncio.Task[None]) -> None:
        self._busy.pop(target, None)
        self._claimed.pop(target, None)
        self._wake.set()  # a slot is free, and the target may have more rows due

    async def drain(self) -> None:
        """Wait for every send in flight (tests, and a graceful shutdown)."""
        while self._busy:
            await asyncio.gather(*list(self._busy.values()), return_exceptions=True)

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set."""
        while not stop.is_set():
            self._wake.clear()
            try:
                await self.run_once()
            except Exception:
                log.exception("%s: claiming deliveries failed; trying again shortly", self.name)
            wait = self.idle_poll_s
            if len(self._busy) < self.channel.concurrency:
                with contextlib.suppress(Exception):
                    due = await self.store.run(outbox.next_due, self.name, list(self._busy))
                    if due is not None:
                        wait = min(wait, max(due - self.clock(), 0.0))
            # With every slot busy there is nothing to claim until a send ends (it sets
            # `_wake`): no need to ask the database (a broadcast to more targets than
            # `concurrency` would otherwise spin a CPU).
            if wait > 0 and not stop.is_set():
                await self._pause(stop, wait)
            else:
                await asyncio.sleep(0)  # due rows: let the sends just started progress

    async def _pause(self, stop: asyncio.Event, timeout: float) -> None:
        """Sleep until `wake()`, a send ending, `stop`, or `timeout` seconds, whichever first."""
        waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        _, pending = await asyncio.wait(
            waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        for waiter in pending:
            waiter.cancel()

    async def close(self, timeout_s: float = 10.0) -> None:
        """Let sends in flight finish for up to `timeout_s`, then abandon them and give their
        rows back to the outbox (they are sent again by the next start)."""
        if self._busy:
            _, pending = await asyncio.wait(list(self._busy.values()), timeout=timeout_s)
            leftover = [i for target, ids in self._claimed.items() for i in ids]
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
                log.warning(
                    "%s: %d send(s) still running at shutdown were abandoned; their rows are"
                    " queued again",
                    self.name,
                    len(pending),
                )
                await self.store.run(outbox.release_claims, row_ids=leftover)
        await self.channel.close()

    async def _deliver(self, target: str, rows: Sequence[Claimed]) -> None:
        size = max(1, self.channel.max_batch)
        batches = [list(rows[i : i + size]) for i in range(0, len(rows), size)]
        for number, batch in enumerate(batches):
            keep_going = await self._send_batch(target, batch)
            if not keep_going:
                rest = [row.id for later in batches[number + 1 :] for row in later]
                if rest:
                    await self.store.run(outbox.release_claims, row_ids=rest)
                return

    async def _send_batch(self, target: str, batch: Sequence[Claimed]) -> bool:
        """Send one batch and record the try; False when this target should get no more now."""
        ids = [row.id for row in batch]
        events: list[Event] = []
        for row in batch:
            try:
                events.append(event_from_json(row.event))
            except (KeyError, ValueError, TypeError) as exc:
                await self.store.run(
                    outbox.mark_failed, [row.id], now=self.clock(), error=f"unreadable event: {exc}"
                )
        ids = [row.id for row in batch if any(e.id == row.event_id for e in events)]
        if not events:
            return True
        started = time.monotonic()
        try:
            sent = await asyncio.wait_for(
                self.channel.send(target, events), timeout=self.channel.send_timeout_s
            )
        except TargetGone as exc:
            failed = await self.store.run(
                outbox.fail_target,
                self.name,
                target,
                ids,
                now=self.clock(),
                error=exc.error,
                status_code=exc.status,
                duration_ms=_ms(started),
            )
            self._observe(batch, Outcome.GONE)
            log.warning(
                "%s %s: target gone (%s); deactivated, %d pending delivery(ies) failed",
                self.name,
                target,
                exc.error,
                failed,
            )
            self._alert("gone", target, exc.error)
            return False
        except Rejected as exc:
            await self.store.run(
                outbox.mark_failed,
                ids,
                now=self.clock(),
                error=exc.error,
                status_code=exc.status,
                duration_ms=_ms(started),
            )
            self._observe(batch, Outcome.FAILED)
            log.warning("%s %s: rejected, not retried: %s", self.name, target, exc.error)
            return True
        except RetryLater as exc:
            await self._retry(target, batch, ids, exc.error, exc.status, exc.after, started)
            return False
        except TimeoutError:
            error = f"no answer within {self.channel.send_timeout_s:g} s (result unknown)"
            await self._retry(target, batch, ids, error, None, None, started)
            return False
        except Exception as exc:
            log.exception("%s %s: the sender failed unexpectedly", self.name, target)
            error = f"internal error: {type(exc).__name__}: {exc}"
            await self._retry(target, batch, ids, error, None, None, started)
            return False
        await self.store.run(
            outbox.mark_sent,
            ids,
            now=self.clock(),
            status_code=sent.status,
            duration_ms=_ms(started),
        )
        self._observe(batch, Outcome.SENT)
        return True

    async def _retry(
        self,
        target: str,
        batch: Sequence[Claimed],
        ids: Sequence[int],
        error: str,
        status: int | None,
        after: float | None,
        started: float,
    ) -> None:
        tries = max(row.attempts for row in batch) + 1
        delay = self.channel.policy.delay(tries, self.rng)
        now = self.clock()
        if delay is None:
            final = f"gave up after {tries} attempt(s): {error}"
            await self.store.run(
                outbox.mark_failed,
                ids,
                now=now,
                error=final,
                status_code=status,
                duration_ms=_ms(started),
            )
            self._observe(batch, Outcome.FAILED)
            log.warning("%s %s: %s", self.name, target, final)
            self._alert("exhausted", target, error)
            return
        delay = max(delay, after or 0.0)
        await self.store.run(
            outbox.mark_retry,
            ids,
            now=now,
            next_attempt_at=now + delay,
            error=error,
            status_code=status,
            duration_ms=_ms(started),
        )
        self._observe(batch, Outcome.RETRY)
        log.info("%s %s: %s; retry %d in %.0f s", self.name, target, error, tries, delay)

    def _observe(self, batch: Sequence[Claimed], outcome: Outcome) -> None:
        now = self.clock()
        for row in batch:
            detected = _epoch(row.event.get("detected_at"))
            latency = now - detected if detected is not None else None
            changed = _epoch((row.event.get("detection") or {}).get("changed_after"))
            end_to_end = now - changed if changed is not None else None
            metrics.observe_delivery(self.name, outcome, latency, end_to_end)

    def _alert(self, what: str, target: str, error: str) -> None:
        if self.on_alert is None:
            return
        try:
            self.on_alert(what, self.name, target, error)
        except Exception:
            log.exception("%s: the operational alert hook failed", self.name)


def _epoch(stamp: object) -> float | None:
    """An event's `detected_at` ("2026-03-12T14:05:09Z") → Unix seconds."""
    if not isinstance(stamp, str):
        return None
    try:
        return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
