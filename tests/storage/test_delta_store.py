"""The Delta Lake table store: versions, append, upsert, restore, atomic failures, and S3."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import boto3
import pyarrow as pa
import pytest

from statedata.core.errors import InvalidInput, NotFound
from statedata.storage.delta import DeltaTableStore
from statedata.storage.readers import open_source
from statedata.storage.schema import Column, diff_schemas
from statedata.storage.store import WriteMode
from tests.servers import s3_server


def write_csv(path: Path, rows: list[dict[str, object]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def people(start: int, count: int) -> list[dict[str, object]]:
    return [{"id": i, "name": f"person {i}", "amount": i * 10} for i in range(start, start + count)]


def load(store: DeltaTableStore, path: Path, mode: WriteMode = WriteMode.REPLACE, **kwargs: object):  # type: ignore[no-untyped-def]
    source = open_source(path, "csv")
    return store.write("t", source.batches, mode=mode, **kwargs)  # type: ignore[arg-type]


def rows_of(store: DeltaTableStore, version: int | None = None) -> list[dict[str, object]]:
    return sorted(store.dataset("t", version).to_table().to_pylist(), key=lambda r: r["id"])  # type: ignore[arg-type, return-value]


@pytest.fixture
def store(tmp_path: Path) -> DeltaTableStore:
    return DeltaTableStore(str(tmp_path / "lake"))


def test_versions_append_retype_and_restore(store: DeltaTableStore, tmp_path: Path) -> None:
    first = load(store, write_csv(tmp_path / "v0.csv", people(0, 1_000)))
    second = load(store, write_csv(tmp_path / "v1.csv", people(1_000, 100)), WriteMode.APPEND)
    retyped_rows = [{"id": i, "name": f"person {i}", "amount": f"{i * 10}.5"} for i in range(50)]
    third = load(store, write_csv(tmp_path / "v2.csv", retyped_rows))

    assert (first.version, first.rows) == (0, 1_000)
    assert (second.version, second.rows) == (1, 1_100)
    assert (third.version, third.rows) == (2, 50)
    change = diff_schemas(second.columns, third.columns)
    assert change.retyped == (("amount", "BIGINT", "DOUBLE"),)
    assert rows_of(store, 0) == people(0, 1_000)

    restored = store.restore("t", 0)

    assert (restored.version, restored.rows) == (3, 1_000)
    assert rows_of(store) == people(0, 1_000)
    assert store.describe("t", 1).rows == 1_100  # old versions stay readable


def test_upsert_updates_matching_keys_and_inserts_new_ones(
    store: DeltaTableStore, tmp_path: Path
) -> None:
    load(store, write_csv(tmp_path / "v0.csv", people(0, 10)))
    changes = [{"id": 3, "name": "renamed", "amount": 1}, {"id": 99, "name": "new", "amount": 2}]

    version = load(
        store, write_csv(tmp_path / "v1.csv", changes), WriteMode.UPSERT, primary_key=["id"]
    )

    assert version.rows == 11
    by_id = {r["id"]: r for r in rows_of(store)}
    assert by_id[3]["name"] == "renamed"
    assert by_id[99]["name"] == "new"


def test_a_bad_value_deep_in_the_file_names_row_column_and_value_and_commits_nothing(
    store: DeltaTableStore, tmp_path: Path
) -> None:
    load(store, write_csv(tmp_path / "good.csv", people(0, 100)))
    rows = people(0, 300_000)
    rows[234_020]["amount"] = "twelve"
    bad = write_csv(tmp_path / "bad.csv", rows)

    with pytest.raises(InvalidInput) as raised:
        load(store, bad, WriteMode.REPLACE)

    assert (
        raised.value.detail
        == "bad.csv: row 234,021, column 'amount': value 'twelve' is not a valid BIGINT."
    )
    assert store.describe("t").version == 0
    assert rows_of(store) == people(0, 100)


def test_a_confirmed_schema_is_applied(store: DeltaTableStore, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "v0.csv", people(0, 5))
    source = open_source(
        path,
        "csv",
        [Column("id", "VARCHAR"), Column("name", "VARCHAR"), Column("amount", "DOUBLE")],
    )

    version = store.write("t", source.batches, mode=WriteMode.REPLACE)

    assert [c.type for c in version.columns] == ["VARCHAR", "VARCHAR", "DOUBLE"]


def test_missing_tables_and_versions_are_not_found(store: DeltaTableStore, tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="No stored table"):
        store.describe("t")
    load(store, write_csv(tmp_path / "v0.csv", people(0, 5)))
    with pytest.raises(NotFound, match="has no version 7"):
        store.restore("t", 7)
    with pytest.raises(InvalidInput, match="not a valid name"):
        store.describe("../escape")


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with s3_server() as url:
        yield url


CREDENTIALS = {
    "aws_access_key_id": "testing",
    "aws_secret_access_key": "testing",
    "region_name": "us-east-1",
}


def s3_options(endpoint: str) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ALLOW_HTTP": "true",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_S3_ALLOW_UNSAFE_RENAME": "true",
        "AWS_EC2_METADATA_DISABLED": "true",
        "timeout": "30s",
    }


def test_a_lake_on_s3_compatible_storage(s3_endpoint: str, tmp_path: Path) -> None:
    boto3.client("s3", endpoint_url=s3_endpoint, **CREDENTIALS).create_bucket(Bucket="lake")
    store = DeltaTableStore("s3://lake/statedata", s3_options(s3_endpoint))

    load(store, write_csv(tmp_path / "v0.csv", people(0, 500)))
    load(store, write_csv(tmp_path / "v1.csv", people(500, 20)), WriteMode.APPEND)

    assert store.describe("t").rows == 520
    assert rows_of(store, 0) == people(0, 500)
    assert pa.Table.from_pylist(rows_of(store)).num_rows == 520


def test_files_a_killed_load_left_in_an_s3_lake_are_found_and_removed(
    s3_endpoint: str, tmp_path: Path
) -> None:
    client = boto3.client("s3", endpoint_url=s3_endpoint, **CREDENTIALS)
    client.create_bucket(Bucket="orphans")
    store = DeltaTableStore("s3://orphans/statedata", s3_options(s3_endpoint))
    load(store, write_csv(tmp_path / "v0.csv", people(0, 50)))
    load(store, write_csv(tmp_path / "v1.csv", people(50, 5)))  # v0's files: still referred to
    # what a load killed while uploading leaves: a data file the log never added
    client.put_object(Bucket="orphans", Key="statedata/t/part-killed.parquet", Body=b"PAR1")

    assert store.orphaned_files(3600) == []  # younger than the grace period: a load may be writing
    assert store.orphaned_files(0) == ["s3://orphans/statedata/t/part-killed.parquet"]
    assert store.remove_orphaned_files(0) == 1

    kept = client.list_objects_v2(Bucket="orphans", Prefix="statedata/t/")["Contents"]
    assert not any(o["Key"].endswith("part-killed.parquet") for o in kept)
    assert rows_of(store, 0) == people(0, 50) and rows_of(store) == people(50, 5)
    assert store.orphaned_files(0) == []
