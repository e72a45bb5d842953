"""The open data access plan: a status per inventory item, as JSON, CSV, Excel and pages."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from statedata.catalog.inventory.access_plan import PlanStatus, plan_item, plan_of
from statedata.catalog.models import Dataset
from statedata.core.config import Settings
from statedata.core.db import utcnow
from tests.catalog.publishing import make_dataset
from tests.factories import make_user, sign_in

TODAY = date(2026, 11, 24)


def dataset(**fields: object) -> Dataset:
    values: dict[str, object] = {
        "public_id": "abcd-1234",
        "title": "Clinics",
        "classification": "public",
        "status": "draft",
        "open_data_status": "planned",
        "is_high_value": False,
        "planned_publication_date": None,
        "published_at": None,
    }
    return Dataset(**(values | fields))


def published_on(day: date) -> dict[str, object]:
    return {
        "status": "published",
        "published_at": datetime(day.year, day.month, day.day, tzinfo=UTC),
    }


@pytest.mark.parametrize(
    ("fields", "status", "on_time", "days_overdue"),
    [
        ({"planned_publication_date": TODAY + timedelta(days=1)}, PlanStatus.ON_TRACK, None, 0),
        ({"planned_publication_date": TODAY}, PlanStatus.ON_TRACK, None, 0),
        ({"planned_publication_date": TODAY - timedelta(days=3)}, PlanStatus.OVERDUE, None, 3),
        ({}, PlanStatus.NOT_SCHEDULED, None, 0),
        ({"open_data_status": "under_review"}, PlanStatus.NOT_SCHEDULED, None, 0),
        ({"open_data_status": "not_for_publication"}, PlanStatus.NOT_FOR_PUBLICATION, None, 0),
        (published_on(TODAY), PlanStatus.PUBLISHED, None, 0),
        (
            published_on(TODAY) | {"planned_publication_date": TODAY},
            PlanStatus.PUBLISHED,
            True,
            0,
        ),
        (
            published_on(TODAY) | {"planned_publication_date": TODAY - timedelta(days=1)},
            PlanStatus.PUBLISHED,
            False,
            0,
        ),
        # Published but not for the public (internal) is not open data: still overdue.
        (
            published_on(TODAY)
            | {"classification": "internal", "planned_publication_date": date(2026, 1, 1)},
            PlanStatus.OVERDUE,
            None,
            327,
        ),
    ],
)
def test_each_item_gets_one_status(
    fields: dict[str, object], status: PlanStatus, on_time: bool | None, days_overdue: int
) -> None:
    item = plan_item(dataset(**fields), TODAY)
    assert (item.status, item.on_time, item.days_overdue) == (status, on_time, days_overdue)


def test_the_plan_puts_what_needs_attention_first_and_counts_the_on_time_rate() -> None:
    plan = plan_of(
        [
            dataset(title="Later", planned_publication_date=TODAY + timedelta(days=90)),
            dataset(title="Never", open_data_status="not_for_publication"),
            dataset(title="Late", planned_publication_date=TODAY - timedelta(days=9)),
            dataset(title="Kept", planned_publication_date=TODAY, **published_on(TODAY)),
            dataset(
                title="Missed",
                planned_publication_date=TODAY - timedelta(days=5),
                **published_on(TODAY),
            ),
            dataset(title="Sooner", planned_publication_date=TODAY + timedelta(days=10)),
        ],
        TODAY,
    )
    assert [i.title for i in plan.items] == ["Late", "Sooner", "Later", "Missed", "Kept", "Never"]
    assert plan.counts == {
        "overdue": 1,
        "on_track": 2,
        "not_scheduled": 0,
        "published": 2,
        "not_for_publication": 1,
    }
    assert plan.on_time_rate == 0.5
    assert plan_of([dataset()], TODAY).on_time_rate is None


@pytest.fixture
def dss_plan(
    session_factory: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> dict[str, str]:
    """DSS with a published public dataset, two planned drafts and one not for publication."""
    today = utcnow().date()
    made = {
        "published": make_dataset(
            session_factory,
            settings,
            tmp_path,
            agency="DSS",
            title="SNAP households",
            open_data_status="published",
            planned_publication_date=(today + timedelta(days=1)).isoformat(),
        ),
        "overdue": make_dataset(
            session_factory,
            settings,
            tmp_path,
            agency="DSS",
            title="Child care subsidies",
            status="draft",
            open_data_status="planned",
            planned_publication_date=(today - timedelta(days=10)).isoformat(),
        ),
        "on_track": make_dataset(
            session_factory,
            settings,
            tmp_path,
            agency="DSS",
            title="Energy assistance",
            status="draft",
            open_data_status="planned",
            planned_publication_date=(today + timedelta(days=60)).isoformat(),
        ),
        "not_for_publication": make_dataset(
            session_factory,
            settings,
            tmp_path,
            agency="DSS",
            title="Case notes",
            classification="restricted",
            open_data_status="not_for_publication",
        ),
    }
    make_user(session_factory, "ado", "agency_data_officer", "DSS")
    return made


def test_the_officer_reads_the_plan_as_json_csv_and_excel(
    client: TestClient, dss_plan: dict[str, str]
) -> None:
    sign_in(client, "ado")

    body = client.get("/api/v1/access-plan/dss").json()

    assert body["agency"] == "DSS" and body["items"] and body["on_time_rate"] == 1.0
    statuses = {item["public_id"]: item["status"] for item in body["items"]}
    assert statuses == {ref: status for status, ref in dss_plan.items()}
    overdue = next(i for i in body["items"] if i["status"] == "overdue")
    assert overdue["days_overdue"] == 10 and body["items"][0] == overdue
    assert body["by_status"] == {
        "overdue": 1,
        "on_track": 1,
        "not_scheduled": 0,
        "published": 1,
        "not_for_publication": 1,
    }

    exported = client.get(body["links"]["csv"])
    assert exported.status_code == 200
    assert 'filename="DSS-access-plan.csv"' in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["status"] for r in rows] == [i["status"] for i in body["items"]]
    assert rows[0]["days_overdue"] == "10"
    assert next(r for r in rows if r["status"] == "published")["on_time"] == "yes"

    workbook = client.get(body["links"]["xlsx"])
    sheet = load_workbook(io.BytesIO(workbook.content), read_only=True).worksheets[0]
    lines = list(sheet.iter_rows(values_only=True))
    assert lines[0][:2] == ("public_id", "title") and len(lines) == 5

    page = client.get("/access-plan/DSS")
    assert page.status_code == 200
    assert "Overdue (10 days)" in page.text and "on time" in page.text


def test_the_public_sees_only_public_items_and_counts_that_do_not_leak(
    client: TestClient, dss_plan: dict[str, str]
) -> None:
    body = client.get("/api/v1/access-plan/DSS").json()

    assert [i["public_id"] for i in body["items"]] == [dss_plan["published"]]
    assert body["by_status"]["overdue"] == 0 and body["items"][0]["status"] == "published"
    statewide = client.get("/api/v1/access-plan").json()["agencies"]
    assert [(a["agency"], a["items"]) for a in statewide] == [("DSS", 1)]
    page = client.get("/access-plan")
    assert page.status_code == 200 and "Department of Social Services" in page.text
    assert "Child care" not in client.get("/access-plan/DSS").text


def test_bad_requests_name_what_is_wrong(client: TestClient, dss_plan: dict[str, str]) -> None:
    wrong_format = client.get("/api/v1/access-plan/DSS/access-plan.pdf")
    assert wrong_format.status_code == 422
    assert wrong_format.json()["detail"] == "path.kind: 'pdf' is not a choice; use 'csv' or 'xlsx'"
    assert client.get("/api/v1/access-plan/NOPE").status_code == 404
    assert client.get("/access-plan/NOPE").status_code == 404
