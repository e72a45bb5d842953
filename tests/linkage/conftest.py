"""A person index of the synthetic Connecticut's three agencies, for the tests that read one."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from statedata.catalog.models import Dataset
from statedata.core.db import unit_of_work, utcnow
from statedata.demo.generator import generate_demo
from statedata.identity.models import Agency
from statedata.linkage.index import load
from statedata.linkage.models import LinkageSource
from tests.factories import make_user, sign_in
from tests.linkage.test_person_index import COLUMNS, PLACES, _synthetic

# Each source's agency: the index shows a source's records only to whom its agency's dataset would.
OWNERS = {"dss_enrollments": "DSS", "dmv_licenses": "DMV", "dph_births": "DPH"}


@pytest.fixture(scope="session")
def synthetic_connecticut(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic Connecticut's files for 400 persons, written once (reading never changes
    them)."""
    folder = tmp_path_factory.mktemp("ct")
    generate_demo(folder, persons=400, seed=5)
    return folder


@pytest.fixture
def indexed(session_factory: sessionmaker[Session], synthetic_connecticut: Path) -> None:
    """400 persons' DSS, DMV and births records loaded into the index (the model trained), each
    source a restricted catalog dataset of its agency."""
    folder = synthetic_connecticut
    with unit_of_work(session_factory) as session:
        register_sources(session, OWNERS)
        load(session, {source: _synthetic(folder, source) for source in PLACES})


def register_sources(session: Session, owners: dict[str, str]) -> None:
    """Each source as a published restricted dataset of its agency, mapped to the index."""
    for number, (source, code) in enumerate(sorted(owners.items()), start=1):
        agency = session.scalar(select(Agency).where(Agency.code == code))
        assert agency is not None, code
        dataset = Dataset(
            public_id=f"lnk{number}-0000",
            slug=source,
            agency_id=agency.id,
            title=source.replace("_", " "),
            classification="restricted",
            status="published",
            published_at=utcnow(),
        )
        session.add(dataset)
        session.flush()
        columns = {**COLUMNS, **PLACES.get(source, {})}
        session.add(
            LinkageSource(
                dataset_id=dataset.id,
                name=source,
                id_column="record_id",
                mapping={attribute: [attribute] for attribute in columns},
            )
        )


@pytest.fixture
def admin(client: TestClient, session_factory: sessionmaker[Session]) -> dict[str, str]:
    """Headers for the cookie API as the CDO's office, who reads every source (signed in)."""
    make_user(session_factory, "cdo1", "admin")
    return {"X-CSRF-Token": sign_in(client, "cdo1")}
