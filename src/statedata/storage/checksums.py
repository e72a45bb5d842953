"""Checksums of a version's rows that ignore their order: equal rows, equal checksum."""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from statedata.storage.duck import reader_connection
from statedata.storage.lake import stream_of
from statedata.storage.quoting import quoted
from statedata.storage.schema import Column

if TYPE_CHECKING:  # annotations only: pyarrow.dataset costs ~15 MB a reading server need not pay
    import pyarrow.dataset as ds


def _checksum_sql(source: str) -> str:
    return f"SELECT count(*), coalesce(sum(hash(r)::HUGEINT), 0) FROM {source} r"  # noqa: S608 (our own names)


_MODULUS = 2**128


def _checksum_text(count: int, total: int) -> str:
    return f"{count}:{total % _MODULUS:032x}"


def rows_checksum(dataset: ds.Dataset) -> str:
    """A checksum of a version's rows that ignores their order: equal rows, equal checksum.

    The sum (not xor) of row hashes, so a duplicated row changes it. DuckDB's hash is stable
    within one DuckDB release; the checksum compares versions of one instance.
    """
    connection = reader_connection()
    try:
        connection.register("version_rows", stream_of(dataset))
        found = connection.execute(_checksum_sql("version_rows")).fetchone()
    finally:
        connection.close()
    assert found is not None
    count, total = found
    return _checksum_text(int(count), int(total))


class RowsChecksum:
    """:func:`rows_checksum` of the rows passing through a load, batch by batch.

    Because the checksum is a sum, a replace's checksum is that of its batches and an append's is
    the previous version's plus its batches': the load needs no second pass over what it wrote.
    """

    def __init__(self) -> None:
        self.count = 0
        self.total = 0
        self._connection = reader_connection()

    def add(self, batch: pa.RecordBatch) -> None:
        self._connection.register("version_rows", pa.Table.from_batches([batch]))
        [found] = self._connection.execute(_checksum_sql("version_rows")).fetchall()
        self._connection.unregister("version_rows")
        self.count += int(found[0])
        self.total = (self.total + int(found[1])) % _MODULUS

    def close(self) -> None:
        self._connection.close()

    def value(self, previous: str | None = None) -> str:
        """The checksum of these rows, added to ``previous`` (an earlier version's) if given."""
        count, total = self.count, self.total
        if previous:
            earlier_count, earlier_total = previous.split(":")
            count, total = count + int(earlier_count), total + int(earlier_total, 16)
        return _checksum_text(count, total)


def relation_checksum(
    cursor: duckdb.DuckDBPyConnection, relation_name: str, columns: list[Column]
) -> str:
    """:func:`rows_checksum` of the rows of a relation a query engine cursor can read (a load's
    staged rows, before the store holds them), over ``columns`` in their order."""
    listed = ", ".join(quoted(c.name) for c in columns)
    source = f"(SELECT {listed} FROM {relation_name})"  # noqa: S608 (quoted names)
    found = cursor.execute(_checksum_sql(source)).fetchone()
    assert found is not None
    return _checksum_text(int(found[0]), int(found[1]))
