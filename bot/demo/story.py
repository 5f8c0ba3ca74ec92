"""The demo's story as pure data: dated steps, each what the status page newly shows.

The first three steps are real (the Hanoi signatures of 25 Oct 2025, `hanoi.py`); every later
step is fictional — a plausible sequence of ratifications, acceptances, approvals and
accessions, the European Union's approval (not counted toward the 40: article 65(1)), the
milestones, the fortieth counted instrument and the day the Convention enters into force.
`Step.simulated` says which is which, and the runner prints it.

No I/O, no clock. `table_at(n)` is the participants table as the page shows it after step n.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from bot.demo.hanoi import HANOI_SIGNATORIES, SIGNED_IN_HANOI

# Instrument kinds of the Cybercrime Convention's consent column, with the page's marker.
MARKERS: dict[str, str] = {
    "ratification": "",
    "acceptance": "A",
    "approval": "AA",
    "accession": "a",
}
THRESHOLD = 40
DELAY_DAYS = 90
NOT_COUNTED = frozenset({"European Union"})  # a regional economic integration organisation


@dataclass(frozen=True, slots=True)
class Deposit:
    """One action: a signature or one of the four instruments of `MARKERS`."""

    participant: str
    kind: str
    date: dt.date


@dataclass(frozen=True, slots=True)
class Step:
    """One check of the page at the simulated moment `at` (UTC).

    `deposits` are new on the page since the previous step; `in_force_since` set means the
    page now prints the entry-into-force date; `pause` weighs the real-time pause after it.
    """

    at: dt.datetime
    caption: str
    deposits: tuple[Deposit, ...] = ()
    simulated: bool = True
    in_force_since: dt.date | None = None
    pause: float = 1.0


@dataclass(frozen=True, slots=True)
class Row:
    """One participant's row: its signature and its instrument (kind, date), either may be None."""

    name: str
    signature: dt.date | None = None
    instrument: tuple[str, dt.date] | None = None


def _at(day: str, hour: int = 16) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), dt.UTC)


def _signed(names: tuple[str, ...]) -> tuple[Deposit, ...]:
    return tuple(Deposit(name, "signature", SIGNED_IN_HANOI) for name in names)


def _one(
    day: str, name: str, kind: str = "ratification", caption: str = "", pause: float = 1.0
) -> Step:
    """A check on `day` that finds one new instrument deposited that day."""
    deposit = Deposit(name, kind, dt.date.fromisoformat(day))
    return Step(_at(day), caption, (deposit,), pause=pause)


def _many(day: str, caption: str, *deposits: tuple[str, str, str], pause: float = 1.0) -> Step:
    """A check on `day` that finds several new actions: (name, kind, ISO date) each."""
    found = tuple(Deposit(n, k, dt.date.fromisoformat(d)) for n, k, d in deposits)
    return Step(_at(day), caption, found, pause=pause)


_FIRST, _SECOND = HANOI_SIGNATORIES[:10], HANOI_SIGNATORIES[10:23]
_THIRD = HANOI_SIGNATORIES[23:]

