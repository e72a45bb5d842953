"""Readers for uploaded and pulled files: CSV, TSV, JSON/NDJSON, Parquet and Excel.

Everything streams: a reader yields Arrow record batches and never holds the whole file. DuckDB
reads the text and columnar formats (its CSV sniffer infers the schema); Excel streams through
openpyxl's read-only mode. Errors name the row, the column and the value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from statedata.core.errors import InvalidInput
from statedata.storage.duck import COLUMN_TYPE, reader_connection
from statedata.storage.quoting import string_literal
from statedata.storage.schema import Column, columns_of

FORMATS = ("csv", "tsv", "json", "ndjson", "parquet", "xlsx")
BATCH_ROWS = 100_000
EXCEL_SAMPLE_ROWS = 1_000
SUFFIXES = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".json": "json",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".parquet": "parquet",
    ".xlsx": "xlsx",
}


def detect_format(path: Path, declared: str | None = None) -> str:
    """The file's format: the declared one, else from its name; unknown formats are refused."""
    if declared:
        if declared.lower() not in FORMATS:
            raise InvalidInput(
                f"format: {declared!r} is not supported; use one of {', '.join(FORMATS)}."
            )
        return declared.lower()
    found = SUFFIXES.get(path.suffix.lower())
    if found is None:
        raise InvalidInput(
            f"file: cannot tell the format of {path.name!r}; name it .csv, .tsv, .json, .ndjson, .parquet or .xlsx."
        )
    return found


def column_types_sql(columns: list[Column]) -> str:
    for column in columns:
        if not COLUMN_TYPE.match(column.type):
            raise InvalidInput(
                f"columns: {column.type!r} (column {column.name!r}) is not a type a column can have."
            )
    # Names are SQL string literals; types passed the allow-list above.
    return ", ".join(f"{string_literal(c.name)}: '{c.type}'" for c in columns)


def _relation_sql(fmt: str, columns: list[Column] | None) -> str:
    if fmt in ("csv", "tsv"):
        options = "header = true, delim = '\\t'" if fmt == "tsv" else "header = true"
        if columns:
            options += f", columns = {{{column_types_sql(columns)}}}"
        return f"SELECT * FROM read_csv($path, {options})"  # noqa: S608 (see column_types_sql)
    if fmt == "json":
        return "SELECT * FROM read_json($path, format = 'auto')"
    if fmt == "ndjson":
        return "SELECT * FROM read_json($path, format = 'newline_delimited')"
    return "SELECT * FROM read_parquet($path)"


@dataclass
class SourceReader:
    """An open source: its schema and a stream of record batches."""

    columns: list[Column]
    batches: pa.RecordBatchReader


def open_source(
    path: Path, fmt: str, columns: list[Column] | None = None, *, name: str | None = None
) -> SourceReader:
    """Open ``path`` for streaming, with ``columns`` as confirmed by the steward (or inferred).

    Args:
        name: the file's name as the person knows it, used in errors (default: the path's).
    """
    label = name or path.name
    if not path.is_file():
        raise InvalidInput(f"file: {path} does not exist.")
    if fmt == "xlsx":
        return _open_excel(path, columns, label)
    connection = reader_connection()
    try:
        relation = connection.sql(_relation_sql(fmt, columns), params={"path": str(path)})
        reader = relation.to_arrow_reader(BATCH_ROWS)
    except duckdb.Error as exc:
        connection.close()
        raise explain_read_error(exc, label) from None
    guarded = pa.RecordBatchReader.from_batches(reader.schema, _guarded(reader, connection, label))
    return SourceReader(columns=columns_of(reader.schema), batches=guarded)


def _guarded(
    reader: pa.RecordBatchReader, connection: duckdb.DuckDBPyConnection, label: str
) -> Iterator[pa.RecordBatch]:
    # DuckDB finds a bad value only when it reaches it: translate that error where it surfaces.
    try:
        yield from reader
    except (duckdb.Error, pa.ArrowInvalid, OSError) as exc:
        raise explain_read_error(exc, label) from None
    finally:
        connection.close()


