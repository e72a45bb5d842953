"""The legal review tracker (issue 7): obstacles to sharing with their statute, agencies,
owner and target date; every change on a timeline; a public summary anyone can read."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import csrf_from
from tests.sharing.test_requests import People

WAGES = {
    "title": "Wage records cannot be shared for education research",
    "authority": "C.G.S. § 31-254; 20 CFR 603",
    "agencies": ["dol", "SDE"],
    "description": "Unemployment wage records may be disclosed only as the statute allows.",
    "owner": "DOL general counsel",
    "target_date": (date.today() - timedelta(days=3)).isoformat(),
}


@pytest.fixture
def people(client: TestClient, session_factory: sessionmaker[Session]) -> People:
    return People(client, session_factory)


def test_an_obstacle_moves_through_review_on_a_timeline_the_public_reads(
    people: People, client: TestClient
) -> None:
    made = people.post("cdo1", "/api/v1/obstacles", WAGES)
    assert made.status_code == 201, made.text
    obstacle = made.json()
    assert obstacle["agencies"] == ["DOL", "SDE"] and obstacle["status"] == "identified"
    assert obstacle["overdue"] is True
    url = f"/api/v1/obstacles/{obstacle['id']}"
    moved = people.as_("cdo1").patch(
        url,
        json={"status": "remedy_proposed", "note": "Bill drafted for the session"},
        headers=people.headers,
    )
    assert moved.status_code == 200, moved.text
    refused = people.as_("cdo1").patch(url, json={"status": "resolved"}, headers=people.headers)
    assert refused.status_code == 422 and "resolution" in refused.json()["detail"]
    done = (
        people.as_("cdo1")
        .patch(
            url,
            json={"status": "resolved", "resolution": "Public Act 26-12 allows it for research."},
            headers=people.headers,
        )
        .json()
    )
    assert [e["status"] for e in done["timeline"]] == ["identified", "remedy_proposed", "resolved"]
    assert "Bill drafted for the session" in done["timeline"][1]["note"]
    assert done["timeline"][1]["by"] == "cdo1"

    # a steward cannot record one; the public reads the summary and the timeline, without names
    assert people.post("dss.steward", "/api/v1/obstacles", WAGES).status_code == 403
    people.client.post("/logout", data={"csrf_token": people.headers["X-CSRF-Token"]})
    summary = client.get("/api/v1/obstacles").json()
    assert summary["total"] == 1 and summary["by_status"]["resolved"] == 1
    public = client.get(url).json()
    assert "by" not in public["timeline"][0]
    page = client.get("/legal-review")
    assert page.status_code == 200 and "Public Act 26-12" in page.text
    assert "Review timeline" in page.text
    assert "Bill drafted" in client.get(f"/legal-review/{obstacle['id']}").text


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"agencies": ["NOPE"]}, "NOPE"),
        ({"target_date": "next year"}, "target_date: 'next year' is not a date"),
        ({"title": ""}, "title: must not be empty"),
        ({"colour": "red"}, "colour: is not a field this request takes"),
    ],
)
def test_bad_obstacles_say_what_is_wrong(
    people: People, change: dict[str, object], named: str
) -> None:
    refused = people.post("cdo1", "/api/v1/obstacles", {**WAGES, **change})
    assert refused.status_code in (404, 422), refused.text
    assert named in refused.json()["detail"]


def test_the_page_form_records_and_moves_an_obstacle(people: People) -> None:
    client = people.as_("dss.ado")
    token = csrf_from(client.get("/legal-review").text)
    made = client.post(
        "/legal-review",
        data={
            "csrf_token": token,
            "title": "Medicaid data for housing",
            "authority": "42 CFR 431.300",
            "description": "Disclosure limited to plan administration.",
            "agencies": ["DSS"],
            "owner": "",
            "target_date": "",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    page = made.headers["location"]
    moved = client.post(page, data={"csrf_token": token, "status": "under_review", "owner": "DSS counsel",
                                     "target_date": "", "resolution": "", "note": ""},
                        follow_redirects=True)  # fmt: skip
    assert "under review" in moved.text and "DSS counsel" in moved.text
