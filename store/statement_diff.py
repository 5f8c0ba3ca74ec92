"""Pure: the sections below the grid, previous vs current → statement events, or a quarantine.

Owns what a change in "Declarations and Reservations", "Objections" and "Territorial
Application" means (`store.diff.compare` calls it once the grid compared cleanly):

- entries are paired by the participant (`countries.participant_key`, so a rename is no news);
  a territorial-application row by participant, date and territories;
- a participant new in a section → an event with `change` "new" and all its text; an entry
  with paragraphs that were not there before → "changed" with only those paragraphs ("withdrawn"
  when they say so: the UN records a withdrawal by adding text, never by deleting the
  statement); paragraphs only removed or reworded in place without a new paragraph → nothing;
- a section that had entries and is gone or empty, or any entry (or territorial row) that
  vanished, is a broken page: `problem` names it and the comparison is quarantined, no events;
- the first observation with sections (a snapshot stored before they were read has none) is a
  silent baseline, like the first sight of a treaty.

Ids are deterministic: type, treaty, participant and a hash of the normalised new text (a
territorial row: its date and territories), never the time.

No I/O, no clock. Imports no I/O library.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Sequence

from scrapers.columns import normalise_space
from scrapers.model import SECTION_NAMES, Participant, Sections, StatementEntry
from scrapers.sections import stated_dates, statement_kinds
from store.countries import known_forms, normalise_name, participant_key, resolve
from store.events import (
    Counts,
    DeclarationEvent,
    Event,
    ObjectionEvent,
    ParticipantRef,
    TerritorialApplicationEvent,
    TreatyRef,
    event_id,
)

EXCERPT_CHARS = 280
_LABELS = {
    "declarations": "declarations and reservations",
    "objections": "objections",
    "territorial_applications": "territorial application",
}
_WITHDRAWN = re.compile(r"\bwithdr(?:aw|awn|awal|ew|awing)s?\b", re.IGNORECASE)


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """`text` on one line, at most `limit` characters: cut on a word, ending in "…"."""
    text = normalise_space(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "…"


def problem(previous: Sections | None, current: Sections | None) -> str | None:
    """Why the current sections cannot be believed, or None. Nothing is known before both
    observations have sections (an older snapshot, a status built without them)."""
    if previous is None or current is None:
        return None
    for name in SECTION_NAMES:
        before, after = previous.get(name) or (), current.get(name) or ()
        label = _LABELS[name]
        if before and not after:
            entries = "1 entry" if len(before) == 1 else f"{len(before)} entries"
            return f"the {label} section vanished ({entries} before)"
        keys = {_key(name, e) for e in after}
        lost = [e.participant for e in before if _key(name, e) not in keys]
        if lost:
            shown = ", ".join(repr(n) for n in lost[:5])
            more = f" (and {len(lost) - 5} more)" if len(lost) > 5 else ""
            return f"{label}: the entry of {shown}{more} vanished"
    return None


def events(
    previous: Sections | None,
    current: Sections | None,
    participants: Sequence[Participant],
    *,
    treaty: TreatyRef,
    counts: Counts,
    now: dt.datetime,
) -> list[Event]:
    """The statement events between two observations whose `problem` is None, in page order
    (declarations, objections, territorial applications). `participants` are the current
    grid's (the names an objection may name)."""
    if previous is None or current is None:
        return []
    out: list[Event] = []
    for name in SECTION_NAMES:
        before = {_key(name, e): e for e in previous.get(name) or ()}
        for entry in current.get(name) or ():
            old = before.get(_key(name, entry))
            if name == "territorial_applications":
                if old is None:
                    out.append(_territorial(entry, treaty, counts, now))
                continue
            seen = {_norm(p) for p in old.paragraphs} if old else set()
            added = [p for p in entry.paragraphs if _norm(p) not in seen]
            if not added:
                continue
            text = "\n".join(added)
            change = "new" if old is None or not old.paragraphs else "changed"
            if change == "changed" and _WITHDRAWN.search(text):
                change = "withdrawn"
            kind = DeclarationEvent if name == "declarations" else ObjectionEvent
            key = event_id(
                kind.type, treaty.id, participant=entry.participant, extra=(_digest(text),)
            )
            said = excerpt(" ".join(added))
            dates = stated_dates(added)
            who = _ref(entry.participant)
            if kind is DeclarationEvent:
                out.append(
                    DeclarationEvent(
                        id=key, detected_at=now, treaty=treaty, participant=who, action=None,
                        counts=counts, change=change, excerpt=said, dates=dates,
                        kinds=statement_kinds(added),
                    )
                )  # fmt: skip
            else:
                named = named_participants(text, entry.participant, (p.name for p in participants))
                out.append(
                    ObjectionEvent(
                        id=key, detected_at=now, treaty=treaty, participant=who, action=None,
                        counts=counts, change=change, excerpt=said, dates=dates,
                        objected_to=tuple(_ref(n) for n in named),
                    )
                )  # fmt: skip
    return out


