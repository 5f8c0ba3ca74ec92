"""Read side for the status pages: what version of a treaty a page shows (for ETag and
Last-Modified), and its stored participants.

Every function takes the database first so the service runs it through `Store.run`.
Must not: write, or decide how anything looks.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from scrapers.model import Participant
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


def participants(db: Database, treaty_id: str) -> tuple[Participant, ...]:
    snapshot = load_state(db, treaty_id).snapshot
    return snapshot.participants if snapshot is not None else ()
