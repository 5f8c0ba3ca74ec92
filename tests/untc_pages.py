"""Build status pages in the real treaties.un.org markup, filled with real data.

No raw copy of a live status page can be fetched here, so fixtures are rendered from real facts
(names, date strings, headers from the UN's own tables) into the page structure described in
`../shared/docs/untc-format.md`: the ASP.NET id scheme, menus, scripts, a large `__VIEWSTATE`,
the treaty header block, the participants grid in `div.table-responsive`, declarations (whose
tables also start with a "Participant" cell) and end notes.

Used by the parser tests, the fake UN site, the benchmarks and the fixture generator
(`tests/fixtures/pages/build.py`).
"""

from __future__ import annotations

import base64
import csv
import html
import io
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

CURRENT_PREFIX = "ctl00_ctl00_ContentPlaceHolder1_ContentPlaceHolderInnerPage_"
OLD_PREFIX = "ctl00_ContentPlaceHolder1_"

MAINTENANCE_BODY = (
    "<html><head><title>United Nations Treaty Collection</title></head><body>"
    "<div class='maintenance'><h2>Notice</h2><p>The United Nations Treaty Collection website is "
    "undergoing urgent maintenance and is currently unavailable. We apologize for any "
    "inconvenience.</p></div></body></html>"
)


@dataclass
class PageSpec:
    """Everything that varies between status pages. Cell strings are HTML fragments."""

    treaty_id: str
    chapter_title: str
    number: str
    title: str
    conclusion: str
    eif: str
    status: str
    columns: Sequence[str]
    rows: Sequence[Sequence[str]]
    registration: str = ""
    text_reference: str = ""
    status_as_at: str = "Status as at : 16-11-2025 10:16:04 EDT"
    prefix: str = CURRENT_PREFIX
    decoy_before: bool = False
    declarations: Sequence[tuple[str, str]] = ()
    end_notes: Sequence[str] = ()
    viewstate_bytes: int = 60_000
    seed: int = 1
    extra_before_grid: str = ""
    grid_id_suffix: str = "tblgrid"
    header_cells: Sequence[str] | None = None
    menus: bool = True
    # The sections below the grid as HTML (`tests/untc_sections.py`); None: the default block.
    sections_html: str | None = None
    notes: list[str] = field(default_factory=list)


def esc(text: str) -> str:
    """Escape plain text the way the site does (apostrophes as &#39;)."""
    return html.escape(text, quote=True).replace("&#x27;", "&#39;")


def chapter_number(treaty_id: str) -> int:
    roman = treaty_id.split("-")[0]
    values = {"I": 1, "V": 5, "X": 10, "L": 50}
    total = 0
    for i, ch in enumerate(roman):
        v = values[ch]
        total += -v if i + 1 < len(roman) and values[roman[i + 1]] > v else v
    return total


