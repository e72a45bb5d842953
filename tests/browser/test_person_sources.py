"""In a browser: the CDO's office maps a dataset's columns to person attributes (a typo named in
the form), loads every source, follows the job to its end and finds the run, the sources and
the persons on the index's page; the pages pass axe."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser
from sqlalchemy.orm import Session, sessionmaker

from statedata.app import create_app
from statedata.core.config import Settings
from statedata.core.db import unit_of_work
from statedata.identity.actor import Actor
from statedata.linkage.sources import configure_source
from tests.browser.helpers import sign_in, visit
from tests.factories import make_user
from tests.linkage.test_sources import MAPPING, person_datasets  # noqa: F401 (a fixture)
from tests.servers import serve_app

pytestmark = pytest.mark.browser


@pytest.fixture
def portal(
    settings: Settings,
    session_factory: sessionmaker[Session],
    person_datasets: dict[str, str],  # noqa: F811 (the fixture imported above)
) -> Iterator[str]:
    make_user(session_factory, "cdo1", "admin", "OPM")
    with unit_of_work(session_factory) as session:
        configure_source(
            session,
            actor=Actor.system("test"),
            ref=person_datasets["DMV"],
            id_column="record_id",
            mapping=MAPPING,
        )
    with serve_app(create_app(settings)) as base_url:
        yield base_url


def test_the_cdo_maps_a_dataset_and_loads_the_index(
    browser: Browser,
    portal: str,
    person_datasets: dict[str, str],  # noqa: F811
) -> None:
    page = browser.new_page()
    sign_in(page, portal, "cdo1")
    dss = person_datasets["DSS"]
    visit(page, f"{portal}/datasets/{dss}")
    page.get_by_role("link", name="Person linkage").click()
    page.wait_for_load_state()
    visit(page, page.url)
    assert page.get_by_label("Street address").input_value() == "street_address"  # guessed
    page.get_by_label("Record identifier").fill("record_id")
    page.get_by_label("Family name").fill("surname")
    page.get_by_role("button", name="Save the mapping").click()
    page.wait_for_load_state()
    assert "no column 'surname'" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Family name").input_value() == "surname"  # kept to correct
    page.get_by_label("Family name").fill("last_name")
    page.get_by_role("button", name="Save the mapping").click()
    page.wait_for_load_state()
    assert "Saved: the index calls this source" in page.locator("main").inner_text()

    visit(page, f"{portal}/persons")
    page.get_by_role("button", name="Load every source").click()
    page.wait_for_load_state()
    assert "/jobs/" in page.url
    assert "succeeded" in page.locator("main").inner_text()
    page.get_by_role("link", name="Open the result").click()
    page.wait_for_load_state()
    visit(page, page.url)
    figures = page.get_by_role("list", name="The index").inner_text()
    assert "persons" in figures and "865 records" in figures
    runs = page.get_by_role("table", name="Loads and re-runs, newest first").inner_text()
    assert "865" in runs  # 150 DSS and 715 DMV records read
    sources = page.get_by_role("table", name="Datasets that feed the index").inner_text()
    assert "version 1" in sources and "waits" not in sources
