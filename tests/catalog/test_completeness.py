"""The metadata completeness score: the share of the standard's fields filled, and what is missing."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.catalog.publishing import create


def test_a_new_draft_is_told_what_is_missing(client: TestClient, steward: dict[str, str]) -> None:
    ref = create(client, steward)  # a title and a category only

    detail = client.get(f"/api/v1/datasets/{ref}").json()["completeness"]

    # 4 of 16: title, category, steward (the creator), and no high-value claim left unexplained
    assert detail["percent"] == 25
    assert "a license" in detail["missing"]
    assert "a description of every column" in detail["missing"]
    page = client.get(f"/datasets/{ref}")
    assert "Metadata 25% complete" in page.text


def test_filling_the_fields_raises_the_score(client: TestClient, steward: dict[str, str]) -> None:
    ref = create(client, steward)

    client.patch(
        f"/api/v1/datasets/{ref}",
        json={
            "description": "Visits to public clinics, counted by town and month since 2019.",
            "row_label": "Town and month",
            "tags": ["clinics"],
            "update_frequency": "Monthly",
            "geographic_unit": "Town",
            "temporal_coverage": "2019-01-01/2025-12-31",
            "license": "https://creativecommons.org/publicdomain/zero/1.0/",
            "contact_name": "DPH data team",
            "contact_email": "dph.data@example.gov",
            "source_system": "Clinic registry",
            "legal_authority": "Conn. Gen. Stat. 19a-2a",
        },
        headers=steward,
    )
    detail = client.get(f"/api/v1/datasets/{ref}").json()["completeness"]

    assert detail["missing"] == ["a description of every column"]
    assert detail["percent"] == 94
