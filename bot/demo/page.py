"""The demo's status page, in the markup treaties.un.org uses (docs/untc-format.md §2–3).

A small template of the product's own, modelled on the test suite's fixture pages (the product
never imports `tests/`): the ASP.NET id scheme (ids matched by their ending), the "Status as
at" stamp, the treaty header and entry-into-force block, the participants grid in
`div.table-responsive` with the consent column's letter markers, and the declarations and end
notes below it. `scrapers.parse.parse_status_page` reads it like the real page (tested).

Pure: table in, HTML out.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.demo import hanoi
from bot.demo.story import MARKERS, Row

PREFIX = "ctl00_ctl00_ContentPlaceHolder1_ContentPlaceHolderInnerPage_"
_NEW_YORK = ZoneInfo("America/New_York")
_MONTHS: tuple[str, ...] = ("January", "February", "March", "April", "May", "June", "July")
_MONTHS += ("August", "September", "October", "November", "December")


def esc(text: str) -> str:
    """Escape as the site does (apostrophes as &#39;)."""
    return html.escape(text, quote=True).replace("&#x27;", "&#39;")


def cell_date(date: dt.date) -> str:
    """`25 Oct 2025`, as the grid prints dates."""
    return f"{date.day} {_MONTHS[date.month - 1][:3]} {date.year}"


def status_as_at(moment: dt.datetime) -> str:
    """`Status as at : 16-11-2025 10:16:04 EDT` (US Eastern, as the site prints it)."""
    local = moment.astimezone(_NEW_YORK)
    return f"Status as at : {local:%d-%m-%Y %H:%M:%S} {local.tzname()}"


def _instrument(instrument: tuple[str, dt.date] | None) -> str:
    if instrument is None:
        return ""
    kind, date = instrument
    marker = MARKERS[kind]
    return f"{cell_date(date)} {marker}" if marker else cell_date(date)


def _status_line(rows: Sequence[Row]) -> str:
    signatories = sum(1 for r in rows if r.signature is not None)
    parties = sum(1 for r in rows if r.instrument is not None)
    if not parties:
        return f"Signatories : {signatories}."
    return f"Signatories : {signatories}. Parties : {parties}"


def _eif_text(in_force_since: dt.date | None) -> str:
    if in_force_since is None:
        return hanoi.EIF_RULE_TEXT
    day = in_force_since
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}, in accordance with article 65(1)."


def _field(suffix: str, label: str, text: str) -> str:
    return (
        f'    <tr><td class="label">{esc(label)}</td>'
        f'<td id="{PREFIX}{suffix}" class="text">{esc(text)}</td></tr>\n'
    )


def render_status_page(
    rows: Sequence[Row], *, moment: dt.datetime, in_force_since: dt.date | None = None
) -> str:
    """The Cybercrime Convention's status page showing `rows` at `moment`."""
    p = PREFIX
    header = "".join(f"<td>{esc(c)}</td>" for c in hanoi.COLUMNS)
    grid = "".join(
        f"    <tr><td>{esc(r.name)}</td>"
        f"<td>{cell_date(r.signature) if r.signature else ''}</td>"
        f"<td>{_instrument(r.instrument)}</td></tr>\n"
        for r in rows
    )
    action = esc(f"./ViewDetails.aspx?src=TREATY&mtdsg_no={hanoi.TREATY_ID}&chapter=18&clang=_en")
    menu = "".join(
        f'<li class="menu-item"><a href="{esc(href)}">{esc(label)}</a></li>'
        for label, href in (
            ("Home", "/Pages/Home.aspx?clang=_en"),
            ("Status of Treaties", "/Pages/ParticipationStatus.aspx?clang=_en"),
            ("Depositary Notifications", "/Pages/CNs.aspx?cnTab=tab1&clang=_en"),
            ("Page not found help", "/Pages/PageNotFound.aspx?clang=_en"),
        )
    )
    return (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml">\n'
        '<head><meta http-equiv="Content-Type" content="text/html; charset=utf-8" />\n'
        "<title>UNTC (treatybot demo: a simulation)</title>\n"
        '<script type="text/javascript">\n//<![CDATA[\n'
        "function ShowDeclarations(){document.getElementById('EndDec').scrollIntoView();}\n"
        "//]]>\n</script>\n</head>\n<body>\n"
        f'<form method="post" action="{action}" id="aspnetForm">\n'
        '<div class="aspNetHidden"><input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" '
        'value="ZGVtbw==" /></div>\n'
        f'<div id="ctl00_ctl00_menuTop" class="navbar"><ul class="nav">{menu}</ul></div>\n'
        f'<div id="{p}divMain" class="container">\n'
        f'  <div id="{p}divStatus" class="status-as-at"><span>{esc(status_as_at(moment))}'
        "</span></div>\n"
        f'  <table id="{p}tblHeader" class="table-treaty">\n'
        f'    <tr><td id="{p}rptHead_ctl00_tcText" class="chapter" colspan="2">'
        f"{esc(hanoi.CHAPTER_TITLE)}</td></tr>\n"
        f'    <tr><td id="{p}rptTreaty_ctl00_tcTreaty" class="title" colspan="2">'
        f"{esc(hanoi.NUMBER)}. {esc(hanoi.TITLE)}</td></tr>\n"
        f'    <tr><td id="{p}rptTreaty_ctl00_tcText" colspan="2">{esc(hanoi.CONCLUSION)}'
        "</td></tr>\n"
        "  </table>\n"
        f'  <table id="{p}tcrptEIF" class="table-eif">\n'
        + _field("rptEIF_ctl00_tcText", "Entry into force :", _eif_text(in_force_since))
        + _field("rptStatus_ctl00_tcText", "Status :", _status_line(rows))
        + _field("rptText_ctl00_tcText", "Text :", hanoi.TEXT_REFERENCE)
        + "  </table>\n"
        '  <div class="table-responsive">\n'
        f'  <table id="{p}tblgrid" class="table table-striped table-bordered">\n'
        f'    <tr class="header">{header}</tr>\n'
        f"{grid}"
        "  </table>\n  </div>\n"
        '  <div id="EndDec"><h3>Declarations and Reservations</h3></div>\n'
        '  <div id="EndNotes"><h3>End Notes</h3></div>\n'
        "</div>\n</form>\n</body>\n</html>\n"
    )