def _viewstate(size: int, seed: int) -> str:
    rng = random.Random(seed)
    raw = bytes(rng.getrandbits(8) for _ in range(size * 3 // 4))
    return base64.b64encode(raw).decode("ascii")


def _menus() -> str:
    items = [
        ("Home", "/Pages/Home.aspx?clang=_en"),
        ("Depositary", "/Pages/ParticipationStatus.aspx?clang=_en"),
        ("Status of Treaties", "/Pages/ParticipationStatus.aspx?clang=_en"),
        ("Depositary Notifications", "/Pages/CNs.aspx?cnTab=tab1&clang=_en"),
        ("Photos of Treaty Events", "/Pages/Photos.aspx?clang=_en"),
        ("UNTS Online", "/Pages/UNTSOnline.aspx?id=1&clang=_en"),
        ("Page not found help", "/Pages/PageNotFound.aspx?clang=_en"),
        ("Glossary", "/Pages/Overview.aspx?path=overview/glossary/page1_en.xml"),
        ("Treaty Handbook", "/doc/source/publications/THB/English.pdf"),
        ("Contact", "/Pages/ContactUs.aspx?clang=_en"),
    ]
    links = "\n".join(
        f'        <li class="menu-item"><a href="{esc(href)}">{esc(label)}</a></li>'
        for label, href in items
    )
    return (
        '  <div id="ctl00_ctl00_menuTop" class="navbar">\n    <ul class="nav">\n'
        f"{links}\n    </ul>\n  </div>\n"
        '  <div id="ctl00_ctl00_divSearch"><input type="text" name="ctl00$ctl00$txtSearch" '
        'placeholder="Search"/><a href="/Pages/PageNotFound.aspx">PageNotFound</a></div>\n'
    )


def _scripts(seed: int) -> str:
    rng = random.Random(seed + 7)
    body = "\n".join(
        f"  function fn{i}(e){{var x{i}={rng.randint(0, 10**6)};return x{i}+e;}}" for i in range(60)
    )
    return (
        '<script type="text/javascript">\n//<![CDATA[\n'
        "var theForm = document.forms['aspnetForm'];\n"
        "function ShowDeclarations(){document.getElementById('EndDec').scrollIntoView();}\n"
        "var s = '<table><tr><td>Participant</td></tr></table>';\n"
        f"{body}\n//]]>\n</script>\n"
    )


def _field(prefix: str, suffix: str, label: str, text: str) -> str:
    return (
        f'        <tr><td class="label">{esc(label)}</td>'
        f'<td id="{prefix}{suffix}" class="text">{text}</td></tr>\n'
    )


def _decoy_table(title: str, rows: Sequence[tuple[str, str]]) -> str:
    body = "".join(f"<tr><td>{esc(a)}</td><td>{esc(b)}</td></tr>" for a, b in rows)
    return (
        f'<div class="decoy"><h4>{esc(title)}</h4><table class="table">'
        f"<tr><td>Participant</td><td>Date of receipt of the notification</td></tr>{body}"
        "</table></div>\n"
    )


def render_page(spec: PageSpec) -> str:
    """The whole status page as the site would serve it."""
    p = spec.prefix
    chap = chapter_number(spec.treaty_id)
    header_cells = spec.header_cells if spec.header_cells is not None else spec.columns
    header = "".join(f"<td>{esc(c)}</td>" for c in header_cells)
    rows = []
    for cells in spec.rows:
        tds = "".join(f"<td>{c}</td>" for c in cells)
        rows.append(f"        <tr>{tds}</tr>")
    grid_rows = "\n".join(rows)
    decoy = (
        _decoy_table(
            "Territorial Application",
            [("Netherlands (Kingdom of the)", "12 Jan 2000"), ("New Zealand", "3 Mar 2001")],
        )
        if spec.decoy_before
        else ""
    )
    declarations = "".join(
        f'<div class="declaration"><p><b>{esc(name)}</b></p><p>{esc(text)}</p></div>\n'
        for name, text in spec.declarations
    )
    sections = spec.sections_html
    if sections is None:
        sections = (
            '  <div id="EndDec"><h3>Declarations and Reservations</h3>\n'
            "  <p>(Unless otherwise indicated, the declarations and reservations were made upon "
            "ratification, accession, acceptance, approval or succession.)</p>\n"
            f"{declarations}  </div>\n"
        )
    end_notes = "".join(
        f'<p class="endnote"><sup>{i}</sup> {esc(note)}</p>\n'
        for i, note in enumerate(spec.end_notes, 1)
    )
    registration = (
        _field(p, "rptRegistration_ctl00_tcText", "Registration :", esc(spec.registration))
        if spec.registration
        else ""
    )
    text_ref = (
        _field(p, "rptText_ctl00_tcText", "Text :", esc(spec.text_reference))
        if spec.text_reference
        else ""
    )
    form_action = esc(
        f"./ViewDetails.aspx?src=TREATY&mtdsg_no={spec.treaty_id}&chapter={chap}&clang=_en"
    )
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head><meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>UNTC</title>
<link href="/Css/bootstrap.min.css" rel="stylesheet" type="text/css" />
{_scripts(spec.seed)}</head>
<body>
<form method="post" action="{form_action}" id="aspnetForm">
<div class="aspNetHidden">
<input type="hidden" name="__EVENTTARGET" id="__EVENTTARGET" value="" />
<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="{_viewstate(spec.viewstate_bytes, spec.seed)}" />
</div>
{_menus() if spec.menus else ""}
<div id="{p}divMain" class="container">
  <div id="{p}divStatus" class="status-as-at"><span>{esc(spec.status_as_at)}</span></div>
  <table id="{p}tblHeader" class="table-treaty">
        <tr><td id="{p}rptHead_ctl00_tcText" class="chapter" colspan="2">{esc(spec.chapter_title)}</td></tr>
        <tr><td id="{p}rptTreaty_ctl00_tcTreaty" class="title" colspan="2">{esc(spec.number)}. {esc(spec.title)}</td></tr>
        <tr><td id="{p}rptTreaty_ctl00_tcText" colspan="2">{spec.conclusion}</td></tr>
  </table>
  <table id="{p}tcrptEIF" class="table-eif">
{_field(p, "rptEIF_ctl00_tcText", "Entry into force :", esc(spec.eif))}{registration}{_field(p, "rptStatus_ctl00_tcText", "Status :", esc(spec.status))}{text_ref}  </table>
{decoy}{spec.extra_before_grid}  <div class="table-responsive">
    <table id="{p}{spec.grid_id_suffix}" class="table table-striped table-bordered">
        <tr class="header">{header}</tr>
{grid_rows}
    </table>
  </div>
{sections}  {_decoy_table("Notifications under article 9", [("Austria", "2 Feb 2001")])}
  <div id="EndNotes"><h3>End Notes</h3>
{end_notes}  </div>
</div>
</form>
</body>
</html>
"""


def rows_from_csv(text: str) -> tuple[list[str], list[list[str]]]:
    """A real 2015 table (CSV) → header and rows of plain text."""
    reader = list(csv.reader(io.StringIO(text)))
    return reader[0], reader[1:]


def page_from_table(
    treaty_id: str, header: Sequence[str], rows: Sequence[Sequence[str]], **extra: object
) -> PageSpec:
    """A realistic page around one real table (used for the 313-table round trip)."""
    html_rows = [[esc(cell) for cell in row] for row in rows]
    spec = PageSpec(
        treaty_id=treaty_id,
        chapter_title="PENAL MATTERS",
        number=treaty_id.rsplit("-", 1)[-1],
        title=f"Treaty {treaty_id}",
        conclusion="New York, 17 December 1979",
        eif="3 June 1983, in accordance with article 18(1).",
        status=f"Signatories : 39. Parties : {len(rows)}",
        columns=list(header),
        rows=html_rows,
        viewstate_bytes=8_000,
    )
    for key, value in extra.items():
        setattr(spec, key, value)
    return spec


def truncate(page: str, fraction: float = 0.6) -> str:
    """Cut a page as a dropped connection would."""
    return page[: int(len(page) * fraction)]
