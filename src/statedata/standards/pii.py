"""Suggest which columns hold personal information, from their names and sampled values.

A suggestion is a proposal for the steward, never a decision: names are read with patterns per
category, and values are tried against the element validators (a column whose sampled values
are mostly valid SSNs holds SSNs, whatever it is called). Name-only evidence says so, so the
steward can weigh it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from nicknames import name_triplets

from statedata.standards.address import standardize_address
from statedata.standards.codes import standardize_email
from statedata.standards.phone import standardize_phone
from statedata.standards.ssn import standardize_ssn

# A column's values suggest a category when this share of its sampled, filled values fit it.
VALUE_SHARE = 0.8
NAME_VALUE_SHARE = 0.5  # person names: a given name in half the values is already telling
MIN_VALUES = 5

_NAME_PATTERNS = {
    "ssn": r"ssn|social_?sec|soc_?sec_?n|\btin\b|taxpayer_?id",
    "date_of_birth": r"dob|birth_?(date|day|dt)|date_?of_?birth|\bbdate\b",
    "name": r"(first|last|middle|given|family|sur|maiden|full|person|patient|client|student"
    r"|member|employee|parent|guardian|mother|father)_?name|^f_?name$|^l_?name$|^name$",
    "address": r"(street|mailing|home|residential|res)_?addr|^address|_address$|^addr|street",
    "phone": r"phone|telephone|^tel$|_tel$|mobile|cell_?(num|no)|^fax",
    "email": r"e_?mail",
    "account_number": r"account_?(num|no|id)|acct|iban|routing_?n|card_?n|medicaid_?id"
    r"|member_?id|policy_?(num|no)|bank",
    "license_number": r"licen[cs]e_?(num|no|id)|^dl_?(num|no)|driver_?s?_?lic|permit_?(num|no)",
}


@dataclass(frozen=True)
class Suggestion:
    column: str
    category: str
    evidence: str
    share: float | None = None  # of sampled values that fit, when values were the evidence


def _snake(name: str) -> str:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return re.sub(r"[^a-z0-9]+", "_", spaced.lower()).strip("_")


def by_name(column: str) -> str | None:
    """The category a column's name suggests (None: nothing personal in the name)."""
    name = _snake(column)
    if "email" in name.replace("_", "") and "address" in name:
        return "email"
    for category, pattern in _NAME_PATTERNS.items():
        if re.search(pattern, name):
            return category
    return None


@cache
def _given_names() -> frozenset[str]:
    """Every given name the nicknames package knows (about 2,000)."""
    names: set[str] = set()
    for triplet in name_triplets():
        names.add(triplet.name1.lower())
        names.add(triplet.name2.lower())
    return frozenset(names)


def _looks_like_person(value: str) -> bool:
    words = re.findall(r"[A-Za-z']+", value)
    if not 1 < len(words) <= 5:
        return False
    known = _given_names()
    return any(w.lower() in known for w in words)


def _fits(category: str, value: str) -> bool:
    if category == "ssn":
        return (
            bool(re.fullmatch(r"\d{3}-?\d{2}-?\d{4}", value.strip())) and standardize_ssn(value).ok
        )
    if category == "email":
        return standardize_email(value).ok
    if category == "phone":
        digits = re.sub(r"\D", "", value)
        return 10 <= len(digits) <= 11 and standardize_phone(value).ok
    if category == "address":
        found = standardize_address(value)
        return (
            found.ok
            and found.kind in ("street", "po_box", "rural_route")
            and any(ch.isdigit() for ch in value)
        )
    if category == "name":
        return _looks_like_person(value)
    return False


VALUE_CATEGORIES = ("ssn", "email", "phone", "address", "name")


def _by_values(values: Sequence[str]) -> tuple[str, float] | None:
    """The category most of ``values`` fit, and the share that fit."""
    for category in VALUE_CATEGORIES:
        needed = NAME_VALUE_SHARE if category == "name" else VALUE_SHARE
        fitting = sum(1 for v in values if _fits(category, v))
        share = fitting / len(values)
        if share >= needed:
            return category, share
    return None


def suggest(columns: Iterable[tuple[str, Sequence[object]]]) -> list[Suggestion]:
    """Suggestions for ``columns``: (name, sampled values) each; values may be of any type."""
    found = []
    for column, sample in columns:
        values = [str(v).strip() for v in sample if v is not None and str(v).strip()]
        named = by_name(column)
        valued = _by_values(values) if len(values) >= MIN_VALUES else None
        if valued is not None:
            category, share = valued
            evidence = f"{share:.0%} of {len(values):,} sampled values look like {category}"
            if named == category:
                evidence += ", and so does the column's name"
            found.append(Suggestion(column, category, evidence, round(share, 4)))
        elif named is not None:
            found.append(Suggestion(column, named, "the column's name"))
    return found
