"""Every upload format reads into the same rows; unknown formats and broken files get clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from statedata.core.errors import InvalidInput
from statedata.storage.readers import detect_format, infer_columns, open_source

ROWS = [{"town": "Andover", "crashes": 3}, {"town": "Ansonia", "crashes": 11}]


def make(tmp_path: Path, fmt: str) -> Path:
    path = tmp_path / f"data.{fmt}"
    if fmt == "csv":
        path.write_text("town,crashes\nAndover,3\nAnsonia,11\n")
    elif fmt == "tsv":
        path.write_text("town\tcrashes\nAndover\t3\nAnsonia\t11\n")
    elif fmt == "json":
        path.write_text(json.dumps(ROWS))
    elif fmt == "ndjson":
        path.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n")
    elif fmt == "parquet":
        pq.write_table(pa.Table.from_pylist(ROWS), path)
    else:
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(["town", "crashes"])
        for row in ROWS:
            sheet.append([row["town"], row["crashes"]])
        book.save(path)
    return path


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "ndjson", "parquet", "xlsx"])
def test_each_format_gives_the_same_rows_and_types(tmp_path: Path, fmt: str) -> None:
    path = make(tmp_path, fmt)

    source = open_source(path, detect_format(path))

    assert source.batches.read_all().to_pylist() == ROWS
    assert [(c.name, c.type) for c in source.columns] == [
        ("town", "VARCHAR"),
        ("crashes", "BIGINT"),
    ]
    assert [c.name for c in infer_columns(path, fmt)] == ["town", "crashes"]


@pytest.mark.parametrize(
    ("name", "declared", "message"),
    [
        ("data.sav", None, "cannot tell the format of 'data.sav'"),
        ("data.csv", "dbf", "'dbf' is not supported"),
    ],
)
def test_unknown_formats_are_refused(name: str, declared: str | None, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        detect_format(Path(name), declared)


def test_a_file_that_is_not_a_workbook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_text("town,crashes\n")

    with pytest.raises(InvalidInput, match=r"fake\.xlsx: is not an Excel"):
        open_source(path, "xlsx")


def test_a_bad_excel_cell_names_its_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.xlsx"
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["town", "crashes"])
    for index in range(1_200):
        sheet.append(["Andover", "many" if index == 1_100 else index])
    book.save(path)

    with pytest.raises(
        InvalidInput,
        match=r"bad\.xlsx: row 1,101, column 'crashes': value 'many' is not a valid BIGINT",
    ):
        open_source(path, "xlsx").batches.read_all()


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="does not exist"):
        open_source(tmp_path / "nothing.csv", "csv")


def test_a_confirmed_type_outside_the_allow_list_is_refused(tmp_path: Path) -> None:
    from statedata.storage.schema import Column

    path = make(tmp_path, "csv")

    with pytest.raises(InvalidInput, match="is not a type a column can have"):
        open_source(
            path,
            "csv",
            [Column("town", "VARCHAR'); COPY x TO '/tmp/y"), Column("crashes", "BIGINT")],
        )
