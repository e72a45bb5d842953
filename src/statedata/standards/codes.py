"""Short coded elements: sex, race and ethnicity, ZIP code, email, NAICS, FEIN.

Each standardizer takes a raw cell, never raises, and returns the standard form or the reason it
has none (:class:`statedata.standards.result.Standardized`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from statedata.standards.result import Standardized, flagged, text_of

# Sex as recorded: F, M, X (another sex or gender, as Connecticut's X marker), U (unknown or not
# reported: a real answer, kept apart from a value that cannot be read).
SEX = {
    "F": "F",
    "FEMALE": "F",
    "WOMAN": "F",
    "GIRL": "F",
    "M": "M",
    "MALE": "M",
    "MAN": "M",
    "BOY": "M",
    "X": "X",
    "NONBINARY": "X",
    "NON-BINARY": "X",
    "ANOTHER": "X",
    "OTHER": "X",
    "U": "U",
    "UNKNOWN": "U",
    "UNK": "U",
    "NOT REPORTED": "U",
    "DECLINED": "U",
    "REFUSED": "U",
}

# OMB Statistical Policy Directive No. 15 (2024): one combined question with seven minimum
# categories, any number of which may be selected; codes are ours, names are the Directive's.
RACE_ETHNICITY = {
    "AIAN": "American Indian or Alaska Native",
    "ASIAN": "Asian",
    "BLACK": "Black or African American",
    "HISPANIC": "Hispanic or Latino",
    "MENA": "Middle Eastern or North African",
    "NHPI": "Native Hawaiian or Pacific Islander",
    "WHITE": "White",
}
NOT_REPORTED = "NOT_REPORTED"
_RACE_WORDS = {
    "AMERICAN INDIAN OR ALASKA NATIVE": "AIAN",
    "AMERICAN INDIAN": "AIAN",
    "ALASKA NATIVE": "AIAN",
    "NATIVE AMERICAN": "AIAN",
    "AIAN": "AIAN",
    "ASIAN": "ASIAN",
    "ASIAN AMERICAN": "ASIAN",
    "BLACK OR AFRICAN AMERICAN": "BLACK",
    "BLACK": "BLACK",
    "AFRICAN AMERICAN": "BLACK",
    "HISPANIC OR LATINO": "HISPANIC",
    "HISPANIC": "HISPANIC",
    "LATINO": "HISPANIC",
    "LATINA": "HISPANIC",
    "LATINX": "HISPANIC",
    "HISPANIC/LATINO": "HISPANIC",
    "MIDDLE EASTERN OR NORTH AFRICAN": "MENA",
    "MIDDLE EASTERN": "MENA",
    "NORTH AFRICAN": "MENA",
    "MENA": "MENA",
    "NATIVE HAWAIIAN OR PACIFIC ISLANDER": "NHPI",
    "NATIVE HAWAIIAN OR OTHER PACIFIC ISLANDER": "NHPI",
    "NATIVE HAWAIIAN": "NHPI",
    "PACIFIC ISLANDER": "NHPI",
    "NHPI": "NHPI",
    "WHITE": "WHITE",
    "CAUCASIAN": "WHITE",
    "UNKNOWN": NOT_REPORTED,
    "NOT REPORTED": NOT_REPORTED,
    "DECLINED": NOT_REPORTED,
    "REFUSED": NOT_REPORTED,
    "PREFER NOT TO ANSWER": NOT_REPORTED,
}
_LIST_SEPARATORS = re.compile(r"\s*(?:;|\||,|/(?!LATIN)|\band\b|\+)\s*", re.IGNORECASE)


def standardize_sex(raw: object) -> Standardized:
    """F, M, X or U from the common spellings."""
    text = text_of(raw).upper().rstrip(".")
    if not text:
        return flagged("empty")
    code = SEX.get(text)
    return Standardized(code) if code else flagged(f"{text_of(raw)!r} is not a recorded sex")


@lru_cache(maxsize=4_096)
def standardize_race_ethnicity(raw: object) -> Standardized:
    """The SPD 15 (2024) categories named in ``raw`` (several allowed), as sorted codes joined by
    ``;``; "unknown" or "declined" is NOT_REPORTED."""
    text = text_of(raw).upper()
    if not text:
        return flagged("empty")
    whole = _RACE_WORDS.get(text)
    pieces = [] if whole else [p for p in _LIST_SEPARATORS.split(text) if p]
    codes = {whole} if whole else set()
    for piece in pieces:
        code = _RACE_WORDS.get(piece, piece if piece in RACE_ETHNICITY else None)
        if code is None:
            return flagged(f"{piece.lower()!r} is not an SPD 15 (2024) category")
        codes.add(code)
    if NOT_REPORTED in codes and len(codes) > 1:
        codes.discard(NOT_REPORTED)
    count = len(codes - {NOT_REPORTED})
    parts = {"multiple": "yes" if count > 1 else "no"}
    return Standardized(";".join(sorted(codes)), "", parts)


_ZIP = re.compile(r"^(\d{4,5})(?:[\s-]?(\d{4}))?$")


def standardize_zip(raw: object) -> Standardized:
    """A ZIP code as 5 digits, or ZIP+4 as ``NNNNN-NNNN``. A 4-digit ZIP had its leading zero
    dropped by a spreadsheet (every Connecticut ZIP starts with 06): it is put back."""
    text = text_of(raw)
    if not text:
        return flagged("empty")
    if text.endswith(".0"):  # a ZIP read as a number
        text = text[:-2]
    found = _ZIP.match(text)
    if found is None:
        return flagged(f"{text!r} is not a ZIP code (5 digits, or ZIP+4)")
    zip5, plus4 = found[1].zfill(5), found[2]
    if zip5 == "00000":
        return flagged("00000 is not a ZIP code")
    parts = {"zip5": zip5}
    if plus4:
        parts["plus4"] = plus4
    return Standardized(f"{zip5}-{plus4}" if plus4 else zip5, "", parts)


_EMAIL = re.compile(
    r"^(?P<local>[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)"
    r"@(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})$"
)


def standardize_email(raw: object) -> Standardized:
    """An address with its domain in lower case (the local part is kept: it may be case-sensitive);
    a ``mailto:`` prefix and angle brackets are dropped. The syntax is checked; delivery is not."""
    text = text_of(raw).strip("<> ")
    if text.lower().startswith("mailto:"):
        text = text[7:].strip()
    if not text:
        return flagged("empty")
    found = _EMAIL.match(text)
    if found is None or len(text) > 254:
        return flagged(f"{text!r} is not an email address")
    domain = found["domain"].lower()
    return Standardized(f"{found['local']}@{domain}", "", {"domain": domain})


# NAICS 2022 sectors (the first two digits); 31-33, 44-45 and 48-49 are each one sector.
NAICS_SECTORS = {
    "11": "Agriculture, Forestry, Fishing and Hunting",
    "21": "Mining, Quarrying, and Oil and Gas Extraction",
    "22": "Utilities",
    "23": "Construction",
    "31": "Manufacturing",
    "32": "Manufacturing",
    "33": "Manufacturing",
    "42": "Wholesale Trade",
    "44": "Retail Trade",
    "45": "Retail Trade",
    "48": "Transportation and Warehousing",
    "49": "Transportation and Warehousing",
    "51": "Information",
    "52": "Finance and Insurance",
    "53": "Real Estate and Rental and Leasing",
    "54": "Professional, Scientific, and Technical Services",
    "55": "Management of Companies and Enterprises",
    "56": "Administrative and Support and Waste Management and Remediation Services",
    "61": "Educational Services",
    "62": "Health Care and Social Assistance",
    "71": "Arts, Entertainment, and Recreation",
    "72": "Accommodation and Food Services",
    "81": "Other Services (except Public Administration)",
    "92": "Public Administration",
}


def standardize_naics(raw: object) -> Standardized:
    """A NAICS code of 2 to 6 digits in a real sector, with its sector named."""
    text = text_of(raw).replace("-", "").replace(" ", "")
    if text.endswith(".0"):
        text = text[:-2]
    if not text:
        return flagged("empty")
    if not text.isdigit() or not 2 <= len(text) <= 6:
        return flagged(f"{text_of(raw)!r} is not a NAICS code (2 to 6 digits)")
    sector = NAICS_SECTORS.get(text[:2])
    if sector is None:
        return flagged(f"{text[:2]} is not a NAICS sector")
    return Standardized(text, "", {"sector": text[:2], "sector_name": sector})


# Employer identification number prefixes the IRS has never assigned.
FEIN_UNUSED_PREFIXES = frozenset(
    {"00", "07", "08", "09", "17", "18", "19", "28", "29", "49", "69", "70", "78", "79", "89"}
    | {"96", "97"}
)
_FEIN = re.compile(r"^(\d{2})[\s-]?(\d{7})$")


def standardize_fein(raw: object) -> Standardized:
    """A federal employer identification number as ``NN-NNNNNNN``, its prefix one the IRS uses."""
    text = text_of(raw)
    if not text:
        return flagged("empty")
    found = _FEIN.match(text)
    if found is None:
        return flagged(f"{text!r} is not an FEIN (9 digits, NN-NNNNNNN)")
    if found[1] in FEIN_UNUSED_PREFIXES:
        return flagged(f"prefix {found[1]} is not assigned by the IRS")
    return Standardized(f"{found[1]}-{found[2]}", "", {"prefix": found[1]})
