"""Helpers that publish through the API as a steward does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from statedata.catalog.datasets import create_dataset, update_dictionary
from statedata.catalog.lifecycle import approve, retire, submit_for_review
from statedata.catalog.loads.local import load_local_file
from statedata.core.config import Settings
from statedata.core.db import unit_of_work
from statedata.identity.actor import Actor


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


def make_dataset(
    factory: sessionmaker[Session],
    settings: Settings,
    tmp_path: Path,
    *,
    agency: str,
    title: str,
    classification: str = "public",
    status: str = "published",
    rows: list[tuple[Any, ...]] | None = None,
    header: str = "id,name,score",
    pii: dict[str, str] | None = None,
    **metadata: Any,
) -> str:
    """A dataset made through the services as the operator: created, loaded, its ``pii``
    columns tagged (column -> category), then moved to ``status``."""
    system = Actor.system("test")
    with unit_of_work(factory) as session:
        ref = create_dataset(
            session,
            actor=system,
            agency_code=agency,
            data={"title": title, "classification": classification, **metadata},
        ).public_id
    if rows is not None or status != "draft":
        path = write_csv(tmp_path / f"{ref}.csv", rows or [(1, "a", 2)], header)
        job = load_local_file(settings, factory, actor=system, ref=ref, path=path)
        assert job.status == "succeeded", job.error
    with unit_of_work(factory) as session:
        if pii:
            fields = [{"name": name, "piiCategory": category} for name, category in pii.items()]
            update_dictionary(session, actor=system, ref=ref, fields=fields)
        if status in ("in_review", "published", "retired"):
            submit_for_review(session, actor=system, ref=ref)
        if status in ("published", "retired"):
            approve(session, actor=system, ref=ref)
        if status == "retired":
            retire(session, actor=system, ref=ref, reason="replaced by a newer dataset")
    return ref
