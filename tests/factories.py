"""Objects for tests, made through the same services the product uses."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from statedata.core.config import Settings, load_settings
from statedata.core.db import unit_of_work
from statedata.core.jobs import Job
from statedata.identity.actor import Actor
from statedata.identity.models import User
from statedata.identity.tokens import create_token
from statedata.identity.users import create_user

PASSWORD = "correct-horse-battery"
SECRET_KEY = "test-secret-key-" + "x" * 32
AGENCY_FOR_ROLE = {"agency_data_officer": "DSS", "steward": "DPH"}


def instance_settings(home: Path, database_url: str, **overrides: Any) -> Settings:
    """Settings of a test instance: jobs run in the caller, a fixed signing key."""
    defaults: dict[str, Any] = {"jobs_backend": "immediate", "secret_key": SECRET_KEY}
    return load_settings(home=home, database_url=database_url, **(defaults | overrides))


def make_user(
    factory: sessionmaker[Session], username: str, role: str, agency: str | None = None
) -> User:
    with unit_of_work(factory) as session:
        return create_user(
            session,
            actor=Actor.system("test"),
            username=username,
            password=PASSWORD,
            role=role,
            agency_code=agency or AGENCY_FOR_ROLE.get(role),
        )


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in through the real form; returns the session's CSRF token."""
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_from(client.get("/account").text)


def wait_for_job(factory: sessionmaker[Session], job_id: int, timeout: float = 60) -> Job:
    """Poll a job's row until it has finished; fail the test if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with unit_of_work(factory) as session:
            job = session.get(Job, job_id)
            assert job is not None
            if job.status in ("succeeded", "failed"):
                return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish within {timeout} s")


def make_token(
    factory: sessionmaker[Session],
    username: str,
    role: str,
    agency: str | None = None,
    scopes: tuple[str, ...] = ("read",),
) -> str:
    """A new user and a live read token of theirs; returns the token's secret."""
    user = make_user(factory, username, role, agency)
    with unit_of_work(factory) as session:
        _, secret = create_token(
            session,
            actor=Actor.system("test"),
            name="tests",
            scopes=list(scopes),
            expires_in_days=30,
            max_days=365,
            for_user=session.get(User, user.id),
        )
    return secret
