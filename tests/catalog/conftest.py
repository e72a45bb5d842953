"""Fixtures of the catalog tests: a signed-in steward of DPH."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import make_user, sign_in


@pytest.fixture
def steward(client: TestClient, session_factory: sessionmaker[Session]) -> dict[str, str]:
    """Headers for the cookie API as a DPH steward (the client is signed in)."""
    make_user(session_factory, "steward1", "steward", "DPH")
    return {"X-CSRF-Token": sign_in(client, "steward1")}
