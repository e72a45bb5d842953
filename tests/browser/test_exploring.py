"""Exploring data in a real browser: the dataset page's table, chart and map, with and without
JavaScript, and the SQL workspace; every page passes axe-core."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy.orm import Session, sessionmaker

from statedata.app import create_app
from statedata.core.config import Settings
from tests.browser.helpers import assert_accessible, sign_in, visit
from tests.factories import make_user
from tests.query.conftest import payment_rows, publish_payments
from tests.servers import serve_app

ROWS = payment_rows()


@pytest.fixture
def explorable(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> Iterator[tuple[str, str]]:
    ref = publish_payments(settings, session_factory, tmp_path)
    make_user(session_factory, "analyst1", "analyst", "DOL")
    with serve_app(create_app(settings)) as base_url:
        yield base_url, ref


def test_the_explorer_draws_its_chart_and_map_and_passes_axe(
    browser: Browser, explorable: tuple[str, str]
) -> None:
    portal, ref = explorable
    page = browser.new_page()
    visit(page, f"{portal}/datasets/{ref}")
    page.get_by_label("Add a filter on").select_option("town")
    page.get_by_label("Test").select_option("eq")
    page.get_by_label("Value", exact=True).fill("Hartford")
    page.get_by_role("button", name="Apply").click()
    wanted = sum(1 for r in ROWS if r["town"] == "Hartford")
    expect(page.locator("#explore-status")).to_contain_text(f"of {wanted} matching")
    expect(page.locator("#map")).to_have_attribute(
        "data-points", str(sum(1 for r in ROWS if r["town"] == "Hartford" and r["latitude"]))
    )
    page.get_by_label("Along the bottom (x)").select_option("category")
    page.get_by_label("Measure").select_option("sum")
    page.get_by_label("Of (y, for sum, average, smallest, largest)").select_option("amount")
    page.get_by_role("button", name="Draw").click()
    expect(page.locator("#chart")).to_have_attribute("data-drawn", "true")
    assert page.locator("#chart svg.marks").count() == 1
    assert re.search(r"fc=town&fo=eq&fv=Hartford", page.url)  # the chart kept the table's filter
    assert_accessible(page)


def test_the_explorer_filters_sorts_and_pages_without_javascript(
    browser: Browser, explorable: tuple[str, str]
) -> None:
    portal, ref = explorable
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{portal}/datasets/{ref}")
    page.get_by_label("Add a filter on").select_option("category")
    page.get_by_label("Value", exact=True).fill("grant")
    page.get_by_role("button", name="Apply").click()
    page.get_by_role("link", name="amount", exact=True).click()
    page.get_by_role("link", name="Next", exact=True).click()
    grants = sorted(
        (r for r in ROWS if r["category"] == "grant"),
        key=lambda r: (not r["amount"], float(r["amount"] or 0), r["id"]),
    )
    first_id = page.locator("#explore-caption ~ tbody tr").first.locator("td").first.inner_text()
    assert int(first_id) == grants[25]["id"]
    expect(page.locator("#explore-status")).to_contain_text(
        f"Rows 26 to 50 of {len(grants)} matching, sorted by amount ascending"
    )
    context.close()


def test_the_sql_workspace_runs_and_charts_a_statement(
    browser: Browser, explorable: tuple[str, str]
) -> None:
    portal, _ = explorable
    page = browser.new_page()
    sign_in(page, portal, "analyst1")
    visit(page, f"{portal}/sql")
    page.get_by_label("Statement").fill(
        "SELECT town, count(*) AS n FROM payments_by_town GROUP BY town ORDER BY n DESC"
    )
    page.get_by_role("button", name="Run").click()
    expect(page.get_by_role("status")).to_contain_text("7 rows")
    page.get_by_label("Along the bottom (x)").select_option("town")
    page.get_by_label("Height (y, a number)").select_option("n")
    page.get_by_role("button", name="Run").click()
    expect(page.locator("#chart")).to_have_attribute("data-drawn", "true")
    assert_accessible(page)
    page.get_by_label("Title to save it under").fill("Rows per town")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("link", name="Rows per town")).to_be_visible()
    assert_accessible(page)
