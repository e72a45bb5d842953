"""Mailing the outbox through a real SMTP server on loopback."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from statedata.core.config import Settings
from statedata.core.db import unit_of_work, utcnow
from statedata.core.mail import deliver_outbox
from statedata.core.outbox import MAX_ATTEMPTS, OutboxMessage, queue_message
from tests.factories import instance_settings
from tests.servers import free_port, smtp_server


def _mailing(tmp_path: Path, database_url: str, port: int, **more: Any) -> Settings:
    return instance_settings(
        tmp_path / "home",
        database_url,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
        mail_from="opendata@ct.example.gov",
        **more,
    )


def _queue(factory: sessionmaker[Session], settings: Settings, *recipients: str) -> None:
    with unit_of_work(factory) as session:
        for recipient in recipients:
            queue_message(
                session,
                settings=settings,
                key=f"test/{recipient}",
                kind="test.notice",
                recipient=recipient,
                recipient_name="Ann Steward",
                subject="Update due 2026-12-01: Clinic visits",
                body="Hello Ann,\n\nPlease load the new data.\n",
            )


def _statuses(factory: sessionmaker[Session]) -> list[tuple[str, str, int, str]]:
    with unit_of_work(factory) as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [(m.recipient, m.status, m.attempts, m.last_error) for m in rows]


def _set_all(factory: sessionmaker[Session], **values: Any) -> None:
    """Change every queued message, as a worker or the clock would have."""
    with unit_of_work(factory) as session:
        for message in session.scalars(select(OutboxMessage)):
            for name, value in values.items():
                setattr(message, name, value)


def test_pending_messages_are_mailed_once_with_their_subject_body_and_sender(
    tmp_path: Path, database_url: str, session_factory: sessionmaker[Session]
) -> None:
    with smtp_server() as mail:
        settings = _mailing(tmp_path, database_url, mail.port)
        _queue(session_factory, settings, "ann@example.gov", "olga@example.gov")
        _queue(session_factory, settings, "ann@example.gov")  # the same key: not queued again
        assert deliver_outbox(settings, session_factory) == {"sent": 2, "failed": 0}
        assert deliver_outbox(settings, session_factory) == {"sent": 0, "failed": 0}
    assert [to for _, to in mail.envelopes] == [["ann@example.gov"], ["olga@example.gov"]]
    first = mail.received[0]
    assert first["Subject"] == "Update due 2026-12-01: Clinic visits"
    assert first["To"] == "Ann Steward <ann@example.gov>"
    assert first["From"] == "Connecticut Open Data Portal <opendata@ct.example.gov>"
    assert first["X-Statedata-Key"] == "test/ann@example.gov"
    assert "Please load the new data." in first.get_content()
    assert [s[:3] for s in _statuses(session_factory)] == [
        ("ann@example.gov", "sent", 1),
        ("olga@example.gov", "sent", 1),
    ]


def test_a_refused_recipient_is_retried_with_growing_waits_then_failed_and_others_still_go(
    tmp_path: Path, database_url: str, session_factory: sessionmaker[Session]
) -> None:
    with smtp_server() as mail:
        mail.refuse.add("gone@example.gov")
        settings = _mailing(tmp_path, database_url, mail.port)
        _queue(session_factory, settings, "gone@example.gov", "ann@example.gov")
        now = utcnow()
        assert deliver_outbox(settings, session_factory, now=now) == {"sent": 1, "failed": 1}
        gone = _statuses(session_factory)[0]
        assert gone[1:3] == ("pending", 1)
        assert "550" in gone[3] and "no such mailbox" in gone[3]
        # Not before its wait (2 minutes after the first attempt) is over.
        assert deliver_outbox(settings, session_factory, now=now + timedelta(minutes=1)) == {
            "sent": 0,
            "failed": 0,
        }
        later = now
        for attempt in range(2, MAX_ATTEMPTS + 1):
            later += timedelta(minutes=2 ** (attempt - 1))
            assert deliver_outbox(settings, session_factory, now=later)["failed"] == 1
        assert _statuses(session_factory)[0][1:3] == ("failed", MAX_ATTEMPTS)
        assert deliver_outbox(settings, session_factory, now=later + timedelta(days=1)) == {
            "sent": 0,
            "failed": 0,
        }
    assert len(mail.received) == 1


def test_a_server_that_is_down_leaves_messages_pending_with_the_reason(
    tmp_path: Path, database_url: str, session_factory: sessionmaker[Session]
) -> None:
    port = free_port()  # nothing listens here
    settings = _mailing(tmp_path, database_url, port, smtp_timeout_seconds=2)
    _queue(session_factory, settings, "ann@example.gov")
    assert deliver_outbox(settings, session_factory) == {"sent": 0, "failed": 1}
    _, status, attempts, error = _statuses(session_factory)[0]
    assert (status, attempts) == ("pending", 1)
    assert error.startswith(f"127.0.0.1:{port}: ")
    with smtp_server() as mail:  # the server is back, on the same port
        mail_settings = _mailing(tmp_path, database_url, mail.port)
        _set_all(session_factory, next_attempt_at=utcnow() - timedelta(seconds=1))  # waited
        assert deliver_outbox(mail_settings, session_factory)["sent"] == 1
    assert _statuses(session_factory)[0][1:] == ("sent", 2, "")


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_the_mailer_signs_in_when_given_a_user_and_reports_a_wrong_password(
    tmp_path: Path, database_url: str, session_factory: sessionmaker[Session]
) -> None:
    with smtp_server(login=("portal", "s3cret")) as mail:
        wrong = _mailing(
            tmp_path, database_url, mail.port, smtp_username="portal", smtp_password="nope"
        )
        _queue(session_factory, wrong, "ann@example.gov")
        assert deliver_outbox(wrong, session_factory)["failed"] == 1
        assert "535" in _statuses(session_factory)[0][3]
        right = _mailing(
            tmp_path, database_url, mail.port, smtp_username="portal", smtp_password="s3cret"
        )
        _set_all(session_factory, next_attempt_at=None)
        assert deliver_outbox(right, session_factory)["sent"] == 1
    assert len(mail.received) == 1


def test_a_claim_left_by_a_worker_that_died_lapses_and_is_sent_later(
    tmp_path: Path, database_url: str, session_factory: sessionmaker[Session]
) -> None:
    with smtp_server() as mail:
        settings = _mailing(tmp_path, database_url, mail.port)
        _queue(session_factory, settings, "ann@example.gov")
        # As a worker that claimed it and died.
        _set_all(
            session_factory,
            status="sending",
            attempts=1,
            next_attempt_at=utcnow() + timedelta(minutes=15),
        )
        assert deliver_outbox(settings, session_factory)["sent"] == 0
        later = utcnow() + timedelta(minutes=16)
        assert deliver_outbox(settings, session_factory, now=later)["sent"] == 1
    assert len(mail.received) == 1


def test_without_a_mail_server_nothing_is_sent_and_messages_are_held(
    settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    _queue(session_factory, settings, "ann@example.gov")
    assert deliver_outbox(settings, session_factory) == {"sent": 0, "failed": 0}
    assert _statuses(session_factory)[0][1] == "held"


def test_a_message_that_cannot_be_an_email_fails_alone_and_line_breaks_leave_the_subject(
    tmp_path: Path, database_url: str, session_factory: sessionmaker[Session]
) -> None:
    with smtp_server() as mail:
        settings = _mailing(tmp_path, database_url, mail.port)
        _queue(session_factory, settings, "ann@example.gov\r\nBcc: all@example.gov")
        _queue(session_factory, settings, "olga@example.gov")
        with unit_of_work(session_factory) as session:
            last = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
            assert last is not None
            last.subject = "Update due:\r\nClinic visits"
        assert deliver_outbox(settings, session_factory) == {"sent": 1, "failed": 1}
    assert [to for _, to in mail.envelopes] == [["olga@example.gov"]]
    assert mail.received[0]["Subject"] == "Update due: Clinic visits"
    assert "cannot be written as an email" in _statuses(session_factory)[0][3]


def test_a_last_attempt_that_never_finished_is_marked_failed(
    tmp_path: Path, database_url: str, session_factory: sessionmaker[Session]
) -> None:
    with smtp_server() as mail:
        settings = _mailing(tmp_path, database_url, mail.port)
        _queue(session_factory, settings, "ann@example.gov")
        _set_all(
            session_factory,
            status="sending",
            attempts=MAX_ATTEMPTS,
            next_attempt_at=utcnow() - timedelta(minutes=1),
        )
        assert deliver_outbox(settings, session_factory) == {"sent": 0, "failed": 0}
    assert mail.received == []
    _, status, attempts, error = _statuses(session_factory)[0]
    assert (status, attempts) == ("failed", MAX_ATTEMPTS)
    assert "stopped while sending" in error
