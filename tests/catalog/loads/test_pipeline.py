"""The load pipeline checks the rows before the table store commits them: a blocked load adds no
version to the store, its rows wait in the held folder for those who edit the dataset, and a
restore goes through the same gate."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from statedata.catalog.loads.held import discard_held, held_folder
from statedata.core.config import Settings
from statedata.storage.lake import open_table_store
from tests.catalog.publishing import create, upload_and_load, write_csv


def rows(count: int, start: int = 1, score: int = 10) -> list[tuple[Any, ...]]:
    return [(i, f"name{i}", score) for i in range(start, start + count)]


def load(
    client: TestClient, headers: dict[str, str], ref: str, path: Path, mode: str = "replace"
) -> dict[str, Any]:
    result = upload_and_load(client, headers, ref, path, mode=mode)
    assert result["job"]["status"] == "succeeded", result["job"]
    return dict(result["job"]["result"])


def rule(client: TestClient, headers: dict[str, str], ref: str, *rules: dict[str, Any]) -> None:
    """Replace the dataset's own quality rules."""
    saved = client.put(
        f"/api/v1/datasets/{ref}/quality/rules", json={"rules": list(rules)}, headers=headers
    )
    assert saved.status_code == 200, saved.text


def ids(client: TestClient, ref: str, **params: Any) -> list[int]:
    found = client.get(
        f"/api/v1/datasets/{ref}/rows", params={"$order": "id", "$limit": 500, **params}
    )
    assert found.status_code == 200, found.text
    return [r["id"] for r in found.json()["rows"]]


def test_a_blocked_load_commits_nothing_to_the_table_store(
    client: TestClient, steward: dict[str, str], settings: Settings, tmp_path: Path
) -> None:
    ref = create(client, steward)
    load(client, steward, ref, write_csv(tmp_path / "v1.csv", rows(10)))
    store = open_table_store(settings)
    before = store.describe(ref)
    files_before = set(store.data_files(ref) or [])
    rule(client, steward, ref, {"type": "range", "column": "score", "maximum": 50})
    blocked = load(client, steward, ref, write_csv(tmp_path / "v2.csv", rows(20, score=99)))
    assert blocked["status"] == "blocked" and blocked["rows"] == 20

    after = store.describe(ref)
    assert after.version == before.version  # no write, and no restore after one
    assert set(store.data_files(ref) or []) == files_before
    table_folder = Path(settings.resolved_lake_uri) / ref
    committed = {Path(f).name for f in files_before}
    assert {p.name for p in table_folder.glob("*.parquet")} == committed  # nothing left behind
    assert len(list(held_folder(settings, ref).rglob("*.parquet"))) == 1


def test_an_editor_reads_a_blocked_append_as_the_rows_it_would_have_made(
    client: TestClient, steward: dict[str, str], tmp_path: Path
) -> None:
    ref = create(client, steward)
    load(client, steward, ref, write_csv(tmp_path / "v1.csv", rows(10)))
    rule(client, steward, ref, {"type": "unique", "column": "id"})
    blocked = load(
        client, steward, ref, write_csv(tmp_path / "v2.csv", rows(5, start=9)), mode="append"
    )
    assert blocked["status"] == "blocked" and blocked["rows"] == 15
    assert ids(client, ref, version=2) == sorted([*range(1, 11), *range(9, 14)])
    assert ids(client, ref) == list(range(1, 11))  # readers still read version 1
    export = client.get(f"/api/v1/datasets/{ref}/rows.csv", params={"version": 2})
    assert export.status_code == 200 and export.text.count("\n") == 16

    anonymous = TestClient(client.app, raise_server_exceptions=False)
    assert anonymous.get(f"/api/v1/datasets/{ref}/rows", params={"version": 2}).status_code == 404


def test_a_blocked_upsert_is_held_as_the_merged_rows(
    client: TestClient, steward: dict[str, str], tmp_path: Path
) -> None:
    ref = create(client, steward)
    load(client, steward, ref, write_csv(tmp_path / "v1.csv", rows(10)))
    rule(client, steward, ref, {"type": "range", "column": "score", "maximum": 50})
    changed = [(3, "three", 99), (11, "eleven", 10)]
    path = write_csv(tmp_path / "v2.csv", changed)
    keyed = client.put(
        f"/api/v1/datasets/{ref}/dictionary",
        json={"fields": [], "primaryKey": ["id"]},
        headers=steward,
    )
    assert keyed.status_code == 200, keyed.text
    blocked = load(client, steward, ref, path, mode="upsert")
    assert blocked["status"] == "blocked" and blocked["rows"] == 11
    held = client.get(
        f"/api/v1/datasets/{ref}/rows", params={"version": 2, "$order": "id", "$limit": 20}
    ).json()["rows"]
    assert [(r["id"], r["name"]) for r in held][2] == (3, "three")
    assert [r["id"] for r in held] == list(range(1, 12))


def test_a_restore_is_checked_before_the_store_brings_the_rows_back(
    client: TestClient, steward: dict[str, str], settings: Settings, tmp_path: Path
) -> None:
    ref = create(client, steward)
    load(client, steward, ref, write_csv(tmp_path / "v1.csv", rows(10, score=80)))
    load(client, steward, ref, write_csv(tmp_path / "v2.csv", rows(5, score=20)))
    rule(client, steward, ref, {"type": "range", "column": "score", "maximum": 50})
    store = open_table_store(settings)
    head = store.describe(ref).version
    refused = client.post(f"/api/v1/datasets/{ref}/versions/1/restore", headers=steward)
    assert refused.status_code == 201 and refused.json()["status"] == "blocked"
    assert store.describe(ref).version == head
    assert client.get(f"/api/v1/datasets/{ref}").json()["version"] == 2

    # The rule is relaxed; the blocked restore is itself restored, through the gate again.
    rule(client, steward, ref)
    restored = client.post(f"/api/v1/datasets/{ref}/versions/3/restore", headers=steward)
    assert restored.status_code == 201 and restored.json()["status"] == "published"
    assert ids(client, ref) == list(range(1, 11))
    versions = client.get(f"/api/v1/datasets/{ref}/versions").json()
    assert versions[0]["rows_checksum"] == versions[-1]["rows_checksum"]


def test_discarding_held_rows_leaves_no_file(
    client: TestClient, steward: dict[str, str], settings: Settings, tmp_path: Path
) -> None:
    ref = create(client, steward)
    rule(client, steward, ref, {"type": "range", "column": "score", "maximum": 50})
    load(client, steward, ref, write_csv(tmp_path / "v1.csv", rows(5, score=99)))
    assert held_folder(settings, ref).is_dir()
    discard_held(settings, ref)
    assert not held_folder(settings, ref).exists()
