"""In a browser: the public reads the plan's progress from the home page; the page passes axe at a
desktop and a phone width."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from sqlalchemy.orm import Session, sessionmaker

from statedata.app import create_app
from statedata.core.config import Settings
from statedata.core.db import unit_of_work
from statedata.demo.plan import build_demo_plan
from statedata.plan.snapshots import take_snapshot
from tests.browser.helpers import visit
from tests.catalog.publishing import make_dataset
from tests.servers import serve_app

pytestmark = pytest.mark.browser


@pytest.fixture
def portal(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> Iterator[str]:
    make_dataset(session_factory, settings, tmp_path, agency="DOT", title="Crashes by town",
                 update_frequency="Monthly")  # fmt: skip
    build_demo_plan(session_factory, today=date(2026, 12, 3))
    with unit_of_work(session_factory) as session:
        take_snapshot(session, today=date(2026, 12, 3))
    with serve_app(create_app(settings)) as base_url:
        yield base_url


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # a page, not SQL
def test_the_public_reads_the_plans_progress_from_the_home_page(
    browser: Browser, portal: str
) -> None:
    for width in (1280, 390):
        page = browser.new_page(viewport={"width": width, "height": 900})
        visit(page, f"{portal}/")
        page.get_by_role("link", name="Progress on the State Data Plan").click()
        page.wait_for_load_state()
        visit(page, page.url)  # axe, and no console errors
        objectives = page.get_by_role("region", name="Objectives")
        assert "O4 Published data arrives when its schedule says" in objectives.inner_text()
        assert page.get_by_role("progressbar").count() >= 1
        page.close()
