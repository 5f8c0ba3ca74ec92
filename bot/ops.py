"""Operational alerts: tell the operator once when something starts going wrong, once when it
is right again — never once per failed check.

Subjects and states:

- a treaty whose checks failed `[health] failures_before_alert` times in a row → "failing"
  (with the last error), or that is quarantined → "quarantined"; a later good check →
  "recovered" (the state is cleared). Only treaties someone relies on (tracked by hand, or
  subscribed to) are alerted: with the whole catalogue watched, a failing treaty nobody follows
  is only logged by the check;
- a webhook endpoint disabled (410, or failing everything for `disable_after`) or whose
  delivery exhausted its retry schedule → "disabled" / "exhausted" (reported by the dispatcher's
  alert hook).

The state lives in the database (`store/ops.py`), so a restart neither repeats nor forgets an
alert. Each alert goes to the log, to every sink registered with `add_sink` (the Telegram admin
chats, the `[health] webhook_url` as a signed Standard Webhooks `ops.*` event). A sink that
fails is logged and never stops the others or the check that raised the alert.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from bot.pipeline import CheckResult
from store import ops, treaties, watch
from store.db import Store
from store.snapshots import now_text

log = logging.getLogger("treatybot.ops")

TreatyState = Literal["failing", "quarantined"]


@dataclass(frozen=True, slots=True)
class OpsAlert:
    """One operational alert. `kind` is e.g. "treaty.failing"; its event type is `ops.<kind>`."""

    kind: str
    subject: str
    detail: str
    at: dt.datetime

    @property
    def type(self) -> str:
        return f"ops.{self.kind}"

    def text(self) -> str:
        what = {
            "treaty.failing": "is failing",
            "treaty.quarantined": "is quarantined (held back for a maintainer)",
            "treaty.recovered": "recovered",
            "webhook.disabled": "webhook endpoint disabled",
            "webhook.exhausted": "webhook delivery gave up",
            "channel.target_gone": "target gone",
        }.get(self.kind, self.kind)
        tail = f": {self.detail}" if self.detail else ""
        return f"{self.subject} {what}{tail}"

    def to_json(self) -> dict[str, Any]:
        stamp = now_text(self.at)
        return {"type": self.type, "subject": self.subject, "detail": self.detail, "at": stamp}


Sink = Callable[[OpsAlert], Awaitable[None]]


def treaty_state(
    consecutive_failures: int, quarantined: bool, failures_before_alert: int
) -> TreatyState | None:
    """Pure: which alerting state a treaty's health puts it in (None: healthy)."""
    if quarantined:
        return "quarantined"
    if consecutive_failures >= failures_before_alert:
        return "failing"
    return None


class OpsMonitor:
    def __init__(
        self,
        store: Store,
        *,
        failures_before_alert: int,
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.store = store
        self.failures_before_alert = failures_before_alert
        self.clock = clock
        self._sinks: list[Sink] = []
        self.sent: list[OpsAlert] = []  # every alert raised by this process (for /healthz, tests)
        # Subjects in an alerting state (from `ops_state`, read once; this instance is the only
        # writer): a good check of a treaty not in it needs no database work at all.
        self._alerting: set[str] | None = None

    def add_sink(self, sink: Sink) -> None:
        self._sinks.append(sink)

    async def after_check(self, result: CheckResult) -> OpsAlert | None:
        """Compare the treaty's health after a check with what the operator was told."""
        subject = f"treaty:{result.treaty}"
        if self._alerting is None:
            known = await self.store.run(ops.alerting)
            self._alerting = {entry["subject"] for entry in known}
        if result.outcome not in ("failed", "quarantined") and subject not in self._alerting:
            return None  # a good check clears failures and quarantine: healthy, and was
        row = await self.store.run(treaties.treaty_row, result.treaty)
        if row is None:
            return None
        state = treaty_state(
            int(row["consecutive_failures"] or 0),
            bool(row["quarantine_reason"]),
            self.failures_before_alert,
        )
        before = await self.store.run(ops.get_state, subject)
        if state == before:
            return None
        if state is not None and not await self.store.run(watch.someone_relies_on, result.treaty):
            return None  # watched because the whole catalogue is: the log says it failed
        detail = str(row["quarantine_reason"] or row["last_error"] or "") if state else ""
        await self.store.run(ops.set_state, subject, state, since=self._stamp(), detail=detail)
        if state is None:
            self._alerting.discard(subject)
        else:
            self._alerting.add(subject)
        kind = f"treaty.{state}" if state else "treaty.recovered"
        return await self.raise_alert(kind, result.treaty, detail)

    def delivery_hook(self, what: str, channel: str, target: str, error: str) -> None:
        """The dispatcher's `on_alert` (synchronous): a gone target, an exhausted delivery."""
        import asyncio

        kind = {
            ("webhook", "gone"): "webhook.disabled",
            ("webhook", "exhausted"): "webhook.exhausted",
        }.get((channel, what))
        if kind is None:
            log.info("%s %s: %s (%s)", channel, target, what, error)
            return
        asyncio.get_running_loop().create_task(self._delivery_alert(kind, target, error))

    async def _delivery_alert(self, kind: str, target: str, error: str) -> None:
        """A disabled endpoint is alerted once (persisted: it stays disabled until a person
        acts); an exhausted delivery once per endpoint until it delivers again (the webhook
        channel's `AlertOnce` keeps that state)."""
        if kind == "webhook.disabled":
            subject = f"webhook:{target}"
            if not await self.store.run(
                ops.set_state, subject, "disabled", since=self._stamp(), detail=error
            ):
                return
        await self.raise_alert(kind, target, error)

    async def raise_alert(self, kind: str, subject: str, detail: str) -> OpsAlert:
        alert = OpsAlert(kind, subject, detail, self.clock())
        self.sent.append(alert)
        level = logging.INFO if kind.endswith("recovered") else logging.WARNING
        log.log(level, "operational alert: %s", alert.text())
        for sink in list(self._sinks):
            try:
                await sink(alert)
            except Exception:
                log.exception("operational alert sink failed for %s", alert.type)
        return alert

    def _stamp(self) -> str:
        return now_text(self.clock())


def health_webhook_sink(
    url: str, secret: str, *, allow_private: bool = False, timeout_s: float = 15.0
) -> Sink:
    """A sink posting each alert to `[health] webhook_url` as a signed Standard Webhooks event
    (`{"type": "ops.treaty.failing", "timestamp", "data": {...}}`), through the SSRF guard."""
    import hashlib
    import json

    import aiohttp

    from bot.webhooks.signing import headers
    from bot.webhooks.ssrf import guarded_connector

    async def send(alert: OpsAlert) -> None:
        data = alert.to_json()
        body = json.dumps(
            {"type": alert.type, "timestamp": data["at"], "data": data}, ensure_ascii=False
        ).encode()
        msg_id = "ops_" + hashlib.sha256(body).hexdigest()[:24]
        timestamp = int(dt.datetime.now(dt.UTC).timestamp())
        sent = headers([secret], msg_id, timestamp, body)
        timeout = aiohttp.ClientTimeout(total=timeout_s)
        async with (
            aiohttp.ClientSession(
                connector=guarded_connector(allow_private), timeout=timeout
            ) as session,
            session.post(url, data=body, headers=sent, allow_redirects=False) as response,
        ):
            if not 200 <= response.status < 300:
                raise RuntimeError(f"health webhook answered HTTP {response.status}")

    return send
