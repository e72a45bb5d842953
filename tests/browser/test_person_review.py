"""In a browser: a steward works the person review queue (a pair side by side with its
waterfall, decided as not the same person), finds the decision on the person's page and undoes
it; the pages pass axe."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from sqlalchemy.orm import Session, sessionmaker

from statedata.app import create_app
from statedata.core.config import Settings
from statedata.core.db import unit_of_work
from statedata.demo.generator import generate_demo
from statedata.linkage.index import load
from tests.browser.helpers import sign_in, visit
from tests.factories import make_user
from tests.linkage.test_person_index import PLACES, _synthetic
from tests.servers import serve_app

pytestmark = pytest.mark.browser


@pytest.fixture
def portal(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> Iterator[str]:
    make_user(session_factory, "reviewer1", "admin")  # reads both records of every pair
    generate_demo(tmp_path / "ct", persons=400, seed=5)
    with unit_of_work(session_factory) as session:
        load(session, {source: _synthetic(tmp_path / "ct", source) for source in PLACES})
    wide = settings.model_copy(update={"linkage_review_low": 0.01, "linkage_review_high": 0.999})
    with serve_app(create_app(wide)) as base_url:
        yield base_url


def test_a_reviewer_decides_a_pair_and_undoes_it(browser: Browser, portal: str) -> None:
    page = browser.new_page()
    sign_in(page, portal, "reviewer1")
    page.get_by_role("link", name="Person index").click()
    page.wait_for_load_state()
    visit(page, page.url)
    page.get_by_role("link", name="pairs to review").click()
    page.wait_for_load_state()
    visit(page, page.url)
    assert "waiting" in page.get_by_role("list", name="The queue").inner_text()
    visit(page, f"{portal}/persons/model")
    assert "Match weight" in page.locator("main").inner_text()
    visit(page, f"{portal}/persons/review")
    page.get_by_role("link", name="Review the first pair").click()
    page.wait_for_load_state()
    visit(page, page.url)
    steps = page.get_by_role("region", name="Why: the waterfall").inner_text()
    assert "prior" in steps and "name" in steps
    pair_url = page.url
    page.get_by_label("Note (optional)").fill("different people, says the caseworker")
    page.get_by_role("button", name="Not the same person").click()
    page.wait_for_load_state()
    assert "is not the same person" in page.locator("main").inner_text()
    assert page.url != pair_url  # on to the next pair

    pair = page.request.get(pair_url.replace("/persons/review/", "/api/v1/persons/review/"))
    person = pair.json()["left"]["person_id"]
    visit(page, f"{portal}/persons/{person}")
    decisions = page.get_by_role("list").filter(has_text="not the same person")
    assert "caseworker" in decisions.inner_text()
    page.get_by_role("button", name="Undo").click()
    page.wait_for_load_state()
    assert "undone" in page.locator("main").inner_text()
