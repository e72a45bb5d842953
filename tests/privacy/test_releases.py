"""Aggregate releases (issue 7): a steward turns a restricted dataset into a public table of
counts with small cells suppressed, checked cell by cell against a table worked by hand, or a
differentially private table charged to the dataset's privacy budget, refused past it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from statedata.catalog.datasets import create_dataset
from statedata.catalog.lifecycle import approve, submit_for_review
from statedata.catalog.loads.local import load_local_file
from statedata.core.config import Settings
from statedata.core.db import unit_of_work
from statedata.identity.actor import Actor
from tests.sharing.test_requests import People

# Deaths by town of residence and year: Hartford's 3 in 2025 is a small cell.
DEATHS = {
    ("Hartford", 2024): 12,
    ("Hartford", 2025): 3,
    ("New Haven", 2024): 8,
    ("New Haven", 2025): 9,
    ("Stamford", 2024): 10,
    ("Stamford", 2025): 14,
}


@pytest.fixture
def deaths(settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path) -> str:
    """A restricted DPH dataset of death records: one row a person."""
    lines = ["record_id,residence_town,date_of_death,age"]
    n = 0
    for (town, year), count in DEATHS.items():
        for i in range(count):
            n += 1
            lines.append(f"D{n:04d},{town},{year}-{1 + i % 12:02d}-15,{20 + (n * 7) % 70}")
    path = tmp_path / "deaths.csv"
    path.write_text("\n".join(lines) + "\n")
    system = Actor.system("test")
    with unit_of_work(session_factory) as session:
        ref = create_dataset(
            session,
            actor=system,
            agency_code="DPH",
            data={"title": "Death records", "classification": "restricted"},
        ).public_id
    job = load_local_file(settings, session_factory, actor=system, ref=ref, path=path)
    assert job.status == "succeeded", job.error
    with unit_of_work(session_factory) as session:
        submit_for_review(session, actor=system, ref=ref)
        approve(session, actor=system, ref=ref)
    return ref


@pytest.fixture
def people(client: TestClient, session_factory: sessionmaker[Session]) -> People:
    found = People(client, session_factory)
    from tests.factories import make_user

    make_user(session_factory, "dph.ado", "agency_data_officer", "DPH")
    return found


def _release(people: People, user: str, body: dict[str, Any]) -> Any:
    return people.post(user, "/api/v1/releases", body)


def _published(people: People, release_id: int) -> list[dict[str, Any]]:
    return list(people.as_("dph.steward").get(f"/api/v1/releases/{release_id}").json()["rows"])


def test_a_suppressed_table_matches_the_sde_rules_cell_by_cell(
    people: People, deaths: str, client: TestClient
) -> None:
    made = _release(
        people,
        "dph.steward",
        {
            "dataset": deaths,
            "title": "Deaths by town and year",
            "rows": {"column": "residence_town"},
            "columns": {"column": "date_of_death", "bin": "year"},
        },
    )
    assert made.status_code == 202, made.text
    release = made.json()
    assert release["threshold"] == 5 and release["epsilon"] is None
    # Worked by hand. Hartford 2025 (3) is at most 5: hidden (primary). Hiding it alone, the
    # Hartford total (15) gives it back; hiding New Haven 2025 too, the column still gives
    # back their sum, and each row its own cell; so Hartford and New Haven 2024 are hidden as
    # well. The four hidden cells make a rectangle: each line that crosses it has two unknowns,
    # and any one of them can move by t with the other three moving to keep every total.
    expected = [
        ("Hartford", "2024", None, "complementary"),
        ("Hartford", "2025", None, "primary"),
        ("Hartford", "Total", 15, ""),
        ("New Haven", "2024", None, "complementary"),
        ("New Haven", "2025", None, "complementary"),
        ("New Haven", "Total", 17, ""),
        ("Stamford", "2024", 10, ""),
        ("Stamford", "2025", 14, ""),
        ("Stamford", "Total", 24, ""),
        ("Total", "2024", 30, ""),
        ("Total", "2025", 26, ""),
        ("Total", "Total", 56, ""),
    ]
    published = [
        (r["residence_town"], r["date_of_death_year"], r["count"], r["suppressed"])
        for r in _published(people, release["id"])
    ]
    assert published == expected
    assert release["report"] == {"threshold": 5, "cells": 12, "primary": 1, "complementary": 3}

    # the job loaded it as a public dataset in review: the public cannot read it yet
    ready = people.as_("dph.steward").get(f"/api/v1/releases/{release['id']}").json()
    assert ready["status"] == "ready", ready["error"]
    table = ready["dataset"]
    people.as_("dph.ado")
    approved = people.post("dph.ado", f"/api/v1/datasets/{table}/approve", {})
    assert approved.status_code == 200, approved.text
    people.client.post("/logout", data={"csrf_token": people.headers["X-CSRF-Token"]})
    people.user = ""
    rows = client.get(f"/api/v1/datasets/{table}/rows", params={"$order": "residence_town"})
    assert rows.status_code == 200, rows.text
    hidden = [r for r in rows.json()["rows"] if r["suppressed"]]
    assert len(hidden) == 4 and all(r["count"] is None for r in hidden)
    assert client.get(f"/api/v1/datasets/{deaths}/rows").status_code in (401, 403, 404)
    page = client.get(f"/releases/{release['id']}")
    assert page.status_code == 200 and "complementary" in page.text


def test_a_threshold_set_for_the_dataset_is_used(people: People, deaths: str) -> None:
    changed = people.as_("dph.steward").put(
        f"/api/v1/datasets/{deaths}/privacy", json={"threshold": 10}, headers=people.headers
    )
    assert changed.status_code == 200 and changed.json()["threshold"] == 10
    made = _release(
        people,
        "dph.steward",
        {"dataset": deaths, "title": "Deaths by town", "rows": {"column": "residence_town"}},
    ).json()
    published = {
        r["residence_town"]: (r["count"], r["suppressed"]) for r in _published(people, made["id"])
    }
    # New Haven (17), Stamford (24) and the total are shown; Hartford's 15 is over 10 too
    assert published == {
        "Hartford": (15, ""),
        "New Haven": (17, ""),
        "Stamford": (24, ""),
        "Total": (56, ""),
    }


def test_a_private_release_states_its_epsilon_and_is_refused_past_the_budget(
    people: People, deaths: str
) -> None:
    body = {
        "dataset": deaths,
        "title": "Mean age at death by year",
        "kind": "dp_means",
        "rows": {"column": "date_of_death", "bin": "year"},
        "value": "age",
        "bounds": [0, 110],
        "epsilon": 0.6,
    }
    first = _release(people, "dph.steward", body)
    assert first.status_code == 202, first.text
    rows = _published(people, first.json()["id"])
    assert [r["date_of_death_year"] for r in rows] == ["2024", "2025"]
    assert all(r["epsilon"] == 0.6 and "Laplace" in r["method"] for r in rows)
    assert all(0 <= r["value"] <= 110 for r in rows)

    refused = _release(people, "dph.steward", {**body, "title": "Again"})
    assert refused.status_code == 409
    message = refused.json()["detail"]
    assert "needs epsilon 0.6" in message and "has 0.4 of its 1 left" in message
    budget = people.as_("dph.steward").get(f"/api/v1/datasets/{deaths}/privacy").json()
    assert budget["epsilon_spent"] == 0.6 and budget["epsilon_left"] == 0.4

    # a steward cannot raise the budget; the data officer can, and the release then goes
    url = f"/api/v1/datasets/{deaths}/privacy"
    steward = people.as_("dph.steward").put(url, json={"epsilon_budget": 2}, headers=people.headers)
    assert steward.status_code == 403
    officer = people.as_("dph.ado").put(url, json={"epsilon_budget": 2}, headers=people.headers)
    assert officer.status_code == 200 and officer.json()["epsilon_left"] == 1.4
    again = _release(people, "dph.ado", {**body, "title": "Again", "kind": "dp_counts",
                                          "value": None, "bounds": None})  # fmt: skip
    assert again.status_code == 202, again.text


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"rows": {"column": "town"}}, "'town' is not a column of the dataset"),
        ({"rows": {"column": "age", "bin": "year"}}, "only a date is binned by year"),
        ({"where": "age >> 3"}, "$where"),
        ({"kind": "dp_counts"}, "epsilon: a private release spends an epsilon"),
        ({"kind": "dp_sums", "epsilon": 0.1}, "value: name the column to sum"),
        ({"epsilon": 0.5}, "suppressed tables spend no epsilon"),
        (
            {"numerator": "age > 1"},
            "numerator: a table of counts with small cells suppressed has no",
        ),
        ({"kind": "dp_counts", "epsilon": 50}, "epsilon: 50.0 is not above 0 and at most 10"),
    ],
)
def test_bad_releases_say_what_is_wrong(
    people: People, deaths: str, change: dict[str, Any], named: str
) -> None:
    body = {"dataset": deaths, "title": "Deaths", "rows": {"column": "residence_town"}, **change}
    refused = _release(people, "dph.steward", body)
    assert refused.status_code in (400, 422), refused.text
    assert named in str(refused.json()["detail"])


def test_only_its_keepers_release_from_a_dataset(people: People, deaths: str) -> None:
    body = {"dataset": deaths, "title": "Deaths", "rows": {"column": "residence_town"}}
    assert _release(people, "dss.steward", body).status_code == 403
    assert _release(people, "researcher1", body).status_code == 403


def test_rates_are_suppressed_by_the_statistics_rule(people: People, deaths: str) -> None:
    made = _release(
        people,
        "dph.steward",
        {
            "dataset": deaths,
            "title": "Share of deaths at 65 or older, by town and year",
            "kind": "suppressed_rates",
            "rows": {"column": "residence_town"},
            "columns": {"column": "date_of_death", "bin": "year"},
            "numerator": "age >= 65",
        },
    )
    assert made.status_code == 202, made.text
    rows = {
        (r["residence_town"], r["date_of_death_year"]): r
        for r in _published(people, made.json()["id"])
    }
    # the fixture's ages, worked apart: record n (1-based, in DEATHS order) is 20 + 7n mod 70
    ages: dict[tuple[str, str], list[int]] = {}
    n = 0
    for (town, year), count in DEATHS.items():
        for _ in range(count):
            n += 1
            ages.setdefault((town, str(year)), []).append(20 + (n * 7) % 70)
    for (town, year), group in ages.items():
        old = sum(a >= 65 for a in group)
        row = rows[(town, year)]
        # every town-year has under 20 deaths, and most have few at 65 or older
        assert row["rate"] is None
        assert row["suppressed"] == (
            "numerator at or under 5" if old <= 5 else "denominator under 20"
        )
    everyone = [a for group in ages.values() for a in group]
    total = rows[("Total", "Total")]
    assert total["rate"] == round(100 * sum(a >= 65 for a in everyone) / len(everyone), 1)
    assert total["suppressed"] == ""

    refused = _release(people, "dph.steward", {"dataset": deaths, "title": "Rates",
                                               "kind": "suppressed_rates",
                                               "rows": {"column": "residence_town"}})  # fmt: skip
    assert refused.status_code == 422
    assert "numerator: a rate needs the condition of its numerator" in refused.json()["detail"]
