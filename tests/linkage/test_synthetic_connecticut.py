"""Acceptance: three agencies' person records of the synthetic Connecticut linked by
``statedata link run`` with the default model, scored against the generator's truth."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from statedata.demo.generator import generate_demo
from tests.linkage.test_febrl import statedata

PERSON = "record_id, first_name, middle_name, last_name, name_suffix, date_of_birth, sex, ssn"
SOURCES = {
    "dss_enrollments": ("dss.csv", "street_address, town, zip"),
    "dmv_licenses": ("dmv.csv", "street_address, town, zip"),
    "dph_births": ("births.csv", "birth_town AS town"),  # no address or ZIP: missing
}
MAPPING = [
    "first_name=first_name",
    "middle_name=middle_name",
    "last_name=last_name",
    "suffix=name_suffix",
    "date_of_birth=date_of_birth",
    "sex=sex",
    "ssn=ssn",
    "address=street_address",
    "town=town",
    "zip=zip",
]


@pytest.mark.slow
def test_three_agencies_link_with_f1_of_at_least_0_98(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    generate_demo(demo, persons=5000, seed=7)
    files = []
    for source, (name, place) in SOURCES.items():
        target = tmp_path / name
        duckdb.sql(f"COPY (SELECT {PERSON}, {place} FROM '{demo / source}.parquet') TO '{target}'")
        files.append(str(target))
    truth = tmp_path / "truth.csv"
    names = ", ".join(f"('{s}', '{n}')" for s, (n, _) in SOURCES.items())
    duckdb.sql(
        f"COPY (SELECT n.name AS source_file, t.record_id, t.person_id AS entity_id "
        f"FROM '{demo}/truth_records.parquet' t JOIN (VALUES {names}) n(source, name) "
        f"USING (source)) TO '{truth}'"
    )
    clusters = tmp_path / "clusters.csv"
    maps = [arg for pair in MAPPING for arg in ("--map", pair)]
    ran = statedata(
        "link", "run", *files, "--id-column", "record_id", *maps, "--out", str(clusters)
    )
    assert ran.returncode == 0, ran.stderr
    scored = statedata(
        "link", "evaluate", "--truth", str(truth), "--clusters", str(clusters), "--json"
    )
    assert scored.returncode == 0, scored.stderr
    scores = json.loads(scored.stdout)
    print("synthetic Connecticut, 3 sources:", scores)
    assert scores["records"] > 5000
    assert scores["f1"] >= 0.98
    assert scores["precision"] >= 0.97 and scores["recall"] >= 0.97
