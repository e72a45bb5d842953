"""Personal information found on load: proposed from names and values, decided by the steward;
confirmed personal information keeps a dataset from being public."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from statedata.core.audit import AuditEvent
from statedata.standards.pii import by_name, suggest
from tests.catalog.publishing import create, upload_and_load
from tests.factories import make_user, sign_in


@pytest.mark.parametrize(
    ("column", "category"),
    [
        ("ssn", "ssn"),
        ("ClientSSN", "ssn"),
        ("social_security_number", "ssn"),
        ("DOB", "date_of_birth"),
        ("birth_date", "date_of_birth"),
        ("first_name", "name"),
        ("LastName", "name"),
        ("street_address", "address"),
        ("home_phone", "phone"),
        ("EmailAddress", "email"),
        ("account_number", "account_number"),
        ("medicaid_id", "account_number"),
        ("drivers_license_number", "license_number"),
        ("town", None),
        ("facility", None),
        ("amount", None),
        ("date_opened", None),
    ],
)
def test_column_names(column: str, category: str | None) -> None:
    assert by_name(column) == category


def test_values_speak_even_when_the_name_does_not() -> None:
    found = {
        s.column: s
        for s in suggest(
            [
                ("x", ["123-45-6780", "234-56-7890", "345-67-8901", "456-78-9012", "213-22-3333"]),
                ("contact", ["jane@ct.gov", "bob@x.org", "a@b.com", "c@d.com", None, "e@f.com"]),
                ("owner", ["Mary Smith", "John Jones", "Acme Corp", "Li Wei", "Bob Lee"]),
                ("where", ["12 Main St", "PO Box 5", "3 Elm St Apt 2", "9 Oak Ave", "1 Park Rd"]),
                ("town", ["Hartford", "New Haven", "Bristol", "Hartford", "Mansfield"]),
                ("facility", ["Hartford Hospital", "St Francis", "Day Kimball", "Griffin", "Yale"]),
                ("count", [1, 2, 3, 4, 5, 6]),
                ("few", ["123-45-6780"]),  # too few values to say anything
            ]
        )
    }
    assert {c: s.category for c, s in found.items()} == {
        "x": "ssn",
        "contact": "email",
        "owner": "name",
        "where": "address",
    }
    assert found["x"].evidence == "100% of 5 sampled values look like ssn"
    assert found["owner"].share == 0.6


CSV = (
    "id,client_name,tax_ref,town,count\n"
    "1,Mary Smith,123-45-6780,Hartford,3\n"
    "2,John Jones,234-56-7890,Bristol,4\n"
    "3,Bob Lee,345-67-8901,Hartford,1\n"
    "4,Ann Wu,456-78-9012,Enfield,7\n"
    "5,Li Wei,213-22-3333,Hartford,2\n"
)


def findings(client: TestClient, ref: str) -> dict[str, dict[str, object]]:
    response = client.get(f"/api/v1/datasets/{ref}/pii")
    assert response.status_code == 200, response.text
    return {f["column"]: f for f in response.json()}


def test_a_load_proposes_and_the_steward_confirms_or_dismisses(
    client: TestClient,
    steward: dict[str, str],
    session_factory: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    ref = create(client, steward, classification="public")
    path = tmp_path / "clients.csv"
    path.write_text(CSV)
    assert upload_and_load(client, steward, ref, path)["job"]["status"] == "succeeded"
    found = findings(client, ref)
    assert {c: f["category"] for c, f in found.items()} == {
        "client_name": "name",
        "tax_ref": "ssn",
    }
    assert all(f["status"] == "proposed" for f in found.values())
    page = client.get(f"/datasets/{ref}")
    assert 'id="pii-proposed"' in page.text and "tax_ref" in page.text

    confirmed = client.post(
        f"/api/v1/datasets/{ref}/pii/{found['tax_ref']['id']}",
        json={"decision": "confirm"},
        headers=steward,
    )
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    detail = client.get(f"/api/v1/datasets/{ref}").json()
    assert detail["classification"] == "confidential"  # was public: made private at once
    schema = client.get(f"/api/v1/datasets/{ref}/dictionary").json()
    assert {f["name"]: f.get("piiCategory") for f in schema["fields"]}["tax_ref"] == "ssn"

    again_public = client.patch(
        f"/api/v1/datasets/{ref}", json={"classification": "public"}, headers=steward
    )
    assert again_public.status_code == 422
    assert "confirmed personal information in tax_ref (ssn)" in again_public.text

    dismissed = client.post(
        f"/api/v1/datasets/{ref}/pii/{found['client_name']['id']}",
        json={"decision": "dismiss"},
        headers=steward,
    )
    assert dismissed.json()["status"] == "dismissed"
    bad = client.post(
        f"/api/v1/datasets/{ref}/pii/{found['client_name']['id']}",
        json={"decision": "maybe"},
        headers=steward,
    )
    assert bad.status_code == 422 and "decision: 'maybe'" in bad.text
    assert (
        client.post(
            f"/api/v1/datasets/{ref}/pii/99999", json={"decision": "confirm"}, headers=steward
        ).status_code
        == 404
    )

    upload_and_load(client, steward, ref, path)  # nothing decided is proposed again
    assert [f["status"] for f in findings(client, ref).values()] == ["confirmed", "dismissed"]
    with session_factory() as session:
        actions = set(session.scalars(select(AuditEvent.action)))
    assert {"dataset.pii_confirmed", "dataset.pii_dismissed"} <= actions


def test_only_editors_see_findings(
    client: TestClient,
    steward: dict[str, str],
    session_factory: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    ref = create(client, steward, classification="internal")
    path = tmp_path / "clients.csv"
    path.write_text(CSV)
    upload_and_load(client, steward, ref, path)
    make_user(session_factory, "analyst1", "analyst", "DSS")
    sign_in(client, "analyst1")
    assert client.get(f"/api/v1/datasets/{ref}/pii").status_code in (403, 404)
    assert 'id="pii"' not in client.get(f"/datasets/{ref}").text
