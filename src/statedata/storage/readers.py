"""Readers for uploaded and pulled files: CSV, TSV, JSON/NDJSON, Parquet and Excel.

Everything streams: a reader yields Arrow record batches and never holds the whole file. DuckDB
reads the text and columnar formats (its CSV sniffer infers the schema); Excel streams through
openpyxl's read-only mode. Errors name the row, the column and the value.
"""

from __future__ import annotations

import csv
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
from statedata.storage.text_checks import check_text_table, header_delimiter

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
    if fmt in ("csv", "tsv"):
        check_text_table(path, fmt, label)
    connection = reader_connection()
    try:
        relation = connection.sql(_relation_sql(fmt, columns), params={"path": str(path)})
        reader = relation.to_arrow_reader(BATCH_ROWS)
    except duckdb.Error as exc:
        connection.close()
        raise explain_read_error(exc, label, path) from None
    guarded = pa.RecordBatchReader.from_batches(
        reader.schema, _guarded(reader, connection, label, path)
    )
    return SourceReader(columns=columns_of(reader.schema), batches=guarded)


def _guarded(
    reader: pa.RecordBatchReader, connection: duckdb.DuckDBPyConnection, label: str, path: Path
) -> Iterator[pa.RecordBatch]:
    # DuckDB finds a bad value only when it reaches it: translate that error where it surfaces.
    try:
        yield from reader
    except (duckdb.Error, pa.ArrowInvalid, OSError) as exc:
        raise explain_read_error(exc, label, path) from None
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


_FIELDS = re.compile(r"Expected Number of Columns:\s*(\d+)\s*Found:\s*(\d+)")
_PATH = re.compile(r"(?:[A-Za-z]:)?/[^\s'\"]+")


def explain_read_error(exc: Exception, label: str, path: Path | None = None) -> InvalidInput:
    """A read error as one line a steward can act on: which row, which column, which value; a
    path on the server is never in it."""
    text = str(exc)
    if path is not None:
        text = text.replace(str(path), label)
    text = _PATH.sub(label, text)
    if "Invalid unicode" in text and path is not None:
        found = _LINE.search(text)
        if found:
            return _not_utf8(path, int(found.group(1)), label)
    fields = _FIELDS.search(text)
    line = _LINE.search(text)
    if fields and line:
        row = int(line.group(1)) - 1
        return InvalidInput(
            f"{label}: row {row:,} has {fields.group(2)} fields where the header names "
            f"{fields.group(1)}; every row needs one value per column.",
            field="file",
            row=row,
        )
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


# A workbook is a zip of XML; one that expands far past its size is a compression bomb (a few
# hundred kilobytes that become gigabytes of cells), refused from its directory before a cell is
# read. Real workbooks compress 5 to 30 times.
WORKBOOK_MAX_EXPANDED = 512 * 1024**2
WORKBOOK_MAX_RATIO = 100
WORKBOOK_RATIO_FROM = 16 * 1024**2  # small files may compress as they like


def check_workbook(source: Path | bytes, label: str) -> None:
    """Refuse a workbook whose parts expand past the limits (see above), naming the sizes."""
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as zipped:
            expanded = sum(info.file_size for info in zipped.infolist())
    except (zipfile.BadZipFile, OSError):
        return  # not a zip: the reader says it is not a workbook
    size = len(source) if isinstance(source, bytes) else source.stat().st_size
    ratio = expanded / max(1, size)
    too_big = expanded > WORKBOOK_MAX_EXPANDED
    if too_big or (expanded > WORKBOOK_RATIO_FROM and ratio > WORKBOOK_MAX_RATIO):
        raise InvalidInput(
            f"{label}: the workbook expands to {expanded / 1024**2:,.0f} MB from "
            f"{size / 1024**2:,.1f} MB ({ratio:,.0f} times); more than "
            f"{WORKBOOK_MAX_EXPANDED // 1024**2} MB or {WORKBOOK_MAX_RATIO} times is refused "
            "before it is read. Save the sheet as CSV instead.",
            field="file",
        )


def _not_utf8(path: Path, line: int, label: str) -> InvalidInput:
    """Where on a line DuckDB found bytes that are not UTF-8: the row, and the column."""
    with path.open("rb") as handle:
        header = handle.readline()
        for _ in range(line - 2):
            handle.readline()
        bad = handle.readline()
    names = header.decode("utf-8", "replace").lstrip("\ufeff").rstrip("\r\n")
    delimiter = header_delimiter(names)
    columns = next(csv.reader([names], delimiter=delimiter), [])
    for number, value in enumerate(bad.rstrip(b"\r\n").split(delimiter.encode())):
        try:
            value.decode("utf-8")
        except UnicodeDecodeError:
            name = columns[number] if number < len(columns) else str(number + 1)
            return InvalidInput(
                f"{label}: row {line - 1:,}, column {name!r}: bytes that are not UTF-8 "
                f"({value[:12]!r}); save the file as UTF-8.",
                field="file",
                row=line - 1,
                column=name,
            )
    return InvalidInput(f"{label}: row {line - 1:,} is not UTF-8 text.", field="file", row=line - 1)


def _open_excel(path: Path, columns: list[Column] | None, label: str) -> SourceReader:
    from openpyxl import load_workbook  # only Excel uploads pay for importing openpyxl

    check_workbook(path, label)
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
