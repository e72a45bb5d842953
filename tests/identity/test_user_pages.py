"""Admins manage people on the Users page; mistakes come back as a message, not a lost form."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import make_user, sign_in


def test_an_admin_adds_and_disables_a_user_from_the_page(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_user(session_factory, "chief", "admin")
    csrf = sign_in(client, "chief")
    form = {
        "username": "sam",
        "password": "a-long-password-9",
        "role": "steward",
        "agency": "DPH",
        "csrf_token": csrf,
    }

    added = client.post("/admin/users", data=form, follow_redirects=True)
    again = client.post("/admin/users", data=form, follow_redirects=True)
    client.post("/admin/users/sam/disable", data={"csrf_token": csrf})

    assert "sam" in added.text
    assert "username: &#39;sam&#39; is taken." in again.text
    assert {u["username"]: u["is_active"] for u in client.get("/api/v1/users").json()}[
        "sam"
    ] is False


def test_a_steward_without_an_agency_is_explained(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_user(session_factory, "chief", "admin")
    csrf = sign_in(client, "chief")

    page = client.post(
        "/admin/users",
        data={
            "username": "sam",
            "password": "a-long-password-9",
            "role": "steward",
            "csrf_token": csrf,
        },
        follow_redirects=True,
    )

    assert "agency: a steward must belong to an agency." in page.text
    assert "agency: a steward" not in client.get("/admin/users").text  # shown once
