"""Real data the demo starts from: the Cybercrime Convention's first signatories (see SOURCES.md).

Pure data. Copied from the UN Treaty Collection's table of November 2025 (the first 31 of 72
rows, alphabetical; every one signed on 25 Oct 2025 in Hanoi). Column header of that table:
`Participant | Signature | Acceptance(A), Ratification, Approval(AA), Accession(a)`.
"""

from __future__ import annotations

import datetime as dt

TREATY_ID = "XVIII-16"
CHAPTER_TITLE = "PENAL MATTERS"
NUMBER = "16"
TITLE = (
    "United Nations Convention against Cybercrime; Strengthening International Cooperation for "
    "Combating Certain Crimes Committed by Means of Information and Communications Technology "
    "Systems and for the Sharing of Evidence in Electronic Form of Serious Crimes"
)
CONCLUSION = "New York, 24 December 2024"
TEXT_REFERENCE = "Doc. A/RES/79/243."
ARTICLE = "65(1)"
EIF_RULE_TEXT = (
    'in accordance with article 65(1) which reads as follows: "1. This Convention shall enter '
    "into force on the ninetieth day after the date of deposit of the fortieth instrument of "
    "ratification, acceptance, approval or accession. For the purpose of this paragraph, any "
    "instrument deposited by a regional economic integration organization shall not be counted "
    'as additional to those deposited by member States of that organization."'
)
COLUMNS = ("Participant", "Signature", "Acceptance(A), Ratification, Approval(AA), Accession(a)")

SIGNED_IN_HANOI = dt.date(2025, 10, 25)
HANOI_SIGNATORIES: tuple[str, ...] = (
    "Algeria",
    "Angola",
    "Australia",
    "Austria",
    "Azerbaijan",
    "Belarus",
    "Belgium",
    "Brazil",
    "Brunei Darussalam",
    "Burkina Faso",
    "Cambodia",
    "Chile",
    "China",
    "Costa Rica",
    "Côte d'Ivoire",
    "Cuba",
    "Czech Republic",
    "Democratic People's Republic of Korea",
    "Democratic Republic of the Congo",
    "Djibouti",
    "Dominican Republic",
    "Ecuador",
    "Egypt",
    "European Union",
    "France",
    "Ghana",
    "Greece",
    "Guinea-Bissau",
    "Iran (Islamic Republic of)",
    "Ireland",
    "Jamaica",
)
