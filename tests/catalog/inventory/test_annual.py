"""The annual inventory: export and import as CSV and XLSX, all or nothing, and the yearly submission."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy.orm import Session, sessionmaker

from statedata.core.config import Settings
from tests.catalog.publishing import make_dataset
from tests.factories import make_user, sign_in


@pytest.fixture
def officer(
    client: TestClient, session_factory: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> dict[str, str]:
    """DSS's data officer, signed in, with two DSS datasets in the inventory."""
    make_dataset(session_factory, settings, tmp_path, agency="DSS", title="SNAP households")
    make_dataset(
        session_factory,
        settings,
        tmp_path,
        agency="DSS",
        title="Case notes",
        classification="restricted",
        status="draft",
    )
    make_user(session_factory, "ado", "agency_data_officer", "DSS")
    return {"X-CSRF-Token": sign_in(client, "ado")}


def exported(client: TestClient) -> list[dict[str, str]]:
    response = client.get("/api/v1/inventory/DSS/inventory.csv")
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.text)))


def as_csv(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def test_the_officer_marks_high_value_data_through_an_import_and_submits_the_year(
    client: TestClient, officer: dict[str, str]
) -> None:
    rows = exported(client)
    assert {r["title"] for r in rows} == {"SNAP households", "Case notes"}
    snap = next(r for r in rows if r["title"] == "SNAP households")
    snap |= {"is_high_value": "yes", "high_value_criteria": "core_mission; frequently_requested"}
    new = dict.fromkeys(snap, "") | {
        "title": "Child care subsidies",
        "classification": "internal",
    }

    imported = client.post(
        "/api/v1/inventory/DSS/import?format=csv", content=as_csv([snap, new]), headers=officer
    )

    assert imported.status_code == 200, imported.text
    assert imported.json() == {"added": 1, "updated": 1}
    after = {r["title"]: r for r in exported(client)}
    assert after["SNAP households"]["high_value_criteria"] == "core_mission; frequently_requested"
    assert "Child care subsidies" in after
    submitted = client.post(
        "/api/v1/inventory/DSS/submissions", json={"year": 2026}, headers=officer
    )
    assert submitted.status_code == 201 and submitted.json()["items"] == 3
    again = client.post("/api/v1/inventory/DSS/submissions", json={"year": 2026}, headers=officer)
    assert again.status_code == 409


def test_a_bad_cell_names_its_row_and_column_and_changes_nothing(
    client: TestClient, officer: dict[str, str]
) -> None:
    rows = exported(client)
    before = exported(client)
    rows[0]["title"] = "Renamed"
    rows[1]["classification"] = "secret"

    response = client.post(
        "/api/v1/inventory/DSS/import?format=csv", content=as_csv(rows), headers=officer
    )

    assert response.status_code == 422
    assert response.json()["detail"].startswith("row 3, column 'classification': Input should be")
    assert exported(client) == before


def test_an_xlsx_export_imports_back(client: TestClient, officer: dict[str, str]) -> None:
    workbook_bytes = client.get("/api/v1/inventory/DSS/inventory.xlsx").content
    rows = exported(client)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append(list((row | {"title": "Title from Excel"}).values()))
    buffer = io.BytesIO()
    book.save(buffer)

    response = client.post(
        "/api/v1/inventory/DSS/import?format=xlsx", content=buffer.getvalue(), headers=officer
    )

    assert workbook_bytes[:2] == b"PK"
    assert response.json() == {"added": 0, "updated": 2}


def test_only_the_agencys_data_officer_imports_and_submits(
    client: TestClient, officer: dict[str, str], session_factory: sessionmaker[Session]
) -> None:
    client.post("/logout", data={"csrf_token": officer["X-CSRF-Token"]})
    make_user(session_factory, "other", "agency_data_officer", "DPH")
    headers = {"X-CSRF-Token": sign_in(client, "other")}

    response = client.post(
        "/api/v1/inventory/DSS/submissions", json={"year": 2026}, headers=headers
    )

    assert response.status_code == 403


def test_the_inventory_page_imports_and_submits(
    client: TestClient, officer: dict[str, str]
) -> None:
    page = client.get("/inventory/DSS")
    assert page.status_code == 200
    assert "Case notes" in page.text and 'href="/api/v1/inventory/DSS"' in page.text
    rows = exported(client)
    rows[0]["is_high_value"] = "maybe"

    refused = client.post(
        "/inventory/DSS/import",
        data={"csrf_token": officer["X-CSRF-Token"]},
        files={"file": ("inventory.csv", as_csv(rows), "text/csv")},
    )
    submitted = client.post(
        "/inventory/DSS/submissions", data={"csrf_token": officer["X-CSRF-Token"], "year": "2026"}
    )

    assert (
        "row 2, column &#39;is_high_value&#39;: &#39;maybe&#39; is not yes or no." in refused.text
    )
    assert "The 2026 inventory was submitted." in submitted.text
    assert "2026: 2 items, submitted by ado" in submitted.text


def test_the_public_sees_only_the_public_part_of_an_inventory(
    client: TestClient, officer: dict[str, str]
) -> None:
    client.post("/logout", data={"csrf_token": officer["X-CSRF-Token"]})

    page = client.get("/inventory/DSS")

    assert "SNAP households" in page.text and "Case notes" not in page.text
    assert "Import" not in page.text
