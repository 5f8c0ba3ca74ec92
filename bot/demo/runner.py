"""Plays the demo story through the real pipeline, on a simulated clock, and narrates it.

For each step of `story.STORY` the simulated clock is set to the step's moment, the loopback
site (`site.DemoSite`) starts serving the page as it then stands, and the real check runs
(`bot.pipeline.check_treaty`: fetch, parse, diff, events, outbox rows in one transaction). The
channels are those `treatybot run` builds (`bot.service`'s channel set-up over the registry
`bot.delivery.registry.CHANNELS`): the console prints each alert exactly as it would be sent,
and webhooks or Telegram, when the user configured them, get the alerts too. One real
`Dispatcher` per channel delivers, on the simulated clock; the runner waits until each step's
alerts are out before it narrates the next.

What the runner must never do: touch the network beyond 127.0.0.1 itself, or use the user's
database. The database is a temporary file unless `db_path` is given, and a given path must
not exist yet (the demo never mixes its simulated history into real data).

The HTTP API is started by the caller: `services` are async context managers built from the
running `App` (e.g. the API and feed server), entered after the dispatchers start and left
before they stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from bot.app import App, open_app
from bot.config import Config, TreatyConfig
from bot.delivery.dispatcher import Dispatcher
from bot.demo.hanoi import TREATY_ID
from bot.demo.site import DemoSite
from bot.demo.story import STORY, THRESHOLD, Step, key_dates
from bot.errors import InvalidInput
from bot.instance import InstanceLock
from bot.pipeline import CheckResult, check_treaty
from bot.render.words import human_date
from store import outbox, treaties
from store.events import EntryIntoForceEvent, Event, ThresholdReachedEvent

# Something to run beside the demo while it plays (the HTTP API): built from the running App.
ServiceFactory = Callable[[App], AbstractAsyncContextManager[object]]

BASE_PAUSE_S = 0.5  # real seconds after a step of weight 1 at speed 1 (the story: ~30 s)
SIM_SECONDS_PER_SECOND = 60.0  # within a step the simulated clock runs a minute per second
SETTLE_MARGIN_S = 2.0  # beyond the slowest channel's send timeout, per step
RULE = "=" * 78


class SimulatedClock:
    """The App's clock: the story's moment, running a little within a step (so retries fall
    due), jumping forward between steps. Never goes back."""

    def __init__(self, start: dt.datetime) -> None:
        self._base = start
        self._since = time.monotonic()

    def __call__(self) -> dt.datetime:
        elapsed = (time.monotonic() - self._since) * SIM_SECONDS_PER_SECOND
        return (self._base + dt.timedelta(seconds=elapsed)).replace(microsecond=0)

    def timestamp(self) -> float:
        """Unix seconds of the simulated now (the dispatchers' clock)."""
        return self().timestamp()

    def jump(self, moment: dt.datetime) -> None:
        self._base = max(moment, self())
        self._since = time.monotonic()


@dataclass
class DemoResult:
    """What the demo found: every event the pipeline stored, and the two dates that matter."""

    events: list[Event] = field(default_factory=list)
    database: str | None = None  # the kept database, None when it was temporary
    fortieth: dt.date | None = None  # from the treaty.threshold_reached event
    in_force: dt.date | None = None  # from the treaty.entry_into_force event

    def summary(self) -> dict[str, Any]:
        types: dict[str, int] = {}
        for event in self.events:
            types[event.type] = types.get(event.type, 0) + 1
        return {
            "simulation": True,
            "events": types,
            "fortieth_counted_instrument": self.fortieth.isoformat() if self.fortieth else None,
            "entry_into_force": self.in_force.isoformat() if self.in_force else None,
            "database": self.database,
        }


def demo_config(base: Config, *, site_url: str, db_path: str, port: int | None) -> Config:
    """The user's config with the demo's site, database and treaty; their channels kept.

    The console is always on: showing the alerts is the point of the demo.
    """
    update: dict[str, Any] = {
        "untc": base.untc.model_copy(
            update={"base_url": site_url, "min_interval_s": 0.0, "retries": 1, "timeout_s": 10.0}
        ),
        "database": base.database.model_copy(update={"path": db_path}),
        "console": base.console.model_copy(update={"enabled": True}),
        "treaties": (TreatyConfig(id=TREATY_ID),),
        "source": f"{base.source} (demo)",
    }
    if port is not None:
        update["http"] = base.http.model_copy(update={"port": port})
    return base.model_copy(update=update)


def check_db_path(db_path: str | None) -> None:
    """A `--db` path must be new: InvalidInput for an existing one."""
    if db_path is not None and Path(db_path).expanduser().exists():
        raise InvalidInput(
            f"--db {db_path}: the file exists; the demo writes a simulated history and only"
            " into a new file (give a path that does not exist, or leave --db out)"
        )


async def run_demo(
    base: Config,
    *,
    speed: float | None = 1.0,
    db_path: str | None = None,
    port: int | None = None,
    out: TextIO,
    alerts: TextIO | None = None,
    json_out: TextIO | None = None,
    json_lines: bool = True,
    services: Sequence[ServiceFactory] = (),
    steps: tuple[Step, ...] = STORY,
) -> DemoResult:
    """Play `steps`; `speed` None means no pauses (tests). Narration goes to `out`, console
    alerts to `alerts` (default `out`). To `json_out` if given: one JSON object per step and a
    `{"summary": …}` line as they happen (`json_lines`, `demo --jsonl`), or else one object
    `{"steps": […], "summary": …}` at the end (`demo --json`)."""
    check_db_path(db_path)
    narrator = _Narrator(out, json_out, json_lines)
    narrator.banner(start=True)
    with contextlib.ExitStack() as temp:
        path = db_path
        if path is None:
            folder = temp.enter_context(tempfile.TemporaryDirectory(prefix="treatybot-demo-"))
            path = str(Path(folder) / "demo.db")
        result = DemoResult(database=db_path)
        async with DemoSite(steps) as site:
            config = demo_config(base, site_url=site.base_url, db_path=path, port=port)
            clock = SimulatedClock(steps[0].at)
            with InstanceLock.acquire(path):
                async with open_app(config, clock=clock) as app:
                    await _play(
                        app, site, clock, steps, speed, alerts or out, services, narrator, result
                    )
        narrator.end(result)
    return result


async def _play(
    app: App,
    site: DemoSite,
    clock: SimulatedClock,
    steps: tuple[Step, ...],
    speed: float | None,
    alerts: TextIO,
    services: Sequence[ServiceFactory],
    narrator: _Narrator,
    result: DemoResult,
) -> None:
    from bot.service import build_channels  # the channel set-up `treatybot run` uses

    await app.store.run(treaties.track, [TREATY_ID], None)
    await app.store.run(outbox.release_claims)
    for channel in await build_channels(app, alerts):
        app.dispatchers[channel.name] = Dispatcher(app.store, channel, clock=clock.timestamp)
    stop = asyncio.Event()
    senders = [
        asyncio.create_task(d.run(stop), name=f"dispatch:{name}")
        for name, d in app.dispatchers.items()
    ]
    settle_s = SETTLE_MARGIN_S + max(
        (d.channel.send_timeout_s for d in app.dispatchers.values()), default=0.0
    )
    try:
        async with contextlib.AsyncExitStack() as running:
            for factory in services:
                await running.enter_async_context(factory(app))
            for number, step in enumerate(steps):
                clock.jump(step.at)
                site.show(number)
                app.deliveries_queued()  # retries the jump made due
                narrator.step(number, len(steps), step)
                checked = await check_treaty(app, TREATY_ID)
                await _settle(app, clock, settle_s)
                result.events.extend(checked.events)
                for event in checked.events:
                    if isinstance(event, ThresholdReachedEvent):
                        result.fortieth = event.nth_deposit_date
                    if isinstance(event, EntryIntoForceEvent):
                        result.in_force = event.entry_into_force_date
                narrator.checked(number, step, checked)
                if speed is not None and speed > 0:
                    await asyncio.sleep(BASE_PAUSE_S * step.pause / speed)
    finally:
        stop.set()
        await asyncio.gather(*senders, return_exceptions=True)
        for dispatcher in app.dispatchers.values():
            await dispatcher.close(app.config.service.shutdown_timeout_s)


async def _settle(app: App, clock: SimulatedClock, timeout_s: float) -> bool:
    """Wait (bounded) until no channel has a delivery due or in flight; True if none has."""
    deadline = time.monotonic() + timeout_s
    while True:
        busy = any(d.in_flight for d in app.dispatchers.values())
        if not busy:
            now = clock.timestamp()
            due = [await app.store.run(outbox.next_due, name) for name in app.dispatchers]
            if all(when is None or when > now for when in due):
                return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.01)


