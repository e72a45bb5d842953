"""What a CSV or TSV file must be before DuckDB's sniffer reads it, checked on its start.

The sniffer is generous: it takes a file of rows with different numbers of fields as one text
column, or picks a later line as the header; it reads an unterminated quote as part of a value;
a file with a header and no rows becomes a table of no rows that a load cannot commit; ten
thousand columns run it out of memory; and a compressed or binary file gets an error that names
the server's path. This reads the first rows with Python's own CSV reader and refuses each of
those with a message that says what is wrong and where (row and column), and no path.
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

from statedata.core.errors import InvalidInput

SAMPLE_BYTES = 1024**2  # the rows checked here; DuckDB checks the rest as it reads them
MAX_COLUMNS = 2_000
MAGIC = {
    b"\x1f\x8b": "gzip-compressed; upload the file inside it",
    b"PK\x03\x04": "a zip archive (or an Excel workbook: name it .xlsx)",
    b"PAR1": "a Parquet file: name it .parquet",
    b"%PDF": "a PDF document, not a table",
}


def check_text_table(path: Path, fmt: str, label: str) -> None:
    """Refuse a CSV or TSV whose start shows it is not one table of rows (see above)."""
    with path.open("rb") as handle:
        start = handle.read(SAMPLE_BYTES)
        whole = not handle.read(1)
    for magic, what in MAGIC.items():
        if start.startswith(magic):
            raise InvalidInput(f"{label}: is {what}.", field="file")
    if b"\x00" in start:
        raise InvalidInput(f"{label}: holds binary data (NUL bytes), not text.", field="file")
    text = _decoded(start, whole, label)
    if not text.strip():
        raise InvalidInput(
            f"{label}: is empty; the first line must name the columns.", field="file"
        )
    delimiter = "\t" if fmt == "tsv" else header_delimiter(text)
    if not whole:  # the sample may end inside a row: leave that row to DuckDB
        text = text[: text.rfind("\n") + 1] or text
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
        if len(header) > MAX_COLUMNS:
            raise InvalidInput(
                f"{label}: has {len(header):,} columns; at most {MAX_COLUMNS:,} are read.",
                field="file",
            )
        rows = 0
        for row in reader:
            rows += 1
            if not row:  # a blank line
                continue
            if len(row) != len(header):
                raise InvalidInput(
                    f"{label}: row {rows:,} has {len(row)} fields where the header names "
                    f"{len(header)} ({delimiter_name(delimiter)}-separated); every row needs "
                    "one value per column.",
                    field="file",
                    row=rows,
                )
    except csv.Error as exc:
        at = max(1, reader.line_num - 1)
        if "unexpected end of data" in str(exc) or "EOF" in str(exc):
            opened = _row_of_open_quote(text)
            raise InvalidInput(
                f"{label}: a quote opened on row {opened:,} is never closed.",
                field="file",
                row=opened,
            ) from None
        raise InvalidInput(f"{label}: row {at:,} cannot be read ({exc}).", field="file",
                           row=at) from None  # fmt: skip
    if rows == 0 and whole:
        raise InvalidInput(
            f"{label}: has a header ({len(header)} columns) and no rows of data.", field="file"
        )


def delimiter_name(delimiter: str) -> str:
    return {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}.get(delimiter, delimiter)


def header_delimiter(text: str) -> str:
    """The header's delimiter: the one of comma, tab, semicolon and pipe it holds most of."""
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _decoded(start: bytes, whole: bool, label: str) -> str:
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        return decoder.decode(start, final=whole)
    except UnicodeDecodeError as exc:
        row, column = _where(start, exc.start)
        where = f"row {row:,}" if row else "the header"
        shown = start[exc.start : exc.start + 4].split(b"\n")[0]
        raise InvalidInput(
            f"{label}: {where}, column {column}: bytes that are not UTF-8 "
            f"({shown!r}); save the file as UTF-8.",
            field="file",
            row=row or None,
            column=column,
        ) from None


def _where(data: bytes, offset: int) -> tuple[int, str]:
    """(data row, column name or number) of a byte offset; row 0 is the header."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    row = data.count(b"\n", 0, line_start)
    header = data.split(b"\n", 1)[0].decode("utf-8", "replace").lstrip("\ufeff")
    delimiter = header_delimiter(header)
    names = next(csv.reader([header], delimiter=delimiter), [])
    field = data[line_start:offset].count(delimiter.encode())
    name = names[field] if field < len(names) else f"{field + 1}"
    return row, repr(name) if field < len(names) else name


def _row_of_open_quote(text: str) -> int:
    """The data row on which the quote that never closes opens."""
    inside, row = False, 0
    opened_on = 0
    for char in text:
        if char == '"':
            inside = not inside
            if inside:
                opened_on = row
        elif char == "\n" and not inside:
            row += 1
    return max(1, opened_on)
