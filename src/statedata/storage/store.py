"""The table store: what the rest of the code may ask of dataset storage, whatever the backend.

Every write makes a new immutable version; any version can be read again; a restore makes a new
version with an old version's rows. A write can also be made in two steps: :meth:`stage` writes
the rows as data files no reader sees, and :meth:`commit` makes them the next version (or
:meth:`discard` removes them), so a load is checked before anything is committed. Only
:mod:`statedata.storage.delta` knows about Delta Lake.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

import pyarrow as pa

from statedata.storage.schema import Column

if TYPE_CHECKING:  # annotations only: pyarrow.dataset costs ~15 MB a reading server need not pay
    import pyarrow.dataset as ds


class WriteMode(StrEnum):
    REPLACE = "replace"
    APPEND = "append"
    UPSERT = "upsert"


@dataclass(frozen=True)
class StoredVersion:
    """What the store knows of one version of a table."""

    version: int
    rows: int
    bytes: int
    columns: list[Column]


@dataclass(frozen=True)
class StagedRows:
    """Rows written as data files for a table and not committed: no version holds them yet."""

    key: str
    files: list[str]  # local Parquet paths, so a check can read them before the commit
    rows: int
    bytes: int
    columns: list[Column]
    schema: pa.Schema
    # The files sit in the table's own location, so a commit adds them as they are (a local
    # lake); otherwise (object storage) the commit writes them into the table.
    in_table: bool = False
    sizes: list[int] = field(default_factory=list)  # each file's bytes
    stats: list[str] = field(default_factory=list)  # each file's row and null counts (Delta's)


class TableStore(Protocol):
    """Versioned tables addressed by a key (the dataset's id)."""

    def exists(self, key: str) -> bool: ...

    def write(
        self,
        key: str,
        batches: pa.RecordBatchReader,
        *,
        mode: WriteMode,
        primary_key: list[str] | None = None,
    ) -> StoredVersion: ...

    def stage(self, key: str, batches: pa.RecordBatchReader) -> StagedRows: ...

    def commit(
        self, staged: StagedRows, *, mode: WriteMode, primary_key: list[str] | None = None
    ) -> StoredVersion: ...

    def discard(self, staged: StagedRows) -> None: ...

    def describe(self, key: str, version: int | None = None) -> StoredVersion: ...

    def dataset(self, key: str, version: int | None = None) -> ds.Dataset: ...

    def data_files(self, key: str, version: int | None = None) -> list[str] | None: ...

    def restore(self, key: str, version: int) -> StoredVersion: ...

    def orphaned_files(self, older_than_seconds: float) -> list[str]:
        """Data and staging files no version refers to, older than the grace period."""
        ...

    def remove_orphaned_files(self, older_than_seconds: float) -> int:
        """Delete what :meth:`orphaned_files` finds; returns how many."""
        ...

    def destroy(self, key: str) -> int:
        """Delete every row of every version for good; returns the files removed."""
        ...