def _territorial(
    entry: StatementEntry, treaty: TreatyRef, counts: Counts, now: dt.datetime
) -> TerritorialApplicationEvent:
    territory = entry.territory or ""
    return TerritorialApplicationEvent(
        id=event_id(
            TerritorialApplicationEvent.type,
            treaty.id,
            participant=entry.participant,
            extra=(entry.date, _digest(territory)),
        ),
        detected_at=now,
        treaty=treaty,
        participant=_ref(entry.participant),
        action=None,
        counts=counts,
        change="new",
        excerpt=excerpt(territory),
        dates=(entry.date,) if entry.date else (),
        territory=territory,
        date=entry.date,
    )


def _key(section: str, entry: StatementEntry) -> object:
    if section == "territorial_applications":
        date = entry.date.isoformat() if entry.date else None
        return (participant_key(entry.participant), date, _norm(entry.territory or ""))
    return participant_key(entry.participant)


def _norm(text: str) -> str:
    return normalise_space(text).casefold()


def _digest(text: str) -> str:
    return hashlib.sha256(_norm(text).encode("utf-8")).hexdigest()[:16]


def _ref(name: str) -> ParticipantRef:
    country = resolve(name)
    return ParticipantRef(name, country.code, country.flag)


def named_participants(text: str, author: str, names: Iterable[str]) -> list[str]:
    """Grid participants the text names (not its author), in the order the text names them.

    A name is also found by its part before a parenthesis ("Iran (Islamic Republic of)" as
    "Iran") and by every other spelling known for that country ("the United Kingdom" for
    "United Kingdom of Great Britain and Northern Ireland", "Turkey" for "Türkiye"), compared
    as `normalise_name` compares names (case, accents, apostrophes, dashes); a match inside a
    longer one is not counted ("Guinea" in "Equatorial Guinea", "Sudan" in "South Sudan")."""
    own = participant_key(author)
    folded = normalise_name.__wrapped__(text, footnotes=False)  # a text: not worth caching
    spans: list[tuple[int, int, str]] = []
    for name in names:
        if participant_key(name) == own:
            continue
        forms = [normalise_name(name), normalise_name(name.split(" (", 1)[0].strip())]
        found = [
            match
            for form in dict.fromkeys([*forms, *known_forms(name)])
            if form
            for match in [re.search(rf"(?<!\w){re.escape(form)}(?!\w)", folded)]
            if match
        ]
        if found:
            first = min(found, key=lambda m: (m.start(), -m.end()))
            spans.append((first.start(), first.end(), name))
    kept = [
        (start, name)
        for start, end, name in spans
        if not any(s <= start and end <= e and (s, e) != (start, end) for s, e, _ in spans)
    ]
    return list(dict.fromkeys(name for _, name in sorted(kept)))
