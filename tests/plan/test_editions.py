"""The plan as data: the demo loads Connecticut's plan, which the public reads whole; the CDO's
office imports, copies and adopts editions (the old one stays readable); bad documents are refused
by what is wrong; objectives show their progress from the measures' snapshots."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from statedata.demo.plan import build_demo_plan
from statedata.plan.models import PlanObjective
from statedata.plan.progress import progress_of
from tests.factories import make_token


@pytest.fixture
def cdo(session_factory: sessionmaker[Session]) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {make_token(session_factory, 'cdo', 'admin', scopes=('read', 'write'))}"
    }


@pytest.fixture
def demo_plan(session_factory: sessionmaker[Session]) -> int:
    return build_demo_plan(session_factory, today=date(2026, 12, 3))


def test_the_demo_loads_connecticuts_plan_which_anyone_reads_whole(
    client: TestClient, session_factory: sessionmaker[Session], demo_plan: int
) -> None:
    plan = client.get("/api/v1/plan").json()

    assert demo_plan == len(plan["objectives"]) >= 12
    assert plan["status"] == "adopted" and plan["number"] == 1
    assert "Phase 1 draft" in plan["source"] and "Public Act 18-175" in plan["source"]
    assert [p["title"] for p in plan["principles"]] == [
        "State data assets require careful and proactive stewardship.",
        "Create once, use many times.",
        "Analysis and sharing of data is necessary.",
    ]
    assert len(plan["goals"]) == 6 and len(plan["focal_points"]) == 7
    assert plan["goals"][2]["title"] == "Create more useful and predictable open data"
    computed = [o for o in plan["objectives"] if o["measure"] != "staff_trained"]
    assert len(computed) >= 8 and all(o["actions"] is not None for o in computed)
    by_code = {o["code"]: o for o in plan["objectives"]}
    o1 = by_code["O1"]  # measured as the plan is adopted: the empty instance holds no dataset
    assert o1["goals"] == ["G4"] and o1["baseline"] == {"value": 0.0, "on": "2026-12-03"}
    assert o1["target"]["on"] == "2028-09-30" and len(o1["interim_targets"]) == 7
    assert by_code["O2"]["baseline"] is None  # completeness of no dataset: not measured
    assert build_demo_plan(session_factory) == 0  # loaded once


def test_an_edition_goes_out_and_comes_back_and_the_adopted_one_replaces_the_last(
    client: TestClient, cdo: dict[str, str], demo_plan: int
) -> None:
    exported = client.get("/api/v1/plan").json()
    document = {k: exported[k] for k in ("title", "period_start", "period_end", "source",
                                         "principles", "goals", "focal_points", "objectives")}  # fmt: skip
    document["title"] = "Connecticut State Data Plan, revised"

    draft = client.post("/api/v1/plan/editions", json=document, headers=cdo)
    assert draft.status_code == 201, draft.text
    assert draft.json()["number"] == 2 and draft.json()["status"] == "draft"
    assert draft.json()["objectives"] == exported["objectives"]  # the same document, whole
    assert [e["number"] for e in client.get("/api/v1/plan/editions").json()] == [1]
    assert client.get("/api/v1/plan/editions/2").status_code == 404  # a draft is the CDO's
    assert client.post("/api/v1/plan/editions/next", headers=cdo).status_code == 409  # one draft

    adopted = client.post("/api/v1/plan/editions/2/adopt", headers=cdo)
    assert adopted.status_code == 200 and adopted.json()["status"] == "adopted"
    assert client.get("/api/v1/plan").json()["title"] == "Connecticut State Data Plan, revised"
    old = client.get("/api/v1/plan/editions/1").json()
    assert old["status"] == "superseded" and old["objectives"] == exported["objectives"]
    assert client.post("/api/v1/plan/editions/2/adopt", headers=cdo).status_code == 409

    following = client.post("/api/v1/plan/editions/next", headers=cdo).json()
    assert following["number"] == 3 and following["period_start"] == exported["period_end"]
    assert len(following["objectives"]) == len(exported["objectives"])


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # refused before any SQL
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"objectives": [{"code": "O1", "title": "t", "measure": "m", "goals": ["G9"]}]},
         "O1: no goal is coded G9"),
        ({"objectives": [{"code": "O1", "title": "t", "measure": "shoe_sizes"}]},
         "no measure is called 'shoe_sizes'"),
        ({"objectives": [{"code": "O1", "title": "t", "measure": "open_data_use",
                          "agencies": ["NOPE"]}]}, "no agency has the code 'NOPE'"),
        ({"goals": [{"code": "G1", "title": "a"}, {"code": "G1", "title": "b"}]},
         "goal code G1 is used twice"),
        ({"period_end": "2025-01-01"}, "the plan's period ends before it starts"),
        ({"objectives": [{"code": "O1", "title": "t", "measure": "open_data_use",
                          "baseline": {"value": 1, "on": "2027-01-01"},
                          "target": {"value": 2, "on": "2026-01-01"}}]},
         "O1: the target's date is not after the baseline's"),
        ({"title": " "}, "title: must not be empty"),
    ],
)  # fmt: skip
def test_a_bad_document_is_refused_by_what_is_wrong(
    client: TestClient, cdo: dict[str, str], change: dict[str, Any], message: str
) -> None:
    document = {"title": "Plan", "period_start": "2026-01-01", "period_end": "2027-12-31",
                "goals": [{"code": "G1", "title": "Goal"}], **change}  # fmt: skip

    refused = client.post("/api/v1/plan/editions", json=document, headers=cdo)

    assert refused.status_code == 422
    assert message in refused.json()["detail"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the policy, not SQL
def test_only_the_cdos_office_changes_the_plan(
    client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    document = {"title": "Plan", "period_start": "2026-01-01", "period_end": "2027-12-31"}
    officer = make_token(
        session_factory, "officer", "agency_data_officer", "DSS", scopes=("read", "write")
    )
    assert client.post("/api/v1/plan/editions", json=document).status_code == 401
    as_officer = {"Authorization": f"Bearer {officer}"}
    assert (
        client.post("/api/v1/plan/editions", json=document, headers=as_officer).status_code == 403
    )
    assert client.post("/api/v1/measures/snapshots", headers=as_officer).status_code == 403
    assert client.get("/api/v1/plan").status_code == 404  # nothing adopted yet


def test_objectives_show_progress_from_the_snapshots_and_measures_keep_their_history(
    client: TestClient, cdo: dict[str, str], demo_plan: int
) -> None:
    taken = client.post("/api/v1/measures/snapshots", headers=cdo)
    assert taken.status_code == 201 and taken.json()["values"] > 0

    objectives = client.get("/api/v1/plan/objectives").json()["objectives"]
    by_code = {o["code"]: o for o in objectives}
    assert by_code["O13"]["progress"]["status"] == "no data"  # reported, and not yet reported
    assert by_code["O1"]["progress"]["value"] == 0.0  # the empty instance's catalog
    assert by_code["O1"]["measure"]["source"] == "computed"

    measures = client.get("/api/v1/measures", params={"statewide": "true"}).json()
    keys = {m["key"] for m in measures["measures"]}
    assert {"datasets_inventoried", "staff_trained"} <= keys
    series = {s["key"]: s for s in measures["series"]}
    assert series["datasets_inventoried"]["scope"] == "statewide"
    assert [p["value"] for p in series["datasets_inventoried"]["points"]] == [0.0]  # one a day
    dss = client.get("/api/v1/measures", params={"agency": "dss", "measure": "open_data_use"})
    assert [(s["key"], s["agency"]) for s in dss.json()["series"]] == [("open_data_use", "DSS")]
    backwards = client.get("/api/v1/measures", params={"from": "2026-12-01", "to": "2026-01-01"})
    assert backwards.status_code == 422 and backwards.json()["field"] == "to"
    unknown = client.get("/api/v1/measures", params={"measure": "shoe_sizes"})
    assert unknown.status_code == 404


def _objective(**fields: Any) -> PlanObjective:
    base = {"code": "O1", "title": "t", "measure": "datasets_inventoried", "baseline_value": 10.0,
            "target_value": 20.0, "interim_targets": [{"quarter": "2027-Q1", "value": 12.0},
                                                      {"quarter": "2027-Q2", "value": 14.0}]}  # fmt: skip
    return PlanObjective(**{**base, **fields})


def test_progress_is_met_on_track_behind_or_no_data() -> None:
    day = date(2027, 5, 1)  # in 2027-Q2: the interim target due is 14
    objective = _objective()
    assert progress_of(objective, 20.0, day, day).status == "met"
    assert progress_of(objective, 15.0, day, day).status == "on track"
    assert progress_of(objective, 15.0, day, day).share == 0.5
    assert progress_of(objective, 13.0, day, day).status == "behind"
    assert progress_of(objective, None, None, day).status == "no data"
    before = progress_of(objective, 11.0, day, date(2026, 12, 1))  # no interim target due yet
    assert before.status == "on track" and before.interim_target is None
    # fewer is better: days to fulfil a request, from 40 down to 30
    fewer = _objective(measure="days_to_fulfil", baseline_value=40.0, target_value=30.0,
                       interim_targets=[{"quarter": "2027-Q2", "value": 35.0}])  # fmt: skip
    assert progress_of(fewer, 33.0, day, day).status == "on track"
    assert progress_of(fewer, 36.0, day, day).status == "behind"
    assert progress_of(fewer, 29.0, day, day).status == "met"
    assert progress_of(fewer, 45.0, day, day).share == 0.0
