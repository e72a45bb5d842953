"""Addresses in USPS Publication 28 form: a table written from the standard, and bad input.

Each expected form follows Pub 28: capitals, no punctuation but the hyphen of a ZIP+4 and the
slash of a fraction; the suffix, directional and unit designator abbreviations of Appendices C1
and C2; a "#" with a space when no designator is given; "PO BOX", "RR ... BOX" and "HC ... BOX";
a highway named by its number keeps its kind spelled out.
"""

from __future__ import annotations

import pytest

from statedata.standards.address import standardize_address

CASES = [
    # Street suffixes (Appendix C1)
    ("123 Main Street", "123 MAIN ST"),
    ("45 Elm Avenue", "45 ELM AVE"),
    ("9 Oak Av", "9 OAK AVE"),
    ("77 Farm Road", "77 FARM RD"),
    ("3 Laurel Drive", "3 LAUREL DR"),
    ("18 Maple Lane", "18 MAPLE LN"),
    ("250 Constitution Boulevard", "250 CONSTITUTION BLVD"),
    ("6 Birch Court", "6 BIRCH CT"),
    ("14 Pine Circle", "14 PINE CIR"),
    ("31 Ledge Terrace", "31 LEDGE TER"),
    ("8 Church Place", "8 CHURCH PL"),
    ("500 Berlin Turnpike", "500 BERLIN TPKE"),
    ("20 Wilbur Cross Parkway", "20 WILBUR CROSS PKWY"),
    ("12 Mill Pond Extension", "12 MILL POND EXT"),
    ("1 Prospect Square", "1 PROSPECT SQ"),
    ("40 Heritage Trail", "40 HERITAGE TRL"),
    ("2 Cedar Heights", "2 CEDAR HTS"),
    ("16 Summit Ridge", "16 SUMMIT RDG"),
    ("71 Orchard Hill", "71 ORCHARD HL"),
    ("9 Indian Point", "9 INDIAN PT"),
    ("101 Meadow Crossing", "101 MEADOW XING"),
    ("22 Forest Way", "22 FOREST WAY"),
    ("5 Stone Str", "5 STONE ST"),
    ("88 Boston Post Road", "88 BOSTON POST RD"),
    # Directionals
    ("123 North Main Street", "123 N MAIN ST"),
    ("40 South Elm St", "40 S ELM ST"),
    ("7 East Center Street", "7 E CENTER ST"),
    ("15 Main Street West", "15 MAIN ST W"),
    ("210 Northeast Ridge Road", "210 NE RIDGE RD"),
    ("12 North Street", "12 NORTH ST"),  # the directional is the whole name
    ("12 N St", "12 NORTH ST"),
    ("42 West St", "42 WEST ST"),
    # Secondary unit designators (Appendix C2)
    ("123 Main St Apartment 4B", "123 MAIN ST APT 4B"),
    ("123 Main St Apt. 4B", "123 MAIN ST APT 4B"),
    ("1 Financial Plaza Suite 1200", "1 FINANCIAL PLZ STE 1200"),
    ("300 Capitol Avenue Floor 2", "300 CAPITOL AVE FL 2"),
    ("55 Elm St Room 101", "55 ELM ST RM 101"),
    ("10 Elm Street Unit 5", "10 ELM ST UNIT 5"),
    ("18 Asylum St Building 3", "18 ASYLUM ST BLDG 3"),
    ("5 Main St Rear", "5 MAIN ST REAR"),
    ("77 Shore Road Basement", "77 SHORE RD BSMT"),
    ("22 N. Main St #3", "22 N MAIN ST # 3"),
    ("60 Oak St, Apartment 2", "60 OAK ST APT 2"),
    ("3 Bank St Lot 12", "3 BANK ST LOT 12"),
    # Address numbers
    ("12 1/2 Elm St.", "12 1/2 ELM ST"),
    ("  12   MAIN   st  ", "12 MAIN ST"),
    # Post office boxes (Pub 28 section 28)
    ("P.O. Box 55", "PO BOX 55"),
    ("PO Box 123", "PO BOX 123"),
    ("Post Office Box 9", "PO BOX 9"),
    ("POB 44", "PO BOX 44"),
    ("p o box 1001", "PO BOX 1001"),
    ("Box 7", "PO BOX 7"),
    # Rural routes and highway contract routes
    ("RR 2 Box 152", "RR 2 BOX 152"),
    ("Rural Route 3, Box 12A", "RR 3 BOX 12A"),
    ("R.R. 1 Box 9", "RR 1 BOX 9"),
    ("RFD 4 Box 20", "RR 4 BOX 20"),
    ("HC 68 Box 23", "HC 68 BOX 23"),
    ("Highway Contract Route 2 Box 8", "HC 2 BOX 8"),
    # Highways
    ("45 Route 44", "45 ROUTE 44"),
    ("45 Rte 44", "45 ROUTE 44"),
    ("100 US Highway 1", "100 US HIGHWAY 1"),
    ("100 US-1", "100 US HIGHWAY 1"),
    ("7 State Route 9", "7 STATE ROUTE 9"),
    ("3 County Road 12", "3 COUNTY ROAD 12"),
    ("9 I-95", "9 INTERSTATE 95"),
    ("1200 Jones Highway", "1200 JONES HWY"),
    # General delivery; c/o lines go above the delivery line, not in it
    ("General Delivery", "GENERAL DELIVERY"),
    ("c/o Jane Doe, 12 Main St", "12 MAIN ST"),
    ("C/O Acme Corp, PO Box 18", "PO BOX 18"),
    # The last line: city, two-letter state, ZIP or ZIP+4
    ("12 Main St, Hartford, CT 06106", "12 MAIN ST, HARTFORD CT 06106"),
    ("12 Main St., New Haven, Conn. 06510", "12 MAIN ST, NEW HAVEN CT 06510"),
    (
        "1 Farmington Ave Ste 200 Hartford CT 06105-1234",
        "1 FARMINGTON AVE STE 200, HARTFORD CT 06105-1234",
    ),
    ("PO Box 123, Hartford CT 06101", "PO BOX 123, HARTFORD CT 06101"),
    ("RR 2 Box 15 Putnam CT 06260", "RR 2 BOX 15, PUTNAM CT 06260"),
    ("7 South Main Street, West Hartford, CT 06107", "7 S MAIN ST, WEST HARTFORD CT 06107"),
]


