"""Exports: /data.json validates against DCAT-US 1.1; datapackage.json; the CKAN API via ckanapi."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import ckanapi
import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from sqlalchemy.orm import Session, sessionmaker

from statedata.app import create_app
from statedata.core.config import Settings
from tests.catalog.publishing import make_dataset
from tests.servers import serve_app

# The DCAT-US 1.1 non-federal schemas as published by Project Open Data, kept in the package.
REFERENCE = Path(
    str(resources.files("statedata.catalog").joinpath("reference/dcat-us-1.1-non-federal"))
)


def dcat_validator() -> Draft4Validator:
    catalog = json.loads((REFERENCE / "catalog.json").read_text())
    dataset = json.loads((REFERENCE / "dataset-non-federal.json").read_text())
    registry = Registry().with_resources(
        [
            (catalog["id"], Resource.from_contents(catalog)),
            (
                "https://project-open-data.cio.gov/v1.1/schema/dataset-non-federal.json",
                Resource.from_contents(dataset),
            ),
        ]
    )
    return Draft4Validator(catalog, registry=registry)


@pytest.fixture
def published(
    session_factory: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> dict[str, str]:
    def make(**kwargs: object) -> str:
        return make_dataset(session_factory, settings, tmp_path, **kwargs)  # type: ignore[arg-type]

    rows = [(i, f"town{i % 7}", i * 3) for i in range(250)]
    return {
        "full": make(
            agency="DPH",
            title="Overdose deaths by town",
            description="Deaths by town and quarter.",
            category="Health and Human Services",
            tags=["opioids", "overdose"],
            update_frequency="Quarterly",
            license="https://creativecommons.org/publicdomain/zero/1.0/",
            contact_name="DPH data team",
            contact_email="dph.data@example.gov",
            temporal_coverage="2015-01-01/2025-12-31",
            spatial="Connecticut",
            rows=rows,
        ),
        "bare": make(agency="DSS", title="Bare minimum"),
        "internal": make(agency="DSS", title="Internal caseloads", classification="internal"),
        "draft": make(agency="DPH", title="Draft counts", status="draft"),
        "more": make(agency="DOT", title="Crashes", category="Transportation", rows=rows[:5]),
    }


def test_data_json_validates_and_lists_only_public_released_datasets(
    client: TestClient, published: dict[str, str]
) -> None:
    document = client.get("/data.json").json()

    errors = sorted(dcat_validator().iter_errors(document), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    titles = {d["title"] for d in document["dataset"]}
    assert titles == {"Overdose deaths by town", "Bare minimum", "Crashes"}
    full = next(d for d in document["dataset"] if d["title"] == "Overdose deaths by town")
    assert full["accrualPeriodicity"] == "R/P3M"
    assert full["contactPoint"]["hasEmail"] == "mailto:dph.data@example.gov"


def test_the_validator_checks_each_dataset_against_the_non_federal_profile() -> None:
    document = {
        "conformsTo": "https://project-open-data.cio.gov/v1.1/schema",
        "dataset": [{"title": "x", "description": "y", "identifier": "z", "accessLevel": "open"}],
    }

    messages = {e.message for e in dcat_validator().iter_errors(document)}

    assert "'publisher' is a required property" in messages
    assert "'open' is not one of ['public', 'restricted public', 'non-public']" in messages


def test_the_datapackage_carries_the_dictionary(
    client: TestClient, published: dict[str, str]
) -> None:
    package = client.get(f"/api/v1/datasets/{published['full']}/datapackage.json").json()

    assert package["profile"] == "tabular-data-package"
    resource = package["resources"][0]
    assert resource["path"].endswith(f"/api/v1/datasets/{published['full']}/data.csv")
    assert [(f["name"], f["type"]) for f in resource["schema"]["fields"]] == [
        ("id", "integer"),
        ("name", "string"),
        ("score", "integer"),
    ]


@pytest.fixture
def ckan(settings: Settings, published: dict[str, str]) -> Iterator[ckanapi.RemoteCKAN]:
    with serve_app(create_app(settings)) as url:
        yield ckanapi.RemoteCKAN(url, user_agent="statedata-tests")


def test_ckanapi_searches_shows_and_pages_through_the_catalog(
    ckan: ckanapi.RemoteCKAN, published: dict[str, str]
) -> None:
    found = ckan.action.package_search(q="overdose", **{"facet.field": ["organization", "tags"]})
    assert found["count"] == 1
    package = found["results"][0]
    assert package["name"] == "overdose-deaths-by-town"
    assert package["organization"]["name"] == "dph"
    assert found["facets"]["tags"] == {"opioids": 1, "overdose": 1}

    shown = ckan.action.package_show(id=published["full"])
    assert shown["title"] == "Overdose deaths by town"
    assert shown["resources"][0]["datastore_active"] is True

    everything = ckan.action.package_search(rows=1000)
    pages = [
        ckan.action.package_search(rows=2, start=s, sort="title_string asc") for s in (0, 2, 4)
    ]
    paged = [p["name"] for page in pages for p in page["results"]]
    assert everything["count"] == 3 == len(paged)
    assert paged == sorted(paged)
    assert ckan.action.package_search(fq="organization:dot")["count"] == 1
    assert ckan.action.package_search(fq="groups:transportation")["count"] == 1
    assert sorted(ckan.action.package_list()) == sorted(p["name"] for p in everything["results"])

    organizations = ckan.action.organization_list(all_fields=True)
    counts = {o["name"]: o["package_count"] for o in organizations}
    assert (counts["dph"], counts["dss"], counts["dot"]) == (1, 1, 1)  # hidden ones not counted
    assert ckan.action.organization_show(id="dph", include_datasets=True)["packages"][0][
        "name"
    ] == ("overdose-deaths-by-town")


def test_ckanapi_reads_rows_through_datastore_search(
    ckan: ckanapi.RemoteCKAN, published: dict[str, str]
) -> None:
    rows = ckan.action.datastore_search(
        resource_id=published["full"],
        filters={"name": "town3"},
        sort="id desc",
        limit=5,
        fields=["id", "name"],
    )

    assert rows["total"] == 36
    assert [r["id"] for r in rows["records"]] == [248, 241, 234, 227, 220]
    assert [f["id"] for f in rows["fields"]] == ["id", "name"]
    searched = ckan.action.datastore_search(resource_id=published["full"], q="town6", limit=0)
    assert searched["total"] == 35


def test_ckan_errors_come_back_as_ckanapi_exceptions(
    ckan: ckanapi.RemoteCKAN, published: dict[str, str]
) -> None:
    with pytest.raises(ckanapi.NotFound):
        ckan.action.package_show(id=published["internal"])  # hidden: not found, not forbidden
    with pytest.raises(ckanapi.NotFound):
        ckan.action.package_show(id=published["draft"])
    with pytest.raises(ckanapi.ValidationError) as wrong_field:
        ckan.action.package_search(fq="secret_field:1")
    assert "secret_field" in str(wrong_field.value)
    with pytest.raises(ckanapi.ValidationError) as wrong_column:
        ckan.action.datastore_search(resource_id=published["full"], filters={"nope": 1})
    assert "'nope' is not a column" in str(wrong_column.value)
    with pytest.raises(ckanapi.ValidationError):
        ckan.action.datastore_search(resource_id=published["full"], filters={"id": "abc"})
    with pytest.raises(ckanapi.ValidationError):
        ckan.action.package_search(rows=-1)


def test_the_plain_http_api_answers_get_at_both_paths(
    client: TestClient, published: dict[str, str]
) -> None:
    for prefix in ("/api/3/action", "/api/action"):
        body = client.get(f"{prefix}/package_search?q=crashes").json()
        assert body["success"] is True and body["result"]["count"] == 1
    unknown = client.get("/api/3/action/package_delete")
    assert unknown.status_code == 400 and unknown.json()["success"] is False
