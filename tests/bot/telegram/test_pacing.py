"""Pacing on a fake clock: Telegram's limits hold and a slow chat never blocks the others."""

from __future__ import annotations

import datetime as dtm
import itertools

import pytest
from telegram import Bot
from telegram.error import RetryAfter

from bot.telegram.pacing import AsyncPacer, Batch, ChatKind, Pacer, PacingLimits
from tests.fakes.telegram_api import FakeBotAPI

RATE = 25.0


def drain(pacer: Pacer, targets: list[tuple[int, ChatKind]], start: float = 0.0) -> list[float]:
    """Send every target as a dispatcher would (take, then sleep until next_at); send times."""
    now, left, times = start, list(targets), []
    while left:
        batch = pacer.take(left, now)
        times += [now] * len(batch.ready)
        for chat_id in batch.ready:
            left.remove(next(t for t in left if t[0] == chat_id))
        if batch.next_at is not None:
            assert batch.next_at > now
            now = batch.next_at
    return times


def most_in_any_window(times: list[float], width: float) -> int:
    """The most sends in any half-open window [t, t + width) starting at a send."""
    times = sorted(times)
    return max(sum(1 for u in times if t <= u < t + width - 1e-9) for t in times)


def test_a_hundred_chats_are_spread_at_the_global_rate_with_bursts_of_at_most_three() -> None:
    times = drain(Pacer(), [(chat_id, "private") for chat_id in range(1, 101)])

    assert len(times) == 100
    assert times[-1] == pytest.approx((100 - 3) / RATE)
    assert most_in_any_window(times, 1 / RATE) == 3
    assert most_in_any_window(times, 1.0) <= 3 + RATE  # the fake Bot API allows 30


def test_two_messages_to_one_chat_are_at_least_the_interval_apart() -> None:
    pacer = Pacer()

    first = pacer.reserve(7, "private", now=0.0)
    too_soon = pacer.reserve(7, "private", now=0.5)
    other_chat = pacer.reserve(8, "private", now=0.5)
    second = pacer.reserve(7, "private", now=0.5 + too_soon)

    assert (first, other_chat, second) == (0.0, 0.0, 0.0)
    assert 0.5 + too_soon >= 1.0
    assert too_soon == pytest.approx(0.55)


def test_twenty_one_messages_to_one_group_need_more_than_a_minute() -> None:
    times = drain(Pacer(), [(-42, "group")] * 21)

    assert times[-1] - times[0] > 60.0
    assert times[19] - times[0] < 60.0  # the first twenty only need the per-chat spacing
    assert min(b - a for a, b in itertools.pairwise(times)) >= 1.0


def test_a_private_chat_is_not_held_to_the_group_window() -> None:
    times = drain(Pacer(), [(7, "private")] * 21)

    assert times[-1] == pytest.approx(20 * 1.05)


def test_a_pause_holds_every_chat_until_it_ends() -> None:
    pacer = Pacer()
    pacer.pause_all(10.0, now=100.0)

    during = [pacer.reserve(chat_id, "private", now=109.99) for chat_id in (1, 2, 3)]
    at_the_end = pacer.reserve(1, "private", now=110.0)

    assert during == [pytest.approx(0.01)] * 3
    assert at_the_end == 0.0


def test_a_shorter_pause_does_not_cut_a_longer_one() -> None:
    pacer = Pacer()
    pacer.pause_all(10.0, now=0.0)
    pacer.pause_all(2.0, now=1.0)

    assert pacer.paused_until == 10.0
    assert pacer.reserve(1, "private", now=5.0) == pytest.approx(5.0)


def test_after_a_pause_sending_resumes_at_the_steady_rate_without_a_burst() -> None:
    pacer = Pacer()
    pacer.pause_all(5.0, now=0.0)

    times = drain(pacer, [(chat_id, "private") for chat_id in range(1, 5)], start=5.0)

    assert times == pytest.approx([5.0, 5.0 + 1 / RATE, 5.0 + 2 / RATE, 5.0 + 3 / RATE])


def test_take_reserves_the_ready_chats_and_says_when_the_next_is_due() -> None:
    pacer = Pacer(PacingLimits(burst=3))
    pacer.reserve(7, "private", now=0.0)

    batch = pacer.take([(7, "private"), (8, "private"), (9, "group")], now=0.5)

    assert batch == Batch(ready=[8, 9], next_at=pytest.approx(1.05))


def test_ready_at_records_nothing() -> None:
    pacer = Pacer()

    asked = [pacer.ready_at(7, "private", now=0.0) for _ in range(5)]

    assert asked == [0.0] * 5
    assert pacer.reserve(7, "private", now=0.0) == 0.0


def test_limits_scale_for_a_benchmark() -> None:
    limits = PacingLimits(global_rate_per_s=250.0, per_chat_interval_s=0.1, margin_s=0.0)
    pacer = Pacer(limits)

    assert [pacer.reserve(7, "private", now=t) for t in (0.0, 0.05, 0.1)] == [
        0.0,
        pytest.approx(0.05),
        0.0,
    ]


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


async def test_wait_turn_sleeps_until_the_chat_is_due_and_honours_a_pause() -> None:
    clock = FakeClock()
    pacer = AsyncPacer(clock=clock, sleep=clock.sleep)

    await pacer.wait_turn(7, "private")
    first = clock.now
    await pacer.wait_turn(7, "private")
    second = clock.now
    pacer.pause_all(30.0)
    await pacer.wait_turn(8, "private")

    assert (first, second) == (0.0, pytest.approx(1.05))
    assert clock.now == pytest.approx(1.05 + 30.0)


async def test_paced_sends_break_no_limit_of_the_fake_bot_api(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """End to end on one fake clock: the pacer's schedule, sent through python-telegram-bot to
    the fake Bot API (which checks Telegram's limits), including a 429 storm honoured."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    clock = FakeClock()
    pacer = AsyncPacer(clock=clock, sleep=clock.sleep)
    targets: list[tuple[int, ChatKind]] = [(n, "private") for n in range(1, 11)]
    targets.append((-42, "group"))
    async with FakeBotAPI(clock=clock) as fake, Bot(fake.token, base_url=fake.base_url) as bot:
        fake.storm(1, retry_after=3)
        for chat_id, kind in targets * 3:
            while True:
                await pacer.wait_turn(chat_id, kind)
                try:
                    await bot.send_message(chat_id, "paced")
                    break
                except RetryAfter as error:
                    assert isinstance(error.retry_after, dtm.timedelta)
                    pacer.pause_all(error.retry_after.total_seconds())

    assert fake.violations == []
    assert len(fake.sent()) == 33
