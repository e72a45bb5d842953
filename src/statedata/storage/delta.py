"""The table store on Delta Lake: a folder on the embedded default, S3-compatible storage in production.

Delta's transaction log makes every write atomic: a load that fails part way commits nothing, so
readers keep seeing the last good version.

A load is written in two steps. :meth:`DeltaTableStore.stage` writes the rows as Parquet files
(in the table's own folder on a local lake, so that committing them writes nothing more; in a
local staging folder for object storage) that no version refers to yet; the catalog checks them,
then :meth:`DeltaTableStore.commit` adds them to the log as the next version in one transaction,
or :meth:`DeltaTableStore.discard` deletes them. An upsert's rows are merged at the commit, since
a merge rewrites the files whose keys it matches.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pyarrow as pa
from deltalake import DeltaTable, WriterProperties, write_deltalake
from deltalake import Schema as DeltaSchema
from deltalake.exceptions import TableNotFoundError
from deltalake.transaction import AddAction, RemoveAction, create_table_with_add_actions

from statedata.core.errors import InvalidInput, NotFound
from statedata.storage import orphans
from statedata.storage.quoting import quoted
from statedata.storage.schema import Column, columns_of
from statedata.storage.staging import (
    ROW_GROUP_ROWS,
    StagedWriter,
    cast_batch,
    delta_safe_schema,
    staged_stream,
)
from statedata.storage.store import StagedRows, StoredVersion, WriteMode

if TYPE_CHECKING:  # annotations only: pyarrow.dataset costs ~15 MB a reading server need not pay
    import pyarrow.dataset as ds

# Row groups of 64k rows rather than delta-rs's default (a whole file in one group): a page of rows
# decodes one small group instead of a million rows, and statistics skip more (the data API's
# filtered pages and top-N sorts ran 2-3x faster on a 1M-row table).
WRITER_PROPERTIES = WriterProperties(max_row_group_size=ROW_GROUP_ROWS)


class DeltaTableStore:
    """Tables as Delta tables under one root URI (a folder path or ``s3://bucket/prefix``)."""

    def __init__(
        self,
        root: str,
        storage_options: dict[str, str] | None = None,
        staging: Path | None = None,
    ) -> None:
        self.root = root.rstrip("/")
        self.storage_options = storage_options or {}
        self.local = urlsplit(self.root).scheme in ("", "file")
        # Where a load's rows wait for their check when the lake is not a local folder.
        self.staging = staging

    def _uri(self, key: str) -> str:
        if not key or "/" in key or key.startswith("."):
            raise InvalidInput(f"table key: {key!r} is not a valid name.")
        return f"{self.root}/{key}"

    def _table(self, key: str, version: int | None = None) -> DeltaTable:
        try:
            return DeltaTable(self._uri(key), version=version, storage_options=self.storage_options)
        except TableNotFoundError:
            raise NotFound(f"No stored table is named {key!r}.") from None
        except Exception as exc:  # delta-rs reports a missing version as a generic error
            if version is not None and "version" in str(exc).lower():
                raise NotFound(f"Table {key!r} has no version {version}.") from None
            raise

    def exists(self, key: str) -> bool:
        return bool(DeltaTable.is_deltatable(self._uri(key), storage_options=self.storage_options))

    def write(
        self,
        key: str,
        batches: pa.RecordBatchReader,
        *,
        mode: WriteMode,
        primary_key: list[str] | None = None,
    ) -> StoredVersion:
        """Stage ``batches`` and commit them at once, for writes nobody checks in between;
        nothing is committed if reading them fails (the reader's own error is raised)."""
        staged = self.stage(key, batches)
        try:
            return self.commit(staged, mode=mode, primary_key=primary_key)
        finally:
            self.discard(staged)

    def _write(
        self,
        key: str,
        batches: pa.RecordBatchReader,
        mode: WriteMode,
        primary_key: list[str] | None,
    ) -> None:
        uri = self._uri(key)
        if mode is WriteMode.UPSERT and self.exists(key):
            if not primary_key:
                raise InvalidInput("primary_key: an upsert needs the primary key columns.")
            predicate = " AND ".join(
                f"target.{quoted(c)} = source.{quoted(c)}" for c in primary_key
            )
            table = self._table(key)
            (
                table.merge(
                    batches,
                    predicate=predicate,
                    source_alias="source",
                    target_alias="target",
                    writer_properties=WRITER_PROPERTIES,
                )
                .when_matched_update_all()
                .when_not_matched_insert_all()
                .execute()
            )
        elif mode is WriteMode.APPEND and self.exists(key):
            write_deltalake(
                uri,
                batches,
                mode="append",
                storage_options=self.storage_options,
                writer_properties=WRITER_PROPERTIES,
            )
        else:  # replace (or the first load): the new version may have a different schema
            write_deltalake(
                uri,
                batches,
                mode="overwrite",
                schema_mode="overwrite",
                storage_options=self.storage_options,
                writer_properties=WRITER_PROPERTIES,
            )

    def stage(self, key: str, batches: pa.RecordBatchReader) -> StagedRows:
        """Write the rows as Parquet files that no version holds yet (see the module's note).

        A bad value raises the reader's own error (which names the row, column and value), and
        the files written so far are deleted.
        """
        schema = delta_safe_schema(batches.schema)
        if self.local:
            folder, in_table = Path(self._uri(key).removeprefix("file://")), True
        elif self.staging is not None:
            folder, in_table = self.staging / f"{key}-{uuid.uuid4().hex}", False
        else:
            folder, in_table = Path(tempfile.mkdtemp(prefix="statedata-staging-")), False
        folder.mkdir(parents=True, exist_ok=True)
        writer = StagedWriter(folder, schema)
        try:
            for batch in batches:
                writer.add(batch if batch.schema == schema else cast_batch(batch, schema))
            writer.close()
        except BaseException:
            writer.delete()
            raise
        return StagedRows(
            key=key,
            files=writer.files,
            rows=writer.rows,
            bytes=sum(writer.sizes),
            columns=columns_of(schema),
            schema=schema,
            in_table=in_table,
            sizes=writer.sizes,
            stats=writer.stats,
        )

    def commit(
        self, staged: StagedRows, *, mode: WriteMode, primary_key: list[str] | None = None
    ) -> StoredVersion:
        """Make the staged rows the table's next version, in one transaction."""
        exists = self.exists(staged.key)
        if staged.in_table and not (mode is WriteMode.UPSERT and exists):
            schema = DeltaSchema.from_arrow(staged.schema)
            actions = [
                AddAction(
                    path=Path(path).name,
                    size=size,
                    partition_values={},
                    modification_time=int(time.time() * 1000),
                    data_change=True,
                    stats=stats,
                )
                for path, size, stats in zip(staged.files, staged.sizes, staged.stats, strict=True)
            ]
            if exists:
                kind = "append" if mode is WriteMode.APPEND else "overwrite"
                table = self._table(staged.key)
                table.create_write_transaction(
                    list[AddAction | RemoveAction](actions), mode=kind, schema=schema
                )
            else:
                create_table_with_add_actions(
                    self._uri(staged.key),
                    schema,
                    actions,
                    mode="error",
                    storage_options=self.storage_options,
                )
            return self.describe(staged.key)
        # An upsert merges; object storage receives the rows. Either way the staged files were
        # only the check's copy.
        self._write(staged.key, staged_stream(staged), mode, primary_key)
        self.discard(staged)
        return self.describe(staged.key)

    def discard(self, staged: StagedRows) -> None:
        """Delete the staged files no version refers to: all of them before a commit, none of
        those a commit added (so a failure after the commit cannot break the table)."""
        if not staged.files:
            return
        exists = self.exists(staged.key)
        committed = (self.data_files(staged.key) or []) if staged.in_table and exists else []
        kept = {Path(f).name for f in committed}  # staged file names are unique
        for path in staged.files:
            if Path(path).name not in kept:
                Path(path).unlink(missing_ok=True)
        folder = Path(staged.files[0]).parent
        if not staged.in_table:
            shutil.rmtree(folder, ignore_errors=True)
        elif not exists and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()  # the first load of a table that never came to be

    def orphaned_files(self, older_than_seconds: float) -> list[str]:
        """Data files no version of any table refers to and staging folders, older than the
        grace period: what a load that was killed left behind (see :mod:`.orphans`)."""
        return orphans.orphaned_files(self, older_than_seconds)

    def remove_orphaned_files(self, older_than_seconds: float) -> int:
        return orphans.remove_orphaned_files(self, older_than_seconds)

    def describe(self, key: str, version: int | None = None) -> StoredVersion:
        table = self._table(key, version)
        actions = pa.table(table.get_add_actions(flatten=True))
        rows = (
            sum(v or 0 for v in actions.column("num_records").to_pylist())
            if actions.num_rows
            else 0
        )
        size = sum(actions.column("size_bytes").to_pylist()) if actions.num_rows else 0
        schema = pa.schema(table.schema())
        return StoredVersion(
            version=table.version(), rows=rows, bytes=size, columns=columns_of(schema)
        )

    def dataset(self, key: str, version: int | None = None) -> ds.Dataset:
        dataset: ds.Dataset = self._table(key, version).to_pyarrow_dataset()
        return dataset

    def data_files(self, key: str, version: int | None = None) -> list[str] | None:
        """The Parquet files of a version when they are local paths (None for object storage),
        so DuckDB can read them directly with its own reader."""
        if urlsplit(self.root).scheme not in ("", "file"):
            return None
        uris: list[str] = self._table(key, version).file_uris()
        return [uri.removeprefix("file://") for uri in uris]

    def restore(self, key: str, version: int) -> StoredVersion:
        """Make a new version whose rows and schema are those of ``version``."""
        self._table(key, version)  # NotFound for a version that never existed
        self._table(key).restore(version)
        return self.describe(key)

    def destroy(self, key: str) -> int:
        """Delete every row, then vacuum with no retention: no version's data file is left
        (the log stays, saying what was there and that it was deleted)."""
        table = self._table(key)
        table.delete()
        removed = table.vacuum(retention_hours=0, enforce_retention_duration=False, dry_run=False)
        return len(removed)

    def columns(self, key: str, version: int | None = None) -> list[Column]:
        return self.describe(key, version).columns


def storage_options_for(uri: str, options: dict[str, str]) -> dict[str, str]:
    """Options for an ``s3://`` lake; a folder needs none."""
    return dict(options) if urlsplit(uri).scheme == "s3" else {}
