"""Due dates and freshness states from each dataset's update frequency, and the statewide view."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from statedata.catalog.freshness.doc import freshness_document, thresholds_markdown
from statedata.catalog.freshness.states import (
    EXPECTATIONS,
    FreshnessState,
    freshness_at,
    statewide_freshness,
)
from statedata.catalog.models import Dataset
from statedata.core.config import Settings
from statedata.core.db import unit_of_work, utcnow
from statedata.identity.actor import Actor
from tests.catalog.publishing import make_dataset
from tests.factories import make_user, sign_in

ROOT = Path(__file__).resolve().parents[3]
D = date.fromisoformat

# (frequency, last change, today, state, due date, days late)
CASES = [
    ("Daily", "2026-11-20", "2026-11-20", "current", "2026-11-21", 0),
    ("Daily", "2026-11-20", "2026-11-21", "due", "2026-11-21", 0),
    ("Daily", "2026-11-20", "2026-11-22", "overdue", "2026-11-21", 1),
    ("Daily", "2026-11-20", "2026-11-24", "overdue", "2026-11-21", 3),
    ("Daily", "2026-11-20", "2026-11-25", "delinquent", "2026-11-21", 4),
    ("Every weekday", "2026-11-20", "2026-11-22", "current", "2026-11-23", 0),  # Fri -> Mon
    ("Every weekday", "2026-11-23", "2026-11-24", "due", "2026-11-24", 0),
    ("Every weekday", "2026-11-20", "2026-11-24", "overdue", "2026-11-23", 1),
    ("Weekly", "2026-11-01", "2026-11-06", "current", "2026-11-08", 0),
    ("Weekly", "2026-11-01", "2026-11-07", "due", "2026-11-08", 0),
    ("Weekly", "2026-11-01", "2026-11-15", "overdue", "2026-11-08", 7),
    ("Weekly", "2026-11-01", "2026-11-16", "delinquent", "2026-11-08", 8),
    ("Bi-weekly", "2026-11-01", "2026-11-12", "current", "2026-11-15", 0),
    ("Bi-weekly", "2026-11-01", "2026-11-13", "due", "2026-11-15", 0),
    ("Monthly", "2026-10-15", "2026-11-09", "current", "2026-11-15", 0),
    ("Monthly", "2026-10-15", "2026-11-10", "due", "2026-11-15", 0),
    ("Monthly", "2026-10-15", "2026-11-15", "due", "2026-11-15", 0),
    ("Monthly", "2026-10-15", "2026-11-16", "overdue", "2026-11-15", 1),
    ("Monthly", "2026-10-15", "2026-12-15", "overdue", "2026-11-15", 30),
    ("Monthly", "2026-10-15", "2026-12-16", "delinquent", "2026-11-15", 31),
    ("Monthly", "2026-01-31", "2026-02-01", "current", "2026-02-28", 0),  # the month's last day
    ("Monthly", "2028-01-31", "2028-02-01", "current", "2028-02-29", 0),  # a leap year
    ("Bi-monthly", "2026-09-30", "2026-11-23", "due", "2026-11-30", 0),
    ("Quarterly", "2026-08-20", "2026-11-05", "current", "2026-11-20", 0),
    ("Quarterly", "2026-08-20", "2026-11-06", "due", "2026-11-20", 0),
    ("Quarterly", "2026-08-20", "2027-01-04", "overdue", "2026-11-20", 45),
    ("Quarterly", "2026-08-20", "2027-01-05", "delinquent", "2026-11-20", 46),
    ("Bi-annually", "2026-05-31", "2026-11-30", "due", "2026-11-30", 0),
    ("Annually", "2025-12-15", "2026-11-14", "current", "2026-12-15", 0),
    ("Annually", "2025-12-15", "2026-11-15", "due", "2026-12-15", 0),
    ("Annually", "2025-12-15", "2027-03-15", "overdue", "2026-12-15", 90),
    ("Annually", "2025-12-15", "2027-03-16", "delinquent", "2026-12-15", 91),
    ("Annually", "2024-02-29", "2024-03-01", "current", "2025-02-28", 0),
]


@pytest.mark.parametrize(("frequency", "last", "today", "state", "due", "late"), CASES)
def test_each_frequency_gives_a_due_date_and_a_state(
    frequency: str, last: str, today: str, state: str, due: str, late: int
) -> None:
    found = freshness_at(frequency, D(last), D(today))
    assert (found.state.value, found.due_date, found.days_late) == (state, D(due), late)
    if found.state in (FreshnessState.CURRENT, FreshnessState.DUE):
        assert found.days_left == (D(due) - D(today)).days


@pytest.mark.parametrize(
    "frequency", ["As needed", "Not updated (historical only)", "Other", "", "Hourly"]
)
def test_frequencies_without_a_promise_have_no_due_date(frequency: str) -> None:
    found = freshness_at(frequency, D("2020-01-01"), D("2026-11-25"))
    assert found.state is FreshnessState.NOT_SCHEDULED
    assert found.due_date is None and found.days_late == 0


def test_every_frequency_of_the_vocabulary_with_a_schedule_has_an_expectation() -> None:
    from statedata.catalog.vocabulary import UPDATE_FREQUENCIES

    scheduled = {f for f, (_, interval) in UPDATE_FREQUENCIES.items() if interval is not None}
    assert scheduled == set(EXPECTATIONS)
    for e in EXPECTATIONS.values():  # the notice comes before the due date, within the period
        assert 0 <= e.notice_days < max(1, e.months * 28 + e.days)
        assert e.delinquent_after_days > 0


def test_the_documented_thresholds_are_the_ones_in_force() -> None:
    documented = (ROOT / "docs" / "freshness.md").read_text()
    assert documented == freshness_document(), "docs/freshness.md drifted: run `make docs`"
    assert "| Monthly | 1 month after the last change | 5 days before |" in thresholds_markdown()


def _age(factory: sessionmaker[Session], ref: str, frequency: str, days: int) -> None:
    """Make the dataset's data last change ``days`` ago, on ``frequency``."""
    with unit_of_work(factory) as session:
        dataset = session.scalar(select(Dataset).where(Dataset.public_id == ref))
        assert dataset is not None
        dataset.update_frequency = frequency
        dataset.data_modified_at = utcnow() - timedelta(days=days)


