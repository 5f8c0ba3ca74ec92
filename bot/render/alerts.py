"""One typed event → the sentence a subscriber reads, as plain text or as Telegram HTML.

Owns the sentences: one `case` per event class of `store.events`, checked exhaustive by mypy
(`assert_never`), written once for both forms through a `Markup` (plain: text as is; HTML: every
value escaped, the participant in bold, the treaty's short title linked to its UN page).

Pure: no I/O, no clock. "Today" (entry into force today / since / on a future date) is an
argument; by default the day the event was detected (UTC), so a stored event always reads the same.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from typing import assert_never

from bot.render.fit import truncate_html
from bot.render.words import human_date, noun, ordinal, plural, progress_text, verb
from store.events import (
    ActionRef,
    ConsentEvent,
    CorrectionEvent,
    DeclarationEvent,
    EntryIntoForceEvent,
    Event,
    MilestoneEvent,
    ObjectionEvent,
    SignatureEvent,
    TerritorialApplicationEvent,
    ThresholdReachedEvent,
    TreatyRef,
    WithdrawalEvent,
)

# Every event class of the catalogue; `known_event` narrows an `Event` to it.
AnyEvent = (
    SignatureEvent
    | ConsentEvent
    | WithdrawalEvent
    | CorrectionEvent
    | MilestoneEvent
    | ThresholdReachedEvent
    | EntryIntoForceEvent
    | DeclarationEvent
    | ObjectionEvent
    | TerritorialApplicationEvent
)
# The section events: statements, which move no count (no progress line under them).
STATEMENT_EVENTS = (DeclarationEvent, ObjectionEvent, TerritorialApplicationEvent)
_TERRITORY_CHARS = 200


@dataclass(frozen=True, slots=True)
class Markup:
    """How values appear: plain text, or Telegram HTML (escaped, bold names, linked titles)."""

    html: bool

    def text(self, value: str) -> str:
        return html.escape(value, quote=False) if self.html else value

    def bold(self, value: str) -> str:
        return f"<b>{self.text(value)}</b>" if self.html else value

    def italic(self, value: str) -> str:
        return f"<i>{self.text(value)}</i>" if self.html else value

    def treaty(self, ref: TreatyRef) -> str:
        title = ref.title or ref.id
        if not self.html:
            return title
        if not ref.url.startswith(("https://", "http://")):
            return self.text(title)
        return f'<a href="{html.escape(ref.url, quote=True)}">{self.text(title)}</a>'


PLAIN = Markup(html=False)
HTML = Markup(html=True)


def known_event(event: Event) -> AnyEvent:
    """`event` as one of the catalogue's classes; TypeError for anything else."""
    if isinstance(event, AnyEvent):
        return event
    raise TypeError(f"no text for event class {type(event).__name__}")


def render_plain(event: Event, *, today: dt.date | None = None) -> str:
    """One line for the console: the sentence, then ` · ` and the progress where it helps."""
    known = known_event(event)
    line = sentence(known, PLAIN, today=today)
    progress = progress_after(known)
    return f"{line} · {progress}" if progress else line


def render_html(event: Event, *, today: dt.date | None = None) -> str:
    """One Telegram message (HTML parse mode): the sentence, then the progress in italics."""
    known = known_event(event)
    text = sentence(known, HTML, today=today)
    progress = progress_after(known)
    return truncate_html(f"{text}\n{HTML.italic(progress)}" if progress else text)


def progress_after(event: AnyEvent) -> str | None:
    """The progress line worth adding under this event's sentence (None when the sentence
    already says it: thresholds, entry into force, a milestone that is the current count)."""
    if isinstance(event, (ThresholdReachedEvent, EntryIntoForceEvent, *STATEMENT_EVENTS)):
        return None  # a statement changes no count
    if isinstance(event, MilestoneEvent) and event.counts.qualifying == event.reached:
        return None
    return progress_text(event.counts)


def sentence(
    event: AnyEvent, m: Markup, *, today: dt.date | None = None, with_treaty: bool = True
) -> str:
    """What happened, in one sentence. `with_treaty=False` leaves the treaty out, for a line
    under a header that names it (`bot.render.batch`)."""
    day = today or event.detected_at.date()
    the = _the(event.treaty, m) if with_treaty else None
    match event:
        case SignatureEvent():
            return _deposit(event, m, the)
        case ConsentEvent():
            return _deposit(event, m, the)
        case WithdrawalEvent():
            return _withdrawal(event, m, the)
        case CorrectionEvent():
            return _correction(event, m, the)
        case MilestoneEvent():
            return _milestone(event, m, the)
        case ThresholdReachedEvent():
            return _threshold(event, m, the, day)
        case EntryIntoForceEvent():
            return _in_force(event, m, the, day)
        case DeclarationEvent():
            return _declaration(event, m, the)
        case ObjectionEvent():
            return _objection(event, m, the)
        case TerritorialApplicationEvent():
            return _territorial(event, m, the)
        case _:
            assert_never(event)


