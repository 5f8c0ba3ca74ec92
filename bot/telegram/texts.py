"""Pure: the bot's replies as Telegram HTML. Every interpolated value goes through `esc`, so a
treaty title or a participant name full of `<`, `&` or quotes never breaks the markup.

No I/O, no python-telegram-bot: the handlers fetch the data and send these strings.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from bot.render import human_date, progress_bar, render_html, truncate_html
from bot.telegram.logic import SHORT_TYPES, short_type
from store.events import event_from_json

COMMANDS: list[tuple[str, str, str]] = [
    # (command, menu description, example)
    ("start", "What this bot does", "/start"),
    ("subscribe", "Alerts about a treaty", "/subscribe cybercrime  ·  /subscribe XVIII-16"),
    ("unsubscribe", "Stop alerts about a treaty", "/unsubscribe XVIII-16"),
    ("list", "Your subscriptions and filters", "/list"),
    ("follow", "Alerts about a country, every treaty", "/follow France  ·  /follow FR"),
    ("unfollow", "Stop following a country", "/unfollow France"),
    ("only", "Which kinds of alerts you get", "/only consent threshold  ·  /only all"),
    ("status", "How close a treaty is", "/status XVIII-16"),
    ("recent", "The latest events", "/recent  ·  /recent XVIII-16"),
    ("help", "Every command with an example", "/help"),
]
ADMIN_COMMANDS: list[tuple[str, str, str]] = [
    ("stats", "Chats, queue, deliveries (admins)", "/stats"),
    ("health", "Check health per treaty (admins)", "/health"),
]


def esc(value: object) -> str:
    return html.escape(str(value), quote=False)


def start_text(has_treaties: bool) -> str:
    lines = [
        "<b>treatybot</b> watches the UN Treaty Collection and tells you when countries sign, "
        "ratify or withdraw from a treaty, and when it reaches entry into force.",
        "Subscribe to a treaty (/subscribe cybercrime), follow a country (/follow France), "
        "ask how close a treaty is (/status XVIII-16).",
        "One message per check, never more than one a second. /help lists every command.",
    ]
    if has_treaties:
        lines.append("\nTap a treaty to subscribe:")
    return "\n".join(lines)


def help_text(admin: bool) -> str:
    lines = ["<b>Commands</b>"]
    for command, description, example in COMMANDS + (ADMIN_COMMANDS if admin else []):
        lines.append(f"/{command} — {esc(description)}\n  <code>{esc(example)}</code>")
    lines.append("\nTypes for /only: " + ", ".join(f"<code>{name}</code>" for name in SHORT_TYPES))
    return "\n".join(lines)


def usage(command: str, problem: str | None = None) -> str:
    """A short reply to a malformed command: what went wrong and what would work."""
    examples = {c: e for c, _, e in COMMANDS + ADMIN_COMMANDS}
    example = examples.get(command, "/help")
    head = f"{esc(problem)}\n" if problem else ""
    return f"{head}Try: <code>{esc(example)}</code>"


def unknown_command(command: str) -> str:
    return f"I don't know /{esc(command)}. Try /help for the list of commands."


def treaty_name(treaty_id: str, title: str | None) -> str:
    short = (title or "").split(";")[0].strip()
    return f"<b>{esc(short)}</b> ({esc(treaty_id)})" if short else f"<b>{esc(treaty_id)}</b>"


def status_text(status: Mapping[str, Any]) -> str:
    """`/status`: counts, a progress bar toward the threshold, instruments still needed, the
    entry-into-force date, the five latest actions, the last check and its health."""
    counts = status["counts"]
    title = str(status.get("title") or status["id"]).split(";")[0].strip()
    url = str(status.get("url") or "")
    if url.startswith(("https://", "http://")):
        head = f'<b><a href="{html.escape(url, quote=True)}">{esc(title)}</a></b>'
    else:
        head = f"<b>{esc(title)}</b>"
    lines = [f"{head} ({esc(status['id'])})"]
    lines.append(f"Signatories: {counts['signatories']} · Parties: {counts['parties']}")
    threshold = counts.get("threshold")
    if threshold:
        done = int(counts["qualifying"])
        lines.append(f"<code>{progress_bar(done, int(threshold), 20)}</code> {done} of {threshold}")
        remaining = int(counts.get("remaining") or 0)
        if remaining > 0:
            lines.append(f"{remaining} more instrument{'s' if remaining != 1 else ''} needed")
    eif = status.get("entry_into_force") or {}
    if eif.get("state") == "in_force":
        lines.append(f"In force since {esc(human_date(eif.get('date')))}")
    elif eif.get("state") == "projected":
        lines.append(f"Enters into force on {esc(human_date(eif.get('date')))} (computed)")
    else:
        lines.append("Not yet in force")
    actions = status.get("last_actions") or []
    if actions:
        lines.append("\n<b>Latest actions</b>")
        for action in actions[:5]:
            lines.append(
                f"{esc(human_date(action['date']))} — {esc(action['participant'])}: "
                f"{esc(action['kind'] or 'action')}"
            )
    health = status.get("health") or {}
    checked = health.get("last_check")
    failures = int(health.get("consecutive_failures") or 0)
    state = (
        "checks healthy"
        if failures == 0 and not health.get("quarantine_reason")
        else (f"last {failures} check(s) failed" if failures else "held for review")
    )
    lines.append(f"\n<i>Last checked {esc(checked or 'never')}; {esc(state)}</i>")
    return truncate_html("\n".join(lines))


def list_text(
    treaties: Sequence[tuple[str, str]],
    countries: Sequence[tuple[str, str]],
    types: Sequence[str] | None,
) -> str:
    if not treaties and not countries:
        return "No subscriptions yet. Try /subscribe cybercrime or /follow France."
    lines = []
    if treaties:
        lines.append("<b>Treaties</b>")
        lines += [f"• {treaty_name(tid, title)}" for tid, title in treaties]
    if countries:
        lines.append("<b>Countries</b>")
        lines += [f"• {esc(name)}" for _, name in countries]
    kinds = "all" if types is None else ", ".join(short_type(t) for t in sorted(types)) or "none"
    lines.append(f"<b>Alert types</b>: {esc(kinds)} (change with /only)")
    lines.append("Tap a button to remove a subscription.")
    return truncate_html("\n".join(lines))


def types_text(types: frozenset[str] | None) -> str:
    kinds = "every type" if types is None else ", ".join(sorted(short_type(t) for t in types))
    return f"This chat receives: <b>{esc(kinds or 'nothing')}</b>.\nTap to switch a type on or off."


def recent_text(events: Sequence[Mapping[str, Any]], treaty_id: str | None) -> str:
    if not events:
        where = f" for {esc(treaty_id)}" if treaty_id else ""
        return f"No events recorded{where} yet."
    lines = ["<b>Latest events</b>"]
    for data in events:
        lines.append(render_html(event_from_json(data)))
    return truncate_html("\n\n".join(lines))


def stats_text(stats: Mapping[str, Any]) -> str:
    lines = [
        "<b>Stats</b>",
        f"Chats: {stats['chats_active']} active, {stats['chats_inactive']} inactive",
        f"Subscriptions: {stats['treaty_subscriptions']} treaty, "
        f"{stats['country_subscriptions']} country",
        f"Queue: {stats['pending']} pending",
        "Deliveries, last 24 h: "
        + (", ".join(f"{esc(k)} {v}" for k, v in sorted(stats["outcomes"].items())) or "none"),
    ]
    return "\n".join(lines)


def health_text(rows: Sequence[Mapping[str, Any]]) -> str:
    if not rows:
        return "No tracked treaties."
    lines = ["<b>Check health</b>"]
    for row in rows:
        failures = int(row.get("consecutive_failures") or 0)
        if row.get("quarantine_reason"):
            state = f"held: {row['quarantine_reason']}"
        elif failures:
            state = f"{failures} failure(s): {row.get('last_error') or ''}"
        else:
            state = "ok"
        lines.append(
            f"• {esc(row['id'])}: {esc(state)} (last check {esc(row.get('last_check') or 'never')})"
        )
    return truncate_html("\n".join(lines))
