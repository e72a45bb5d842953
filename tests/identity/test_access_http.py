"""Acceptance: 401 for the anonymous, 403 for the signed-in without the right, both audited;
CSRF refused when missing or forged; revoked and expired tokens refused."""

from __future__ import annotations

import base64
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from statedata.core.audit import AuditEvent
from statedata.core.db import unit_of_work, utcnow
from statedata.identity.models import ApiToken
from tests.factories import csrf_from, make_user, sign_in


def audit_rows(factory: sessionmaker[Session], action: str) -> list[AuditEvent]:
    with unit_of_work(factory) as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )


def test_anonymous_request_for_internal_resource_gets_401_and_is_audited(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    response = client.get("/api/v1/audit")

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert "Sign in" in response.json()["detail"]
    [event] = audit_rows(session_factory, "audit.read")
    assert (event.actor_name, event.outcome, event.client_ip) == (
        "anonymous",
        "denied",
        "testclient",
    )


def test_signed_in_user_without_the_right_gets_403_and_is_audited(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_user(session_factory, "ana", "analyst")
    sign_in(client, "ana")

    response = client.get("/api/v1/audit")

    assert response.status_code == 403
    assert "admin" in response.json()["detail"]
    [event] = audit_rows(session_factory, "audit.read")
    assert (event.actor_name, event.outcome) == ("ana", "denied")
    assert event.detail["reason"]


def test_admin_reads_the_audit_log_and_the_read_is_itself_audited(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_user(session_factory, "chief", "admin")
    sign_in(client, "chief")

    response = client.get("/api/v1/audit", params={"action": "auth.login"})

    assert response.status_code == 200
    assert response.json()["events"][0]["actor_name"] == "chief"
    assert [e.outcome for e in audit_rows(session_factory, "audit.read")] == ["allowed"]


def test_anonymous_page_request_is_sent_to_sign_in(client: TestClient) -> None:
    response = client.get("/admin/audit", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/admin/audit"


def test_forbidden_page_shows_an_error_page(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_user(session_factory, "ana", "analyst")
    sign_in(client, "ana")

    response = client.get("/admin/users")

    assert response.status_code == 403
    assert "text/html" in response.headers["content-type"]
    assert "Not allowed" in response.text


@pytest.mark.parametrize("token", [None, "", "forged-token-value"])
def test_form_post_with_missing_or_forged_csrf_is_refused(
    client: TestClient, session_factory: sessionmaker[Session], token: str | None
) -> None:
    make_user(session_factory, "ana", "analyst")
    sign_in(client, "ana")
    data = {"name": "laptop", "scopes": "read"}
    if token is not None:
        data["csrf_token"] = token

    response = client.post("/account/tokens", data=data, follow_redirects=False)

    assert response.status_code == 403
    assert "CSRF" in response.text
    assert client.get("/api/v1/tokens").json() == []
    assert [e.outcome for e in audit_rows(session_factory, "auth.csrf")] == ["denied"]


def test_login_form_needs_its_csrf_token(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_user(session_factory, "ana", "analyst")
    client.get("/login")

    response = client.post("/login", data={"username": "ana", "password": "correct-horse-battery"})

    assert response.status_code == 403
    assert client.get("/api/v1/me").status_code == 401


def test_cookie_api_call_that_changes_something_needs_the_csrf_header(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_user(session_factory, "ana", "analyst")
    csrf = sign_in(client, "ana")

    refused = client.post("/api/v1/tokens", json={"name": "script"})
    forged = client.post(
        "/api/v1/tokens", json={"name": "script"}, headers={"X-CSRF-Token": "nope"}
    )
    accepted = client.post(
        "/api/v1/tokens", json={"name": "script"}, headers={"X-CSRF-Token": csrf}
    )

    assert (refused.status_code, forged.status_code, accepted.status_code) == (403, 403, 201)


def _create_token(client: TestClient, csrf: str, **body: object) -> dict[str, object]:
    response = client.post(
        "/api/v1/tokens", json={"name": "script", **body}, headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_a_token_works_until_revoked_then_is_refused(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_user(session_factory, "chief", "admin")
    csrf = sign_in(client, "chief")
    created = _create_token(client, csrf, scopes=["read", "admin"])
    bearer = {"Authorization": f"Bearer {created['token']}"}
    anonymous = TestClient(client.app)

    assert anonymous.get("/api/v1/audit", headers=bearer).status_code == 200
    assert (
        client.delete(f"/api/v1/tokens/{created['id']}", headers={"X-CSRF-Token": csrf}).status_code
        == 204
    )
    refused = anonymous.get("/api/v1/audit", headers=bearer)

    assert refused.status_code == 401
    assert refused.json()["detail"] == "The API token was revoked."
    assert [e.outcome for e in audit_rows(session_factory, "auth.token")] == ["failed"]


def test_an_expired_token_is_refused(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_user(session_factory, "ana", "analyst")
    csrf = sign_in(client, "ana")
    created = _create_token(client, csrf, expires_in_days=1)
    with unit_of_work(session_factory) as session:
        token = session.get(ApiToken, created["id"])
        assert token is not None
        token.expires_at = utcnow() - timedelta(seconds=1)

    refused = TestClient(client.app).get(
        "/api/v1/me", headers={"Authorization": f"Bearer {created['token']}"}
    )

    assert refused.status_code == 401
    assert refused.json()["detail"] == "The API token has expired."


@pytest.mark.parametrize(
    "header",
    ["Bearer sdt_not-a-real-token", "Basic dXNlcjpwYXNz", "Bearer "],
)
def test_unknown_or_malformed_authorization_is_refused(client: TestClient, header: str) -> None:
    response = client.get("/api/v1/me", headers={"Authorization": header})

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_a_token_without_the_scope_gets_403(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_user(session_factory, "chief", "admin")
    csrf = sign_in(client, "chief")
    created = _create_token(client, csrf, scopes=["read"])

    response = TestClient(client.app).get(
        "/api/v1/audit", headers={"Authorization": f"Bearer {created['token']}"}
    )

    assert response.status_code == 403
    assert "admin" in response.json()["detail"]


def test_tokens_of_a_disabled_user_stop_working(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_user(session_factory, "chief", "admin")
    make_user(session_factory, "ana", "analyst")
    other = TestClient(client.app)
    ana_csrf = sign_in(other, "ana")
    created = _create_token(other, ana_csrf)
    csrf = sign_in(client, "chief")

    assert (
        client.post("/api/v1/users/ana/disable", headers={"X-CSRF-Token": csrf}).status_code == 200
    )

    bearer = {"Authorization": f"Bearer {created['token']}"}
    assert TestClient(client.app).get("/api/v1/me", headers=bearer).status_code == 401
    assert other.get("/api/v1/me").status_code == 401  # the browser session ended too


def test_sign_out_ends_the_session_even_for_a_kept_cookie(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_user(session_factory, "ana", "analyst")
    sign_in(client, "ana")
    kept = dict(client.cookies)
    csrf = csrf_from(client.get("/account").text)

    client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    replay = TestClient(client.app, cookies=kept)

    assert replay.get("/api/v1/me").status_code == 401


def test_wrong_password_is_refused_with_one_message_and_audited(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_user(session_factory, "ana", "analyst")
    csrf = csrf_from(client.get("/login").text)

    wrong = client.post(
        "/login", data={"username": "ana", "password": "nope-nope-nope", "csrf_token": csrf}
    )
    unknown = client.post(
        "/login", data={"username": "zed", "password": "nope-nope-nope", "csrf_token": csrf}
    )

    assert wrong.status_code == unknown.status_code == 401
    assert "username or password is not right" in wrong.text
    assert [e.outcome for e in audit_rows(session_factory, "auth.login")] == ["failed", "failed"]


def test_sign_in_does_not_follow_an_offsite_next(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_user(session_factory, "ana", "analyst")
    csrf = csrf_from(client.get("/login").text)

    response = client.post(
        "/login",
        data={
            "username": "ana",
            "password": "correct-horse-battery",
            "csrf_token": csrf,
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )

    assert response.headers["location"] == "/"


def test_audit_log_refuses_update_and_delete(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    from sqlalchemy import delete, update

    from statedata.core.audit import record_event
    from statedata.identity.actor import Actor

    record_event(session, actor=Actor.system("test"), action="test.event")
    session.commit()
    with pytest.raises(Exception, match="append-only"):
        session.execute(update(AuditEvent).values(outcome="failed"))
    session.rollback()
    with pytest.raises(Exception, match="append-only"):
        session.execute(delete(AuditEvent))
    session.rollback()


def test_a_new_token_is_shown_once_in_the_answer_and_never_rides_in_the_cookie(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_user(session_factory, "ana", "analyst")
    csrf = sign_in(client, "ana")
    made = client.post(
        "/account/tokens",
        data={"name": "laptop", "scopes": "read", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert made.status_code == 200
    secret = re.search(r"sdt_[A-Za-z0-9_-]+", made.text)
    assert secret is not None
    assert made.headers["Cache-Control"] == "no-store"
    cookies = "".join(made.headers.get_list("set-cookie")) + str(dict(client.cookies))
    decoded = base64.b64decode(client.cookies["statedata_session"].split(".")[0] + "==")
    assert secret.group(0) not in cookies and secret.group(0).encode() not in decoded
    assert secret.group(0) not in client.get("/account").text  # once