def infer_columns(path: Path, fmt: str, *, name: str | None = None) -> list[Column]:
    """The schema the steward is shown before confirming (DuckDB's sniffer for text formats)."""
    source = open_source(path, fmt, name=name)
    source.batches.close()
    return source.columns


_LINE = re.compile(r"[Ll]ine:?\s*(\d+)")
_COLUMN = re.compile(r'column\s+"?([^"\s]+)"?', re.IGNORECASE)
_VALUE = re.compile(r'(?:string|value)\s+"([^"]*)"', re.IGNORECASE)
_TYPE = re.compile(r"to\s+'?([A-Z][A-Z0-9_ ()]*)'?", re.IGNORECASE)


def explain_read_error(exc: Exception, label: str) -> InvalidInput:
    """A read error as one line a steward can act on: which row, which column, which value."""
    text = str(exc)
    line, column, value, kind = (
        _LINE.search(text),
        _COLUMN.search(text),
        _VALUE.search(text),
        _TYPE.search(text),
    )
    if line and column:
        row = int(line.group(1)) - 1  # the header is line 1, so data row N is on line N + 1
        what = f"value {value.group(1)!r}" if value else "a value"
        expected = f" is not a valid {kind.group(1).strip()}" if kind else " cannot be read"
        return InvalidInput(
            f"{label}: row {row:,}, column {column.group(1)!r}: {what}{expected}.",
            field="file",
            row=row,
            column=column.group(1),
        )
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return InvalidInput(f"{label}: cannot be read ({first}).", field="file")


def _open_excel(path: Path, columns: list[Column] | None, label: str) -> SourceReader:
    from openpyxl import load_workbook  # only Excel uploads pay for importing openpyxl

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise InvalidInput(f"{label}: is not an Excel (.xlsx) workbook ({exc}).") from None
    rows = workbook.worksheets[0].iter_rows(values_only=True)
    header = next(rows, None)
    if not header or any(cell is None for cell in header):
        raise InvalidInput(f"{label}: the first sheet's first row must name every column.")
    names = [str(cell).strip() for cell in header]
    sample = [
        dict(zip(names, row, strict=False))
        for _, row in zip(range(EXCEL_SAMPLE_ROWS), rows, strict=False)
    ]
    schema = (
        pa.Table.from_pylist(sample).schema
        if sample
        else pa.schema([(n, pa.string()) for n in names])
    )
    schema = pa.schema(
        [schema.field(n) if n in schema.names else pa.field(n, pa.string()) for n in names]
    )

    def batches() -> Iterator[pa.RecordBatch]:
        buffer, row_number = sample, 1
        try:
            while buffer:
                try:
                    yield pa.RecordBatch.from_pylist(buffer, schema=schema)
                except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
                    raise _excel_error(label, buffer, schema, row_number) from exc
                row_number += len(buffer)
                buffer = [
                    dict(zip(names, row, strict=False))
                    for _, row in zip(range(BATCH_ROWS), rows, strict=False)
                ]
        finally:
            workbook.close()

    return SourceReader(
        columns=columns or columns_of(schema),
        batches=pa.RecordBatchReader.from_batches(schema, batches()),
    )


def _excel_error(
    label: str, rows: list[dict[str, object]], schema: pa.Schema, first_row: int
) -> InvalidInput:
    for offset, row in enumerate(rows):
        for arrow_field in schema:
            try:
                pa.array([row.get(arrow_field.name)], type=arrow_field.type)
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                value = row.get(arrow_field.name)
                return InvalidInput(
                    f"{label}: row {first_row + offset:,}, column {arrow_field.name!r}: "
                    f"value {value!r} is not a valid {columns_of(pa.schema([arrow_field]))[0].type}."
                )
    return InvalidInput(f"{label}: a row could not be read.")
