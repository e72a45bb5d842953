"""People change their own password; the old one and their other sessions stop working."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import PASSWORD, csrf_from, make_user, sign_in

NEW_PASSWORD = "a-brand-new-passphrase"


def test_changing_the_password_signs_out_other_sessions(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_user(session_factory, "ana", "analyst")
    elsewhere = TestClient(client.app)
    sign_in(elsewhere, "ana")
    csrf = sign_in(client, "ana")

    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
            "csrf_token": csrf,
        },
        follow_redirects=True,
    )

    assert "Your password is changed" in response.text
    assert client.get("/api/v1/me").status_code == 200  # this session stays
    assert elsewhere.get("/api/v1/me").status_code == 401  # the other one ended
    fresh = TestClient(client.app)
    login_csrf = csrf_from(fresh.get("/login").text)
    old = fresh.post(
        "/login", data={"username": "ana", "password": PASSWORD, "csrf_token": login_csrf}
    )
    assert old.status_code == 401
    sign_in(fresh, "ana", NEW_PASSWORD)


def test_a_wrong_current_password_or_a_weak_new_one_is_refused(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_user(session_factory, "ana", "analyst")
    csrf = sign_in(client, "ana")
    headers = {"X-CSRF-Token": csrf}

    wrong = client.post(
        "/api/v1/me/password",
        json={"current_password": "nope", "new_password": NEW_PASSWORD},
        headers=headers,
    )
    weak = client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "short"},
        headers=headers,
    )
    mismatch = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": "other-passphrase!",
            "csrf_token": csrf,
        },
        follow_redirects=True,
    )

    assert (wrong.status_code, wrong.json()["detail"]) == (
        422,
        "current_password: that is not your current password.",
    )
    assert weak.json()["detail"] == "new_password: password must be at least 12 characters."
    assert "the two new passwords differ" in mismatch.text
    sign_in(TestClient(client.app), "ana", PASSWORD)  # still the old password


def test_the_anonymous_cannot_change_a_password(client: TestClient) -> None:
    response = client.post(
        "/api/v1/me/password", json={"current_password": "a", "new_password": NEW_PASSWORD}
    )

    assert response.status_code == 401
