"""SSNs by their structure and phone numbers in E.164: good input, and every kind of bad."""

from __future__ import annotations

import pytest

from statedata.standards.phone import standardize_phone
from statedata.standards.ssn import standardize_ssn


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("123-45-6788", "123-45-6788"),
        ("123456788", "123-45-6788"),
        (" 123 45 6788 ", "123-45-6788"),
        ("665-01-0001", "665-01-0001"),
        ("899.99.9999", "899-99-9999"),
    ],
)
def test_structurally_valid_ssns_take_the_dashed_form(raw: str, expected: str) -> None:
    assert standardize_ssn(raw).standardized == expected


@pytest.mark.parametrize(
    ("raw", "flag"),
    [
        ("000-12-3456", "area 000 is never issued"),
        ("666-12-3456", "area 666 is never issued"),
        ("912-34-5678", "area 912 is never issued"),
        ("123-00-4567", "group 00 is never issued"),
        ("123-45-0000", "serial 0000 is never issued"),
        ("078-05-1120", "a published or placeholder number"),
        ("123-45-6789", "a published or placeholder number"),
        ("111-11-1111", "a published or placeholder number"),
        ("12345678", "not nine digits (8 found)"),
        ("1234567890", "not nine digits (10 found)"),
        ("", "empty"),
        (None, "empty"),
        ("SSN unknown", "empty"),
    ],
)
def test_invalid_ssns_are_flagged_with_the_reason(raw: object, flag: str) -> None:
    result = standardize_ssn(raw)
    assert (result.standardized, result.flag) == (None, flag)


@pytest.mark.parametrize(
    ("raw", "expected", "extension"),
    [
        ("(860) 555-0123", "+18605550123", ""),
        ("860.555.0123", "+18605550123", ""),
        ("1-203-555-0199", "+12035550199", ""),
        ("+44 20 7946 0958", "+442079460958", ""),
        ("860-555-0123 ext. 42", "+18605550123", "42"),
    ],
)
def test_phone_numbers_take_their_e164_form(raw: str, expected: str, extension: str) -> None:
    result = standardize_phone(raw)
    assert (result.standardized, result.extension, result.flag) == (expected, extension, "")


@pytest.mark.parametrize(
    ("raw", "flag"),
    [
        ("", "empty"),
        (None, "empty"),
        ("call me", "not a phone number"),
        ("860-555-0123-4567-89", "not a possible number (wrong length)"),
        ("(123) 555-0123", "not a valid number for its region"),
    ],
)
def test_bad_phone_numbers_are_flagged_and_never_raise(raw: object, flag: str) -> None:
    result = standardize_phone(raw)
    assert result.standardized is None
    assert result.flag.startswith(flag)
