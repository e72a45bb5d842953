"""Mapping columns to person attributes, and the records standardized for matching."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from statedata.core.errors import InvalidInput
from statedata.linkage.attributes import parse_mapping
from statedata.linkage.prepare import Source, match_text, prepared_records, source_names


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        (["last_name"], "write attribute=column"),
        (["=surname"], "write attribute=column"),
        (["last_name="], "write attribute=column"),
        (["surname=last"], "'surname' is not an attribute"),
        (["last_name=a", "last_name=b"], "last_name is mapped twice"),
        (["address=number++street", "last_name=x"], "an empty column name around '+'"),
        (["town=city", "zip=zip"], "map at least one of first_name"),
    ],
)
def test_a_bad_mapping_is_named(pairs: list[str], message: str) -> None:
    with pytest.raises(InvalidInput, match=message.replace("+", r"\+")):
        parse_mapping(pairs)


def test_columns_joined_with_plus_make_one_attribute() -> None:
    mapping = parse_mapping(["address=number+street+unit", "last_name=surname"])
    assert mapping.columns["address"] == ("number", "street", "unit")
    assert mapping.attributes == ["last_name", "address"]  # in the attributes' own order


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("Zoë  O'Brien-Smith", "ZOE OBRIEN SMITH"), ("  ", None), ("José.", "JOSE"), (None, None)],
)
def test_match_text_folds_case_diacritics_and_punctuation(
    raw: str | None, clean: str | None
) -> None:
    assert match_text(raw) == clean


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_records_are_standardized_for_matching_and_invalid_ssns_count_as_missing(
    tmp_path: Path,
) -> None:
    source = _write(
        tmp_path / "a.csv",
        "id,first,last,dob,ssn,num,street,zip\n"
        "1,Bill,Smith-Jones Jr,03/04/1980,212-55-1234,12,main street,6106\n"
        "2,Zoë,O'Brien,1980-13-01,000-12-3456,,,\n",
    )
    mapping = parse_mapping(
        [
            "first_name=first",
            "last_name=last",
            "date_of_birth=dob",
            "ssn=ssn",
            "address=num+street",
            "zip=zip",
        ]
    )
    rows = prepared_records([Source(source, "a.csv")], "id", mapping).to_pylist()
    bill, zoe = rows
    assert bill["unique_id"] == 1 and bill["source_dataset"] == "a.csv"
    assert (bill["first_name"], bill["last_name"]) == ("BILL", "SMITH JONES")
    assert "WILLIAM" in bill["first_name_group"]
    assert bill["last_name_parts"] == ["SMITH", "JONES"]
    assert bill["full_name"] == "BILL SMITH JONES"
    assert bill["date_of_birth"] == "1980-03-04"
    assert bill["ssn"] == "212551234"
    assert bill["address"] == "12 MAIN ST"
    assert bill["zip"] == "06106"  # the leading zero a spreadsheet dropped
    assert (zoe["first_name"], zoe["last_name"]) == ("ZOE", "OBRIEN")
    assert zoe["date_of_birth"] is None  # month 13: not a date
    assert zoe["ssn"] is None  # area 000 is never issued
    assert zoe["address"] is None


def test_bad_sources_are_refused_with_file_row_and_column(tmp_path: Path) -> None:
    mapping = parse_mapping(["last_name=last"])
    ok = _write(tmp_path / "ok.csv", "id,last\n1,Smith\n2,Jones\n")
    with pytest.raises(InvalidInput, match="no such file"):
        prepared_records([Source(tmp_path / "none.csv", "none")], "id", mapping)
    with pytest.raises(InvalidInput, match="no id column 'rid'; the columns are id, last"):
        prepared_records([Source(ok, "ok")], "rid", mapping)
    with pytest.raises(InvalidInput, match="--map last_name=surname: no file has this column"):
        prepared_records([Source(ok, "ok")], "id", parse_mapping(["last_name=surname"]))
    half = parse_mapping(["last_name=last", "address=number+street"])
    partly = _write(tmp_path / "partly.csv", "id,last,number\n1,Smith,12\n")
    with pytest.raises(InvalidInput, match=r"partly\.csv: no column 'street' for address"):
        prepared_records([Source(partly, "partly")], "id", half)
    twice = _write(tmp_path / "twice.csv", "id,last\n1,Smith\n2,Jones\n1,Lee\n")
    with pytest.raises(InvalidInput, match=r"twice.csv, row 4: the id '1' appears twice"):
        prepared_records([Source(twice, "twice")], "id", mapping)
    blank = _write(tmp_path / "blank.csv", "id,last\n1,Smith\n,Jones\n")
    with pytest.raises(InvalidInput, match=r"blank.csv, row 3: the id column 'id' is empty"):
        prepared_records([Source(blank, "blank")], "id", mapping)


def test_a_source_without_an_attributes_columns_has_it_missing_and_is_told(
    tmp_path: Path,
) -> None:
    dss = _write(tmp_path / "dss.csv", "id,last,street\n1,Smith,12 Main St\n")
    births = _write(tmp_path / "births.csv", "id,last\nB1,Smith\n")
    told: list[str] = []
    mapping = parse_mapping(["last_name=last", "address=street"])
    rows = prepared_records(
        [Source(dss, "dss.csv"), Source(births, "births.csv")], "id", mapping, notice=told.append
    ).to_pylist()
    assert [(r["record_id"], r["address"]) for r in rows] == [("1", "12 MAIN ST"), ("B1", None)]
    assert told == ["births.csv: no address column; its records have none"]


def test_sources_are_named_by_file_and_by_path_when_names_collide(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    names = [s.name for s in source_names([tmp_path / "a.csv", tmp_path / "b.csv"])]
    assert names == ["a.csv", "b.csv"]
    both = source_names([tmp_path / "a.csv", tmp_path / "x" / "a.csv"])
    assert both[0].name != both[1].name


def test_splink_is_imported_only_inside_the_linkage_package() -> None:
    source = Path(__file__).resolve().parents[2] / "src" / "statedata"
    importing = {
        str(path.relative_to(source))
        for path in source.rglob("*.py")
        if re.search(r"^\s*(import|from) splink", path.read_text(), re.MULTILINE)
    }
    assert importing and all(name.startswith("linkage/") for name in importing)
