"""A steward publishes a million-row CSV in a browser: three versions, their changes, a restore."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pyarrow.dataset as ds
import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy.orm import Session, sessionmaker

from statedata.app import create_app
from statedata.core.config import Settings
from statedata.storage.checksums import rows_checksum
from statedata.storage.readers import open_source
from statedata.storage.schema import Column
from tests.browser.helpers import assert_accessible, sign_in, visit
from tests.catalog.publishing import make_dataset
from tests.factories import make_user
from tests.servers import serve_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TOWNS = ["Hartford", "New Haven", "Bridgeport", "Stamford", "Waterbury", "Norwalk", "Danbury"]
V1_TYPES = [
    Column("visit_id", "BIGINT"),
    Column("town", "VARCHAR"),
    Column("visit_date", "DATE"),
    Column("score", "BIGINT"),
]


def write_visits(path: Path, first: int, count: int) -> Path:
    start = date(2020, 1, 1)
    with path.open("w") as handle:
        handle.write("visit_id,town,visit_date,score\n")
        for i in range(first, first + count):
            day = start + timedelta(days=i % 2000)
            handle.write(f"{i},{TOWNS[i % len(TOWNS)]},{day.isoformat()},{i % 97}\n")
    return path


@pytest.fixture
def portal(settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[str]:
    make_user(session_factory, "steward1", "steward", "DPH")
    with serve_app(create_app(settings)) as base_url:
        yield base_url


def upload(page: Page, portal: str, ref: str, path: Path) -> None:
    visit(page, f"{portal}/datasets/{ref}/upload")
    page.get_by_label("File").set_input_files(str(path))
    with page.expect_navigation(url=f"{portal}/datasets/{ref}/uploads/*"):
        page.get_by_role("button", name="Upload").click()
    assert_accessible(page)


def load(page: Page, portal: str, version: int) -> None:
    with page.expect_navigation(url=f"{portal}/jobs/*", timeout=120_000):
        page.get_by_role("button", name=f"Load as version {version}").click()
    assert page.get_by_text("succeeded").first.is_visible(), page.content()[:3000]
    assert_accessible(page)
    page.get_by_role("link", name="Open the result").click()


def version_row(page: Page, number: int) -> str:
    return (
        page.locator("#versions tbody tr")
        .filter(has=page.get_by_role("rowheader", name=f"{number}", exact=False))
        .first.inner_text()
    )


def test_a_steward_publishes_appends_retypes_and_restores(
    browser: Browser, portal: str, tmp_path: Path
) -> None:
    first_file = write_visits(tmp_path / "visits.csv", 0, 1_000_000)
    page = browser.new_page()
    page.set_default_timeout(60_000)
    sign_in(page, portal, "steward1")

    visit(page, f"{portal}/datasets/new")
    page.get_by_label("Title").fill("Clinic visits")
    page.get_by_label("Category").select_option("Health and Human Services")
    page.get_by_label("Classification").select_option("public")
    page.get_by_role("button", name="Create draft").click()
    page.wait_for_url(f"{portal}/datasets/*/upload")
    ref = page.url.split("/")[-2]

    # Version 1: a million rows, types as inferred.
    upload(page, portal, ref, first_file)
    assert page.get_by_label("visit_date", exact=True).input_value() == "DATE"
    assert page.get_by_label("score", exact=True).input_value() == "BIGINT"
    load(page, portal, 1)
    assert page.get_by_text("1,000,000", exact=True).first.is_visible()

    # Version 2: append a thousand rows.
    upload(page, portal, ref, write_visits(tmp_path / "more.csv", 1_000_000, 1_000))
    page.get_by_text("Append these rows").click()  # USWDS styles the label, not the input
    load(page, portal, 2)

    # Version 3: the same million rows with score retyped as text.
    upload(page, portal, ref, first_file)
    page.get_by_label("score", exact=True).select_option("VARCHAR")
    load(page, portal, 3)
    visit(page, f"{portal}/datasets/{ref}")

    assert "3 (current)" in version_row(page, 3)
    assert "score: BIGINT → VARCHAR" in version_row(page, 3)
    assert "1,000,000" in version_row(page, 3)
    assert "no schema change" in version_row(page, 2)
    assert "1,001,000" in version_row(page, 2)
    assert "append" in version_row(page, 2)
    assert "4 columns" in version_row(page, 1)

    # Restore version 1: a fourth version with exactly version 1's rows.
    page.get_by_role("button", name="Restore version 1").click()
    page.wait_for_url(f"{portal}/datasets/{ref}")
    assert_accessible(page)
    restored = version_row(page, 4)
    assert "restore of version 1" in restored
    checksum_v1 = page.locator("#versions tbody tr").last.locator("code").inner_text()
    assert checksum_v1 in restored

    # The checksum is of the rows themselves: the original file, read on its own, agrees.
    source = open_source(first_file, "csv", V1_TYPES)
    assert rows_checksum(ds.dataset(source.batches.read_all())) == checksum_v1


def test_catalog_pages_pass_the_accessibility_checks(
    browser: Browser,
    settings: Settings,
    session_factory: sessionmaker[Session],
    portal: str,
    tmp_path: Path,
) -> None:
    published = make_dataset(
        session_factory,
        settings,
        tmp_path,
        agency="DPH",
        title="Clinic counts",
        description="Clinics by town.",
        category="Health and Human Services",
        tags=["clinics"],
        update_frequency="Monthly",
        is_high_value=True,
        high_value_criteria=["core_mission"],
    )
    retired = make_dataset(
        session_factory, settings, tmp_path, agency="DPH", title="Old", status="retired"
    )
    page = browser.new_page()
    for path in (
        "/catalog",
        "/catalog?q=clinics&category=Health+and+Human+Services",
        f"/datasets/{published}",
        f"/datasets/{retired}",
        "/retired",
        "/agencies/DPH",
        "/inventory/DPH",
        "/access-plan",
        "/access-plan/DPH",
    ):
        visit(page, portal + path)

    sign_in(page, portal, "steward1")
    for path in (
        "/catalog",
        f"/datasets/{published}",
        f"/datasets/{published}/edit",
        f"/datasets/{published}/dictionary",
        f"/datasets/{published}/upload",
        f"/datasets/{published}/source",
        "/datasets/new",
    ):
        visit(page, portal + path)
    page.goto(f"{portal}/datasets/{published}/upload")
    page.get_by_label("File").set_input_files(
        files=[{"name": "more.csv", "mimeType": "text/csv", "buffer": b"id,name,score\n7,g,8\n"}]
    )
    page.get_by_role("button", name="Upload").click()
    page.wait_for_url(f"{portal}/datasets/{published}/uploads/*")
    assert_accessible(page)
