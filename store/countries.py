"""Participant names → countries: the one place that knows how the UN names its participants.

Owns:
- `normalise_name`, the matching key the diff uses to pair participants across observations
  (case, accents, apostrophes, dashes, white space and footnote marks do not count);
- `canonical_name`, which folds historical spellings into the UN's current name (Turkey →
  Türkiye, Swaziland → Eswatini …), so that a rename on a status page produces no events;
- `resolve`, participant name → `Country` (UN name, ISO 3166-1 alpha-2 code, flag emoji);
- `lookup` / `suggest`: what a user typed (UN name, common name, alpha-2/alpha-3 code) → `Country`.

ISO codes and ISO/common names come from pycountry; the UN's own spellings, historical variants,
common names and the participants that are not countries are the explicit tables below.

Participants without a code are explicit, never an error: they are listed in `NO_CODE` with the
reason. Two kinds exist:
- states that no longer exist (the USSR, the German Democratic Republic, Czechoslovakia,
  Yugoslavia, Serbia and Montenegro, Democratic Yemen). Their ISO 3166-3 former codes are named
  in the reason but are not given as `code`: they are four letters, and the old alpha-2 codes
  are ambiguous (CS was Czechoslovakia and later Serbia and Montenegro);
- international organisations that are parties in their own right (the United Nations, WHO, the
  Andean Community … seen in the real tables of XIX-21, XXIII-3 and IX-3).
The European Union is the exception: it gets "EU", an ISO 3166-1 *exceptionally reserved* code
(not an assigned one), because its flag 🇪🇺 exists and users name it by that code.

Pure: no I/O beyond pycountry's own data, read once on first use.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pycountry

from scrapers.model import Participant


@dataclass(frozen=True, slots=True)
class Country:
    """A participant as a country: the UN's current name, ISO alpha-2 code and flag emoji.

    `code` and `flag` are None for historical states, organisations and unknown names.
    `code` is "EU" for the European Union (an exceptionally reserved ISO 3166-1 code).
    """

    name: str
    code: str | None
    flag: str | None


# The UN's current name where it differs from pycountry's ISO short name — or where the ISO name
# changed recently enough that an older pycountry (the dependency allows >=23.12) may lag behind.
UN_NAMES: dict[str, str] = {
    "BO": "Bolivia (Plurinational State of)",
    "CD": "Democratic Republic of the Congo",
    "CV": "Cabo Verde",
    "CZ": "Czechia",
    "FM": "Micronesia (Federated States of)",
    "GB": "United Kingdom of Great Britain and Northern Ireland",
    "IR": "Iran (Islamic Republic of)",
    "KP": "Democratic People's Republic of Korea",
    "KR": "Republic of Korea",
    "MD": "Republic of Moldova",
    "MK": "North Macedonia",
    "NL": "Netherlands (Kingdom of the)",
    "PS": "State of Palestine",
    "SZ": "Eswatini",
    "TR": "Türkiye",
    "TZ": "United Republic of Tanzania",
    "US": "United States of America",
    "VA": "Holy See",
    "VE": "Venezuela (Bolivarian Republic of)",
    "VG": "British Virgin Islands",
    "VI": "United States Virgin Islands",
}

# Codes pycountry does not have, with the participant's name.
EXTRA_CODES: dict[str, str] = {"EU": "European Union"}

# Other spellings of the same participant → its current UN name: historical names (renames
# after which the UN treats the participant as the same one), spellings seen in real tables,
# and common names users type. Distinct states are never merged: Congo is not the Democratic
# Republic of the Congo (ex-Zaire), Niger is not Nigeria, Dominica is not the Dominican Republic.
ALIASES: dict[str, str] = {
    # Renames (date of the UN's change).
    "Turkey": "Türkiye",  # 2022
    "Republic of Turkey": "Türkiye",
    "Czech Republic": "Czechia",  # 2016; still printed in some UNTC tables
    "Swaziland": "Eswatini",  # 2018
    "Kingdom of Swaziland": "Eswatini",
    "The former Yugoslav Republic of Macedonia": "North Macedonia",  # 2019
    "Macedonia": "North Macedonia",
    "Republic of North Macedonia": "North Macedonia",
    "Netherlands": "Netherlands (Kingdom of the)",  # 2023
    "Kingdom of the Netherlands": "Netherlands (Kingdom of the)",
    "Cape Verde": "Cabo Verde",  # 2013
    "Libyan Arab Jamahiriya": "Libya",  # 2011
    "Bolivia": "Bolivia (Plurinational State of)",  # 2009
    "Moldova": "Republic of Moldova",
    "Zaire": "Democratic Republic of the Congo",  # 1997
    "Burma": "Myanmar",  # 1989
    "Ceylon": "Sri Lanka",  # 1972
    "Dahomey": "Benin",  # 1975
    "Upper Volta": "Burkina Faso",  # 1984
    "Democratic Kampuchea": "Cambodia",
    "Kampuchea": "Cambodia",
    "Khmer Republic": "Cambodia",
    "Western Samoa": "Samoa",  # 1997
    "East Timor": "Timor-Leste",
    "Byelorussian Soviet Socialist Republic": "Belarus",  # 1991, same UN Member
    "Byelorussian SSR": "Belarus",
    "Ukrainian Soviet Socialist Republic": "Ukraine",  # 1991, same UN Member
    "Ukrainian SSR": "Ukraine",
    "Federal Republic of Germany": "Germany",  # 1990, the Federal Republic continues
    "European Community": "European Union",  # 2009 (Lisbon)
    "European Communities": "European Union",
    "European Economic Community": "European Union",
    "Federal Republic of Yugoslavia": "Serbia and Montenegro",  # 2003
    "Socialist Federal Republic of Yugoslavia": "Yugoslavia",
    "Czech and Slovak Federal Republic": "Czechoslovakia",
    "Czechoslovak Socialist Republic": "Czechoslovakia",
    "People's Democratic Republic of Yemen": "Democratic Yemen",
    "Hong Kong, China": "Hong Kong",
    "China, Hong Kong Special Administrative Region": "Hong Kong",
    "International Labour Organization": "International Labour Organisation",
    "United Nations Educational, Scientific and Cultural Organization": (
        "United Nations Educational Scientific and Cultural Organization"
    ),
    # Spellings in the 2015 tables.
    "St. Kitts and Nevis": "Saint Kitts and Nevis",
    "St. Lucia": "Saint Lucia",
    "St. Vincent and the Grenadines": "Saint Vincent and the Grenadines",
    # Common names and abbreviations.
    "Russia": "Russian Federation",
    "USSR": "Union of Soviet Socialist Republics",
    "Soviet Union": "Union of Soviet Socialist Republics",
    "East Germany": "German Democratic Republic",
    "UK": "United Kingdom of Great Britain and Northern Ireland",
    "Britain": "United Kingdom of Great Britain and Northern Ireland",
    "Great Britain": "United Kingdom of Great Britain and Northern Ireland",
    "United States": "United States of America",
    "USA": "United States of America",
    "US": "United States of America",
    "Vietnam": "Viet Nam",
    "Iran": "Iran (Islamic Republic of)",
    "Syria": "Syrian Arab Republic",
    "Laos": "Lao People's Democratic Republic",
    "North Korea": "Democratic People's Republic of Korea",
    "South Korea": "Republic of Korea",
    "Ivory Coast": "Côte d'Ivoire",
    "Tanzania": "United Republic of Tanzania",
    "Venezuela": "Venezuela (Bolivarian Republic of)",
    "Micronesia": "Micronesia (Federated States of)",
    "Palestine": "State of Palestine",
    "Vatican": "Holy See",
    "Vatican City": "Holy See",
    "Vatican City State": "Holy See",
    "Brunei": "Brunei Darussalam",
    "DR Congo": "Democratic Republic of the Congo",
    "DRC": "Democratic Republic of the Congo",
    "Democratic Republic of Congo": "Democratic Republic of the Congo",
    "Congo-Kinshasa": "Democratic Republic of the Congo",
    "Republic of the Congo": "Congo",
    "Congo-Brazzaville": "Congo",
    "UAE": "United Arab Emirates",
    "Gambia, The": "Gambia",
    "Bahamas, The": "Bahamas",
    "Sao Tome": "Sao Tome and Principe",
    "Kyrgyz Republic": "Kyrgyzstan",
    "Slovak Republic": "Slovakia",
}

# States that no longer exist and have no ISO 3166-1 alpha-2 code → why (ISO 3166-3 code).
HISTORICAL: dict[str, str] = {
    "Union of Soviet Socialist Republics": "dissolved 1991 (ISO 3166-3 SUHH)",
    "German Democratic Republic": "joined the Federal Republic of Germany 1990 (ISO 3166-3 DDDE)",
    "Czechoslovakia": "dissolved 1993 into Czechia and Slovakia (ISO 3166-3 CSHH)",
    "Yugoslavia": "Socialist Federal Republic, dissolved 1991-1992 (ISO 3166-3 YUCS)",
    "Serbia and Montenegro": "dissolved 2006 into Serbia and Montenegro (ISO 3166-3 CSXX)",
    "Democratic Yemen": "merged with Yemen 1990 (ISO 3166-3 YDYE)",
}

# International organisations that are participants in their own right (no country code).
ORGANISATIONS: tuple[str, ...] = (
    "Andean Community",
    "Caribbean Community",
    "Common Market for Eastern and Southern Africa",
    "Council of Europe",
    "East African Community",
    "Economic Community of West African States",
    "Eurasian Economic Community",
    "Food and Agriculture Organization of the United Nations",
    "International Atomic Energy Agency",
    "International Civil Aviation Organization",
    "International Criminal Police Organization",
    "International Labour Organisation",
    "International Maritime Organization",
    "International Telecommunication Union",
    "Organisation for the Prohibition of Chemical Weapons",
    "Organization of African Unity",
    "Preparatory Commission for the Comprehensive Nuclear-Test-Ban Treaty Organization",
    "Southern African Development Community",
    "United Nations",
    "United Nations Educational Scientific and Cultural Organization",
    "United Nations Industrial Development Organization",
    "Universal Postal Union",
    "West African Economic and Monetary Union",
    "World Health Organization",
    "World Intellectual Property Organization",
    "World Meteorological Organization",
)

# Canonical name → why it has no code.
NO_CODE: Mapping[str, str] = {
    **HISTORICAL,
    **{name: "international organisation" for name in ORGANISATIONS},
}

_APOSTROPHES = str.maketrans({c: "'" for c in "\u2018\u2019\u201b\u02bc\u02b9\u0060\u00b4\u2032"})
_DASHES = re.compile(r"[\u2010-\u2015\u2212-]+")
_FOOTNOTES = re.compile(r"[\s\d*]+$")
_THE = re.compile(r"^the\s+")


def flag(code: str) -> str:
    """Alpha-2 code → its flag emoji (two regional-indicator symbols); "EU" → 🇪🇺."""
    return "".join(chr(0x1F1E6 + ord(letter) - ord("A")) for letter in code.upper())


@functools.lru_cache(maxsize=8192)
def normalise_name(name: str, *, footnotes: bool = True) -> str:
    """The matching key of a participant name; equal keys mean the same spelling.

    Drops square brackets (withdrawn participants) and, unless `footnotes` is False, trailing
    footnote numbers (also superscript ones); folds case and accents (Türkiye = Turkiye: no two
    states differ only by accents); unifies apostrophes (’ → '); treats dashes, commas, periods
    and "&" loosely; drops a leading "The"; collapses white space. It does not drop words
    ("Republic of", "Democratic") or parenthesised parts, so distinct states keep distinct keys.
    """
    text = unicodedata.normalize("NFKC", name).replace("[", " ").replace("]", " ")
    text = text.replace(",", " ").replace(";", " ")
    text = _FOOTNOTES.sub("", text) if footnotes else text
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.translate(_APOSTROPHES).replace("&", " and ").replace(".", "")
    text = _DASHES.sub(" ", text).casefold()
    return _THE.sub("", " ".join(text.split()))


@dataclass(frozen=True, slots=True)
class _Index:
    by_key: dict[str, Country]  # normalised name (UN, ISO, historical, common) → Country
    by_code: dict[str, Country]  # upper-case alpha-2 and alpha-3 → Country
    canonical: dict[str, str]  # normalised name → current UN name


@functools.cache
def _index() -> _Index:
    """Builds the tables once, on first use. Earlier sources win: UN names, then the explicit
    aliases, then pycountry's ISO, official and common names."""
    by_key: dict[str, Country] = {}
    by_code: dict[str, Country] = {}
    by_name: dict[str, Country] = {}

    def add(name: str, country: Country) -> None:
        by_key.setdefault(normalise_name(name), country)

    iso_names: list[tuple[str, Country]] = []
    for record in pycountry.countries:
        code: str = record.alpha_2
        country = Country(UN_NAMES.get(code, record.name), code, flag(code))
        by_name[country.name] = country
        by_code[code] = country
        by_code[record.alpha_3] = country
        for attribute in ("name", "official_name", "common_name"):
            value = getattr(record, attribute, None)
            if value:
                iso_names.append((value, country))
    for code, name in EXTRA_CODES.items():
        by_name[name] = by_code[code] = Country(name, code, flag(code))
    for name in NO_CODE:
        by_name[name] = Country(name, None, None)

    for name, country in by_name.items():
        add(name, country)
    for alias, name in ALIASES.items():
        add(alias, by_name[name])
    for name, country in iso_names:
        add(name, country)
    canonical = {key: country.name for key, country in by_key.items()}
    return _Index(by_key, by_code, canonical)


@functools.cache
def _forms_by_code() -> dict[str, tuple[str, ...]]:
    forms: dict[str, list[str]] = {}
    for key, country in _index().by_key.items():
        if country.code is not None:
            forms.setdefault(country.code, []).append(key)
    return {code: tuple(keys) for code, keys in forms.items()}


def known_forms(name: str) -> tuple[str, ...]:
    """Every spelling known for the participant called `name` (UN, historical, ISO official
    and common names: "United Kingdom", "Turkey"), as `normalise_name` keys; () when the name
    is not a country."""
    country = lookup(name)
    if country is None or country.code is None:
        return ()
    return _forms_by_code().get(country.code, ())


def canonical_name(name: str) -> str:
    """The UN's current name for a participant name or any historical variant of it
    ("Turkey" → "Türkiye"); a name it does not know is returned unchanged."""
    return _index().canonical.get(normalise_name(name), name)


def resolve(name: str) -> Country:
    """A participant name as printed by the UN (current or historical) → Country.

    Never raises: a name it does not know gives Country(name, None, None). Names listed in
    `NO_CODE` give Country(canonical name, None, None); use `is_known` to tell them apart.
    """
    return _index().by_key.get(normalise_name(name)) or Country(name, None, None)


def is_known(name: str) -> bool:
    """Whether `name` is a participant name (or variant) this module knows, code or not."""
    return normalise_name(name) in _index().by_key


def lookup(query: str) -> Country | None:
    """What a user typed → Country, or None when nothing matches.

    Accepts UN names, historical and common names ("Türkiye", "Turkey", "UK", "Ivory Coast")
    and ISO alpha-2 / alpha-3 codes ("TR", "tur"), in any case.
    """
    index = _index()
    found = index.by_key.get(normalise_name(query))
    if found is None:
        code = query.strip().upper()
        if len(code) in (2, 3) and code.isascii() and code.isalpha():
            found = index.by_code.get(code)
    return found


def suggest(query: str, limit: int = 5) -> list[str]:
    """UN names close to what a user typed ("Korea" → both Koreas), best first, at most `limit`."""
    index = _index()
    key = normalise_name(query)
    if not key:
        return []
    out: list[str] = []
    candidates = [k for k in index.canonical if len(key) >= 3 and key in k.split(" ")]
    candidates += [k for k in index.canonical if len(key) >= 3 and k.startswith(key)]
    candidates += difflib.get_close_matches(key, index.canonical, n=limit * 3, cutoff=0.75)
    for candidate in candidates:
        name = index.canonical[candidate]
        if name not in out:
            out.append(name)
    return out[:limit]


@functools.lru_cache(maxsize=4096)
def participant_key(name: str) -> str:
    """How a participant is matched across observations: "Turkey" and "Türkiye" share one key.

    Names here come from the parser, footnotes already separated, so trailing digits are kept.
    """
    return normalise_name(canonical_name(name), footnotes=False)


def keyed_participants(participants: Iterable[Participant]) -> dict[str, Participant]:
    """Participants by `participant_key`; a key seen twice in one table gets `#2`, `#3` … in
    order, so the diff and the stored snapshot pair rows the same way."""
    out: dict[str, Participant] = {}
    for participant in participants:
        key = base = participant_key(participant.name)
        number = 1
        while key in out:
            number += 1
            key = f"{base}#{number}"
        out[key] = participant
    return out