@pytest.mark.parametrize(("raw", "expected"), CASES, ids=[c[0] for c in CASES])
def test_addresses_take_their_publication_28_form(raw: str, expected: str) -> None:
    result = standardize_address(raw)
    assert result.flag == ""
    assert result.standardized == expected


def test_the_table_has_at_least_sixty_cases() -> None:
    assert len(CASES) >= 60


def test_parts_are_kept_beside_the_line() -> None:
    street = standardize_address("123 North Main Street Apt 4B, Hartford, CT 06106-2233")
    assert street.parts == {
        "number": "123",
        "predirectional": "N",
        "street": "MAIN ST",
        "unit_type": "APT",
        "unit": "4B",
        "city": "HARTFORD",
        "state": "CT",
        "zip": "06106",
        "zip4": "2233",
    }
    assert street.delivery_line == "123 N MAIN ST APT 4B"
    assert street.last_line == "HARTFORD CT 06106-2233"
    route = standardize_address("Rural Route 3, Box 12A")
    assert (route.kind, route.parts) == ("rural_route", {"route": "3", "box": "12A"})
    cared = standardize_address("c/o Jane Doe, 12 Main St")
    assert cared.parts["care_of"] == "JANE DOE"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "empty or a placeholder"),
        (None, "empty or a placeholder"),
        ("N/A", "empty or a placeholder"),
        ("unknown", "empty or a placeholder"),
        ("HOMELESS", "empty or a placeholder"),
        ("???", "empty or a placeholder"),
        ("asdf qwer", "no street number"),
        ("Apt 4", "no street number"),
        ("c/o Jane Doe", "only a c/o line"),
        ("12", "no street number"),
        ("\x00\x01 12 \ufffd", "no street number"),
        (12.5, "no street number"),
    ],
)
def test_junk_is_flagged_with_the_reason_and_never_raises(raw: object, reason: str) -> None:
    result = standardize_address(raw)
    assert result.standardized is None
    assert result.flag == reason


def test_odd_input_never_raises() -> None:
    odd = [
        "#" * 300,
        "1 " * 500,
        "PO BOX",
        "RR",
        ",,,,",
        "12 ½ Main",
        "١٢ Main St",
        "12 Main St\n\nHartford",
    ]
    for raw in odd:
        result = standardize_address(raw)
        assert result.ok or result.flag


def test_the_same_address_written_differently_is_parsed_once() -> None:
    from statedata.standards.address import _standardized

    _standardized.cache_clear()
    for raw in ("55 Elm St. Apt 2", "55 ELM ST APT 2", "55  elm st.  apt 2"):
        assert standardize_address(raw).standardized == "55 ELM ST APT 2"
    info = _standardized.cache_info()
    assert (info.misses, info.hits) == (1, 2)
