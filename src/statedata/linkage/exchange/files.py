"""What an agency may send the hub: checked before anything is kept, every refusal naming the
file, the row or the column.

An identifier file holds ``record_id`` and identifiers only: either person attributes by their
names (first_name, last_name, date_of_birth, ssn, ...) in clear, or ``clk``, the keyed
Bloom-filter encoding ``statedata pprl encode`` writes at the agency. A content file holds
``record_id`` and what the exchange is for, and nothing that identifies a person: a column
named as a person attribute, or whose name or values look like personal information, is
refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from statedata.core.errors import InvalidInput
from statedata.linkage.attributes import ATTRIBUTES
from statedata.linkage.pprl.encode import decode_filter
from statedata.linkage.prepare import open_csv
from statedata.standards.pii import suggest
from statedata.storage.quoting import quoted

RECORD_ID = "record_id"
ENCODING = "clk"
IDENTIFYING = ("first_name", "last_name", "date_of_birth", "ssn", "identifier")
PII_SAMPLE_ROWS = 1_000


@dataclass(frozen=True)
class CheckedFile:
    rows: int
    columns: list[str]
    method: str = ""  # of an identifier file: clear or bloom


def _columns_and_ids(path: Path, name: str) -> tuple[duckdb.DuckDBPyRelation, list[str], int]:
    relation = open_csv(path)
    columns = list(relation.columns)
    if RECORD_ID not in columns:
        raise InvalidInput(f"{name}: no {RECORD_ID} column; the columns are {', '.join(columns)}.")
    ids = [row[0] for row in relation.select(f'"{RECORD_ID}"').fetchall()]
    seen: set[str] = set()
    for line, value in enumerate(ids, start=2):
        if value is None or not value.strip():
            raise InvalidInput(f"{name}, row {line}, column {RECORD_ID}: the record has no id.")
        if value in seen:
            raise InvalidInput(f"{name}, row {line}, column {RECORD_ID}: {value!r} appears twice.")
        seen.add(value)
    if not ids:
        raise InvalidInput(f"{name}: the file has no records.")
    return relation, columns, len(ids)


def check_identifiers(path: Path, name: str) -> CheckedFile:
    """An identifier file's rows, columns and method, or the first thing wrong with it."""
    relation, columns, rows = _columns_and_ids(path, name)
    others = [c for c in columns if c != RECORD_ID]
    if ENCODING in others:
        if others != [ENCODING]:
            extra = next(c for c in others if c != ENCODING)
            raise InvalidInput(
                f"{name}: column {extra!r} beside {ENCODING}; an encoded identifier file holds "
                f"{RECORD_ID} and {ENCODING} only."
            )
        for line, (value,) in enumerate(relation.select(f'"{ENCODING}"').fetchall(), start=2):
            decode_filter(value or "", f"{name}, row {line}, column {ENCODING}")
        return CheckedFile(rows, columns, "bloom")
    for column in others:
        if column not in ATTRIBUTES:
            raise InvalidInput(
                f"{name}: column {column!r} is not a person attribute; an identifier file holds "
                f"{RECORD_ID} and identifiers named {', '.join(ATTRIBUTES)} (or {ENCODING}), "
                "and its content goes in the content file."
            )
    if not set(others) & set(IDENTIFYING):
        raise InvalidInput(
            f"{name}: no identifying column; send at least one of {', '.join(IDENTIFYING)}."
        )
    return CheckedFile(rows, columns, "clear")


def check_content(path: Path, name: str) -> CheckedFile:
    """A content file's rows and columns, or the column that would identify a person."""
    relation, columns, rows = _columns_and_ids(path, name)
    for column in columns:
        if column == RECORD_ID:
            continue
        if column in ATTRIBUTES or column == ENCODING:
            raise InvalidInput(
                f"{name}: column {column!r} identifies a person; it belongs in the identifier "
                "file, never with the content."
            )
    others = [c for c in columns if c != RECORD_ID]
    if not others:
        raise InvalidInput(f"{name}: no content: the file holds only {RECORD_ID}.")
    listed = ", ".join(quoted(c) for c in others)
    sample = relation.select(listed).limit(PII_SAMPLE_ROWS).fetchall()
    sampled = [(c, [row[n] for row in sample]) for n, c in enumerate(others)]
    for found in suggest(sampled):
        raise InvalidInput(
            f"{name}: column {found.column!r} looks like personal information "
            f"({found.category}: {found.evidence}); leave it out of the content file."
        )
    return CheckedFile(rows, columns)
