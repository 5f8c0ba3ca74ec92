"""Prometheus metrics: module-level objects in treatybot's own registry, and the four tiny
functions the pipeline, the dispatchers and the Telegram sender call to record what happened.

    observe_check(outcome, seconds)            after each check (CheckResult.outcome)
    observe_event(type)                        for each event stored (inserted, not re-seen)
    observe_delivery(channel, outcome, latency_s, end_to_end_s)   after each delivery try
    observe_telegram_429()                     for each 429 the Bot API answers

The outbox depth is not counted as things happen: it is read from the database when
`/metrics` is scraped (`exposition`), so it is right even after a restart. Process metrics
(`process_*`: memory, CPU, open files) come from the client's `ProcessCollector` and keep
their standard names, which every dashboard expects; everything of ours is `treatybot_*`.

Own registry, not the client's global one: tests and a second app in one process never see
another's collectors twice. Must not: decide health, read the clock or do HTTP.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from store import outbox
from store.db import Store
from store.events import EVENT_TYPES

REGISTRY = CollectorRegistry(auto_describe=True)

CHECK_OUTCOMES = ("baseline", "unchanged", "changed", "failed", "quarantined")

CHECKS = Counter(
    "treatybot_checks",  # exposed as treatybot_checks_total
    "Checks of a treaty's status page, by outcome.",
    ["outcome"],
    registry=REGISTRY,
)
CHECK_SECONDS = Histogram(
    "treatybot_check_duration_seconds",
    "Time one check took: fetch (with retries), parse, diff and save.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
    registry=REGISTRY,
)
EVENTS = Counter(
    "treatybot_events",
    "Events stored, by type.",
    ["type"],
    registry=REGISTRY,
)
DELIVERIES = Counter(
    "treatybot_deliveries",
    "Delivery tries, by channel and outcome (sent, retry, failed, gone).",
    ["channel", "outcome"],
    registry=REGISTRY,
)
DELIVERY_LATENCY = Histogram(
    "treatybot_delivery_latency_seconds",
    "From the event's detection to its successful delivery, by channel.",
    ["channel"],
    buckets=(0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600, 24 * 3600),
    registry=REGISTRY,
)
END_TO_END_LATENCY = Histogram(
    "treatybot_end_to_end_latency_seconds",
    "Upper bound of change to delivery, by channel: from the previous check that still saw the"
    " old state (the event's detection.changed_after) to the successful delivery.",
    ["channel"],
    buckets=(30, 60, 120, 180, 300, 600, 1800, 3600, 2 * 3600, 6 * 3600, 12 * 3600, 24 * 3600),
    registry=REGISTRY,
)
DETECTION_LATENCY = Histogram(
    "treatybot_detection_latency_seconds",
    "Upper bound of how late a change was seen: first seen minus the previous check that still"
    " saw the old state, by watch tier (unknown: checked outside the watch loop).",
    ["tier"],
    buckets=(30, 60, 120, 180, 300, 600, 1800, 3600, 2 * 3600, 6 * 3600, 12 * 3600, 24 * 3600),
    registry=REGISTRY,
)
TELEGRAM_429 = Counter(
    "treatybot_telegram_429",
    "Bot API answers 429 Too Many Requests.",
    registry=REGISTRY,
)

for _outcome in CHECK_OUTCOMES:
    CHECKS.labels(outcome=_outcome)  # present at 0 from the start, so rate() sees the first one
for _type in EVENT_TYPES:
    EVENTS.labels(type=_type)


class OutboxDepth(Collector):
    """`treatybot_outbox_depth{channel,status}`: outbox rows, as last read by `exposition`."""

    NAME = "treatybot_outbox_depth"
    HELP = "Outbox rows by channel and status (pending, sent, failed), read at scrape time."

    def __init__(self) -> None:
        self._counts: dict[str, dict[str, int]] = {}

    def update(self, counts: Mapping[str, Mapping[str, int]]) -> None:
        self._counts = {channel: dict(by_status) for channel, by_status in counts.items()}

    def collect(self) -> Iterable[Metric]:
        family = GaugeMetricFamily(self.NAME, self.HELP, labels=["channel", "status"])
        for channel in sorted(self._counts):
            for status in outbox.Status:
                family.add_metric([channel, status.value], self._counts[channel].get(status, 0))
        yield family

    def describe(self) -> Iterable[Metric]:
        yield GaugeMetricFamily(self.NAME, self.HELP, labels=["channel", "status"])


OUTBOX_DEPTH = OutboxDepth()
REGISTRY.register(OUTBOX_DEPTH)
ProcessCollector(registry=REGISTRY)


def observe_check(outcome: str, seconds: float) -> None:
    """One check ended with `outcome` (baseline, unchanged, changed, failed, quarantined)."""
    CHECKS.labels(outcome=outcome).inc()
    CHECK_SECONDS.observe(seconds)


def observe_detection(tier: str | None, seconds: float) -> None:
    """One change was first seen `seconds` after the last check that saw the old state."""
    DETECTION_LATENCY.labels(tier=tier or "unknown").observe(max(seconds, 0.0))


def observe_event(event_type: str) -> None:
    """One new event was stored (call for inserted events only, not for ones seen before)."""
    EVENTS.labels(type=event_type).inc()


def observe_delivery(
    channel: str,
    outcome: str,
    latency_s: float | None = None,
    end_to_end_s: float | None = None,
) -> None:
    """One delivery try of `channel` ended in `outcome` (a `store.outbox.Outcome` value).

    `latency_s` (now − the event's `detected_at`) and `end_to_end_s` (now − its
    `detection.changed_after`, when known) are recorded only for a "sent" outcome.
    """
    DELIVERIES.labels(channel=channel, outcome=outcome).inc()
    if outcome != outbox.Outcome.SENT:
        return
    if latency_s is not None:
        DELIVERY_LATENCY.labels(channel=channel).observe(max(latency_s, 0.0))
    if end_to_end_s is not None:
        END_TO_END_LATENCY.labels(channel=channel).observe(max(end_to_end_s, 0.0))


def observe_telegram_429() -> None:
    TELEGRAM_429.inc()


async def exposition(store: Store) -> tuple[bytes, str]:
    """The `/metrics` body and its content type, the outbox depth read fresh (on the DB
    thread). Rendering itself is in-memory work, cheap enough for the event loop."""
    OUTBOX_DEPTH.update(await store.run(outbox.counts_by_status))
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
