"""The agency report card: each duty met or not (or not yet asked), with the day it became so,
worked out by hand for three agencies; public, and naming neither datasets nor people."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from statedata.catalog.models import Dataset, InventorySubmission
from statedata.core.config import Settings
from statedata.core.db import unit_of_work, utcnow
from statedata.identity.models import Agency
from tests.catalog.publishing import make_dataset
from tests.factories import make_user


def test_each_agencys_duties_are_met_or_not_with_the_day_they_became_so(
    client: TestClient, settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    today = utcnow().date()
    make_user(session_factory, "dss.officer", "agency_data_officer", "DSS")
    make_user(session_factory, "dot.steward", "steward", "DOT")  # a steward is not an officer
    late = make_dataset(session_factory, settings, tmp_path, agency="DOT", title="Crash counts",
                        update_frequency="Monthly")  # fmt: skip
    make_dataset(session_factory, settings, tmp_path, agency="DOT", title="Bridge ratings",
                 update_frequency="Monthly")  # fmt: skip
    make_dataset(session_factory, settings, tmp_path, agency="DSS", title="Secret casework",
                 classification="restricted", status="draft")  # fmt: skip
    with unit_of_work(session_factory) as session:
        dataset = session.scalars(select(Dataset).where(Dataset.public_id == late)).one()
        dataset.data_modified_at = utcnow() - timedelta(days=200)
        dss = session.scalars(select(Agency).where(Agency.code == "DSS")).one()
        session.add(InventorySubmission(agency_id=dss.id, year=today.year, items=[],
                                        submitted_by_name="dss.officer"))  # fmt: skip
        session.add(InventorySubmission(agency_id=dss.id, year=today.year - 1, items=[],
                                        submitted_by_name="dss.officer"))  # fmt: skip

    answer = client.get("/api/v1/plan/report-card")
    assert answer.status_code == 200
    cards = {c["agency"]: {d["key"]: d for d in c["duties"]} for c in answer.json()["agencies"]}

    assert cards["DSS"]["data_officer"]["met"] is True
    assert cards["DSS"]["data_officer"]["since"] == today.isoformat()
    assert cards["DOT"]["data_officer"]["met"] is False
    assert cards["DSS"]["inventory"]["met"] is True and cards["DOT"]["inventory"]["met"] is False
    assert cards["DSS"]["inventory"]["since"] == today.isoformat()
    # a draft meant for review has no planned date; DOT's published datasets need none
    assert cards["DSS"]["access_plan"]["met"] is False
    assert cards["DSS"]["access_plan"]["detail"] == "1 without a date, 0 overdue"
    assert cards["DOT"]["on_schedule"]["met"] is False
    assert cards["DOT"]["on_schedule"]["detail"] == "1 of 2 on schedule (50%)"
    assert cards["DSS"]["on_schedule"]["met"] is None  # nothing published on a schedule
    assert cards["DPH"]["access_plan"]["met"] is None  # no inventory items yet
    assert all(c["progress_report"]["met"] is None for c in cards.values())
    assert "Secret casework" not in answer.text and "dss.officer" not in answer.text
