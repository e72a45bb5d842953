"""Helpers that publish through the API as a steward does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient


def write_csv(path: Path, rows: list[tuple[Any, ...]], header: str = "id,name,score") -> Path:
    path.write_text(header + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows))
    return path


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
