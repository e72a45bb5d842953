"""Acceptance: three agencies' person records of the synthetic Connecticut linked by
``statedata link run`` with the default model, scored against the generator's truth."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from statedata.demo.generator import generate_demo
from statedata.demo.person_files import LINK_MAPPING, person_truth, write_person_files
from tests.linkage.test_febrl import statedata


@pytest.mark.slow
def test_three_agencies_link_with_f1_of_at_least_0_98(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    generate_demo(demo, persons=5000, seed=7)
    files = [str(f) for f in write_person_files(demo, tmp_path)]
    truth = tmp_path / "truth.csv"
    with truth.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source_file", "record_id", "entity_id"])
        writer.writerows([s, r, p] for (s, r), p in person_truth(demo).items())
    clusters = tmp_path / "clusters.csv"
    maps = [arg for pair in LINK_MAPPING for arg in ("--map", pair)]
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
