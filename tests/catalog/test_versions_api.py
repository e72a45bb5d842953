"""Publishing through the API: upload, confirm, load, versions with their changes, restore."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests.catalog.publishing import create, upload_and_load, write_csv


def test_three_versions_and_a_restore(
    client: TestClient, steward: dict[str, str], tmp_path: Path
) -> None:
    ref = create(client, steward)
    first = upload_and_load(
        client,
        steward,
        ref,
        write_csv(tmp_path / "v1.csv", [(i, f"n{i}", i * 2) for i in range(100)]),
    )
    assert first["upload"]["inferred_columns"] == [
        {"name": "id", "type": "BIGINT"},
        {"name": "name", "type": "VARCHAR"},
        {"name": "score", "type": "BIGINT"},
    ]
    assert first["job"]["status"] == "succeeded", first["job"]
    upload_and_load(
        client,
        steward,
        ref,
        write_csv(tmp_path / "v2.csv", [(i, f"n{i}", i * 2) for i in range(100, 110)]),
        mode="append",
    )
    third = upload_and_load(
        client,
        steward,
        ref,
        write_csv(tmp_path / "v3.csv", [(i, f"n{i}", i * 2) for i in range(110)]),
        columns=[
            {"name": "id", "type": "BIGINT"},
            {"name": "name", "type": "VARCHAR"},
            {"name": "score", "type": "VARCHAR"},
        ],
    )
    assert third["job"]["status"] == "succeeded", third["job"]

    versions = client.get(f"/api/v1/datasets/{ref}/versions").json()
    assert [(v["number"], v["rows"], v["mode"]) for v in versions] == [
        (3, 110, "replace"),
        (2, 110, "append"),
        (1, 100, "replace"),
    ]
    assert versions[0]["schema_change"]["retyped"] == [
        {"name": "score", "from": "BIGINT", "to": "VARCHAR"}
    ]
    assert versions[1]["schema_change"] == {"added": [], "removed": [], "retyped": []}
    assert [c["name"] for c in versions[2]["schema_change"]["added"]] == ["id", "name", "score"]

    restored = client.post(f"/api/v1/datasets/{ref}/versions/1/restore", headers=steward)
    assert restored.status_code == 201, restored.text
    assert restored.json()["number"] == 4
    assert restored.json()["restored_from"] == 1
    assert restored.json()["rows_checksum"] == versions[2]["rows_checksum"]
    again = client.post(f"/api/v1/datasets/{ref}/versions/4/restore", headers=steward)
    assert again.status_code == 409, again.text  # the current version: nothing to restore
    assert "version 4: it is the current version already" in again.json()["detail"]
    csv = client.get(f"/api/v1/datasets/{ref}/data.csv")
    assert csv.status_code == 200
    assert csv.text.splitlines()[0] == '"id","name","score"'
    assert len(csv.text.splitlines()) == 101
