"""Single sign-on against a real (small) OpenID Connect provider served on loopback."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from fastapi import FastAPI, Form, Header, HTTPException, Request
from fastapi.responses import RedirectResponse
from fastapi.testclient import TestClient
from pydantic import SecretStr

from statedata.app import create_app
from statedata.core.config import Settings
from tests.servers import serve_app

CLIENT_ID, CLIENT_SECRET = "statedata-portal", "provider-shared-secret"


def make_provider() -> FastAPI:
    """The parts of a provider the authorization-code flow touches, checking what it is sent."""
    provider = FastAPI()
    codes: dict[str, str] = {}
    tokens: dict[str, dict[str, str]] = {}
    person = {
        "sub": "ct-0042",
        "preferred_username": "casey.k",
        "email": "casey@example.org",
        "name": "Casey K",
    }

    @provider.get("/.well-known/openid-configuration")
    def discovery(request: Request) -> dict[str, object]:
        base = str(request.base_url).rstrip("/")
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "userinfo_endpoint": f"{base}/userinfo",
            "jwks_uri": f"{base}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    @provider.get("/authorize")
    def authorize(
        client_id: str, redirect_uri: str, state: str, response_type: str
    ) -> RedirectResponse:
        if client_id != CLIENT_ID or response_type != "code":
            raise HTTPException(400, "bad client or response type")
        code = secrets.token_urlsafe(8)
        codes[code] = redirect_uri
        return RedirectResponse(
            f"{redirect_uri}?{urlencode({'code': code, 'state': state})}", status_code=302
        )

    @provider.post("/token")
    def token(
        code: str = Form(...),
        redirect_uri: str = Form(...),
        authorization: str = Header(default=""),
    ) -> dict[str, object]:
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if authorization != expected or codes.pop(code, None) != redirect_uri:
            raise HTTPException(400, "invalid_grant")
        access = secrets.token_urlsafe(16)
        tokens[access] = person
        return {"access_token": access, "token_type": "Bearer", "expires_in": 300}

    @provider.get("/userinfo")
    def userinfo(authorization: str = Header(default="")) -> dict[str, str]:
        found = tokens.get(authorization.removeprefix("Bearer "))
        if found is None:
            raise HTTPException(401, "invalid_token")
        return found

    return provider


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    with serve_app(make_provider()) as url:
        yield url


@pytest.fixture
def sso_client(settings: Settings, issuer: str) -> Iterator[TestClient]:
    configured = settings.model_copy(
        update={
            "oidc_issuer": issuer,
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": SecretStr(CLIENT_SECRET),
        }
    )
    with TestClient(create_app(configured), raise_server_exceptions=False) as client:
        yield client


def _callback_path(location: str) -> str:
    parts = urlsplit(location)
    return f"{parts.path}?{parts.query}"


def test_first_single_sign_on_creates_an_account_with_the_default_role(
    sso_client: TestClient,
) -> None:
    assert "Sign in with single sign-on" in sso_client.get("/login").text
    start = sso_client.get("/login/oidc", follow_redirects=False)
    assert start.status_code == 302
    at_provider = httpx.get(start.headers["location"], follow_redirects=False)
    assert at_provider.status_code == 302

    finish = sso_client.get(_callback_path(at_provider.headers["location"]), follow_redirects=False)

    assert finish.status_code == 303, finish.text
    me = sso_client.get("/api/v1/me").json()
    assert (me["username"], me["role"], me["via"]) == ("casey.k", "analyst", "session")


def test_a_forged_state_is_refused(sso_client: TestClient) -> None:
    start = sso_client.get("/login/oidc", follow_redirects=False)
    at_provider = httpx.get(start.headers["location"], follow_redirects=False)
    query = parse_qs(urlsplit(at_provider.headers["location"]).query)

    forged = sso_client.get(
        f"/auth/oidc/callback?code={query['code'][0]}&state=forged", follow_redirects=False
    )

    assert forged.status_code == 303  # a page: sent back to sign in
    assert forged.headers["location"].startswith("/login")
    assert sso_client.get("/api/v1/me").status_code == 401


def test_without_configuration_there_is_no_single_sign_on(client: TestClient) -> None:
    assert "single sign-on" not in client.get("/login").text
    assert client.get("/login/oidc").status_code == 404
