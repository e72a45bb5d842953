"""Uploads stream to disk: raw or multipart, hashed on the way, refused with 413 past the limit."""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from statedata.app import create_app
from statedata.core.config import Settings
from tests.catalog.publishing import create
from tests.factories import make_user, sign_in
from tests.servers import serve_app

LIMIT = 10_000


@pytest.fixture
def small_limit(settings: Settings) -> Settings:
    return settings.model_copy(update={"upload_max_bytes": LIMIT})


@pytest.fixture
def limited_client(small_limit: Settings, session_factory: object) -> Iterator[TestClient]:
    with TestClient(create_app(small_limit)) as client:
        yield client


@pytest.fixture
def limited_steward(limited_client: TestClient, session_factory: object) -> dict[str, str]:
    make_user(session_factory, "steward1", "steward", "DPH")  # type: ignore[arg-type]
    return {"X-CSRF-Token": sign_in(limited_client, "steward1")}


def test_a_raw_body_upload_is_hashed_and_its_schema_inferred(
    client: TestClient, steward: dict[str, str]
) -> None:
    ref = create(client, steward)
    body = b"town,count\nHartford,3\nNew Haven,4\n"

    response = client.post(
        f"/api/v1/datasets/{ref}/uploads?filename=towns.csv",
        content=body,
        headers={**steward, "Content-Type": "text/csv"},
    )

    assert response.status_code == 201, response.text
    upload = response.json()
    assert upload["checksum"] == "sha256:" + hashlib.sha256(body).hexdigest()
    assert upload["bytes"] == len(body)
    assert upload["inferred_columns"] == [
        {"name": "town", "type": "VARCHAR"},
        {"name": "count", "type": "BIGINT"},
    ]


def test_a_raw_upload_must_be_named(client: TestClient, steward: dict[str, str]) -> None:
    ref = create(client, steward)

    response = client.post(f"/api/v1/datasets/{ref}/uploads", content=b"a\n1\n", headers=steward)

    assert response.status_code == 422
    assert response.json()["detail"].startswith("filename: name the file")


def test_an_upload_over_the_limit_is_refused_and_not_kept(
    limited_client: TestClient, limited_steward: dict[str, str], small_limit: Settings
) -> None:
    ref = create(limited_client, limited_steward)

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is found while streaming
        yield b"a,b\n"
        for _ in range(100):
            yield b"1,2\n" * 100

    response = limited_client.post(
        f"/api/v1/datasets/{ref}/uploads?filename=big.csv",
        content=chunks(),
        headers={**limited_steward, "Content-Type": "text/csv"},
    )

    assert response.status_code == 413
    assert "limited to 10,000 bytes" in response.json()["detail"]
    assert list(small_limit.uploads_dir.iterdir()) == []


def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_read(
    small_limit: Settings, session_factory: object, tmp_path: Path
) -> None:
    make_user(session_factory, "steward1", "steward", "DPH")  # type: ignore[arg-type]
    app = create_app(small_limit)
    with TestClient(app) as setup:
        headers = {"X-CSRF-Token": sign_in(setup, "steward1")}
        ref = create(setup, headers)
        cookie = "; ".join(f"{k}={v}" for k, v in setup.cookies.items())
    with serve_app(app) as url:
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            # Claim 5 GB, send a few bytes, and wait: the answer must come without the rest.
            raw.sendall(
                (
                    f"POST /api/v1/datasets/{ref}/uploads?filename=huge.csv HTTP/1.1\r\n"
                    f"Host: 127.0.0.1\r\nCookie: {cookie}\r\n"
                    f"X-CSRF-Token: {headers['X-CSRF-Token']}\r\n"
                    "Content-Type: text/csv\r\nContent-Length: 5000000000\r\n\r\na,b\n"
                ).encode()
            )
            answer = raw.recv(65536).decode("latin-1")
    assert answer.startswith("HTTP/1.1 413"), answer[:200]


def test_an_upload_needs_a_steward_of_the_agency(
    client: TestClient, steward: dict[str, str], session_factory: object
) -> None:
    ref = create(client, steward)
    client.post("/logout", data={"csrf_token": steward["X-CSRF-Token"]})
    make_user(session_factory, "analyst1", "analyst", "DPH")  # type: ignore[arg-type]
    token = sign_in(client, "analyst1")

    response = client.post(
        f"/api/v1/datasets/{ref}/uploads?filename=x.csv",
        content=b"a\n1\n",
        headers={"X-CSRF-Token": token},
    )

    assert response.status_code == 404  # a draft is seen only by its stewards
