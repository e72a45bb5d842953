"""A person index of the synthetic Connecticut's three agencies, for the tests that read one."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from statedata.core.db import unit_of_work
from statedata.demo.generator import generate_demo
from statedata.linkage.index import load
from tests.linkage.test_person_index import PLACES, _synthetic


@pytest.fixture
def indexed(session_factory: sessionmaker[Session], tmp_path: Path) -> None:
    """400 persons' DSS, DMV and births records loaded into the index (the model trained)."""
    folder = tmp_path / "ct"
    generate_demo(folder, persons=400, seed=5)
    with unit_of_work(session_factory) as session:
        load(session, {source: _synthetic(folder, source) for source in PLACES})