def _deposit(event: SignatureEvent | ConsentEvent, m: Markup, the: str | None) -> str:
    did, preposition = verb(event.action.kind if event.action else None)
    words = [_who(event, m), m.text(did)]
    if the is not None:
        words += [m.text(preposition), the] if preposition else [the]
    if event.action is not None:
        words.append(m.text(f"on {human_date(event.action.date)}"))
    text = " ".join(words)
    if isinstance(event, ConsentEvent) and event.party_entry_into_force_date is not None:
        text += m.text(_party_in_force(event))
    return text


def _party_in_force(event: ConsentEvent) -> str:
    """ "; it enters into force for Chile on 12 May 2027" (or "entered", once that day is past
    when the event was seen)."""
    day = event.party_entry_into_force_date
    assert day is not None and event.participant is not None
    tense = "enters" if day > event.detected_at.date() else "entered"
    return f"; it {tense} into force for {event.participant.name} on {human_date(day)}"


def _withdrawal(event: WithdrawalEvent, m: Markup, the: str | None) -> str:
    if event.action is None:
        return f"{_who(event, m)} {m.text('withdrew')}" + (
            f" {m.text('from')} {the}" if the else ""
        )
    where = f" {m.text('in the status of')} {the}" if the else ""
    return f"{_whose(event, m)} {_of(event.action, m)} {m.text('is now shown as withdrawn')}{where}"


def _correction(event: CorrectionEvent, m: Markup, the: str | None) -> str:
    head = f"{m.bold('Correction')} {m.text('for')} {the}: " if the else f"{m.bold('Correction:')} "
    shown = "now shown as withdrawn" if event.withdrawn else "no longer shown as withdrawn"
    bracket = event.previous_withdrawn != event.withdrawn
    if event.action is None:
        removed = "" if event.withdrawn else " (brackets removed)"
        return head + f"{_who(event, m)} {m.text(f'is {shown}{removed}')}"
    now, before = event.action, event.previous_action
    if before is None or (before.kind, before.date) == (now.kind, now.date):
        removed = " (brackets removed)" if bracket and not event.withdrawn else ""
        said = f"is {shown}{removed}" if bracket else "is unchanged"
        return head + f"{_whose(event, m)} {_of(now, m)} {m.text(said)}"
    changes: list[str] = []
    if before.kind != now.kind:
        changes.append(f"recorded as {_kind(now.kind)} instead of {_kind(before.kind)}")
    if before.date != now.date:
        changes.append(f"date corrected from {human_date(before.date)} to {human_date(now.date)}")
    if bracket:
        changes.append(shown)
    if before.kind == now.kind:  # "France's signature date corrected from … to …"
        return head + f"{_whose(event, m)} {m.text(noun(now.kind) + ' ' + ', '.join(changes))}"
    subject = "instrument" if before.date != now.date else f"instrument of {human_date(now.date)}"
    return head + f"{_whose(event, m)} {m.text(subject + ' ' + ', '.join(changes))}"


def _milestone(event: MilestoneEvent, m: Markup, the: str | None) -> str:
    reached = plural(event.reached, "qualifying instrument")
    needed = ""
    if event.of is not None and event.reached < event.of:
        needed = f" of the {event.of} needed" + (" to enter into force" if the else "")
    if the is None:
        return f"{m.bold('Milestone:')} {m.text(reached + needed)}"
    return f"{m.bold('Milestone:')} {the} {m.text(f'has reached {reached}{needed}')}"


def _threshold(event: ThresholdReachedEvent, m: Markup, the: str | None, today: dt.date) -> str:
    threshold, weight = event.counts.threshold, event.counts.weight
    nth = f"{ordinal(threshold)} qualifying instrument" if threshold else "instruments needed"
    if event.nth_deposit_date is not None:
        nth += f", deposited on {human_date(event.nth_deposit_date)}"
    if weight is not None and threshold:
        # A dual threshold: the day is the one the second condition was met.
        nth = (
            f"{event.counts.qualifying} qualifying instruments ({threshold} needed) and "
            f"{weight.share:.2f} % of {weight.needed:g} %"
        )
        if event.nth_deposit_date is not None:
            nth += f", both met on {human_date(event.nth_deposit_date)}"
    eif = event.entry_into_force_date
    if eif is None:
        tail = "; entry-into-force date not yet computable"
    else:
        enters = "enters" if eif >= today else "entered"
        tail = f"{', and' if the else ';'} {enters} into force on {human_date(eif)}"
    if the is None:
        return f"{m.bold('Threshold reached:')} {m.text(nth + tail)}"
    has = (
        f"has its {nth}"
        if threshold and weight is None
        else f"has {nth}"
        if threshold
        else f"has the {nth}"
    )
    return f"{m.bold('Threshold reached:')} {the} {m.text(has + tail)}"


