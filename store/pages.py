"""Read side for the status pages: what version of a treaty, or of the list, a page shows (for
ETag and Last-Modified), and a treaty's stored participants and sections.

Every function takes the database first so the service runs it through `Store.run`.
Must not: write, or decide how anything looks.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from scrapers.model import Participant, Sections
from store.snapshots import load_state

# Checks that replaced the stored snapshot (the others leave it as it was).
_SNAPSHOT_OUTCOMES = ("baseline", "changed", "accepted")


@dataclass(frozen=True, slots=True)
class PageVersion:
    """The latest event (sequence number, detection time) and the latest snapshot change."""

    event_seq: int
    event_at: str | None
    snapshot_at: str | None

    @property
    def changed_at(self) -> str | None:
        """The later of the two times (ISO 8601 UTC, comparable as text)."""
        times = [t for t in (self.event_at, self.snapshot_at) if t]
        return max(times) if times else None


def page_version(db: Database, treaty_id: str) -> PageVersion:
    seq, at = db.execute(
        "SELECT MAX(seq), MAX(detected_at) FROM events WHERE treaty_id = ?", [treaty_id]
    ).fetchone()
    marks = ", ".join("?" for _ in _SNAPSHOT_OUTCOMES)
    (snap_at,) = db.execute(
        f"SELECT MAX(checked_at) FROM checks WHERE treaty_id = ? AND outcome IN ({marks})",
        [treaty_id, *_SNAPSHOT_OUTCOMES],
    ).fetchone()
    return PageVersion(int(seq or 0), at, snap_at)


@dataclass(frozen=True, slots=True)
class ListVersion:
    """What the treaty list at `/` is drawn from, in cheap aggregates: the latest event, how
    many treaties are known, tracked and read at least once, and the latest watch-tier change.
    A check that changes nothing moves none of them, so the list's ETag holds between changes."""

    event_seq: int
    event_at: str | None
    known: int
    tracked: int
    read: int
    tier_since: str | None

    @property
    def changed_at(self) -> str | None:
        times = [t for t in (self.event_at, self.tier_since) if t]
        return max(times) if times else None


def list_version(db: Database) -> ListVersion:
    seq, at = db.execute("SELECT MAX(seq), MAX(detected_at) FROM events").fetchone()
    known, tracked, read = db.execute(
        "SELECT COUNT(*), TOTAL(tracked), COUNT(last_success) FROM treaties"
    ).fetchone()
    (since,) = db.execute("SELECT MAX(since) FROM watch_state").fetchone()
    return ListVersion(int(seq or 0), at, int(known), int(tracked), int(read), since)


def participants(db: Database, treaty_id: str) -> tuple[Participant, ...]:
    return contents(db, treaty_id)[0]


def contents(db: Database, treaty_id: str) -> tuple[tuple[Participant, ...], Sections | None]:
    """The stored snapshot's participants and its sections below the grid (None: not read
    yet), in one read of the snapshot."""
    snapshot = load_state(db, treaty_id).snapshot
    if snapshot is None:
        return (), None
    return snapshot.participants, snapshot.sections
