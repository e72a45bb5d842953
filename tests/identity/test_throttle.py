"""Sign-in throttling, on a clock the tests move: failures limited per account and per address,
a clear answer saying when to try again, no password checked while throttled (so known and
unknown accounts are answered alike), and every throttled attempt audited."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from statedata.core.audit import AuditEvent, write_closed_refusals
from statedata.core.db import unit_of_work
from statedata.core.errors import TooManyRequests
from statedata.core.limits import MemoryBuckets
from statedata.identity import users
from statedata.identity.throttle import ACCOUNT_FAILURES, ADDRESS_FAILURES, SignInThrottle
from tests.factories import PASSWORD, csrf_from, make_user


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _throttle() -> tuple[SignInThrottle, Clock]:
    clock = Clock()
    return SignInThrottle(MemoryBuckets(clock)), clock


def test_an_account_is_throttled_after_its_failures_and_freed_a_share_at_a_time() -> None:
    throttle, clock = _throttle()
    for _ in range(ACCOUNT_FAILURES):
        throttle.check("sam", "10.0.0.1")
        throttle.failed("sam", "10.0.0.1")
    with pytest.raises(TooManyRequests) as refused:
        throttle.check("Sam ", "10.0.0.2")  # the account, from anywhere, however written
    assert refused.value.retry_after == 180
    assert "for this account; try again in 3 minutes" in refused.value.detail
    throttle.check("lee", "10.0.0.1")  # another account from the same address
    clock.now += 180
    throttle.check("sam", "10.0.0.1")  # one more try
    throttle.failed("sam", "10.0.0.1")
    with pytest.raises(TooManyRequests):
        throttle.check("sam", "10.0.0.1")
    throttle.succeeded("sam")
    throttle.check("sam", "10.0.0.1")


def test_an_address_guessing_at_many_accounts_is_throttled() -> None:
    throttle, _ = _throttle()
    for n in range(ADDRESS_FAILURES):
        throttle.check(f"user{n}", "10.0.0.9")
        throttle.failed(f"user{n}", "10.0.0.9")
    with pytest.raises(TooManyRequests) as refused:
        throttle.check("someone.new", "10.0.0.9")
    assert "from this address; try again in 45 seconds" in refused.value.detail
    throttle.check("someone.new", "10.0.0.10")


def _attempt(client: TestClient, username: str, password: str) -> object:
    token = csrf_from(client.get("/login").text)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no SQL of its own
def test_the_sign_in_page_answers_429_with_when_and_checks_no_password_meanwhile(
    client: TestClient, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_user(session_factory, "sam", "analyst")
    throttle, clock = _throttle()
    client.app.state.sign_in_throttle = throttle  # type: ignore[attr-defined]
    for _ in range(ACCOUNT_FAILURES):
        assert _attempt(client, "sam", "wrong").status_code == 401  # type: ignore[attr-defined]
        assert _attempt(client, "nobody", "wrong").status_code == 401  # type: ignore[attr-defined]
    checked: list[str] = []
    real = users.verify_password
    monkeypatch.setattr(users, "verify_password", lambda h, p: checked.append(p) or real(h, p))
    for username, password in (("sam", PASSWORD), ("nobody", "wrong")):
        refused = _attempt(client, username, password)
        assert refused.status_code == 429  # type: ignore[attr-defined]
        assert refused.headers["Retry-After"] == "180"  # type: ignore[attr-defined]
        assert "Too many failed sign-ins for this account; try again in 3 minutes" in (
            refused.text  # type: ignore[attr-defined]
        )
    assert checked == []  # neither password was checked: the same work for both accounts
    clock.now += 180
    signed_in = _attempt(client, "sam", PASSWORD)
    assert signed_in.status_code == 303  # type: ignore[attr-defined]
    assert checked == [PASSWORD]
    with unit_of_work(session_factory) as session:
        throttled = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "auth.login", AuditEvent.outcome == "denied"
            )
        ).all()
        # one caller's refusals in a window: the first as it came, the rest counted
        (first,) = throttled
        assert (first.resource_id, first.detail["reason"]) == ("sam", "throttled")
    write_closed_refusals(session_factory, everything=True)
    with unit_of_work(session_factory) as session:
        counted = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "auth.login",
                AuditEvent.outcome == "denied",
                AuditEvent.id > first.id,
            )
        ).one()
        assert counted.detail["repeated"] == 1 and counted.detail["resources"] == ["nobody"]
