"""store.countries: every real participant name resolves; renames fold; users find countries."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pycountry
import pytest

from store.countries import (
    ALIASES,
    NO_CODE,
    Country,
    canonical_name,
    flag,
    is_known,
    lookup,
    normalise_name,
    resolve,
    suggest,
)

FIXTURE = Path(__file__).parent.parent / "fixtures" / "participant-names.txt"
REAL_NAMES: list[str] = FIXTURE.read_text(encoding="utf-8").splitlines()

# The participants in the real tables that are not countries: international organisations that
# are parties in their own right (XIX-21 Common Fund for Commodities, XXIII-3 Vienna Convention
# 1986, IX-3 International Vaccine Institute). A new name without a code must be added here.
ORGANISATIONS_IN_REAL_DATA = {
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
}

# Historical states: no alpha-2 code, by design.
HISTORICAL_STATES = {
    "Union of Soviet Socialist Republics",
    "German Democratic Republic",
    "Czechoslovakia",
    "Yugoslavia",
    "Serbia and Montenegro",
    "Democratic Yemen",
}

# Old and new spelling of the same participant: (old, current UN name, code).
RENAMES = [
    ("Turkey", "Türkiye", "TR"),
    ("Czech Republic", "Czechia", "CZ"),
    ("Swaziland", "Eswatini", "SZ"),
    ("The former Yugoslav Republic of Macedonia", "North Macedonia", "MK"),
    ("Netherlands", "Netherlands (Kingdom of the)", "NL"),
    ("Cape Verde", "Cabo Verde", "CV"),
    ("Libyan Arab Jamahiriya", "Libya", "LY"),
    ("Bolivia", "Bolivia (Plurinational State of)", "BO"),
    ("Moldova", "Republic of Moldova", "MD"),
    ("St. Kitts and Nevis", "Saint Kitts and Nevis", "KN"),
    ("St. Lucia", "Saint Lucia", "LC"),
    ("St. Vincent and the Grenadines", "Saint Vincent and the Grenadines", "VC"),
    ("Zaire", "Democratic Republic of the Congo", "CD"),
    ("Burma", "Myanmar", "MM"),
    ("Byelorussian Soviet Socialist Republic", "Belarus", "BY"),
    ("European Community", "European Union", "EU"),
    ("European Economic Community", "European Union", "EU"),
]


def test_the_fixture_holds_the_distinct_real_names_sorted() -> None:
    assert len(REAL_NAMES) == 233
    assert sorted(set(REAL_NAMES)) == REAL_NAMES
    assert all(name and name == name.strip() for name in REAL_NAMES)


@pytest.mark.parametrize("name", REAL_NAMES)
def test_every_real_participant_name_is_known_and_states_get_a_code(name: str) -> None:
    country = resolve(name)
    assert is_known(name), f"{name!r} is not known: add it to store.countries"
    if country.name in ORGANISATIONS_IN_REAL_DATA:
        assert country == Country(name, None, None)
        assert NO_CODE[name] == "international organisation"
    else:
        assert country.code is not None, f"{name!r} has no code"
        assert country.flag == flag(country.code)


def test_no_two_real_names_share_a_code_unless_they_are_spellings_of_one_participant() -> None:
    by_code: dict[str, set[str]] = defaultdict(set)
    for name in REAL_NAMES:
        code = resolve(name).code
        if code is not None:
            by_code[code].add(name)
    shared = {code: names for code, names in by_code.items() if len(names) > 1}
    assert shared == {
        "BO": {"Bolivia", "Bolivia (Plurinational State of)"},
        "CV": {"Cabo Verde", "Cape Verde"},
        "LY": {"Libya", "Libyan Arab Jamahiriya"},
        "MD": {"Moldova", "Republic of Moldova"},
    }


def test_the_real_territories_resolve_to_their_own_codes() -> None:
    assert resolve("Hong Kong").code == "HK"
    assert resolve("British Virgin Islands").code == "VG"
    assert resolve("Cayman Islands").code == "KY"
    assert resolve("Montserrat").code == "MS"
    assert resolve("Turks and Caicos Islands").code == "TC"


@pytest.mark.parametrize(("old", "current", "code"), RENAMES)
def test_a_renamed_participant_keeps_one_canonical_name_and_code(
    old: str, current: str, code: str
) -> None:
    assert canonical_name(old) == canonical_name(current) == current
    assert resolve(old) == resolve(current)
    assert resolve(old).code == code


@pytest.mark.parametrize(
    ("name", "code", "flag_emoji"),
    [
        ("European Union", "EU", "🇪🇺"),
        ("Holy See", "VA", "🇻🇦"),
        ("State of Palestine", "PS", "🇵🇸"),
        ("Cook Islands", "CK", "🇨🇰"),
        ("Niue", "NU", "🇳🇺"),
    ],
)
def test_the_non_member_participants_have_codes_and_flags(
    name: str, code: str, flag_emoji: str
) -> None:
    assert resolve(name) == Country(name, code, flag_emoji)


@pytest.mark.parametrize("name", sorted(HISTORICAL_STATES))
def test_a_historical_state_resolves_explicitly_to_no_code(name: str) -> None:
    assert is_known(name)
    assert resolve(name) == Country(name, None, None)
    assert "ISO 3166-3" in NO_CODE[name]


def test_historical_variants_fold_into_the_historical_state_not_a_successor() -> None:
    assert canonical_name("USSR") == "Union of Soviet Socialist Republics"
    assert canonical_name("Socialist Federal Republic of Yugoslavia") == "Yugoslavia"
    assert canonical_name("Federal Republic of Yugoslavia") == "Serbia and Montenegro"
    assert canonical_name("Czech and Slovak Federal Republic") == "Czechoslovakia"
    assert canonical_name("Federal Republic of Germany") == "Germany"
    assert resolve("German Democratic Republic").code is None


def test_every_real_participant_without_a_code_is_listed_and_no_organisation_is_invented() -> None:
    """Checked against the real data, not against a copy of the module's own list: a real
    name that resolves to no code must be an explicit NO_CODE entry, every organisation in
    NO_CODE must occur in the real tables, and every other entry is an ISO 3166-3 state."""
    real = {canonical_name(name) for name in REAL_NAMES}
    without_code = {resolve(name).name for name in REAL_NAMES if resolve(name).code is None}
    assert without_code - set(NO_CODE) == set()
    organisations = {n for n, why in NO_CODE.items() if why == "international organisation"}
    assert organisations - real == set()
    assert organisations == ORGANISATIONS_IN_REAL_DATA
    historical = set(NO_CODE) - organisations
    assert all("ISO 3166-3" in NO_CODE[name] for name in historical)


def test_distinct_states_with_similar_names_stay_distinct() -> None:
    pairs = [
        ("Congo", "Democratic Republic of the Congo"),
        ("Niger", "Nigeria"),
        ("Dominica", "Dominican Republic"),
        ("Guinea", "Guinea-Bissau"),
        ("Guinea", "Equatorial Guinea"),
        ("Sudan", "South Sudan"),
        ("Republic of Korea", "Democratic People's Republic of Korea"),
        ("Serbia", "Serbia and Montenegro"),
        ("Germany", "German Democratic Republic"),
        ("Yemen", "Democratic Yemen"),
    ]
    for one, other in pairs:
        assert normalise_name(one) != normalise_name(other)
        assert resolve(one) != resolve(other)
    assert resolve("Zaire").code == "CD" != resolve("Congo").code == "CG"


def test_no_two_participant_names_share_a_matching_key() -> None:
    names = [resolve(n).name for n in REAL_NAMES] + list(NO_CODE)
    names += [resolve(name).name for name in ALIASES.values()]
    for name in set(names):
        assert canonical_name(name) == name, f"{name!r} is shadowed by another spelling"


@pytest.mark.parametrize(
    ("printed", "plain"),
    [
        ("Germany 2, 3", "Germany"),
        ("Germany²", "Germany"),
        ("[Yugoslavia]", "Yugoslavia"),
        ("Côte d’Ivoire", "Côte d'Ivoire"),
        ("Cote d'Ivoire", "Côte d'Ivoire"),
        ("  Netherlands   (Kingdom of the) ", "Netherlands (Kingdom of the)"),
        ("TÜRKIYE", "Türkiye"),
        ("Guinea–Bissau", "Guinea-Bissau"),
        ("Antigua & Barbuda", "Antigua and Barbuda"),
    ],
)
def test_normalise_name_ignores_case_accents_apostrophes_spacing_and_footnotes(
    printed: str, plain: str
) -> None:
    assert normalise_name(printed) == normalise_name(plain)
    assert canonical_name(printed) == canonical_name(plain)


def test_an_unknown_name_resolves_to_no_code_and_keeps_its_spelling() -> None:
    assert resolve("Atlantis 4") == Country("Atlantis 4", None, None)
    assert canonical_name("Atlantis 4") == "Atlantis 4"
    assert not is_known("Atlantis")
    assert resolve("") == Country("", None, None)


@pytest.mark.parametrize("query", ["Türkiye", "Turkey", "TR", "tur", "türkiye", "TURKEY"])
def test_lookup_finds_a_country_by_un_name_common_name_or_code(query: str) -> None:
    assert lookup(query) == Country("Türkiye", "TR", "🇹🇷")


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("Russia", "RU"),
        ("UK", "GB"),
        ("USA", "US"),
        ("us", "US"),
        ("Vietnam", "VN"),
        ("Iran", "IR"),
        ("Syria", "SY"),
        ("Bolivia", "BO"),
        ("Laos", "LA"),
        ("North Korea", "KP"),
        ("South Korea", "KR"),
        ("Ivory Coast", "CI"),
        ("United Kingdom", "GB"),
        ("gbr", "GB"),
        ("eu", "EU"),
        ("EC", "EC"),  # Ecuador, not the European Community
        ("Palestine", "PS"),
        ("Vatican", "VA"),
        ("Korea, Republic of", "KR"),
    ],
)
def test_lookup_knows_common_names_and_codes(query: str, code: str) -> None:
    found = lookup(query)
    assert found is not None
    assert found.code == code


def test_lookup_returns_none_when_nothing_matches() -> None:
    assert lookup("Atlantis") is None
    assert lookup("XX") is None
    assert lookup("") is None
    assert lookup("Korea") is None  # ambiguous: suggest() offers both


def test_no_name_or_alias_hides_another_countrys_code() -> None:
    for record in pycountry.countries:
        for code in (record.alpha_2, record.alpha_3):
            found = lookup(code)
            assert found is not None
            assert found.code == record.alpha_2, f"{code} finds {found}"


def test_suggest_offers_close_un_names() -> None:
    assert set(suggest("Korea")) == {"Republic of Korea", "Democratic People's Republic of Korea"}
    assert suggest("Turkmenistn")[0] == "Turkmenistan"
    assert "Netherlands (Kingdom of the)" in suggest("Nederlands")
    assert suggest("") == []
    assert suggest("zzzzzz") == []
