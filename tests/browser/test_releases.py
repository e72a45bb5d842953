"""In a browser (issue 7): a DPH steward releases a suppressed count table from a restricted
dataset through the form and reads it; the CDO's office records a legal obstacle and moves its
review on; the public reads the releases and the legal review summary. The pages pass axe."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from sqlalchemy.orm import Session, sessionmaker

from statedata.app import create_app
from statedata.core.config import Settings
from tests.browser.helpers import signed_in_page, visit
from tests.catalog.publishing import make_dataset
from tests.factories import make_user
from tests.servers import serve_app

pytestmark = pytest.mark.browser


@pytest.fixture
def portal(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> Iterator[tuple[str, str]]:
    make_user(session_factory, "dph.steward", "steward", "DPH")
    make_user(session_factory, "cdo1", "admin", "OPM")
    ref = make_dataset(
        session_factory,
        settings,
        tmp_path,
        agency="DPH",
        title="Overdose deaths",
        classification="restricted",
        rows=[(n, f"town {n % 4}", n % 3) for n in range(1, 81)],
    )
    with serve_app(create_app(settings)) as base_url:
        yield base_url, ref


def test_a_steward_releases_a_table_and_the_public_reads_it_with_the_obstacles(
    browser: Browser, portal: tuple[str, str]
) -> None:
    base, source = portal
    steward = signed_in_page(browser, base, "dph.steward")
    visit(steward, f"{base}/releases")
    steward.get_by_role("link", name="Release a table").click()
    steward.wait_for_load_state()
    visit(steward, steward.url)
    steward.get_by_label("Title of the published table").fill("Deaths by town and score")
    steward.get_by_label("Rows: by the column").fill("name")
    steward.get_by_label("Columns: by the column (optional)").fill("score")
    steward.get_by_role("button", name="Make the table").click()
    steward.wait_for_load_state()
    release_url = steward.url
    assert "/releases/" in release_url
    for _ in range(100):  # the job loads the table; the page says when it is ready
        if "ready" in steward.locator("main").inner_text():
            break
        time.sleep(0.2)
        steward.reload()
    visit(steward, release_url)
    text = steward.locator("main").inner_text()
    assert "Counts from 1 to 5 suppressed" in text and "town 1" in text

    cdo = signed_in_page(browser, base, "cdo1")
    dataset = cdo.request.get(f"{base}/api/v1/releases").json()[0]["dataset"]
    visit(cdo, f"{base}/datasets/{dataset}")
    cdo.get_by_role("button", name="Approve and publish").click()
    cdo.wait_for_load_state()
    visit(cdo, f"{base}/legal-review")
    cdo.get_by_label("Title").fill("Death records for research")
    cdo.get_by_label("Statute or rule").fill("Conn. Gen. Stat. 7-51a")
    cdo.get_by_label("What it stops").fill("Death records are open to researchers only by rule.")
    cdo.get_by_text("DPH: ", exact=False).first.click()
    cdo.get_by_role("button", name="Record the obstacle").click()
    cdo.wait_for_load_state()
    visit(cdo, cdo.url)
    cdo.get_by_label("Status").select_option("under_review")
    cdo.get_by_label("Note for the timeline").fill("Asked DPH's counsel.")
    cdo.get_by_role("button", name="Save").click()
    cdo.wait_for_load_state()
    assert "Asked DPH's counsel." in cdo.locator("main").inner_text()

    public = browser.new_page()
    visit(public, f"{base}/releases")
    assert "Deaths by town and score" in public.locator("main").inner_text()
    visit(public, release_url)
    visit(public, f"{base}/legal-review")
    assert "Death records for research" in public.locator("main").inner_text()
    assert public.request.get(f"{base}/api/v1/datasets/{source}/rows").status in (401, 403, 404)
