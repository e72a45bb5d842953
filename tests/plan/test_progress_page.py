"""The public progress page: the plan in force with each objective against its target and the
statewide measures; it and its JSON twin, read by anyone, name no dataset that is not public."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from statedata.core.config import Settings
from statedata.core.db import unit_of_work
from statedata.demo.plan import build_demo_plan
from statedata.plan.snapshots import take_snapshot
from tests.catalog.publishing import make_dataset


def test_the_progress_page_shows_the_plan_and_names_no_dataset_that_is_not_public(
    client: TestClient, settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    hidden = [
        ("Casework notes of clients", "restricted", "DSS"),
        ("Internal staffing roster", "internal", "DAS"),
        ("Draft overdose counts", "confidential", "DPH"),
    ]
    refs = [
        make_dataset(session_factory, settings, tmp_path, agency=agency, title=title,
                     classification=classification, category="Health and Human Services")
        for title, classification, agency in hidden
    ]  # fmt: skip
    make_dataset(session_factory, settings, tmp_path, agency="DOT", title="Crashes by town")
    assert build_demo_plan(session_factory, today=date(2026, 12, 3)) >= 12
    with unit_of_work(session_factory) as session:
        take_snapshot(session, today=date(2026, 12, 3))

    page = client.get("/progress")
    assert page.status_code == 200
    assert "Connecticut State Data Plan" in page.text
    assert "Catalog entries meet the open data metadata standard" in page.text
    assert "Create more useful and predictable open data" in page.text
    assert "Datasets inventoried" in page.text and ">4<" in page.text  # the measure, statewide
    assert "Agency report card" in page.text and "Department of Social Services (DSS)" in page.text
    urls = ("/progress", "/api/v1/plan", "/api/v1/plan/objectives", "/api/v1/measures",
            "/api/v1/plan/report-card")  # fmt: skip
    for url in urls:
        text = client.get(url).text
        for (title, _, _), ref in zip(hidden, refs, strict=True):
            assert title not in text and ref not in text, url


def test_before_a_plan_is_adopted_the_page_says_so(client: TestClient) -> None:
    page = client.get("/progress")
    assert page.status_code == 200 and "No edition of the plan has been adopted yet" in page.text
