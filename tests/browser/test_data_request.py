"""Acceptance (issue 7), in a browser: a researcher asks for data, the dataset's steward approves
their part, the CDO's office approves with an end date, the agency's data officer builds the
extract; the researcher reads the extract and not the source, and loses it at the end date;
the audit log shows each step. The pages pass axe."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from statedata.app import create_app
from statedata.core.config import Settings
from statedata.core.db import unit_of_work
from statedata.sharing.extracts import destroy_expired_extracts
from statedata.sharing.models import DataRequest
from tests.browser.helpers import signed_in_page, visit
from tests.catalog.publishing import make_dataset
from tests.factories import make_user
from tests.servers import serve_app

pytestmark = pytest.mark.browser


@pytest.fixture
def portal(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> Iterator[tuple[str, str]]:
    for name, role, agency in (
        ("researcher1", "researcher", None),
        ("dss.steward", "steward", "DSS"),
        ("dss.ado", "agency_data_officer", "DSS"),
        ("cdo1", "admin", "OPM"),
    ):
        make_user(session_factory, name, role, agency)
    ref = make_dataset(
        session_factory,
        settings,
        tmp_path,
        agency="DSS",
        title="Program enrollments",
        classification="restricted",
        rows=[(n, f"program {n % 3}", n % 7) for n in range(1, 61)],
    )
    with serve_app(create_app(settings)) as base_url:
        yield base_url, ref


def test_a_request_goes_from_submission_to_a_delivered_extract_across_three_roles(
    browser: Browser,
    portal: tuple[str, str],
    settings: Settings,
    session_factory: sessionmaker[Session],
) -> None:
    base, source = portal
    researcher = signed_in_page(browser, base, "researcher1")
    researcher.get_by_role("link", name="Data requests").click()
    researcher.wait_for_load_state()
    visit(researcher, researcher.url)
    researcher.get_by_role("link", name="Ask for data").click()
    researcher.wait_for_load_state()
    visit(researcher, researcher.url)
    researcher.get_by_label("Title").fill("Program mix by case")
    researcher.get_by_label("Purpose").fill("How enrollment in each program varies by score.")
    group = researcher.get_by_role("group", name="Program enrollments (DSS, restricted)")
    # USWDS draws its own box: a person clicks the label
    group.get_by_text("name", exact=True).click()
    group.get_by_text("score", exact=True).click()
    researcher.get_by_role("button", name="Submit the request").click()
    researcher.wait_for_load_state()
    assert "its stewards review it next" in researcher.locator("main").inner_text()
    request_url = researcher.url

    steward = signed_in_page(browser, base, "dss.steward")
    visit(steward, request_url)
    steward.get_by_role("button", name="Approve DSS's part").click()
    steward.wait_for_load_state()
    assert "legal review" in steward.locator("main").inner_text()

    cdo = signed_in_page(browser, base, "cdo1")
    visit(cdo, request_url)
    cdo.get_by_label("Conditions of approval, or reasons for denial").fill("No cell under 11")
    cdo.get_by_label("Access until (approval)").fill(
        (date.today() + timedelta(days=30)).isoformat()
    )
    cdo.get_by_role("button", name="Approve", exact=True).click()
    cdo.wait_for_load_state()
    assert "approved" in cdo.locator("main").inner_text()

    officer = signed_in_page(browser, base, "dss.ado")
    visit(officer, request_url)
    officer.get_by_role("button", name="Build the extracts").click()
    officer.wait_for_load_state()
    assert "succeeded" in officer.locator("main").inner_text()

    visit(researcher, request_url)
    extract = researcher.locator("h2:has-text('Extracts') + ul a").first.inner_text()
    rows = researcher.request.get(f"{base}/api/v1/datasets/{extract}/rows")
    assert rows.status == 200 and len(rows.json()["rows"]) == 60
    assert researcher.request.get(f"{base}/api/v1/datasets/{source}/rows").status in (403, 404)
    visit(researcher, f"{base}/datasets/{extract}")

    with unit_of_work(session_factory) as session:
        session.execute(update(DataRequest).values(access_until=date.today() - timedelta(days=1)))
    destroy_expired_extracts(settings, session_factory, lambda _job: None)
    assert researcher.request.get(f"{base}/api/v1/datasets/{extract}/rows").status in (403, 404)

    visit(cdo, f"{base}/admin/audit")
    log = cdo.request.get(f"{base}/api/v1/audit?resource_type=data_request&limit=100").json()
    actions = [e["action"] for e in log["events"]]
    for step in ("request.submitted", f"request.steward approved {source}", "request.approved",
                 "request.fulfilled", "request.destroyed"):  # fmt: skip
        assert step in actions, step
