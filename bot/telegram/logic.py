"""Pure decisions behind the bot's commands: arguments, treaty matching, event-type names,
button data and keyboard layouts. No I/O, no python-telegram-bot, no clock.

The handlers (`bot/telegram/handlers.py`) read the store, call these, and send what comes back.
A keyboard is a list of rows of (label, callback data); `handlers` turns it into Telegram's
`InlineKeyboardMarkup`. Callback data stays within Telegram's 64 bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.errors import InvalidInput

# The catalogue's short names (`/only consent`) → the stored event types.
SHORT_TYPES: dict[str, str] = {
    "signature": "treaty.signature",
    "consent": "treaty.consent",
    "withdrawal": "treaty.withdrawal",
    "correction": "treaty.correction",
    "milestone": "treaty.milestone",
    "threshold_reached": "treaty.threshold_reached",
    "entry_into_force": "treaty.entry_into_force",
    "declaration": "treaty.declaration",
    "objection": "treaty.objection",
    "territorial_application": "treaty.territorial_application",
}
_TYPE_ALIASES = {
    "threshold": "threshold_reached",
    "thresholds": "threshold_reached",
    "eif": "entry_into_force",
    "in_force": "entry_into_force",
    "ratification": "consent",
    "ratifications": "consent",
    "reservation": "declaration",
    "reservations": "declaration",
    "territorial": "territorial_application",
    "territory": "territorial_application",
    "territories": "territorial_application",
}
CYBERCRIME = "XVIII-16"
MAX_CALLBACK_BYTES = 64
TREATY_ID = re.compile(r"^[IVXL]+-\d+(?:-[a-z])?(?:-\d+)?$", re.IGNORECASE)

Keyboard = list[list[tuple[str, str]]]


def short_type(event_type: str) -> str:
    """`treaty.consent` → `consent`."""
    return event_type.removeprefix("treaty.")


def parse_types(words: Sequence[str]) -> frozenset[str] | None:
    """`/only` arguments → the event types to receive; None for `all`. Plurals, hyphens and a
    few aliases are accepted; anything else is InvalidInput naming the valid names."""
    if not words:
        raise InvalidInput("name at least one type")
    chosen: set[str] = set()
    for raw in words:
        for word in raw.split(","):
            name = word.strip().lower().replace("-", "_").removeprefix("treaty.")
            if not name:
                continue
            if name == "all":
                return None
            name = _TYPE_ALIASES.get(name, name)
            if name not in SHORT_TYPES and name.endswith("s"):
                name = name[:-1]
            if name not in SHORT_TYPES:
                raise InvalidInput(
                    f"unknown event type {word.strip()!r}; use {', '.join(SHORT_TYPES)} or all"
                )
            chosen.add(SHORT_TYPES[name])
    if not chosen:
        raise InvalidInput("name at least one type")
    return frozenset(chosen)


def toggle_type(current: frozenset[str] | None, event_type: str) -> frozenset[str] | None:
    """A type button pressed: switch that type; every type on again means "all" (None)."""
    every = frozenset(SHORT_TYPES.values())
    now = set(every if current is None else current)
    now.symmetric_difference_update({event_type})
    return None if now == every else frozenset(now)


@dataclass(frozen=True, slots=True)
class TreatyChoice:
    id: str
    title: str
    tracked: bool


def looks_like_treaty_id(text: str) -> bool:
    return bool(TREATY_ID.match(text.strip()))


def normal_id(text: str) -> str:
    """`xviii-16` → `XVIII-16` (a letter suffix stays lower case: `XXVII-7-a`)."""
    parts = text.strip().split("-")
    return "-".join([parts[0].upper(), *[p.lower() for p in parts[1:]]])


def match_treaties(query: str, rows: Iterable[Mapping[str, Any]]) -> list[TreatyChoice]:
    """Treaties a `/subscribe` query names: its MTDSG id exactly, else every treaty whose id or
    title contains all the query's words (case-insensitive); tracked ones first, then by id."""
    words = query.lower().split()
    if not words:
        return []
    choices = [
        TreatyChoice(str(r["id"]), str(r.get("title") or r["id"]), bool(r.get("tracked")))
        for r in rows
    ]
    if looks_like_treaty_id(query):
        wanted = normal_id(query).lower()
        exact = [c for c in choices if c.id.lower() == wanted]
        if exact:
            return exact
    found = [c for c in choices if all(w in c.title.lower() or w in c.id.lower() for w in words)]
    return sorted(found, key=lambda c: (not c.tracked, c.id != CYBERCRIME, c.id))


def start_order(rows: Iterable[Mapping[str, Any]]) -> list[TreatyChoice]:
    """Tracked treaties for the /start buttons: the Cybercrime Convention first."""
    choices = [
        TreatyChoice(str(r["id"]), str(r.get("title") or r["id"]), True)
        for r in rows
        if r.get("tracked")
    ]
    return sorted(choices, key=lambda c: (c.id != CYBERCRIME, c.id))


def button_label(title: str, limit: int = 48) -> str:
    short = title.split(";")[0].strip() or title
    return short if len(short) <= limit else short[: limit - 1].rstrip() + "…"


def callback(action: str, value: str) -> str | None:
    """Button data `action:value`, or None when it would not fit in Telegram's 64 bytes."""
    data = f"{action}:{value}"
    return data if len(data.encode("utf-8")) <= MAX_CALLBACK_BYTES else None


def parse_callback(data: str) -> tuple[str, str]:
    action, _, value = data.partition(":")
    return action, value


def keyboard(buttons: Iterable[tuple[str, str | None]], per_row: int = 1) -> Keyboard:
    """Rows of buttons; a button whose data did not fit (None) is left out."""
    usable = [(label, data) for label, data in buttons if data is not None]
    return [usable[i : i + per_row] for i in range(0, len(usable), per_row)]


def choose_keyboard(
    choices: Sequence[TreatyChoice], action: str = "sub", limit: int = 8
) -> Keyboard:
    return keyboard(
        (f"{button_label(c.title)} ({c.id})", callback(action, c.id)) for c in choices[:limit]
    )


def list_keyboard(
    treaties: Sequence[tuple[str, str]], countries: Sequence[tuple[str, str]]
) -> Keyboard:
    """Buttons removing each subscription: (treaty id, title) and (stored value, name)."""
    buttons: list[tuple[str, str | None]] = [
        (f"✖ {button_label(title, 40)}", callback("unsub", treaty_id))
        for treaty_id, title in treaties
    ]
    buttons += [(f"✖ {name}", callback("unfollow", value)) for value, name in countries]
    return keyboard(buttons)


def types_keyboard(current: frozenset[str] | None) -> Keyboard:
    """One toggle per type (✅ received, ▫️ not), and "all"."""
    buttons: list[tuple[str, str | None]] = []
    for short, full in SHORT_TYPES.items():
        on = current is None or full in current
        buttons.append(
            (f"{'✅' if on else '▫️'} {short.replace('_', ' ')}", callback("type", short))
        )
    buttons.append(("All types", callback("type", "all")))
    return keyboard(buttons, per_row=2)


def split_command(text: str) -> tuple[str, list[str]]:
    """`/status@bot XVIII-16` → (`status`, [`XVIII-16`])."""
    head, *args = text.split()
    return head.lstrip("/").split("@", 1)[0].lower(), args


def addressed_to(text: str, bot_username: str) -> bool:
    """Whether a command names this bot, or no bot at all (`/help` vs `/help@other_bot`)."""
    head = text.split(maxsplit=1)[0] if text.strip() else ""
    _, at, name = head.partition("@")
    return not at or name.lower() == bot_username.lower()
