"""Elements applied at load time: tagged columns get their standard form, flag and parts beside
the raw value, a conformance share, and the raw column's privacy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
from fastapi.testclient import TestClient

from statedata.standards.columns import (
    Tagged,
    added_schema,
    standardize_batch,
    tagged_columns,
    with_inherited_pii,
)
from statedata.standards.registry import element
from tests.catalog.publishing import create, upload_and_load


def tagged(column: str, key: str) -> Tagged:
    found = element(key)
    assert found is not None
    return Tagged(column, found)


def test_a_batch_keeps_raw_values_and_adds_standard_forms_flags_and_parts() -> None:
    batch = pa.RecordBatch.from_pydict(
        {
            "town": ["hartford", "Bloomfeild", None, "Springfield", "hartford"],
            "zip": [6103, 6002, None, 1101, 6103],
        }
    )
    tags = [tagged("town", "town"), tagged("zip", "zip")]
    out = standardize_batch(batch, tags)
    assert out.schema == added_schema(batch.schema, tags)
    rows = out.to_pydict()
    assert rows["town"] == ["hartford", "Bloomfeild", None, "Springfield", "hartford"]
    assert rows["town_std"] == ["Hartford", "Bloomfield", None, None, "Hartford"]
    assert rows["town_flag"][3] == "'Springfield' is not a Connecticut town"
    assert rows["town_flag"][2] is None  # an empty cell is not a flagged one
    assert rows["town_county"] == ["Hartford", "Hartford", None, None, "Hartford"]
    assert rows["town_matched"][1] == "corrected"
    assert rows["zip"] == [6103, 6002, None, 1101, 6103]  # a number column stays a number
    assert rows["zip_std"] == ["06103", "06002", None, "01101", "06103"]


def test_a_column_already_named_like_an_added_one_is_replaced_not_doubled() -> None:
    batch = pa.RecordBatch.from_pydict({"sex": ["f", "m"], "sex_std": ["stale", "stale"]})
    out = standardize_batch(batch, [tagged("sex", "sex")])
    assert out.schema.names == ["sex", "sex_std", "sex_flag"]
    assert out.column("sex_std").to_pylist() == ["F", "M"]


def test_only_known_elements_on_present_columns_are_applied() -> None:
    dictionary = [
        {"name": "a", "standardElement": "ssn"},
        {"name": "b", "standardElement": "made_up"},
        {"name": "gone", "standardElement": "ssn"},
        {"name": "c"},
    ]
    assert [t.column for t in tagged_columns(dictionary, ["a", "b", "c"])] == ["a"]


def test_standardized_columns_inherit_the_raw_columns_personal_category() -> None:
    fields = [
        {"name": "ssn", "standardElement": "ssn", "piiCategory": "ssn"},
        {"name": "ssn_std", "piiCategory": "none"},
        {"name": "ssn_flag"},
        {"name": "town", "standardElement": "town", "piiCategory": "none"},
        {"name": "town_std"},
    ]
    out = {f["name"]: f.get("piiCategory") for f in with_inherited_pii(fields)}
    assert out == {
        "ssn": "ssn",
        "ssn_std": "ssn",
        "ssn_flag": "ssn",
        "town": "none",
        "town_std": None,
    }


def load(client: TestClient, headers: dict[str, str], ref: str, path: Path) -> dict[str, Any]:
    result = upload_and_load(client, headers, ref, path)
    assert result["job"]["status"] == "succeeded", result["job"]
    return result


CSV = (
    "id,client,town,ssn\n"
    '1,"SMITH, BILL JR.",hartford,123-45-6780\n'
    "2,mary o'neil,N. Haven,666-12-3456\n"
    "3,jose garcia,Bloomfeild,\n"
    "4,ann lee,Atlantis,078-05-1120\n"
)


def test_a_tagged_dataset_loads_standard_columns_beside_the_raw_and_scores_conformance(
    client: TestClient, steward: dict[str, str], tmp_path: Path
) -> None:
    ref = create(client, steward)
    path = tmp_path / "clients.csv"
    path.write_text(CSV)
    load(client, steward, ref, path)
    tags = [
        {"name": "client", "standardElement": "person_name", "piiCategory": "name"},
        {"name": "town", "standardElement": "town"},
        {"name": "ssn", "standardElement": "ssn", "piiCategory": "ssn"},
    ]
    saved = client.put(f"/api/v1/datasets/{ref}/dictionary", json={"fields": tags}, headers=steward)
    assert saved.status_code == 200, saved.text
    load(client, steward, ref, path)

    rows = client.get(
        f"/api/v1/datasets/{ref}/rows", params={"$order": "id"}, headers=steward
    ).json()["rows"]
    first = rows[0]
    assert (first["client"], first["client_std"], first["client_suffix"]) == (
        "SMITH, BILL JR.",
        "Bill Smith",
        "JR",
    )
    assert "william" in first["client_nickname_group"].split(";")
    assert [r["town_std"] for r in rows] == ["Hartford", "North Haven", "Bloomfield", None]
    assert rows[3]["town_flag"] == "'Atlantis' is not a Connecticut town"
    assert [r["ssn_std"] for r in rows] == ["123-45-6780", None, None, None]
    assert rows[1]["ssn_flag"] == "area 666 is never issued"

    profile = {
        c["name"]: c for c in client.get(f"/api/v1/datasets/{ref}/profile").json()["columns"]
    }
    assert profile["town"]["element"] == "town" and profile["town"]["conformance"] == 0.75
    assert profile["ssn"]["conformance"] == round(1 / 3, 4)  # the empty cell is not counted
    assert profile["client"]["conformance"] == 1.0

    schema = client.get(f"/api/v1/datasets/{ref}/dictionary").json()
    pii = {f["name"]: f.get("piiCategory") for f in schema["fields"]}
    assert pii["ssn_std"] == "ssn" and pii["client_given"] == "name"
    page = client.get(f"/datasets/{ref}")
    assert "75.0% conform" in page.text


def test_an_unknown_element_in_the_dictionary_is_refused_by_name(
    client: TestClient, steward: dict[str, str], tmp_path: Path
) -> None:
    ref = create(client, steward)
    path = tmp_path / "clients.csv"
    path.write_text(CSV)
    load(client, steward, ref, path)
    response = client.put(
        f"/api/v1/datasets/{ref}/dictionary",
        json={"fields": [{"name": "town", "standardElement": "ct_towns"}]},
        headers=steward,
    )
    assert response.status_code == 422
    assert "fields[town].standardElement: 'ct_towns' is not a common data element" in response.text


def test_the_registry_is_public_and_standardizes_on_request(client: TestClient) -> None:
    listed = client.get("/api/v1/standards").json()
    keys = [e["key"] for e in listed]
    for key in ("person_name", "date_of_birth", "ssn", "sex", "race_ethnicity", "address"):
        assert key in keys
    for key in ("town", "zip", "phone", "email", "naics", "fein", "date"):
        assert key in keys
    town = client.get("/api/v1/standards/town").json()
    assert town["columns_added"][:2] == ["std", "flag"]
    done = client.post(
        "/api/v1/standards/address/standardize",
        json={"values": ["PO Box 12", "!!!", None, "12 north main street"]},
    ).json()["results"]
    assert [r["standardized"] for r in done] == ["PO BOX 12", None, None, "12 N MAIN ST"]
    assert done[1]["flag"] and not done[1]["valid"]

    assert client.get("/api/v1/standards/nope").status_code == 404
    too_many = client.post("/api/v1/standards/zip/standardize", json={"values": ["1"] * 1001})
    assert too_many.status_code == 422 and "values: give at most 1,000" in too_many.text
    wrong = client.post("/api/v1/standards/zip/standardize", json={"values": [{"a": 1}]})
    assert wrong.status_code == 422 and "values[0]" in wrong.text

    page = client.get("/standards", params={"element": "town", "value": "Bloomfeild"})
    assert (
        page.status_code == 200
        and "Bloomfield" in page.text
        and "Capitol Planning Region" in page.text
    )
    bad = client.get("/standards", params={"element": "nope", "value": "x"})
    assert bad.status_code == 400 and "choose one of the elements" in bad.text
