"""The quality gate: a version that breaks an error rule is kept but not published, and says why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from statedata.core.config import Settings
from tests.catalog.publishing import create, make_dataset, upload_and_load, write_csv


def put_rules(
    client: TestClient, headers: dict[str, str], ref: str, rules: list[dict[str, Any]]
) -> Any:
    return client.put(
        f"/api/v1/datasets/{ref}/quality/rules", json={"rules": rules}, headers=headers
    )


def good_rows(count: int, start: int = 1) -> list[tuple[Any, ...]]:
    return [(i, f"name{i}", i % 90) for i in range(start, start + count)]


def loaded(
    client: TestClient, headers: dict[str, str], ref: str, path: Path, mode: str = "replace"
) -> dict[str, Any]:
    result = upload_and_load(client, headers, ref, path, mode=mode)
    assert result["job"]["status"] == "succeeded", result["job"]
    return result


def test_a_version_that_breaks_an_error_rule_stays_unpublished_and_the_page_says_why(
    client: TestClient, steward: dict[str, str], tmp_path: Path
) -> None:
    ref = create(client, steward)
    loaded(client, steward, ref, write_csv(tmp_path / "v1.csv", good_rows(30)))
    saved = put_rules(
        client,
        steward,
        ref,
        [
            {"type": "range", "column": "score", "minimum": 0, "maximum": 100},
            {"type": "required", "column": "name", "severity": "warning"},
        ],
    )
    assert saved.status_code == 200, saved.text
    bad = good_rows(40)
    bad[4] = (5, "name5", 250)
    bad[17] = (18, "", 400)
    bad[33] = (34, "name34", -3)
    result = loaded(client, steward, ref, write_csv(tmp_path / "v2.csv", bad))
    assert result["job"]["result"]["status"] == "blocked"

    versions = client.get(f"/api/v1/datasets/{ref}/versions").json()
    assert [(v["number"], v["status"], v["current"]) for v in versions] == [
        (2, "blocked", False),
        (1, "published", True),
    ]
    detail = client.get(f"/api/v1/datasets/{ref}").json()
    assert detail["version"] == 1 and detail["rows"] == 30
    rows = client.get(f"/api/v1/datasets/{ref}/rows", params={"$limit": 100}).json()
    assert len(rows["rows"]) == 30

    quality = client.get(f"/api/v1/datasets/{ref}/quality").json()
    held = quality["held_back"]
    assert held["version"] == 2 and held["blocked"] is True
    broken = held["results"][0]
    assert broken["violations"] == 3
    assert [s["row"] for s in broken["samples"]] == [5, 18, 34]
    assert broken["samples"][0]["values"] == {"score": "250"}
    assert held["results"][1]["violations"] == 1  # the warning is counted, it does not block

    upload = client.get(f"/api/v1/datasets/{ref}/uploads/{result['upload']['id']}").json()
    assert upload["status"] == "blocked"
    assert "score is between 0 and 100 (3 rows)" in upload["error"]

    page = client.get(f"/datasets/{ref}")
    assert page.status_code == 200
    assert "Version 2 was not published" in page.text
    assert "version 1 stays published" in page.text
    assert "score is between 0 and 100" in page.text
    assert "<strong>3</strong> rows of 40 break this rule" in page.text
    assert "<td>250</td>" in page.text and "<td>-3</td>" in page.text


def test_an_append_after_a_blocked_version_builds_on_the_published_rows(
    client: TestClient, steward: dict[str, str], tmp_path: Path
) -> None:
    ref = create(client, steward)
    loaded(client, steward, ref, write_csv(tmp_path / "v1.csv", good_rows(10)))
    put_rules(client, steward, ref, [{"type": "unique", "column": "id"}])
    repeated = loaded(
        client, steward, ref, write_csv(tmp_path / "v2.csv", good_rows(5, start=8)), mode="append"
    )
    assert repeated["job"]["result"]["status"] == "blocked"
    quality = client.get(f"/api/v1/datasets/{ref}/quality").json()
    assert quality["held_back"]["results"][0]["violations"] == 3  # ids 8, 9 and 10 again

    fresh = loaded(
        client, steward, ref, write_csv(tmp_path / "v3.csv", good_rows(5, start=11)), mode="append"
    )
    assert fresh["job"]["result"]["status"] == "published"
    ids = [
        r["id"]
        for r in client.get(
            f"/api/v1/datasets/{ref}/rows", params={"$order": "id", "$limit": 50}
        ).json()["rows"]
    ]
    assert ids == list(range(1, 16))


def test_a_blocked_first_load_leaves_nothing_for_the_next_load_to_add_to(
    client: TestClient, steward: dict[str, str], tmp_path: Path
) -> None:
    ref = create(client, steward)
    put_rules(client, steward, ref, [{"type": "range", "column": "score", "maximum": 50}])
    first = loaded(client, steward, ref, write_csv(tmp_path / "v1.csv", good_rows(60)))
    assert first["job"]["result"]["status"] == "blocked"
    assert client.get(f"/api/v1/datasets/{ref}").json()["version"] == 0
    assert client.get(f"/api/v1/datasets/{ref}/rows").status_code == 404

    second = loaded(
        client, steward, ref, write_csv(tmp_path / "v2.csv", good_rows(20)), mode="append"
    )
    assert second["job"]["result"]["status"] == "published"
    assert client.get(f"/api/v1/datasets/{ref}").json()["rows"] == 20


def test_dictionary_constraints_and_the_primary_key_are_error_rules(
    client: TestClient, steward: dict[str, str], tmp_path: Path
) -> None:
    ref = create(client, steward)
    loaded(client, steward, ref, write_csv(tmp_path / "v1.csv", good_rows(10)))
    edited = client.put(
        f"/api/v1/datasets/{ref}/dictionary",
        json={
            "fields": [{"name": "name", "constraints": {"pattern": "name[0-9]+"}}],
            "primaryKey": ["id"],
        },
        headers=steward,
    )
    assert edited.status_code == 200, edited.text
    rules = client.get(f"/api/v1/datasets/{ref}/quality/rules").json()
    assert [r["type"] for r in rules["from_dictionary"]] == ["pattern", "primary_key"]

    rows = good_rows(10)
    rows[2] = (3, "Name 3", 3)
    rows[6] = (1, "name7", 7)
    result = loaded(client, steward, ref, write_csv(tmp_path / "v2.csv", rows))
    assert result["job"]["result"]["status"] == "blocked"
    results = client.get(f"/api/v1/datasets/{ref}/versions/2/quality").json()["results"]
    assert [(r["rule"]["type"], r["violations"]) for r in results] == [
        ("pattern", 1),
        ("primary_key", 1),
    ]
    assert results[1]["samples"] == [{"row": 7, "values": {"id": 1}}]


def test_warnings_publish_and_lower_the_score_shown_across_versions(
    client: TestClient, steward: dict[str, str], tmp_path: Path
) -> None:
    ref = create(client, steward)
    put_rules(
        client,
        steward,
        ref,
        [{"type": "range", "column": "score", "maximum": 80, "severity": "warning"}],
    )
    loaded(
        client, steward, ref, write_csv(tmp_path / "v1.csv", [(i, "a", 10) for i in range(1, 11)])
    )
    loaded(
        client,
        steward,
        ref,
        write_csv(tmp_path / "v2.csv", [(i, "a", 90 if i <= 5 else 10) for i in range(1, 11)]),
    )
    quality = client.get(f"/api/v1/datasets/{ref}/quality").json()
    assert quality["held_back"] is None
    scores = [(p["number"], p["status"], p["score"]) for p in quality["trend"]]
    assert scores[0] == (1, "published", 100)
    assert scores[1][:2] == (2, "published") and scores[1][2] < 100
    page = client.get(f"/datasets/{ref}/quality")
    assert page.status_code == 200
    assert "Quality score by version: 100 at version 1" in page.text
    assert "5 rows" in page.text


def test_readers_see_counts_but_not_samples_nor_the_blocked_rows(
    client: TestClient,
    session_factory: sessionmaker[Session],
    settings: Settings,
    tmp_path: Path,
) -> None:
    from statedata.catalog.loads.local import load_local_file
    from statedata.core.db import unit_of_work
    from statedata.identity.actor import Actor
    from statedata.quality.service import update_rules

    ref = make_dataset(
        session_factory, settings, tmp_path, agency="DPH", title="Public clinics", rows=good_rows(5)
    )
    system = Actor.system("test")
    with unit_of_work(session_factory) as session:
        update_rules(
            session,
            actor=system,
            ref=ref,
            rules=[{"type": "range", "column": "score", "maximum": 50}],
        )
    job = load_local_file(
        settings,
        session_factory,
        actor=system,
        ref=ref,
        path=write_csv(tmp_path / "bad.csv", [(1, "secret-value", 99)]),
    )
    assert job.result["status"] == "blocked"

    quality = client.get(f"/api/v1/datasets/{ref}/quality").json()
    assert quality["held_back"]["results"][0]["violations"] == 1
    assert "samples" not in quality["held_back"]["results"][0]
    assert client.get(f"/api/v1/datasets/{ref}/versions/2/data.csv").status_code == 404
    assert client.get(f"/api/v1/datasets/{ref}/rows", params={"version": 2}).status_code == 404
    page = client.get(f"/datasets/{ref}")
    assert "<td>99</td>" not in page.text
    assert "Version 2 was not published" not in page.text


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ([{"type": "range", "column": "score", "minimum": "soon"}], "rules[0].minimum"),
        (
            [{"type": "required", "column": "nope"}],
            "rules[0]: rule required: no column is named 'nope'",
        ),
        ([{"type": "sometimes"}], "rules[0].type: 'sometimes' is not a rule type"),
        ([{"type": "expression", "expression": "read_csv('/etc/passwd') = 1"}], "rule expression"),
        ({"type": "required"}, "rules: must be a list"),
        (
            [{"type": "reference", "column": "id", "dataset": "zzzz-9999", "to_column": "id"}],
            "zzzz-9999",
        ),
    ],
)
def test_bad_rules_are_refused_with_what_and_where(
    client: TestClient, steward: dict[str, str], tmp_path: Path, rules: Any, message: str
) -> None:
    ref = create(client, steward)
    loaded(client, steward, ref, write_csv(tmp_path / "v1.csv", good_rows(3)))
    response = put_rules(client, steward, ref, rules)
    assert response.status_code in (422, 404), response.text
    assert message in response.json()["detail"]
    assert client.get(f"/api/v1/datasets/{ref}/quality/rules").json()["rules"] == []


def test_the_rules_form_shows_a_json_error_with_its_line_and_keeps_the_text(
    client: TestClient, steward: dict[str, str], tmp_path: Path
) -> None:
    ref = create(client, steward)
    loaded(client, steward, ref, write_csv(tmp_path / "v1.csv", good_rows(3)))
    text = '[{"type": "required",\n "column": id}]'
    page = client.post(
        f"/datasets/{ref}/quality/rules",
        data={"rules": text, "csrf_token": steward["X-CSRF-Token"]},
    )
    assert page.status_code == 400
    assert "rules: line 2, column 12: Expecting value." in page.text
    assert "column&#34;: id}]" in page.text
    saved = client.post(
        f"/datasets/{ref}/quality/rules",
        data={
            "rules": '[{"type": "required", "column": "id"}]',
            "csrf_token": steward["X-CSRF-Token"],
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    checked = client.post(
        f"/datasets/{ref}/quality/check", data={"csrf_token": steward["X-CSRF-Token"]}
    )
    assert checked.status_code == 200 and "checked again: score 100" in checked.text


def test_saving_the_dictionary_page_keeps_constraints_it_has_no_box_for(
    client: TestClient, steward: dict[str, str], tmp_path: Path
) -> None:
    ref = create(client, steward)
    loaded(client, steward, ref, write_csv(tmp_path / "v1.csv", good_rows(3)))
    client.put(
        f"/api/v1/datasets/{ref}/dictionary",
        json={"fields": [{"name": "score", "constraints": {"maximum": 80, "unique": True}}]},
        headers=steward,
    )
    form = {"csrf_token": steward["X-CSRF-Token"], "f2_required": "on"}
    saved = client.post(f"/datasets/{ref}/dictionary", data=form, follow_redirects=False)
    assert saved.status_code == 303
    fields = client.get(f"/api/v1/datasets/{ref}/dictionary").json()["fields"]
    assert fields[2]["constraints"] == {"maximum": 80, "required": True}


def test_a_reference_rule_checks_another_dataset_and_is_skipped_while_it_has_no_data(
    client: TestClient, steward: dict[str, str], tmp_path: Path
) -> None:
    towns = create(client, steward, title="Clinic towns")
    ref = create(client, steward)
    loaded(client, steward, ref, write_csv(tmp_path / "v1.csv", good_rows(3)))
    rule = {"type": "reference", "column": "id", "dataset": towns, "to_column": "id"}
    assert (
        put_rules(client, steward, ref, [rule, {"type": "required", "column": "id"}]).status_code
        == 200
    )
    loaded(client, steward, ref, write_csv(tmp_path / "v2.csv", good_rows(4)))
    results = client.get(f"/api/v1/datasets/{ref}/versions/2/quality").json()["results"]
    assert (
        results[0]["skipped"] == f"cannot run: dataset {towns} has no published version to refer to"
    )
    assert results[1]["passed"] is True

    loaded(client, steward, towns, write_csv(tmp_path / "towns.csv", good_rows(3)))
    blocked = loaded(client, steward, ref, write_csv(tmp_path / "v3.csv", good_rows(5)))
    assert blocked["job"]["result"]["status"] == "blocked"
    held = client.get(f"/api/v1/datasets/{ref}/quality").json()["held_back"]
    assert held["results"][0]["violations"] == 2
    assert [s["row"] for s in held["results"][0]["samples"]] == [4, 5]
