"""Pacing on a fake clock: Telegram's limits hold and a slow chat never blocks the others."""

from __future__ import annotations

import bisect
import datetime as dtm
import itertools
import random
from collections.abc import Callable

import pytest
from telegram import Bot
from telegram.error import RetryAfter

from bot.telegram.pacing import AsyncPacer, Batch, ChatKind, Pacer, PacingLimits
from tests.fakes.telegram_api import FakeBotAPI
from tests.fakes.telegram_model import ChatInfo, RateLimits

RATE = 25.0


def drain(
    pacer: Pacer,
    targets: list[tuple[int, ChatKind]],
    start: float = 0.0,
    late: Callable[[], float] = lambda: 0.0,
) -> list[float]:
    """Send every target as a dispatcher would (take, then sleep until next_at, waking `late()`
    seconds after it); the send times."""
    now, left, times = start, list(targets), []
    while left:
        batch = pacer.take(left, now)
        times += [now] * len(batch.ready)
        for chat_id in batch.ready:
            left.remove(next(t for t in left if t[0] == chat_id))
        if batch.next_at is not None:
            assert batch.next_at > now
            now = batch.next_at + late()
    return times


def most_in_any_window(times: list[float], width: float) -> int:
    """The most sends in any half-open window [t, t + width) starting at a send."""
    times = sorted(times)
    return max(bisect.bisect_left(times, t + width - 1e-9) - i for i, t in enumerate(times))


def test_a_hundred_chats_are_spread_at_the_global_rate_with_bursts_of_at_most_three() -> None:
    times = drain(Pacer(), [(chat_id, "private") for chat_id in range(1, 101)])

    assert len(times) == 100
    assert times[24] == pytest.approx((25 - 3) / RATE)  # the bucket: 3 at once, then 1/25 s
    assert times[-1] == pytest.approx(3 * 1.05 + (25 - 3) / RATE)  # the window: 25 per 1.05 s
    assert most_in_any_window(times, 1 / RATE) == 3
    assert most_in_any_window(times, 1.05) == 25  # the fake Bot API allows 30 in 1 s


TELEGRAM = PacingLimits(global_rate_per_s=30.0, burst=3, window_margin_s=0.04)  # the benchmark's


def private_chats(count: int) -> list[tuple[int, ChatKind]]:
    return [(chat_id, "private") for chat_id in range(1, count + 1)]


def test_the_window_cap_is_the_rate_times_the_window() -> None:
    caps = [
        PacingLimits(global_rate_per_s=rate, window_s=window).window_cap
        for rate, window in ((25.0, 1.0), (30.0, 1.0), (29.5, 1.0), (300.0, 1.0), (0.5, 1.0))
    ]

    assert caps == [25, 30, 29, 300, 1]


def test_the_send_after_a_full_window_waits_until_the_oldest_ages_out_plus_the_margin() -> None:
    pacer = Pacer(PacingLimits(global_rate_per_s=30.0, burst=30, window_margin_s=0.04))
    first = [pacer.reserve(chat_id, "private", now=0.0) for chat_id in range(1, 31)]

    wait = pacer.reserve(31, "private", now=0.5)
    just_before = pacer.reserve(31, "private", now=1.0399)
    at_the_edge = pacer.reserve(31, "private", now=1.04)

    assert first == [0.0] * 30
    assert wait == pytest.approx(0.54)
    assert just_before == pytest.approx(0.0001)
    assert at_the_edge == 0.0


def test_a_steady_broadcast_fills_the_window_and_never_exceeds_it() -> None:
    times = drain(Pacer(TELEGRAM), private_chats(900))

    rate = (len(times) - 1) / (times[-1] - times[0])
    assert most_in_any_window(times, 1.04) == 30
    assert rate == pytest.approx(30 / 1.04, rel=0.01)
    assert most_in_any_window(times, 1 / 30) == 3  # bursts of at most 3 still


def test_late_wake_ups_are_caught_up_without_ever_exceeding_the_window() -> None:
    """The event loop wakes up to 5 ms late: the bucket lets a late release catch up (a late
    send only delays the one 30 sends later, not every one after it), the window still never
    holds more than 30, and the rate stays above 95 % of 30/s."""
    rng = random.Random(8)

    times = drain(Pacer(TELEGRAM), private_chats(900), late=lambda: rng.uniform(0.0, 0.005))

    rate = (len(times) - 1) / (times[-1] - times[0])
    assert most_in_any_window(times, 1.04) == 30
    assert rate >= 0.95 * 30


def test_the_fake_bot_api_accepts_every_send_whose_arrival_lags_by_at_most_the_margin() -> None:
    """Release times from the pacer, each arriving 0-40 ms later in any order, checked by the
    fake Bot API's own rule (30 in any sliding second): not one refusal."""
    rng = random.Random(30)
    times = drain(Pacer(TELEGRAM), private_chats(900), late=lambda: rng.uniform(0.0, 0.01))
    arrivals = sorted(
        (t + rng.uniform(0.0, TELEGRAM.window_margin_s), chat_id)
        for chat_id, t in enumerate(times, start=1)
    )
    server = RateLimits(global_per_s=30, global_window_s=1.0)

    refused = []
    for at, chat_id in arrivals:
        chat = ChatInfo(chat_id, "private")
        if server.refusal(chat, at) is not None:
            refused.append(at)
        server.record(chat, at)

    assert refused == []


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