STORY: tuple[Step, ...] = (
    Step(
        _at("2025-10-25", 8),
        "Hanoi, 25 Oct 2025: the signing ceremony opens. treatybot starts watching; its first "
        "look at the page is a silent baseline (recorded, never sent)",
        _signed(_FIRST),
        simulated=False,
        pause=2.0,
    ),
    Step(
        _at("2025-10-25", 17),
        "Hanoi, evening of the first day: new signatures on the page",
        _signed(_SECOND),
        simulated=False,
        pause=1.5,
    ),
    Step(
        _at("2025-10-26", 17),
        "Hanoi, 26 Oct 2025: the page shows the rest of the first day's signatures",
        _signed(_THIRD),
        simulated=False,
        pause=2.0,
    ),
    _one("2026-02-10", "Djibouti", caption="The first instrument is deposited in New York"),
    _one("2026-03-04", "Cambodia"),
    _one("2026-03-25", "Egypt"),
    _one("2026-04-15", "Angola"),
    _one("2026-05-06", "Belarus"),
    _one("2026-05-27", "Cuba"),
    _one("2026-06-17", "Ghana"),
    _one("2026-07-08", "Algeria"),
    _one("2026-07-29", "Burkina Faso"),
    _one("2026-08-19", "China", caption="Ten instruments: the first milestone", pause=2.0),
    _many(
        "2026-09-09",
        "Two more States sign, in New York",
        ("Kenya", "signature", "2026-09-09"),
        ("Thailand", "signature", "2026-09-09"),
    ),
    _one("2026-09-30", "Azerbaijan"),
    _one("2026-10-21", "Brunei Darussalam"),
    _one("2026-11-11", "Costa Rica"),
    _one("2026-12-02", "Dominican Republic"),
    _many(
        "2026-12-29",
        "Last signatures before the Convention closes for signature on 31 Dec 2026",
        ("Malaysia", "signature", "2026-12-29"),
        ("Nigeria", "signature", "2026-12-29"),
        ("Uruguay", "signature", "2026-12-29"),
    ),
    _one("2027-01-13", "Ecuador"),
    _one("2027-01-27", "Côte d'Ivoire"),
    _one("2027-02-10", "Jamaica"),
    _one("2027-02-24", "Democratic Republic of the Congo"),
    _one(
        "2027-03-03",
        "European Union",
        "approval",
        caption="The European Union approves: a regional economic integration organisation, "
        "not counted toward the 40 (article 65(1))",
        pause=2.5,
    ),
    _one("2027-03-10", "France", "approval"),
    _one("2027-03-24", "Czech Republic", caption="Twenty: halfway", pause=2.0),
    _many(
        "2027-04-09",
        "Two instruments between checks: each alert carries the count as it stood",
        ("Austria", "ratification", "2027-04-07"),
        ("Belgium", "ratification", "2027-04-09"),
    ),
    _one("2027-04-21", "Greece"),
    _one("2027-04-28", "Ireland"),
    _one("2027-05-05", "Chile"),
    _one("2027-05-12", "Kenya"),
    _many(
        "2027-05-19",
        "",
        ("Australia", "ratification", "2027-05-19"),
        ("Thailand", "acceptance", "2027-05-19"),
    ),
    _one("2027-05-24", "Mongolia", "accession", caption="Signature has closed: States now accede"),
    _one("2027-05-26", "Brazil", caption="Thirty", pause=2.0),
    _one("2027-05-31", "Tunisia", "accession"),
    _one("2027-06-02", "Malaysia"),
    _one("2027-06-04", "Senegal", "accession"),
    _many(
        "2027-06-07",
        "",
        ("Nigeria", "ratification", "2027-06-07"),
        ("Paraguay", "accession", "2027-06-07"),
    ),
    _one("2027-06-09", "Iran (Islamic Republic of)"),
    _one("2027-06-10", "Uruguay"),
    _one("2027-06-11", "Fiji", "accession"),
    _one("2027-06-14", "Namibia", "accession", caption="Thirty-nine: one to go", pause=2.0),
    _one(
        "2027-06-15",
        "Oman",
        "accession",
        caption="The fortieth counted instrument: the treaty's own rule gives the date",
        pause=3.0,
    ),
    _one("2027-07-20", "Guinea-Bissau", caption="Instruments keep coming after the threshold"),
    Step(
        _at("2027-08-02"),
        "A quiet day: the page has not changed, so nothing is sent",
        pause=1.5,
    ),
    Step(
        _at("2027-09-13", 6),
        "The ninetieth day after the fortieth instrument: the UN page has not been updated yet, "
        "but the computed date has arrived",
        pause=3.0,
    ),
    Step(
        _at("2027-09-14"),
        "The UN page now prints the date; the alert was already sent, so nothing is repeated",
        in_force_since=dt.date(2027, 9, 13),
        pause=1.5,
    ),
)


def table_at(steps: tuple[Step, ...], index: int) -> list[Row]:
    """The participants table after step `index`, alphabetical (as the site sorts it)."""
    rows: dict[str, Row] = {}
    for step in steps[: index + 1]:
        for deposit in step.deposits:
            row = rows.get(deposit.participant, Row(deposit.participant))
            if deposit.kind == "signature":
                row = Row(row.name, deposit.date, row.instrument)
            else:
                row = Row(row.name, row.signature, (deposit.kind, deposit.date))
            rows[deposit.participant] = row
    return [rows[name] for name in sorted(rows, key=site_order)]


def site_order(name: str) -> str:
    """The site's alphabetical order: accents ignored ("Côte d'Ivoire" before "Cuba")."""
    plain = unicodedata.normalize("NFKD", name)
    return "".join(c for c in plain if not unicodedata.combining(c)).casefold()


def in_force_since(steps: tuple[Step, ...], index: int) -> dt.date | None:
    """The entry-into-force date the page prints after step `index`, if any."""
    dates = [s.in_force_since for s in steps[: index + 1] if s.in_force_since is not None]
    return dates[-1] if dates else None


def counted_deposits(steps: tuple[Step, ...]) -> list[Deposit]:
    """Instruments that count toward the threshold, in order of deposit."""
    found = [
        d
        for step in steps
        for d in step.deposits
        if d.kind in MARKERS and d.participant not in NOT_COUNTED
    ]
    return sorted(found, key=lambda d: (d.date, d.participant))


def key_dates(steps: tuple[Step, ...] = STORY) -> tuple[dt.date, dt.date]:
    """(the fortieth counted deposit, the ninetieth day after it): article 65(1) by hand."""
    fortieth = counted_deposits(steps)[THRESHOLD - 1].date
    return fortieth, fortieth + dt.timedelta(days=DELAY_DAYS)