def _in_force(event: EntryIntoForceEvent, m: Markup, the: str | None, today: dt.date) -> str:
    date = event.entry_into_force_date
    if date is None:
        state, alone = "has entered into force", "Entered into force"
    elif date == today:
        state = alone = f"enters into force today, {human_date(date)}"
    elif date < today:
        state, alone = (
            f"has been in force since {human_date(date)}",
            f"in force since {human_date(date)}",
        )
    else:
        state = alone = f"will enter into force on {human_date(date)}"
    if the is None:
        return m.text(_capital(alone))
    return f"{_capital(the)} {m.text(state)}"


def _declaration(event: DeclarationEvent, m: Markup, the: str | None) -> str:
    to = f" {m.text('to')} {the}" if the else ""
    quoted = _quoted(event.excerpt, m)
    if event.change == "new":
        return f"{_who(event, m)} {m.text('made ' + _kinds(event.kinds))}{to}: {quoted}"
    said = "record a withdrawal" if event.change == "withdrawn" else "have new text"
    head = f"{_whose(event, m)} {m.text('declarations and reservations')}{to}"
    return f"{head} {m.text(said)}: {quoted}"


def _objection(event: ObjectionEvent, m: Markup, the: str | None) -> str:
    to = f" {m.text('to')} {the}" if the else ""
    quoted = _quoted(event.excerpt, m)
    if event.change == "withdrawn":
        said = m.text("record a withdrawal")
        return f"{_whose(event, m)} {m.text('objections')}{to} {said}: {quoted}"
    further = "a further objection" if event.change == "changed" else "an objection"
    if not event.objected_to:
        return f"{_who(event, m)} {m.text('made ' + further)}{to}: {quoted}"
    whom = " and ".join(_possessive(p.name, m) for p in event.objected_to)
    said = f"{m.text('made ' + further + ' to')} {whom} {m.text('reservation')}"
    return f"{_who(event, m)} {said}{to}: {quoted}"


def _territorial(event: TerritorialApplicationEvent, m: Markup, the: str | None) -> str:
    what = f" {the}" if the else " it"
    places = m.text(_clip(event.territory, _TERRITORY_CHARS))
    when = f" {m.text(f'(notified on {human_date(event.date)})')}" if event.date else ""
    return f"{_who(event, m)} {m.text('applied')}{what} {m.text('to')} {places}{when}"


def _kinds(kinds: tuple[str, ...]) -> str:
    """`("reservation", "declaration")` → `a reservation and a declaration`; none → a
    declaration or reservation (the section's own name for what it holds)."""
    if not kinds:
        return "a declaration or reservation"
    words = [noun(k) for k in kinds]
    with_article = [("an " if w[0] in "aeiou" else "a ") + w for w in words]
    return (
        ", ".join(with_article[:-1]) + " and " + with_article[-1]
        if len(words) > 1
        else (with_article[0])
    )


def _quoted(excerpt: str, m: Markup) -> str:
    return m.text(f"“{excerpt}”") if excerpt else m.text("(no text)")


def _possessive(name: str, m: Markup) -> str:
    return m.bold(name) + ("'" if name.endswith("s") else "'s")


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;") + "…"


def _the(ref: TreatyRef, m: Markup) -> str:
    """`the <title>`, unless the title already starts with an article."""
    title = ref.title or ref.id
    return m.treaty(ref) if title.lower().startswith("the ") else f"the {m.treaty(ref)}"


def _who(event: Event, m: Markup) -> str:
    """The participant's flag (when known) and name, the name in bold in HTML."""
    participant = event.participant
    if participant is None:
        return m.text("A participant")
    name = m.bold(participant.name)
    return f"{m.text(participant.flag)} {name}" if participant.flag else name


def _whose(event: Event, m: Markup) -> str:
    name = event.participant.name if event.participant else ""
    return _who(event, m) + ("'" if name.endswith("s") else "'s")


def _of(action: ActionRef, m: Markup) -> str:
    return m.text(f"{noun(action.kind)} of {human_date(action.date)}")


def _kind(kind: str | None) -> str:
    return noun(kind) if kind else "an unspecified instrument"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
