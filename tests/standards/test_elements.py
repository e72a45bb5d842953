"""Each common data element: good values standardized, bad ones flagged with the reason, none
raising."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

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
from statedata.standards.registry import ELEMENTS
from statedata.standards.towns import load_towns, standardize_town

TODAY = dt.date(2026, 11, 25)


@pytest.mark.parametrize(
    ("raw", "standard", "parts"),
    [
        ("bill smith jr.", "Bill Smith", {"given": "Bill", "family": "Smith", "suffix": "JR"}),
        ("SMITH, WILLIAM III", "William Smith", {"family": "Smith", "suffix": "III"}),
        ("mary-ann o'neil", "Mary-Ann O'Neil", {"family": "O'Neil"}),
        ("MCDONALD, RONALD", "Ronald McDonald", {"family": "McDonald"}),
        ("Ludwig van Beethoven", "Ludwig van Beethoven", {"family": "van Beethoven"}),
        ("  José   García  ", "José García", {"given": "José"}),
        ("O\u2019Brien, Kate", "Kate O'Brien", {"family": "O'Brien"}),
    ],
)
def test_names(raw: str, standard: str, parts: dict[str, str]) -> None:
    found = standardize_name(raw)
    assert found.ok and found.standardized == standard
    assert parts.items() <= found.parts.items()


def test_nickname_groups_meet_for_a_name_and_its_nickname() -> None:
    bill = set(standardize_name("Bill Jones").parts["nickname_group"].split(";"))
    william = set(standardize_name("William Jones").parts["nickname_group"].split(";"))
    assert "william" in bill and "bill" in william
    assert "kate" not in william


@pytest.mark.parametrize(
    ("raw", "flag"),
    [(None, "empty"), ("...", "no name"), ("R2D2", "no digits"), ("Jr.", None)],
)
def test_names_that_are_not_names(raw: Any, flag: str | None) -> None:
    found = standardize_name(raw)
    if flag is None:
        assert found.ok
    else:
        assert found.standardized is None and flag in found.flag


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("2024-02-29", "2024-02-29"),
        ("2024/2/9", "2024-02-09"),
        ("03/04/1985", "1985-03-04"),
        ("3-4-85", "1985-03-04"),
        ("04-Jul-1976", "1976-07-04"),
        ("July 4th, 1976", "1976-07-04"),
        ("19760704", "1976-07-04"),
        ("2026-11-25T10:00:00Z", "2026-11-25"),
        (dt.date(2001, 9, 11), "2001-09-11"),
    ],
)
def test_dates(raw: Any, iso: str) -> None:
    assert standardize_date(raw, TODAY).standardized == iso


@pytest.mark.parametrize(
    ("raw", "flag"),
    [
        ("2023-02-29", "no such date"),
        ("31/12/2020", "month must be in 1..12"),
        ("soon", "not a date in a known form"),
        ("12-Foo-2020", "'Foo' is not a month"),
        ("", "empty"),
    ],
)
def test_bad_dates_say_why(raw: str, flag: str) -> None:
    found = standardize_date(raw, TODAY)
    assert found.standardized is None and flag in found.flag


def test_a_date_of_birth_is_in_the_past_and_two_digit_years_are_too() -> None:
    assert standardize_birth_date("1/1/30", TODAY).standardized == "1930-01-01"
    assert standardize_date("1/1/30", TODAY).standardized == "2030-01-01"
    assert "in the future" in standardize_birth_date("2027-01-01", TODAY).flag
    assert "more than 120 years" in standardize_birth_date("1890-05-01", TODAY).flag


@pytest.mark.parametrize(
    ("raw", "code"),
    [("f", "F"), ("Female", "F"), ("MALE", "M"), ("x", "X"), ("Unknown", "U"), ("m.", "M")],
)
def test_sex(raw: str, code: str) -> None:
    assert standardize_sex(raw).standardized == code


@pytest.mark.parametrize(
    ("raw", "codes"),
    [
        ("White", "WHITE"),
        ("Caucasian", "WHITE"),
        ("Black or African American", "BLACK"),
        ("Black; Hispanic", "BLACK;HISPANIC"),
        ("Hispanic/Latino", "HISPANIC"),
        ("Asian, White", "ASIAN;WHITE"),
        ("Middle Eastern", "MENA"),
        ("Native Hawaiian or Other Pacific Islander", "NHPI"),
        ("American Indian", "AIAN"),
        ("declined", "NOT_REPORTED"),
        ("White; unknown", "WHITE"),
    ],
)
def test_race_and_ethnicity_as_spd_15_2024(raw: str, codes: str) -> None:
    assert standardize_race_ethnicity(raw).standardized == codes


def test_race_and_ethnicity_that_is_not_a_category_is_flagged() -> None:
    found = standardize_race_ethnicity("White; Martian")
    assert found.standardized is None and "'martian' is not an SPD 15 (2024) category" in found.flag


@pytest.mark.parametrize(
    ("element", "raw", "standard"),
    [
        (standardize_zip, "6103", "06103"),
        (standardize_zip, "06103-1234", "06103-1234"),
        (standardize_zip, "061031234", "06103-1234"),
        (standardize_zip, "6103.0", "06103"),
        (standardize_email, "Jane.Doe@CT.GOV", "Jane.Doe@ct.gov"),
        (standardize_email, "<mailto:help@ct.gov>", "help@ct.gov"),
        (standardize_naics, "62-1111", "621111"),
        (standardize_naics, "54", "54"),
        (standardize_fein, "061234567", "06-1234567"),
        (standardize_fein, "06 1234567", "06-1234567"),
    ],
)
def test_codes(element: Any, raw: str, standard: str) -> None:
    assert element(raw).standardized == standard


@pytest.mark.parametrize(
    ("element", "raw", "flag"),
    [
        (standardize_zip, "ABCDE", "is not a ZIP code"),
        (standardize_zip, "00000", "00000 is not a ZIP code"),
        (standardize_email, "jane@", "is not an email address"),
        (standardize_email, "a b@ct.gov", "is not an email address"),
        (standardize_naics, "99", "99 is not a NAICS sector"),
        (standardize_naics, "5415121", "2 to 6 digits"),
        (standardize_fein, "07-1234567", "prefix 07 is not assigned"),
        (standardize_fein, "12345", "not an FEIN"),
    ],
)
def test_bad_codes_say_why(element: Any, raw: str, flag: str) -> None:
    found = element(raw)
    assert found.standardized is None and flag in found.flag


@pytest.mark.parametrize(
    ("raw", "town", "county", "how"),
    [
        ("hartford", "Hartford", "Hartford", "exact"),
        ("HARTFORD, CT", "Hartford", "Hartford", "exact"),
        ("N. Haven", "North Haven", "New Haven", "exact"),
        ("Town of West Hartford", "West Hartford", "Hartford", "exact"),
        ("E Hartford", "East Hartford", "Hartford", "exact"),
        ("Bloomfeild", "Bloomfield", "Hartford", "corrected"),
        ("Wethersfeild", "Wethersfield", "Hartford", "corrected"),
        ("Storrs", "Mansfield", "Tolland", "village"),
        ("Windham", "Windham", "Windham", "exact"),
        ("Windsor", "Windsor", "Hartford", "exact"),
    ],
)
def test_towns(raw: str, town: str, county: str, how: str) -> None:
    found = standardize_town(raw)
    assert (found.standardized, found.parts["county"], found.parts["matched"]) == (
        town,
        county,
        how,
    )
    assert found.parts["planning_region"].endswith("Planning Region")


def test_every_town_reads_as_itself_in_any_case_with_its_region_and_county() -> None:
    for town in load_towns():
        for written in (town.name, town.name.upper(), town.name.lower()):
            found = standardize_town(written)
            assert found.standardized == town.name, written
        assert found.parts["planning_region_fips"] == town.planning_region_fips
    assert len({standardize_town(t.name).parts["county"] for t in load_towns()}) == 8


@pytest.mark.parametrize("raw", ["Springfield", "Mystic", "", "12345", "Hartfordshire County"])
def test_places_that_are_not_towns_are_flagged(raw: str) -> None:
    found = standardize_town(raw)
    assert found.standardized is None and found.flag


JUNK: list[Any] = [None, "", "   ", "\x00", "☃" * 300, 12345, 3.5, "'; DROP TABLE x; --", "-" * 5]


@pytest.mark.parametrize("element", ELEMENTS, ids=lambda e: e.key)
def test_no_element_raises_on_junk_and_every_example_is_explained(element: Any) -> None:
    for raw in JUNK:
        found = element.standardize(raw)
        assert found.ok or found.flag, (element.key, raw)
    for raw in element.examples:
        found = element.standardize(raw)
        assert (found.standardized is not None) == found.ok
        assert set(found.parts) <= set(element.parts)
