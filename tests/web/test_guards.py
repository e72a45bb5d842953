"""Input no route can hold is refused before any route sees it, by name: an integer past a
64-bit column in any integer parameter of any route, and an unpaired surrogate in a JSON body.
Neither answers 500."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import make_user, sign_in

HUGE = str(2**63)


def _integer_routes(client: TestClient) -> list[tuple[str, str, str, str]]:
    """(method, path, where, name) of every integer parameter of every route."""
    found = []
    entries = []
    for route in client.app.routes:  # type: ignore[attr-defined]
        contexts = getattr(route, "effective_route_contexts", None)
        entries.extend(contexts() if contexts is not None else [route])
    for route in entries:
        if getattr(route, "dependant", None) is None:
            continue
        for where, params in (
            ("path", route.dependant.path_params),
            ("query", route.dependant.query_params),
        ):
            for param in params:
                annotation = param.field_info.annotation
                if annotation is int or int in getattr(annotation, "__args__", ()):
                    for method in sorted(route.methods - {"HEAD"}):
                        found.append((method, route.path, where, param.alias))
    return found


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no SQL of its own
def test_an_integer_past_64_bits_in_any_parameter_is_refused_by_name(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_user(session_factory, "cdo1", "admin")
    csrf = sign_in(client, "cdo1")
    routes = _integer_routes(client)
    assert len(routes) >= 11
    for method, path, where, name in routes:
        url = re.sub(r"{[^}]+}", "1", path)
        params = {}
        if where == "path":
            url = re.sub(r"{" + name + r"(:[^}]*)?}", HUGE, path)
            url = re.sub(r"{[^}]+}", "1", url)
        else:
            params[name] = HUGE
        response = client.request(method, url, params=params, headers={"X-CSRF-Token": csrf})
        assert response.status_code < 500, f"{method} {url} {params}: {response.text[:200]}"
        if response.status_code == 422 and "json" in response.headers["content-type"]:
            assert name in response.text, f"{method} {url}: {response.text[:200]}"


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/v1/sql", '{"sql": "SELECT \'\\ud800\'"}', "sql"),
        ("/api/3/action/datastore_search", '{"resource_id": "x", "q": "\\udfff"}', "q"),
        ("/api/v1/standards/town/standardize", '{"values": ["a\\ud800"]}',
         "values[0]"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no SQL of its own
def test_an_unpaired_surrogate_in_a_json_body_is_refused_by_where_it_is(
    client: TestClient, session_factory: sessionmaker[Session], url: str, body: str, field: str
) -> None:
    make_user(session_factory, "cdo1", "admin")
    csrf = sign_in(client, "cdo1")
    response = client.post(
        url, content=body, headers={"Content-Type": "application/json", "X-CSRF-Token": csrf}
    )
    assert response.status_code == 422, response.text
    assert f"{field}: the text holds an unpaired surrogate" in response.text
    paired = body.replace("\\ud800", "\\ud83d\\ude00").replace("\\udfff", "\\ud83d\\ude00")
    answered = client.post(
        url, content=paired, headers={"Content-Type": "application/json", "X-CSRF-Token": csrf}
    )
    assert "surrogate" not in answered.text and answered.status_code < 500  # an emoji is text


def test_a_nul_character_in_a_json_body_is_refused_by_where_it_is(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    # PostgreSQL's text cannot hold NUL: refused before any route writes it, on both databases
    make_user(session_factory, "cdo1", "admin")
    csrf = sign_in(client, "cdo1")
    response = client.post(
        "/api/v1/obstacles",
        content='{"title": "Consent\\u0000", "authority": "CGS 4-67p", "description": "d"}',
        headers={"Content-Type": "application/json", "X-CSRF-Token": csrf},
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "title"
    assert "title: the text holds the NUL character (\\u0000)" in response.json()["detail"]
