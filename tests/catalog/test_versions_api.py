"""Publishing through the API: upload, confirm, load, versions with their changes, restore."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import make_user, sign_in


def write_csv(path: Path, rows: list[tuple[Any, ...]], header: str = "id,name,score") -> Path:
    path.write_text(header + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows))
    return path


@pytest.fixture
def steward(client: TestClient, session_factory: sessionmaker[Session]) -> dict[str, str]:
    make_user(session_factory, "steward1", "steward", "DPH")
    token = sign_in(client, "steward1")
    return {"X-CSRF-Token": token}


def create(client: TestClient, headers: dict[str, str], **fields: Any) -> str:
    response = client.post(
        "/api/v1/datasets",
        json={"title": "Clinic visits", "category": "Health and Human Services", **fields},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def upload_and_load(
    client: TestClient,
    headers: dict[str, str],
    ref: str,
    path: Path,
    mode: str = "replace",
    columns: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    with path.open("rb") as handle:
        response = client.post(
            f"/api/v1/datasets/{ref}/uploads",
            files={"file": (path.name, handle, "text/csv")},
            headers=headers,
        )
    assert response.status_code == 201, response.text
    upload = response.json()
    body: dict[str, Any] = {"mode": mode}
    if columns is not None:
        body["columns"] = columns
    loaded = client.post(
        f"/api/v1/datasets/{ref}/uploads/{upload['id']}/load", json=body, headers=headers
    )
    assert loaded.status_code == 202, loaded.text
    job = client.get(f"/api/v1/jobs/{loaded.json()['job']}").json()
    return {"upload": upload, "job": job}


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
    csv = client.get(f"/api/v1/datasets/{ref}/data.csv")
    assert csv.status_code == 200
    assert csv.text.splitlines()[0] == '"id","name","score"'
    assert len(csv.text.splitlines()) == 101