@pytest.fixture
def statewide(
    session_factory: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> dict[str, str]:
    """DPH: one dataset in each state; DSS: a restricted late one and a draft."""
    refs = {}
    for name, frequency, days in [
        ("current", "Monthly", 3),
        ("due", "Monthly", 28),
        ("overdue", "Weekly", 10),
        ("delinquent", "Daily", 10),
        ("unscheduled", "As needed", 900),
    ]:
        refs[name] = make_dataset(
            session_factory, settings, tmp_path, agency="DPH", title=f"DPH {name}"
        )
        _age(session_factory, refs[name], frequency, days)
    refs["restricted"] = make_dataset(
        session_factory,
        settings,
        tmp_path,
        agency="DSS",
        title="DSS case notes",
        classification="restricted",
    )
    _age(session_factory, refs["restricted"], "Quarterly", 400)
    refs["draft"] = make_dataset(
        session_factory, settings, tmp_path, agency="DSS", title="DSS draft", status="draft"
    )
    _age(session_factory, refs["draft"], "Daily", 400)
    return refs


def test_the_statewide_view_counts_each_agency_by_state_over_what_the_viewer_may_see(
    session_factory: sessionmaker[Session], statewide: dict[str, str]
) -> None:
    today = utcnow().date()
    with unit_of_work(session_factory) as session:
        public = statewide_freshness(session, actor=Actor.anonymous(), today=today)
        everything = statewide_freshness(session, actor=Actor.system("cdo"), today=today)
    assert [a.code for a in public] == ["DPH"]
    dph = public[0]
    assert dph.counts == {
        "delinquent": 1,
        "overdue": 1,
        "due": 1,
        "current": 1,
        "not_scheduled": 1,
    }
    assert dph.on_schedule_rate == pytest.approx(2 / 4)
    assert [i.title for i in dph.items][:4] == [
        "DPH delinquent",
        "DPH overdue",
        "DPH due",
        "DPH current",
    ]
    dss = next(a for a in everything if a.code == "DSS")
    assert [(i.title, i.freshness.state.value) for i in dss.items] == [
        ("DSS case notes", "delinquent")
    ]  # a draft is not on a schedule yet


def test_the_freshness_page_and_api_show_agencies_late_datasets_and_thresholds(
    client: TestClient, statewide: dict[str, str]
) -> None:
    body = client.get("/api/v1/freshness").json()
    assert body["statewide"]["by_state"]["delinquent"] == 1
    assert [a["agency"] for a in body["agencies"]] == ["DPH"]
    assert [(x["title"], x["state"]) for x in body["late"]] == [
        ("DPH delinquent", "delinquent"),
        ("DPH overdue", "overdue"),
    ]
    assert body["late"][0]["days_late"] == 9
    assert {t["update_frequency"] for t in body["thresholds"]} == set(EXPECTATIONS)
    page = client.get("/freshness")
    assert page.status_code == 200
    assert "DPH delinquent" in page.text and "9 days late" in page.text
    assert "DSS case notes" not in page.text
    assert 'href="/api/v1/freshness"' in page.text
    agency = client.get("/api/v1/freshness/dph").json()
    assert agency["agency"] == "DPH" and len(agency["items"]) == 5
    due = next(i for i in agency["items"] if i["title"] == "DPH due")
    assert due["state"] == "due" and due["days_left"] in (2, 3)  # month lengths vary
    assert "DPH current" in client.get("/freshness/DPH").text
    assert client.get("/api/v1/freshness/NOPE").status_code == 404


def test_the_dataset_page_and_json_state_the_next_due_date(
    client: TestClient, statewide: dict[str, str]
) -> None:
    ref = statewide["overdue"]
    detail = client.get(f"/api/v1/datasets/{ref}").json()
    assert detail["freshness"]["state"] == "overdue"
    assert detail["freshness"]["days_late"] == 3
    due = (utcnow() - timedelta(days=10)).date() + timedelta(days=7)
    assert detail["freshness"]["due_date"] == due.isoformat()
    page = client.get(f"/datasets/{ref}").text
    assert "Next update due" in page and "3 days late" in page


def test_the_access_plan_on_time_rate_sits_beside_freshness(
    client: TestClient,
    session_factory: sessionmaker[Session],
    settings: Settings,
    tmp_path: Path,
) -> None:
    today = utcnow().date()
    for title, planned in [("On time", today + timedelta(days=5)), ("Late", today - timedelta(1))]:
        make_dataset(
            session_factory,
            settings,
            tmp_path,
            agency="DEEP",
            title=title,
            open_data_status="planned",
            planned_publication_date=planned.isoformat(),
            update_frequency="Monthly",
        )
    body = client.get("/api/v1/freshness").json()
    deep = next(a for a in body["agencies"] if a["agency"] == "DEEP")
    assert deep["access_plan_on_time_rate"] == pytest.approx(0.5)
    assert deep["by_state"]["current"] == 2


def test_a_signed_in_officer_sees_their_agencys_restricted_datasets_on_the_page(
    client: TestClient, session_factory: sessionmaker[Session], statewide: dict[str, str]
) -> None:
    make_user(session_factory, "officer1", "agency_data_officer", "DSS")
    sign_in(client, "officer1")
    page = client.get("/freshness/DSS").text
    assert "DSS case notes" in page and "Delinquent" in page
    assert "DSS draft" not in page


def test_unknown_frequencies_stored_before_validation_do_not_break_the_view(
    session_factory: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> None:
    ref = make_dataset(session_factory, settings, tmp_path, agency="DPH", title="Odd")
    _age(session_factory, ref, "Fortnightly-ish", 50)
    with unit_of_work(session_factory) as session:
        found = statewide_freshness(session, actor=Actor.anonymous(), today=utcnow().date())
    assert found[0].items[0].freshness.state is FreshnessState.NOT_SCHEDULED


def test_a_dataset_never_loaded_counts_from_its_publication(
    session_factory: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> None:
    ref = make_dataset(session_factory, settings, tmp_path, agency="DPH", title="Empty")
    with unit_of_work(session_factory) as session:
        dataset = session.scalar(select(Dataset).where(Dataset.public_id == ref))
        assert dataset is not None
        dataset.update_frequency = "Weekly"
        dataset.data_modified_at = None
        dataset.published_at = datetime(2026, 1, 1, tzinfo=UTC)
        found = statewide_freshness(session, actor=Actor.anonymous(), today=D("2026-01-05"))
    assert found[0].items[0].freshness.due_date == D("2026-01-08")
