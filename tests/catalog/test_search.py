"""Catalog search: ranked full text over metadata and columns, facets, and no leaks of hidden data."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from statedata.catalog.search import SearchRequest, search_datasets
from statedata.core.config import Settings
from statedata.core.db import unit_of_work
from statedata.identity.actor import Actor, Role
from tests.catalog.publishing import make_dataset
from tests.factories import make_user, sign_in


@pytest.fixture
def catalog(
    session_factory: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> dict[str, str]:
    """Public, internal, confidential, restricted, draft and retired datasets of DPH and DSS."""

    def make(key: str, **kwargs: object) -> tuple[str, str]:
        return key, make_dataset(session_factory, settings, tmp_path, **kwargs)  # type: ignore[arg-type]

    return dict(
        [
            make(
                "flu",
                agency="DPH",
                title="Influenza vaccinations by town",
                description="Flu shots given each month at licensed clinics.",
                category="Health and Human Services",
                tags=["flu", "vaccination"],
                update_frequency="Monthly",
                is_high_value=True,
            ),
            make(
                "clinics",
                agency="DPH",
                title="Licensed clinics",
                description="Every clinic with its vaccination services.",
                category="Health and Human Services",
                tags=["clinics"],
            ),
            make(
                "snap",
                agency="DSS",
                title="SNAP participation",
                description="Households receiving benefits.",
                category="Health and Human Services",
            ),
            make(
                "internal",
                agency="DSS",
                title="Caseworker vaccination workload",
                classification="internal",
            ),
            make(
                "confidential",
                agency="DPH",
                title="Vaccination registry extract",
                classification="confidential",
            ),
            make(
                "restricted",
                agency="DSS",
                title="Vaccination eligibility records",
                classification="restricted",
            ),
            make("draft", agency="DPH", title="Vaccination survey draft", status="draft"),
            make("retired", agency="DPH", title="Old vaccination counts", status="retired"),
        ]
    )


def titles(session_factory: sessionmaker[Session], actor: Actor, q: str = "") -> set[str]:
    with unit_of_work(session_factory) as session:
        result = search_datasets(session, actor=actor, request=SearchRequest(q=q, limit=100))
        assert result.total == len(result.datasets)
        return {d.title for d in result.datasets}


def test_the_public_finds_only_released_public_datasets(
    catalog: dict[str, str], session_factory: sessionmaker[Session]
) -> None:
    found = titles(session_factory, Actor.anonymous(), "vaccination")

    assert found == {
        "Influenza vaccinations by town",
        "Licensed clinics",
        "ARCHIVE: Old vaccination counts",
    }


def test_words_match_titles_descriptions_tags_and_columns_ranked_by_title(
    catalog: dict[str, str], session_factory: sessionmaker[Session]
) -> None:
    with unit_of_work(session_factory) as session:
        ranked = search_datasets(
            session, actor=Actor.anonymous(), request=SearchRequest(q="clinics")
        )
        by_column = search_datasets(
            session, actor=Actor.anonymous(), request=SearchRequest(q="score")
        )
        by_prefix = search_datasets(
            session, actor=Actor.anonymous(), request=SearchRequest(q="influ")
        )

    # Both mention clinics; the one with it in its title comes first.
    assert [d.title for d in ranked.datasets] == [
        "Licensed clinics",
        "Influenza vaccinations by town",
    ]
    assert by_column.total == 4  # every public released dataset has a "score" column
    assert [d.title for d in by_prefix.datasets] == ["Influenza vaccinations by town"]


@pytest.mark.parametrize(
    ("role", "agency", "expected"),
    [
        # State staff see internal and confidential entries, and every entry of their own agency;
        # its stewards also its drafts.
        ("analyst", "DPH", {"internal", "confidential"}),
        ("analyst", "DSS", {"internal", "confidential", "restricted"}),
        ("steward", "DSS", {"internal", "confidential", "restricted"}),
        ("steward", "DPH", {"internal", "confidential", "draft"}),
        ("researcher", None, set()),
        ("admin", None, {"internal", "confidential", "restricted", "draft"}),
    ],
)
def test_each_role_finds_what_the_policy_lets_it_see(
    catalog: dict[str, str],
    session_factory: sessionmaker[Session],
    role: str,
    agency: str | None,
    expected: set[str],
) -> None:
    user = make_user(session_factory, f"u-{role}", role, agency)
    actor = Actor(
        user_id=user.id, username=user.username, role=Role(role), agency_id=user.agency_id
    )
    public = {"flu", "clinics", "snap", "retired"}
    with unit_of_work(session_factory) as session:
        result = search_datasets(session, actor=actor, request=SearchRequest(limit=100))
    found = {key for key, ref in catalog.items() if ref in {d.public_id for d in result.datasets}}

    assert found == public | expected
    assert result.total == len(found)
    assert sum(v.count for v in result.facets["agency"]) == len(found)


def test_facets_count_only_what_the_viewer_may_see(
    catalog: dict[str, str], session_factory: sessionmaker[Session]
) -> None:
    with unit_of_work(session_factory) as session:
        result = search_datasets(session, actor=Actor.anonymous(), request=SearchRequest())
        filtered = search_datasets(
            session,
            actor=Actor.anonymous(),
            request=SearchRequest(agency=["dph"], high_value=True),
        )

    assert {(v.value, v.count) for v in result.facets["agency"]} == {("DPH", 3), ("DSS", 1)}
    assert {(v.value, v.count) for v in result.facets["classification"]} == {("public", 4)}
    assert ("flu", 1) in {(v.value, v.count) for v in result.facets["tags"]}
    assert [d.title for d in filtered.datasets] == ["Influenza vaccinations by town"]


def test_search_syntax_in_a_query_is_only_words(
    catalog: dict[str, str], session_factory: sessionmaker[Session]
) -> None:
    for query in ['"unbalanced', "NEAR(a b)", "title:* OR 1=1", "'; DROP TABLE x; --", "*", "-"]:
        titles(session_factory, Actor.anonymous(), query)  # no error, no leak


def test_the_search_api_says_which_parameter_is_wrong(client: TestClient) -> None:
    response = client.get("/api/v1/datasets?sort=size")

    assert response.status_code == 422
    assert response.json()["detail"] == (
        "query.sort: 'size' is not a choice; use 'relevance', 'title', 'updated' or 'created'"
    )
    assert response.json()["errors"][0]["field"] == "query.sort"


def test_a_hidden_dataset_is_not_found_rather_than_forbidden(
    catalog: dict[str, str], client: TestClient
) -> None:
    for key in ("internal", "confidential", "restricted", "draft"):
        assert client.get(f"/api/v1/datasets/{catalog[key]}").status_code == 404
        assert client.get(f"/datasets/{catalog[key]}").status_code == 404
    assert client.get(f"/api/v1/datasets/{catalog['flu']}").status_code == 200


def test_a_state_analyst_sees_a_confidential_entry_but_not_its_rows(
    catalog: dict[str, str], client: TestClient, session_factory: sessionmaker[Session]
) -> None:
    make_user(session_factory, "ana", "analyst", "DSS")
    sign_in(client, "ana")

    assert client.get(f"/api/v1/datasets/{catalog['confidential']}").status_code == 200
    assert client.get(f"/api/v1/datasets/{catalog['confidential']}/data.csv").status_code == 403
