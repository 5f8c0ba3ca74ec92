"""The watch shell: the config's tier rules, the watched treaties' facts from the store, and
their plans (`bot/watch.py`) for the scheduler and `treatybot schedule`.

`[watch] all` watches every catalogue treaty once the catalogue is stored (at least
`CATALOGUE_KNOWN` titled treaties); before that, and with `all = false`, the tracked,
subscribed and followed-country treaties. Must not fetch or decide tiers itself.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlite_utils import Database

from bot.config import Config
from bot.watch import Facts, Plan, Tiers, plan_all
from store import treaties, watch

CATALOGUE_KNOWN = 100


def tiers_of(config: Config) -> Tiers:
    w = config.watch
    return Tiers(
        hot_interval_s=w.hot_interval_s,
        warm_interval_s=w.warm_interval_s,
        quiet_interval_s=w.quiet_interval_s,
        hot_within_instruments=w.hot_within_instruments,
        hot_recent_days=w.hot_recent_days,
        hot_entry_into_force_days=w.hot_entry_into_force_days,
        quiet_after_days=w.quiet_after_days,
    )


def _when(text: Any) -> dt.datetime | None:
    if not text:
        return None
    when = dt.datetime.fromisoformat(str(text))
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _day(text: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(text)) if text else None
    except ValueError:
        return None


def watches_all(db: Database, config: Config) -> bool:
    return config.watch.all and treaties.titled_count(db) >= CATALOGUE_KNOWN


def watched_facts(
    db: Database, config: Config, cache: watch.FactsCache | None = None
) -> tuple[list[Facts], dict[str, str]]:
    """The facts of every watched treaty, and the tiers remembered for them (`cache`: see
    `store.watch.FactsCache`)."""
    ids = set(watch.watched_ids(db, every=watches_all(db, config)))
    ids |= {t.id for t in config.treaties}
    facts: list[Facts] = []
    remembered: dict[str, str] = {}
    for row in watch.facts_rows(db, sorted(ids), cache):
        configured = config.treaty(row["treaty_id"])
        facts.append(
            Facts(
                treaty_id=row["treaty_id"],
                tracked=row["tracked"] or configured is not None,
                subscribers=row["subscribers"],
                has_snapshot=row["has_snapshot"],
                last_checked=_when(row["last_checked"]),
                last_change=_when(row["last_change"]),
                last_action=_day(row["last_action"]),
                missing_instruments=row["missing_instruments"],
                projected_eif=_day(row["projected_eif"]),
                interval_s=configured.interval_s if configured is not None else None,
            )
        )
        if row["tier"]:
            remembered[row["treaty_id"]] = row["tier"]
    return facts, remembered


def current_plans(db: Database, config: Config, now: dt.datetime) -> list[Plan]:
    """Every watched treaty's plan, soonest due first."""
    facts, _ = watched_facts(db, config)
    return plan_all(facts, now, tiers_of(config))