class _Narrator:
    """The demo's own lines (banners, one header and one outcome per step); alerts are not
    printed here but by the console channel."""

    def __init__(self, out: TextIO, json_out: TextIO | None, json_lines: bool = True) -> None:
        self.out = out
        self.json_out = json_out
        self.json_lines = json_lines
        self.steps: list[dict[str, Any]] = []  # kept for the one document of `--json`

    def _json(self, data: dict[str, Any]) -> None:
        assert self.json_out is not None
        self.json_out.write(json.dumps(data, ensure_ascii=False) + "\n")
        self.json_out.flush()

    def _print(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def banner(self, *, start: bool) -> None:
        fortieth, in_force = key_dates()
        self._print(RULE)
        if start:
            self._print("treatybot demo: A SIMULATION. Nothing here is news.")
            self._print(
                "The Hanoi signatures of 25 Oct 2025 are real; every later action and date is"
                " made up."
            )
            self._print(
                "A status page in the UN's format is served on 127.0.0.1; the real pipeline"
                " checks it as"
            )
            self._print(
                "the simulated days pass. Alerts print below exactly as the console channel"
                " sends them."
            )
            self._print(
                f"The story: the {THRESHOLD}th counted instrument on {human_date(fortieth)} →"
                f" in force on {human_date(in_force)}."
            )
        else:
            self._print("END OF THE SIMULATION. Nothing above is news.")
        self._print(RULE)

    def step(self, number: int, total: int, step: Step) -> None:
        label = "SIMULATION" if step.simulated else "REAL DATA"
        when = human_date(step.at.date())
        caption = f" · {step.caption}" if step.caption else ""
        self._print(f"[{label} {number + 1}/{total}] {when}{caption}")

    def checked(self, number: int, step: Step, result: CheckResult) -> None:
        sent = len(result.events)
        if result.outcome == "baseline":
            text = "first look: the page recorded as the baseline; nothing sent"
        elif result.outcome in ("failed", "quarantined"):
            text = f"check {result.outcome}: {result.error}"
        elif sent:
            text = f"check: {sent} new event{'s' if sent != 1 else ''}, delivered above"
        else:
            text = "check: nothing new; nothing sent"
        self._print(f"    … {text}")
        if self.json_out is not None:
            line = {
                "step": number,
                "at": step.at.isoformat().replace("+00:00", "Z"),
                "simulated": step.simulated,
                "caption": step.caption,
                "outcome": result.outcome,
                "error": result.error,
                "events": [event.to_json() for event in result.events],
            }
            if self.json_lines:
                self._json(line)
            else:
                self.steps.append(line)

    def end(self, result: DemoResult) -> None:
        self._print()
        if result.fortieth and result.in_force:
            self._print(
                f"The {THRESHOLD}th counted instrument was deposited on"
                f" {human_date(result.fortieth)}; the Convention entered into force on"
                f" {human_date(result.in_force)},"
            )
            self._print(
                "the ninetieth day after it (article 65(1); the European Union's instrument"
                " is not counted)."
            )
        if result.database:
            self._print(
                f"The demo's database is kept at {result.database}: try"
                f" `treatybot events --treaty {TREATY_ID}` with [database] path set to it."
            )
        else:
            self._print("The demo's temporary database has been deleted.")
        self.banner(start=False)
        if self.json_out is not None:
            summary = {"summary": result.summary()}
            self._json(summary if self.json_lines else {"steps": self.steps, **summary})
