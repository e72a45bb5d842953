"""In a browser: the statewide freshness page, an agency's datasets with their due dates, and the
outbox where a steward reads the reminders; pages pass axe."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from statedata.app import create_app
from statedata.catalog.freshness.reminders import queue_freshness_reminders
from statedata.catalog.models import Dataset
from statedata.core.config import Settings
from statedata.core.db import unit_of_work, utcnow
from statedata.identity.models import User
from tests.browser.helpers import sign_in, visit
from tests.catalog.publishing import make_dataset
from tests.factories import make_user
from tests.servers import serve_app

pytestmark = pytest.mark.browser


@pytest.fixture
def portal(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> Iterator[str]:
    make_user(session_factory, "steward1", "steward", "DPH")
    ages = {"Clinic visits": ("Weekly", 30), "Flu shots": ("Monthly", 2)}
    for title, (frequency, days) in ages.items():
        ref = make_dataset(session_factory, settings, tmp_path, agency="DPH", title=title)
        with unit_of_work(session_factory) as session:
            dataset = session.scalars(select(Dataset).where(Dataset.public_id == ref)).one()
            steward = session.scalars(select(User).where(User.username == "steward1")).one()
            steward.email = "steward1@example.gov"
            dataset.steward_user_id = steward.id
            dataset.update_frequency = frequency
            dataset.data_modified_at = utcnow() - timedelta(days=days)
    with unit_of_work(session_factory) as session:
        queue_freshness_reminders(session, settings=settings, today=utcnow().date())
    with serve_app(create_app(settings)) as base_url:
        yield base_url


def test_the_public_follows_late_datasets_from_the_statewide_page_to_the_agency(
    browser: Browser, portal: str
) -> None:
    page = browser.new_page()
    visit(page, f"{portal}/freshness")
    late = page.get_by_role("region", name="Late updates")
    assert "Clinic visits" in late.inner_text() and "Flu shots" not in late.inner_text()
    assert "Delinquent, 23 days late" in late.inner_text()
    page.get_by_role("link", name="Department of Public Health").click()
    page.wait_for_load_state()
    visit(page, page.url)
    rows = page.get_by_role("region", name="Freshness of each dataset").inner_text()
    assert "Flu shots" in rows and "Current" in rows


def test_a_steward_reads_the_reminder_in_the_outbox(browser: Browser, portal: str) -> None:
    page = browser.new_page()
    sign_in(page, portal, "steward1")
    page.get_by_role("link", name="Outbox").click()
    page.wait_for_load_state()
    visit(page, page.url)
    summary = page.locator("details summary").first
    assert "Delinquent, 23 days late: Clinic visits" in summary.inner_text()
    summary.click()
    assert "because you are the dataset's steward" in page.locator("details pre").first.inner_text()
    page.get_by_label("Status").select_option("sent")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    assert "No messages with the status sent" in page.locator("main").inner_text()
