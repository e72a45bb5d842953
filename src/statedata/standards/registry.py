"""The registry of the state's common data elements: for each, what it is, the standard it
follows, its validator and standardizer, and the part columns a load adds beside it.

A dictionary field names its element in ``standardElement``; a load then adds ``<column>_std``
(the standard form, empty where the raw value could not be standardized) and one column per
part (``<column>_<part>``), and keeps the raw column as it came (:mod:`statedata.standards.
columns`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from statedata.standards.address import standardize_address
from statedata.standards.codes import (
    standardize_email,
    standardize_fein,
    standardize_naics,
    standardize_race_ethnicity,
    standardize_sex,
    standardize_zip,
)
from statedata.standards.dates import standardize_birth_date, standardize_date
from statedata.standards.names import standardize_name
from statedata.standards.phone import standardize_phone
from statedata.standards.result import Standardized
from statedata.standards.ssn import standardize_ssn
from statedata.standards.towns import standardize_town


@dataclass(frozen=True)
class Element:
    key: str
    label: str
    standard: str  # the authority the standard form follows
    description: str
    parts: tuple[str, ...]  # part columns a load adds, in order
    standardize: Callable[[object], Standardized]
    examples: tuple[str, ...]  # raw values shown on the registry page
    pii: str = "none"  # the personal-information category of a column holding it

    def validate(self, raw: object) -> bool:
        """Whether ``raw`` conforms: it standardizes without a flag."""
        return self.standardize(raw).ok


def _address(raw: object) -> Standardized:
    found = standardize_address(raw)
    parts = {"kind": found.kind} if found.ok else {}
    for name in ("number", "street", "unit", "po_box", "city", "state", "zip"):
        if found.parts.get(name):
            parts[name] = found.parts[name]
    if found.ok and found.delivery_line:
        parts["delivery_line"] = found.delivery_line
    return Standardized(found.standardized, found.flag, parts)


def _phone(raw: object) -> Standardized:
    found = standardize_phone(raw)
    parts = {"extension": found.extension} if found.extension else {}
    return Standardized(found.standardized, found.flag, parts)


ELEMENTS: tuple[Element, ...] = (
    Element(
        "person_name",
        "Person name",
        "State practice; nickname groups from the nicknames package",
        "A person's name in title case without stray punctuation; the generational suffix apart; "
        "the first given name's nickname group for matching.",
        ("given", "family", "suffix", "nickname_group"),
        standardize_name,
        ("SMITH, WILLIAM JR.", "mary-ann o'neil", "Ludwig van Beethoven"),
        pii="name",
    ),
    Element(
        "date_of_birth",
        "Date of birth",
        "ISO 8601 (YYYY-MM-DD)",
        "A date not in the future and at most 120 years ago; two-digit years fall in the last "
        "100 years.",
        ("year", "month"),
        standardize_birth_date,
        ("3/4/85", "04-Jul-1976", "2099-01-01"),
        pii="date_of_birth",
    ),
    Element(
        "ssn",
        "Social Security number",
        "SSA structure: AAA-GG-SSSS",
        "Structural validity: no area 000, 666 or 9xx, no group 00, no serial 0000, no published "
        "or placeholder number.",
        (),
        standardize_ssn,
        ("123 45 6780", "078-05-1120", "666-12-3456"),
        pii="ssn",
    ),
    Element(
        "sex",
        "Sex",
        "F, M, X (another), U (unknown or not reported)",
        "Sex as recorded, from the common spellings.",
        (),
        standardize_sex,
        ("female", "M", "unknown"),
    ),
    Element(
        "race_ethnicity",
        "Race and ethnicity",
        "OMB SPD 15 (2024), combined question",
        "The seven minimum categories (AIAN, ASIAN, BLACK, HISPANIC, MENA, NHPI, WHITE), any "
        "number of them, as sorted codes joined by ';'; unknown or declined is NOT_REPORTED.",
        ("multiple",),
        standardize_race_ethnicity,
        ("Black; Hispanic", "Caucasian", "Middle Eastern"),
    ),
    Element(
        "address",
        "Street address",
        "USPS Publication 28",
        "Suffixes, directionals and unit designators in their standard abbreviations; PO boxes, "
        "rural routes, highway contracts and highways; c/o lines apart; junk flagged.",
        ("kind", "delivery_line", "number", "street", "unit", "po_box", "city", "state", "zip"),
        _address,
        ("12 north main street apartment 4", "P.O. Box 55", "RR 2 Box 7"),
        pii="address",
    ),
    Element(
        "town",
        "Connecticut town",
        "The 169 towns; 2022 planning regions (county equivalents) and 2020 counties",
        "A town's name as the state writes it, with its county and planning region; tolerant of "
        "case, abbreviations, villages and small misspellings.",
        ("county", "planning_region", "planning_region_fips", "town_fips", "matched"),
        standardize_town,
        ("N. Haven", "Bloomfeild", "Storrs"),
    ),
    Element(
        "zip",
        "ZIP code",
        "USPS ZIP and ZIP+4",
        "Five digits or ZIP+4; a leading zero a spreadsheet dropped is restored.",
        ("zip5", "plus4"),
        standardize_zip,
        ("6103", "06103-1234", "abcde"),
    ),
    Element(
        "phone",
        "Phone number",
        "ITU-T E.164",
        "A number valid for its region (US by default) in E.164, the extension apart.",
        ("extension",),
        _phone,
        ("(860) 555-0199 x12", "860.555.0199", "555-0199"),
        pii="phone",
    ),
    Element(
        "email",
        "Email address",
        "RFC 5321 address syntax",
        "An address whose syntax is valid, its domain in lower case.",
        ("domain",),
        standardize_email,
        ("Jane.Doe@CT.GOV", "mailto:help@ct.gov", "jane@"),
        pii="email",
    ),
    Element(
        "naics",
        "Industry (NAICS)",
        "NAICS 2022",
        "A code of 2 to 6 digits in a real sector, with the sector named.",
        ("sector", "sector_name"),
        standardize_naics,
        ("541512", "62-1111", "99"),
    ),
    Element(
        "fein",
        "Federal employer identification number",
        "IRS EIN: NN-NNNNNNN",
        "Nine digits whose prefix the IRS assigns.",
        ("prefix",),
        standardize_fein,
        ("061234567", "07-1234567", "12345"),
        pii="account_number",
    ),
    Element(
        "date",
        "Date",
        "ISO 8601 (YYYY-MM-DD)",
        "A real date from the common written forms.",
        ("year", "month"),
        standardize_date,
        ("2024-02-29", "July 4, 1976", "2023-02-29"),
    ),
)


@cache
def elements_by_key() -> dict[str, Element]:
    return {element.key: element for element in ELEMENTS}


def element(key: str) -> Element | None:
    return elements_by_key().get(key)
