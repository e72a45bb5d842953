"""The steward's publish flow through the pages, and what each page shows to whom."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import csrf_from, make_user, sign_in


def publish_through_pages(client: TestClient, csrf: str, title: str = "Flu shots by town") -> str:
    created = client.post(
        "/datasets/new",
        data={
            "csrf_token": csrf,
            "title": title,
            "description": "Doses given, by town and month.",
            "category": "Health and Human Services",
            "classification": "public",
            "update_frequency": "Monthly",
            "tags": "flu, vaccination",
            "contact_email": "dph.data@example.gov",
        },
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    upload_url = created.headers["location"]
    ref = upload_url.split("/")[2]
    page = client.get(upload_url)
    assert page.status_code == 200
    uploaded = client.post(
        upload_url,
        data={"csrf_token": csrf_from(page.text)},
        files={"file": ("flu.csv", b"town,month,doses\nHartford,2026-01,10\nBristol,2026-01,4\n")},
        follow_redirects=False,
    )
    assert uploaded.status_code == 303, uploaded.text
    confirm_url = uploaded.headers["location"]
    confirm = client.get(confirm_url)
    assert "doses" in confirm.text and "BIGINT" in confirm.text
    loaded = client.post(
        confirm_url,
        data={
            "csrf_token": csrf,
            "type_0": "VARCHAR",
            "type_1": "VARCHAR",
            "type_2": "BIGINT",
            "mode": "replace",
            "note": "first load",
        },
        follow_redirects=False,
    )
    assert loaded.status_code == 303
    job = client.get(loaded.headers["location"])
    assert "succeeded" in job.text
    return ref


def test_a_steward_creates_uploads_confirms_and_sees_the_dataset(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_user(session_factory, "steward1", "steward", "DPH")
    csrf = sign_in(client, "steward1")

    ref = publish_through_pages(client, csrf)

    page = client.get(f"/datasets/{ref}")
    assert page.status_code == 200
    assert "Flu shots by town" in page.text and "Hartford" in page.text
    assert "first load" in page.text  # the version's note
    assert f'href="/api/v1/datasets/{ref}"' in page.text  # the JSON twin
    markup = re.search(r'<script type="application/ld\+json">(.*?)</script>', page.text, re.S)
    assert markup is not None
    jsonld = json.loads(markup.group(1))
    assert jsonld["@type"] == "Dataset" and jsonld["name"] == "Flu shots by town"
    assert [v["name"] for v in jsonld["variableMeasured"]] == ["town", "month", "doses"]


def test_a_refused_form_is_shown_again_with_the_message_and_the_values(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_user(session_factory, "steward1", "steward", "DPH")
    csrf = sign_in(client, "steward1")

    response = client.post(
        "/datasets/new",
        data={"csrf_token": csrf, "title": "Kept title", "contact_email": "not-an-address"},
    )

    assert response.status_code == 422
    assert "contact_email: &#39;not-an-address&#39; is not an email address." in response.text
    assert 'value="Kept title"' in response.text
    # the field the message is about is marked, and the message links to it
    assert '<a href="#f-contact-email">Go to the field</a>' in response.text
    assert 'name="contact_email" aria-invalid="true" aria-describedby="form-error"' in response.text
    assert response.text.count('aria-invalid="true"') == 1


def test_an_upload_form_without_its_csrf_field_is_refused(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_user(session_factory, "steward1", "steward", "DPH")
    csrf = sign_in(client, "steward1")
    created = client.post(
        "/datasets/new", data={"csrf_token": csrf, "title": "T"}, follow_redirects=False
    )
    upload_url = created.headers["location"]

    response = client.post(upload_url, files={"file": ("a.csv", b"a\n1\n")})

    assert response.status_code == 403


def test_drafts_are_hidden_from_the_public_and_published_ones_shown(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_user(session_factory, "steward1", "steward", "DPH")
    make_user(session_factory, "steward2", "steward", "DPH")
    csrf = sign_in(client, "steward1")
    ref = publish_through_pages(client, csrf)
    client.post(f"/datasets/{ref}/submit", data={"csrf_token": csrf})
    client.post("/logout", data={"csrf_token": csrf})

    assert client.get(f"/datasets/{ref}").status_code == 404
    assert "Flu shots" not in client.get("/catalog").text

    csrf = sign_in(client, "steward2")
    approved = client.post(
        f"/datasets/{ref}/approve", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert approved.status_code == 303
    client.post("/logout", data={"csrf_token": csrf})

    catalog = client.get("/catalog?q=flu")
    assert "Flu shots by town" in catalog.text
    assert client.get(f"/datasets/{ref}").status_code == 200
    assert client.get("/agencies/DPH").status_code == 200
