"""Errors: problem+json for the API, pages for people, nothing leaked on a crash."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from statedata.app import create_app
from statedata.core.config import load_settings
from statedata.core.errors import ConfigError, InvalidInput
from tests.factories import instance_settings, make_user, sign_in


def test_unknown_api_path_is_a_problem_document(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["instance"] == "/api/v1/nothing-here"


def test_unknown_page_is_a_404_page_in_the_layout(client: TestClient) -> None:
    response = client.get("/nothing-here")

    assert response.status_code == 404
    assert "Skip to main content" in response.text
    assert "Nothing is published at /nothing-here." in response.text


def test_invalid_input_names_the_field(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_user(session_factory, "chief", "admin")
    sign_in(client, "chief")

    response = client.get("/api/v1/audit", params={"limit": "lots"})

    assert response.status_code == 422
    body = response.json()
    assert body["errors"][0]["field"] == "query.limit"
    assert "query.limit" in body["detail"]


def test_domain_validation_errors_say_what_to_fix(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_user(session_factory, "chief", "admin")
    csrf = sign_in(client, "chief")
    headers = {"X-CSRF-Token": csrf}

    short = client.post(
        "/api/v1/users",
        json={"username": "bo", "password": "short", "role": "analyst"},
        headers=headers,
    )
    role = client.post(
        "/api/v1/users",
        json={"username": "bo", "password": "x" * 12, "role": "boss"},
        headers=headers,
    )
    agency = client.post(
        "/api/v1/users",
        json={"username": "bo", "password": "x" * 12, "role": "steward"},
        headers=headers,
    )
    taken = client.post(
        "/api/v1/users",
        json={"username": "chief", "password": "x" * 12, "role": "analyst"},
        headers=headers,
    )

    assert (short.status_code, short.json()["detail"]) == (
        422,
        "password: password must be at least 12 characters.",
    )
    assert role.json()["detail"].startswith("role: 'boss' is not a choice; use 'admin'")
    assert agency.json()["detail"] == "agency: a steward must belong to an agency."
    assert (taken.status_code, taken.json()["detail"]) == (409, "username: 'chief' is taken.")


def test_an_unexpected_error_is_a_plain_500(app: FastAPI) -> None:
    @app.get("/api/v1/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    @app.get("/boom")
    def boom_page() -> None:
        raise RuntimeError("secret internals")

    client = TestClient(app, raise_server_exceptions=False)
    api, page = client.get("/api/v1/boom"), client.get("/boom")

    assert api.status_code == page.status_code == 500
    assert api.headers["content-type"] == "application/problem+json"
    assert "secret internals" not in api.text + page.text
    assert "Something went wrong" in page.text


def test_every_page_links_to_its_json(client: TestClient) -> None:
    home = client.get("/")
    agencies = client.get("/agencies")

    assert 'href="/api/v1"' in home.text
    assert client.get("/api/v1").json()["agencies"] == 19
    assert 'href="/api/v1/agencies"' in agencies.text
    assert {"code": "DSS", "name": "Department of Social Services"} in client.get(
        "/api/v1/agencies"
    ).json()


def test_openapi_documents_the_api(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()

    assert "/api/v1/tokens" in spec["paths"]
    assert spec["paths"]["/api/v1/audit"]["get"]["summary"]
    assert client.get("/api/v1/docs").status_code == 200


def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    page, api, missing = client.get("/"), client.get("/api/v1"), client.get("/nope")

    for response in (page, api, missing):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert "default-src 'self'" in response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in page.headers["content-security-policy"]


def test_the_api_reference_lists_every_operation_from_openapi(client: TestClient) -> None:
    page = client.get("/api/v1/docs")

    assert page.status_code == 200
    assert 'id="post-api-v1-tokens"' in page.text
    assert "Revoke one of your tokens; it is refused from now on." in page.text
    assert "<code>before_id</code>" in page.text
    assert 'href="/api/v1/openapi.json"' in page.text


def test_a_configured_map_tile_server_is_the_only_outside_image_source(
    tmp_path: Path, database_url: str
) -> None:
    settings = instance_settings(
        tmp_path / "tiles",
        database_url,
        map_tile_url="https://tiles.example.ct.gov/{z}/{x}/{y}.png",
    )
    with TestClient(create_app(settings)) as client:
        policy = client.get("/").headers["content-security-policy"]
    assert "img-src 'self' data: https://tiles.example.ct.gov;" in policy
    assert "script-src 'self';" in policy
    with pytest.raises(ConfigError, match=r"STATEDATA_MAP_TILE_URL: .*'javascript:alert"):
        load_settings(home=tmp_path / "bad", map_tile_url="javascript:alert(1)")


def test_a_refusal_names_the_parameter_it_is_about_as_data(client: TestClient) -> None:
    """problem+json carries the field beside the sentence, so a client needs no parsing."""
    response = client.get("/api/v1/datasets", params={"limit": -1})
    assert response.status_code == 422
    assert response.json()["field"] == "limit"
    assert response.json()["detail"].startswith("query.limit: ")


def test_a_bad_value_in_a_file_is_located_by_row_and_column(tmp_path: Path) -> None:
    from statedata.storage.readers import open_source
    from statedata.storage.schema import Column

    path = tmp_path / "counts.csv"
    path.write_text("town,count\nHartford,3\nSalem,three\n")
    columns = [Column("town", "VARCHAR"), Column("count", "BIGINT")]
    with pytest.raises(InvalidInput) as raised:
        open_source(path, "csv", columns).batches.read_all()
    assert (raised.value.field, raised.value.row, raised.value.column) == ("file", 2, "count")
    assert "row 2, column 'count'" in raised.value.detail


def test_the_ckan_api_names_the_field_of_a_validation_error(client: TestClient) -> None:
    found = client.get("/api/3/action/package_search", params={"rows": "many"}).json()
    assert found["success"] is False
    assert found["error"]["__type"] == "Validation Error"
    assert found["error"]["rows"] == ["'many' is not a whole number."]


def test_an_error_without_a_subject_has_no_field() -> None:
    assert InvalidInput("The file is empty.").field is None
    assert InvalidInput("limit: too big").located() == {"field": "limit"}
    explicit = InvalidInput("Row 4 is short.", field="file", row=4)
    assert explicit.located() == {"field": "file", "row": 4}


def test_a_method_not_allowed_says_which_methods_are(client: TestClient) -> None:
    response = client.delete("/api/v1/datasets")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert response.headers["content-type"].startswith("application/problem+json")
