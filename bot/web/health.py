"""`GET /healthz` and `GET /metrics`: is the service doing its job, and the numbers behind it.

Healthy means: the scheduler runs (the `HealthProbe`), no tracked treaty has failed
`[health] failures_before_alert` checks in a row or is quarantined, and no due delivery has
waited longer than `[health] max_outbox_lag`. Anything else is a 503 listing every reason, so a
load balancer or uptime checker sees it and a person reading the body knows why.

Must not: write anything, or alert anyone (operational alerts are the service's job).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot import metrics
from bot.config import HealthConfig
from bot.web.context import APP, HEALTH, json_response
from store import feed


def judge(
    facts: dict[str, Any], *, scheduler_running: bool, now: float, health: HealthConfig
) -> tuple[bool, dict[str, Any]]:
    """(healthy?, the body) from `store.feed.health_facts` and the probe."""
    reasons: list[str] = []
    if not scheduler_running:
        reasons.append("the scheduler is not running")
    for row in facts["failing"]:
        reasons.append(
            f"{row['id']}: {row['consecutive_failures']} checks failed in a row"
            f" (last error: {row['last_error']})"
        )
    for row in facts["quarantined"]:
        reasons.append(f"{row['id']}: quarantined: {row['reason']}")
    oldest = facts["oldest_due_at"]
    lag = max(0.0, now - oldest) if oldest is not None else None
    if lag is not None and lag > health.max_outbox_lag_s:
        reasons.append(
            f"the oldest due delivery has waited {lag:.0f} s"
            f" (more than [health] max_outbox_lag = {health.max_outbox_lag_s:.0f} s)"
        )
    body = {
        "status": "unhealthy" if reasons else "ok",
        "reasons": reasons,
        "scheduler": "running" if scheduler_running else "stopped",
        "treaties": {
            "tracked": facts["tracked"],
            "failing": facts["failing"],
            "quarantined": facts["quarantined"],
        },
        "outbox": {
            "oldest_due_lag_s": round(lag, 3) if lag is not None else None,
            "max_lag_s": health.max_outbox_lag_s,
        },
    }
    return not reasons, body


async def healthz(request: web.Request) -> web.Response:
    app = request.app[APP]
    now = app.clock().timestamp()
    facts = await app.store.run(
        feed.health_facts,
        failures_before_alert=app.config.health.failures_before_alert,
        now=now,
    )
    healthy, body = judge(
        facts, scheduler_running=request.app[HEALTH](), now=now, health=app.config.health
    )
    return json_response(body, status=200 if healthy else 503)


async def metrics_text(request: web.Request) -> web.Response:
    body, content_type = await metrics.exposition(request.app[APP].store)
    return web.Response(body=body, headers={"Content-Type": content_type})


ROUTES = [
    web.get("/healthz", healthz),
    web.get("/metrics", metrics_text),
]
