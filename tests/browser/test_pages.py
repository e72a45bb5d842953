"""Pages in a real browser: people can sign in, use their account, and every page passes axe-core.

Debian's chromium is driven through Playwright; axe-core (from npm, served by the app) checks WCAG
2.1 A and AA rules on every page visited, and any serious or critical violation fails the test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser
from sqlalchemy.orm import Session, sessionmaker

from statedata.app import create_app
from statedata.core.config import Settings
from statedata.core.db import unit_of_work
from statedata.core.jobs import run_job
from statedata.identity.actor import Actor
from statedata.identity.jobs import create_job
from tests.browser.helpers import assert_accessible, sign_in, visit
from tests.factories import make_user
from tests.servers import serve_app

pytestmark = pytest.mark.browser


@pytest.fixture
def portal(settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[str]:
    make_user(session_factory, "chief", "admin")
    make_user(session_factory, "ana", "analyst")
    with unit_of_work(session_factory) as session:
        job_id = create_job(
            session,
            actor=Actor.system("test"),
            kind="demo.generate",
            params={"persons": 50, "seed": 1},
        ).id
    run_job(job_id, settings=settings, session_factory=session_factory)
    with serve_app(create_app(settings)) as base_url:
        yield base_url


def test_public_pages_are_accessible_and_styled(browser: Browser, portal: str) -> None:
    page = browser.new_page()
    for path in ("/", "/agencies", "/login"):
        visit(page, portal + path)
    visit(page, portal + "/no-such-page", expect_status=404)

    page.goto(portal + "/")
    assert page.locator(".usa-header").is_visible()
    # USWDS is served locally: the skip link is hidden off-screen until focused.
    page.keyboard.press("Tab")
    assert page.locator(".usa-skipnav").evaluate("el => el === document.activeElement")
    assert page.evaluate(
        "getComputedStyle(document.querySelector('.usa-button, .usa-nav-link')).fontFamily"
    )


def test_an_admin_signs_in_creates_a_token_and_reads_the_audit_log(
    browser: Browser, portal: str
) -> None:
    page = browser.new_page()
    sign_in(page, portal, "chief")
    for path in ("/", "/account", "/admin/users", "/admin/audit", "/jobs", "/jobs/1"):
        visit(page, portal + path)

    page.goto(portal + "/account")
    page.get_by_label("Name (where it will be used)").fill("notebook")
    page.get_by_role("button", name="Create token").click()
    token = page.locator("#new-token").inner_text()
    assert token.startswith("sdt_")
    assert_accessible(page)

    page.goto(portal + "/account")
    assert page.locator("#new-token").count() == 0  # shown once only
    assert page.get_by_role("row", name="notebook").is_visible()

    page.goto(portal + "/admin/audit?action=token.create")
    assert page.get_by_role("row", name="token.create").count() == 1

    page.get_by_role("button", name="Sign out").click()
    page.goto(portal + "/account")
    assert page.url.startswith(portal + "/login")


def test_an_analyst_is_refused_admin_pages(browser: Browser, portal: str) -> None:
    page = browser.new_page()
    sign_in(page, portal, "ana")

    visit(page, portal + "/admin/audit", expect_status=403)
    assert "Not allowed" in page.content()
    assert page.get_by_role("link", name="Audit log").count() == 0


def test_the_api_reference_is_a_page_like_the_others(browser: Browser, portal: str) -> None:
    page = browser.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    visit(page, portal + "/api/v1/docs")

    assert page.get_by_role("heading", name="GET /api/v1/audit").is_visible()
    assert all(url.startswith(portal) for url in requested), [
        u for u in requested if not u.startswith(portal)
    ]


def test_a_wrong_password_is_reported_accessibly(browser: Browser, portal: str) -> None:
    page = browser.new_page()
    page.goto(portal + "/login")
    page.get_by_label("Username").fill("chief")
    page.get_by_label("Password").fill("wrong-password!")
    page.get_by_role("button", name="Sign in").click()

    assert (
        page.get_by_role("alert").inner_text().startswith("The username or password is not right")
    )
    assert_accessible(page)
