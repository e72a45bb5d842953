"""Acceptance: the Spark backend (local mode) scores the same pairs and makes the same persons as
DuckDB with the same trained model; a model trains on Spark too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from statedata.core.db import make_engine, make_session_factory, unit_of_work
from statedata.core.errors import InvalidInput
from statedata.core.migrate import upgrade_database
from statedata.demo.generator import generate_demo
from statedata.linkage.backend import Backend
from statedata.linkage.index import load, persons_by_record, rerun
from statedata.linkage.models import ScoredPair
from tests.linkage.test_person_index import PLACES, _synthetic

SPARK = Backend("spark", "local[2]")


@pytest.fixture
def factory(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(f"sqlite:///{tmp_path / 'index.db'}")
    upgrade_database(engine)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def stopped_spark() -> Iterator[None]:
    yield
    from statedata.linkage.engine import stop_spark

    stop_spark()  # the JVM and its loopback ports go with the test


def _pairs(factory: sessionmaker[Session]) -> dict[tuple[int, int], tuple[float, dict]]:
    with unit_of_work(factory) as session:
        return {
            (p.record_a, p.record_b): (p.probability, p.levels)
            for p in session.scalars(select(ScoredPair))
        }


@pytest.mark.slow
def test_spark_scores_and_groups_as_duckdb_does(
    factory: sessionmaker[Session], tmp_path: Path, stopped_spark: None
) -> None:
    folder = tmp_path / "ct"
    generate_demo(folder, persons=300, seed=3)
    with unit_of_work(factory) as session:
        load(session, {source: _synthetic(folder, source) for source in PLACES})
    on_duckdb = _pairs(factory)
    with unit_of_work(factory) as session:
        persons_on_duckdb = persons_by_record(session)
    assert len(set(persons_on_duckdb.values())) < len(persons_on_duckdb)  # some records link

    with unit_of_work(factory) as session:
        rerun(session, backend=SPARK)
    on_spark = _pairs(factory)
    assert on_spark.keys() == on_duckdb.keys()
    for pair, (probability, levels) in on_duckdb.items():
        assert on_spark[pair][0] == pytest.approx(probability, abs=1e-9)
        assert on_spark[pair][1] == levels
    with unit_of_work(factory) as session:
        assert persons_by_record(session) == persons_on_duckdb

    # A model trained on Spark is a whole model: every comparison with trained levels.
    from statedata.linkage.engine import model_of, trained_linker
    from statedata.linkage.index import index_table

    with unit_of_work(factory) as session:
        records: pa.Table = index_table(
            session, ["first_name", "last_name", "date_of_birth", "sex"]
        )
    model = model_of(
        trained_linker(records, ["first_name", "last_name", "date_of_birth", "sex"], SPARK)
    )
    names = [c["output_column_name"] for c in model["comparisons"]]
    assert names == ["name", "date_of_birth", "sex"]
    assert model["probability_two_random_records_match"] > 0
    assert all(
        "m_probability" in level
        for comparison in model["comparisons"]
        for level in comparison["comparison_levels"][1:2]  # the first non-null level
    )


def test_an_unknown_backend_is_refused_by_name() -> None:
    from statedata.linkage.engine import trained_linker

    with pytest.raises(InvalidInput, match="'hadoop' is not duckdb or spark"):
        trained_linker(pa.table({"unique_id": [1]}), ["first_name"], Backend("hadoop"))
