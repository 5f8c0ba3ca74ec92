"""Status page benchmark: server time to render `/treaties/{id}` for a treaty with 300
participants (each signed, 250 consented, at dates spread over six years), 300 events and, below
the grid, 100 declarations (two paragraphs of about 400 characters each), 40 objections and 20
territorial applications (a Convention on the Rights of the Child-sized page).

The database is filled with the real store functions (`save_observation`, `insert_events`);
the real web app (`build_web_app`) serves it on 127.0.0.1 and an aiohttp client asks for the
page. Server time is measured inside the server by a middleware around the handler (from the
request's arrival at the app to the response body being ready), so the client and the
loopback do not count; the client's round trip is reported beside it. Each request has a
distinct `?sort=`/`order=` and no If-None-Match, so none is answered 304.

- cold: the first request of a freshly built web app, the template cache cleared before it is
  built (`build_web_app` compiles the templates, as the service does at start-up) — repeated
  over `--cold` fresh apps;
- warm: `--runs` further requests to one app.

After building the app the bench calls `gc.freeze()`, as `run_service` does once start-up is
done (without it a full collection of everything start-up built lands in about one request in
ten: p95 ~44 ms instead of ~19 ms).

Reported: median and p95 of each, in ms. Target: ≤ 50 ms (warm median and p95).

Run: python bench/web.py [--runs N] [--cold N] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiohttp import ClientSession, web  # noqa: E402

from bot.app import command_app  # noqa: E402
from bot.config import load_config  # noqa: E402
from bot.web import build_web_app, pages, serve  # noqa: E402
from scrapers.model import Action, Participant, Sections, StatementEntry, TreatyStatus  # noqa: E402
from store import snapshots  # noqa: E402
from store.db import immediate  # noqa: E402
from store.events import (  # noqa: E402
    ActionRef,
    ConsentEvent,
    Counts,
    ParticipantRef,
    TreatyRef,
    event_id,
)

TARGET_MS = 50.0
PARTICIPANTS = 300
CONSENTED = 250
DECLARATIONS, OBJECTIONS, TERRITORIES = 100, 40, 20
TREATY_ID = "XVIII-16"
URL = "https://treaties.un.org/Pages/ViewDetails.aspx?src=TREATY&mtdsg_no=XVIII-16&chapter=18"
TITLE = "United Nations Convention against Cybercrime"
NOW = dt.datetime(2026, 3, 12, 14, 5, 9, tzinfo=dt.UTC)
SORTS = [f"sort={s}&order={o}" for s in ("name", "signature", "consent") for o in ("asc", "desc")]


def _status() -> TreatyStatus:
    names = (ROOT / "tests" / "fixtures" / "participant-names.txt").read_text().split("\n")
    names = [n for n in names if n][:PARTICIPANTS]
    names += [f"Participant {i}" for i in range(PARTICIPANTS - len(names))]
    start = dt.date(2020, 1, 1)
    participants = []
    for i, name in enumerate(names):
        signed = start + dt.timedelta(days=i * 3)
        actions = [Action("signature", signed, 1, signed.strftime("%d %b %Y"))]
        if i < CONSENTED:
            done = signed + dt.timedelta(days=200 + i)
            actions.append(Action("ratification", done, 2, done.strftime("%d %b %Y")))
        participants.append(Participant(name, actions=tuple(actions)))
    return TreatyStatus(
        id=TREATY_ID,
        chapter="XVIII",
        chapter_title="PENAL MATTERS",
        number="16",
        title=TITLE,
        conclusion="Hanoi, 25 October 2025",
        entry_into_force_text="Not yet in force: article 65(1): ninetieth day after the deposit"
        " of the fortieth instrument of ratification, acceptance, approval or accession.",
        entry_into_force_date=None,
        registration=None,
        signatories=PARTICIPANTS,
        parties=CONSENTED,
        status_as_at=None,
        url=URL,
        columns=(
            "Participant",
            "Signature",
            "Ratification, Acceptance(A), Approval(AA), Accession(a)",
        ),
        participants=tuple(participants),
        sections=_sections(names),
    )


def _sections(names: list[str]) -> Sections:
    text = (
        "The Government of {name} declares that it interprets the provisions of article {n} in"
        " the light of its Constitution and reserves the right to apply them only insofar as"
        " they are compatible with its domestic legislation, in particular with the provisions"
        " on criminal procedure, mutual legal assistance and the protection of personal data,"
        " and that nothing in this Convention shall be construed as requiring it to act otherwise."
    )
    declarations = tuple(
        StatementEntry(name, (text.format(name=name, n=n % 60 + 1), text.format(name=name, n=n)))
        for n, name in enumerate(names[:DECLARATIONS])
    )
    objections = tuple(
        StatementEntry(name, (f"The Government of {name} objects to the reservation of {other}.",))
        for name, other in zip(
            names[DECLARATIONS : DECLARATIONS + OBJECTIONS], names[:OBJECTIONS], strict=True
        )
    )
    territories = tuple(
        StatementEntry(name, date=dt.date(2026, 1, 1 + n), territory=f"Territory {n}")
        for n, name in enumerate(names[-TERRITORIES:])
    )
    return Sections(declarations, objections, territories)


def _events(status: TreatyStatus) -> list[ConsentEvent]:
    treaty = TreatyRef(TREATY_ID, TITLE, URL)
    out = []
    for n, p in enumerate(status.participants[:PARTICIPANTS]):
        action = ActionRef("ratification", p.actions[-1].date)
        out.append(
            ConsentEvent(
                id=event_id(ConsentEvent.type, TREATY_ID, participant=p.name, action=action),
                detected_at=NOW - dt.timedelta(minutes=PARTICIPANTS - n),
                treaty=treaty,
                participant=ParticipantRef(p.name, None, None),
                action=action,
                counts=Counts(PARTICIPANTS, n, n, 40, max(0, 40 - n)),
            )
        )
    return out


def _fill(tmp: Path) -> Path:
    config = tmp / "config.toml"
    config.write_text(
        f'[untc]\nbase_url = "http://127.0.0.1:9"\n[database]\npath = "{tmp / "t.db"}"\n'
        f'[[treaties]]\nid = "{TREATY_ID}"\n',
        encoding="utf-8",
    )
    status = _status()
    with command_app(load_config(str(config)), clock=lambda: NOW) as app:

        def write(db: Any) -> None:
            snapshots.ensure_treaty(db, TREATY_ID, URL)
            snapshots.save_observation(
                db, status, [], outcome="baseline", now=NOW, fingerprint=None, etag=None,
                last_modified=None, qualifying=CONSENTED,
            )  # fmt: skip
            with immediate(db):
                snapshots.insert_events(db, _events(status), None)

        app.store.call(write)
    return config


def _timer(samples: list[float]) -> Callable[..., Awaitable[web.StreamResponse]]:
    @web.middleware
    async def timed(request: web.Request, handler: Any) -> web.StreamResponse:
        start = time.perf_counter()
        response: web.StreamResponse = await handler(request)
        samples.append((time.perf_counter() - start) * 1000)
        return response

    return timed


async def _measure(config: Path, runs: int, cold: int) -> dict[str, Any]:
    server_cold: list[float] = []
    server_warm: list[float] = []
    client_warm: list[float] = []
    with command_app(load_config(str(config)), clock=lambda: NOW) as app:
        async with ClientSession() as session:
            for round_ in range(cold + 1):
                pages._templates.cache_clear()
                samples: list[float] = []
                web_app = build_web_app(app, health=lambda: True)
                gc.freeze()  # as run_service does once start-up is done
                web_app.middlewares.insert(0, _timer(samples))
                server = await serve(web_app, host="127.0.0.1", port=0)
                try:
                    page = f"{server.url}/treaties/{TREATY_ID}"
                    async with session.get(f"{page}?{SORTS[round_ % len(SORTS)]}") as r:
                        body = await r.text()
                        rows = PARTICIPANTS + 1 + TERRITORIES + 1  # each table's header too
                        assert r.status == 200 and body.count("<tr>") == rows, r.status
                        assert body.count("<details>") == DECLARATIONS + OBJECTIONS
                    server_cold.append(samples[-1])
                    if round_ < cold:
                        continue
                    for n in range(runs):
                        start = time.perf_counter()
                        async with session.get(f"{page}?{SORTS[n % len(SORTS)]}") as r:
                            await r.read()
                            assert r.status == 200
                        client_warm.append((time.perf_counter() - start) * 1000)
                        server_warm.append(samples[-1])
                finally:
                    await server.stop()

    def stats(values: list[float]) -> dict[str, float]:
        ordered = sorted(values)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        return {"median_ms": round(statistics.median(values), 2), "p95_ms": round(p95, 2)}

    warm = stats(server_warm)
    return {
        "participants": PARTICIPANTS,
        "server_cold": stats(server_cold),
        "server_warm": warm,
        "client_warm": stats(client_warm),
        "runs": runs,
        "cold_runs": cold + 1,
        "target_ms": TARGET_MS,
        "met": warm["median_ms"] <= TARGET_MS and warm["p95_ms"] <= TARGET_MS,
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="warm requests (default 200)")
    parser.add_argument("--cold", type=int, default=9, help="extra fresh apps (default 9)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = asyncio.run(_measure(_fill(Path(tmp)), args.runs, args.cold))
    if args.json:
        print(json.dumps(result))
        return
    for name in ("server_cold", "server_warm", "client_warm"):
        s = result[name]
        print(f"{name:12} median {s['median_ms']:7.2f} ms   p95 {s['p95_ms']:7.2f} ms")
    print(
        f"target ≤ {TARGET_MS:.0f} ms server time (warm): {'met' if result['met'] else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
