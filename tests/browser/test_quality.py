"""A steward sees in a browser why a version was held back, and keeps the rules; pages pass axe."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from sqlalchemy.orm import Session, sessionmaker

from statedata.app import create_app
from statedata.catalog.loads.local import load_local_file
from statedata.core.config import Settings
from statedata.core.db import unit_of_work
from statedata.identity.actor import Actor
from statedata.quality.service import update_rules
from tests.browser.helpers import assert_accessible, sign_in, visit
from tests.catalog.publishing import make_dataset, write_csv
from tests.factories import make_user
from tests.servers import serve_app

pytestmark = pytest.mark.browser


@pytest.fixture
def held_back(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> Iterator[tuple[str, str]]:
    """A public dataset with two published versions (one with a warning) and a blocked third."""
    make_user(session_factory, "steward1", "steward", "DPH")
    system = Actor.system("test")
    ref = make_dataset(
        session_factory,
        settings,
        tmp_path,
        agency="DPH",
        title="Clinic scores",
        rows=[(i, f"n{i}", i) for i in range(1, 21)],
    )
    with unit_of_work(session_factory) as session:
        rules = [
            {"type": "range", "column": "score", "maximum": 100},
            {"type": "required", "column": "name", "severity": "warning"},
        ]
        update_rules(session, actor=system, ref=ref, rules=rules)
    for name, rows in (
        ("v2.csv", [(i, "" if i == 3 else f"n{i}", i) for i in range(1, 21)]),
        ("v3.csv", [(i, f"n{i}", 150 if i in (4, 9) else i) for i in range(1, 21)]),
    ):
        path = write_csv(tmp_path / name, rows)
        load_local_file(settings, session_factory, actor=system, ref=ref, path=path)
    with serve_app(create_app(settings)) as base_url:
        yield base_url, ref


def test_the_steward_sees_the_rule_the_count_and_the_rows_and_readers_do_not(
    browser: Browser, held_back: tuple[str, str]
) -> None:
    portal, ref = held_back
    reader = browser.new_page()
    visit(reader, f"{portal}/datasets/{ref}")
    assert reader.locator("#held-back").count() == 0
    assert reader.locator("#quality-results").is_visible()
    assert reader.locator(".sd-trend svg circle").count() == 2  # version 1 predates the rules

    page = browser.new_page()
    sign_in(page, portal, "steward1")
    visit(page, f"{portal}/datasets/{ref}")
    alert = page.locator("#held-back")
    assert "Version 3 was not published" in alert.inner_text()
    assert "version 2 stays published" in alert.inner_text()
    assert page.get_by_text("2 rows of 20 break this rule").is_visible()
    samples = page.locator("table.sd-samples tbody tr")
    assert [samples.nth(i).inner_text().split() for i in range(2)] == [["4", "150"], ["9", "150"]]

    visit(page, f"{portal}/datasets/{ref}/quality")
    assert page.locator("#quality-trend tbody tr").count() == 2
    page.get_by_label("Rules (JSON").fill('[{"type": "range", "column": "score", "maximum": }]')
    page.get_by_role("button", name="Save rules").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").inner_text().startswith("rules: line 1")
    assert_accessible(page)
