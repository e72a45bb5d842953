"""Reminders to stewards before and after a due date, queued once each, to the right people."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from statedata.catalog.freshness.reminders import queue_freshness_reminders, remind_stewards
from statedata.catalog.models import Dataset
from statedata.core.config import Settings
from statedata.core.db import unit_of_work, utcnow
from statedata.core.outbox import OutboxMessage
from statedata.identity.models import User
from tests.catalog.publishing import make_dataset, write_csv
from tests.factories import instance_settings, make_user


def _with_email(factory: sessionmaker[Session], username: str, role: str, agency: str) -> None:
    make_user(factory, username, role, agency)
    with unit_of_work(factory) as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None
        user.email, user.full_name = f"{username}@example.gov", username.title()


def _set(factory: sessionmaker[Session], ref: str, **values: object) -> None:
    with unit_of_work(factory) as session:
        dataset = session.scalar(select(Dataset).where(Dataset.public_id == ref))
        assert dataset is not None
        for name, value in values.items():
            setattr(dataset, name, value)


def _steward_of(factory: sessionmaker[Session], ref: str, username: str) -> None:
    with unit_of_work(factory) as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None
        _set(factory, ref, steward_user_id=user.id)


def _queue(factory: sessionmaker[Session], settings: Settings, days_from_now: int = 0) -> list:
    with unit_of_work(factory) as session:
        today = utcnow().date() + timedelta(days=days_from_now)
        found = queue_freshness_reminders(session, settings=settings, today=today)
        return [(m.kind, m.recipient, m.status) for m in found]


def _messages(factory: sessionmaker[Session]) -> list[OutboxMessage]:
    with unit_of_work(factory) as session:
        found = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        session.expunge_all()
        return found


@pytest.fixture
def monthly(session_factory: sessionmaker[Session], settings: Settings, tmp_path: Path) -> str:
    """A DPH monthly dataset whose data changed 20 days ago, stewarded by ann, with officer olga."""
    _with_email(session_factory, "ann", "steward", "DPH")
    _with_email(session_factory, "olga", "agency_data_officer", "DPH")
    _with_email(session_factory, "dave", "agency_data_officer", "DSS")  # another agency's
    ref = make_dataset(session_factory, settings, tmp_path, agency="DPH", title="Clinic visits")
    _steward_of(session_factory, ref, "ann")
    _set(
        session_factory,
        ref,
        update_frequency="Monthly",
        data_modified_at=utcnow() - timedelta(days=20),
    )
    return ref


def test_each_state_is_told_once_to_the_steward_and_delinquency_to_the_data_officer_too(
    session_factory: sessionmaker[Session], settings: Settings, monthly: str
) -> None:
    assert _queue(session_factory, settings) == []  # current: nothing to say
    # About a month after the change, the due date is near (within 5 days).
    due = _queue(session_factory, settings, days_from_now=8)
    assert due == [("freshness.due", "ann@example.gov", "held")]
    assert _queue(session_factory, settings, days_from_now=9) == []  # told already
    overdue = _queue(session_factory, settings, days_from_now=15)
    assert overdue == [("freshness.overdue", "ann@example.gov", "held")]
    delinquent = _queue(session_factory, settings, days_from_now=60)
    assert delinquent == [
        ("freshness.delinquent", "ann@example.gov", "held"),
        ("freshness.delinquent", "olga@example.gov", "held"),
    ]
    assert _queue(session_factory, settings, days_from_now=61) == []
    messages = _messages(session_factory)
    assert len(messages) == 4
    first = messages[0]
    assert first.subject.startswith("[Connecticut Open Data Portal] Update due ")
    assert "Clinic visits" in first.subject
    assert f"http://127.0.0.1:8000/datasets/{monthly}/upload" in first.body
    assert "because you are the dataset's steward" in first.body
    assert "no mail server is configured" in first.last_error
    assert first.resource_id == monthly and first.agency_id is not None
    late = messages[-1]
    assert "data officer of Department of Public Health" in late.body
    assert "more than the 30 days a monthly dataset may be" in late.body


def test_a_new_load_moves_the_due_date_and_starts_the_period_afresh(
    session_factory: sessionmaker[Session], settings: Settings, monthly: str, tmp_path: Path
) -> None:
    from statedata.catalog.loads.local import load_local_file
    from statedata.identity.actor import Actor

    assert len(_queue(session_factory, settings, days_from_now=15)) == 1  # overdue
    path = write_csv(tmp_path / "new.csv", [(1, "a", 2), (2, "b", 3)])
    job = load_local_file(
        settings, session_factory, actor=Actor.system("test"), ref=monthly, path=path
    )
    assert job.status == "succeeded", job.error
    assert _queue(session_factory, settings, days_from_now=0) == []  # current again
    again = _queue(session_factory, settings, days_from_now=27)  # the new period's due date
    assert again == [("freshness.due", "ann@example.gov", "held")]


def test_without_a_steward_the_data_officers_are_told_then_the_contact_then_the_outbox_keeps_it(
    session_factory: sessionmaker[Session], settings: Settings, monthly: str
) -> None:
    _set(session_factory, monthly, steward_user_id=None)
    assert _queue(session_factory, settings, days_from_now=8) == [
        ("freshness.due", "olga@example.gov", "held")
    ]
    with unit_of_work(session_factory) as session:
        olga = session.scalar(select(User).where(User.username == "olga"))
        assert olga is not None
        olga.is_active = False
    _set(session_factory, monthly, contact_email="team@dph.example.gov", contact_name="DPH team")
    assert _queue(session_factory, settings, days_from_now=15) == [
        ("freshness.overdue", "team@dph.example.gov", "held")
    ]
    _set(session_factory, monthly, contact_email="")
    assert _queue(session_factory, settings, days_from_now=60) == [
        ("freshness.delinquent", "", "held")
    ]
    kept = _messages(session_factory)[-1]
    assert kept.last_error.startswith("nobody to send it to")
    assert kept.body.startswith("Hello,\n")


def test_with_a_mail_server_configured_messages_wait_for_the_mailer(
    session_factory: sessionmaker[Session], tmp_path: Path, database_url: str, monthly: str
) -> None:
    mailing = instance_settings(tmp_path / "home", database_url, smtp_host="127.0.0.1")
    assert _queue(session_factory, mailing, days_from_now=8) == [
        ("freshness.due", "ann@example.gov", "pending")
    ]


def test_the_clock_round_and_drafts_unscheduled_and_retired_datasets(
    session_factory: sessionmaker[Session], settings: Settings, tmp_path: Path, monthly: str
) -> None:
    old = utcnow() - timedelta(days=400)
    for title, status, frequency in [
        ("Draft", "draft", "Daily"),
        ("As needed", "published", "As needed"),
        ("Retired", "retired", "Daily"),
    ]:
        ref = make_dataset(
            session_factory, settings, tmp_path, agency="DPH", title=title, status=status
        )
        _set(session_factory, ref, update_frequency=frequency, data_modified_at=old)
    now = utcnow() + timedelta(days=15)
    assert remind_stewards(settings, session_factory, now=now) == 1  # only the monthly one
    assert remind_stewards(settings, session_factory, now=now) == 0
