"""Driving Debian's chromium: accessibility checks, console watching, signing in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.factories import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(__file__).resolve().parents[2] / "src/statedata/portal/static/vendor/axe/axe.min.js"
AXE_URL = "/static/vendor/axe/axe.min.js"  # same origin, so the Content Security Policy allows it
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def assert_accessible(page: Page) -> None:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make setup` copies axe-core from node_modules")
    page.add_script_tag(url=AXE_URL)
    results: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    serious = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, f"{page.url}: " + json.dumps(
        [
            {"id": v["id"], "help": v["help"], "nodes": [n["html"] for n in v["nodes"][:3]]}
            for v in serious
        ],
        indent=1,
    )


def watch_console(page: Page) -> list[str]:
    """Collect the page's console errors: a blocked or missing asset, a script error, a CSP refusal."""
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def visit(page: Page, url: str, expect_status: int = 200) -> None:
    errors = (
        watch_console(page) if not hasattr(page, "_statedata_errors") else page._statedata_errors
    )
    page._statedata_errors = errors  # type: ignore[attr-defined]
    errors.clear()
    response = page.goto(url)
    assert response is not None and response.status == expect_status, url
    assert page.url == url, f"{url} sent the browser to {page.url}"
    if expect_status == 200:
        assert errors == [], f"{url}: {errors}"
    assert_accessible(page)


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")


def signed_in_page(browser: Browser, base_url: str, username: str) -> Page:
    """A new page of the browser, signed in as ``username``."""
    page = browser.new_page()
    sign_in(page, base_url, username)
    return page
