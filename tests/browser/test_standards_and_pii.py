"""In a browser: the public registry of common data elements, a dataset's column profiles and
standardized columns, and a steward deciding suggested personal information; pages pass axe."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from sqlalchemy.orm import Session, sessionmaker

from statedata.app import create_app
from statedata.catalog.datasets import update_dictionary
from statedata.catalog.loads.local import load_local_file
from statedata.core.config import Settings
from statedata.core.db import unit_of_work
from statedata.identity.actor import Actor
from tests.browser.helpers import sign_in, visit
from tests.catalog.publishing import make_dataset
from tests.factories import make_user
from tests.servers import serve_app

pytestmark = pytest.mark.browser

ROWS = "id,client_name,town,visits\n" + "".join(
    f"{i},{name},{town},{i % 5}\n"
    for i, (name, town) in enumerate(
        [("Mary Smith", "hartford"), ("John Jones", "Bloomfeild"), ("Bob Lee", "Atlantis")] * 4,
        start=1,
    )
)


@pytest.fixture
def portal(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> Iterator[tuple[str, str]]:
    make_user(session_factory, "steward1", "steward", "DPH")
    system = Actor.system("test")
    ref = make_dataset(session_factory, settings, tmp_path, agency="DPH", title="Clinic visits")
    path = tmp_path / "visits.csv"
    path.write_text(ROWS)
    load_local_file(settings, session_factory, actor=system, ref=ref, path=path)
    with unit_of_work(session_factory) as session:
        fields = [{"name": "town", "standardElement": "town"}]
        update_dictionary(session, actor=system, ref=ref, fields=fields)
    load_local_file(settings, session_factory, actor=system, ref=ref, path=path)
    with serve_app(create_app(settings)) as base_url:
        yield base_url, ref


def test_the_public_registry_standardizes_a_typed_value(
    browser: Browser, portal: tuple[str, str]
) -> None:
    base_url, _ = portal
    page = browser.new_page()
    visit(page, f"{base_url}/standards")
    assert page.locator("section h3").count() >= 13
    page.get_by_label("Element").select_option("town")
    page.get_by_label("Value", exact=True).fill("wethersfeild")
    page.get_by_role("button", name="Standardize").click()
    page.wait_for_load_state()
    assert "Wethersfield" in page.locator("#tried").inner_text()
    visit(page, page.url.split("#")[0])  # the answer page passes axe too


def test_profiles_conformance_and_pii_decisions_on_the_dataset_page(
    browser: Browser, portal: tuple[str, str]
) -> None:
    base_url, ref = portal
    reader = browser.new_page()
    visit(reader, f"{base_url}/datasets/{ref}")
    assert reader.locator(".sd-profile").count() >= 4
    assert reader.locator(".sd-profile-chart").first.is_visible()
    assert "66.7% conform" in reader.locator("main").inner_text()
    assert reader.locator("#pii").count() == 0  # suggestions are for editors

    page = browser.new_page()
    sign_in(page, base_url, "steward1")
    visit(page, f"{base_url}/datasets/{ref}")
    proposed = page.locator("#pii-proposed tbody tr", has_text="client_name")
    assert "name" in proposed.inner_text() and "sampled values" in proposed.inner_text()
    page.get_by_role("button", name="Confirm client_name holds name").click()
    page.wait_for_load_state()
    assert "client_name: confirmed as name" in page.locator("main").inner_text()
    visit(page, f"{base_url}/datasets/{ref}")
    assert page.locator("#pii-proposed tbody tr", has_text="client_name").count() == 0
    assert "confidential" in page.locator("main").inner_text().lower()
