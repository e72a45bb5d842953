"""The synthetic Connecticut: deterministic, truthful, and as messy as real records."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from statedata.demo.generator import folder_checksum, generate_demo
from statedata.demo.manifest import read_manifest
from statedata.demo.sources import SOURCES
from statedata.standards.towns import load_towns

PERSONS = 6_000


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("demo") / "demo"
    generate_demo(target, persons=PERSONS, seed=11)
    return target


def sql(demo_dir: Path, query: str) -> list[tuple[object, ...]]:
    connection = duckdb.connect()
    for path in demo_dir.glob("*.parquet"):
        connection.execute(f"CREATE VIEW {path.stem} AS SELECT * FROM read_parquet('{path}')")
    return connection.execute(query).fetchall()


def test_the_same_seed_gives_the_same_data_and_another_seed_does_not(
    tmp_path: Path, demo_dir: Path
) -> None:
    again, other = tmp_path / "again", tmp_path / "other"
    generate_demo(again, persons=PERSONS, seed=11)
    generate_demo(other, persons=PERSONS, seed=12)

    assert folder_checksum(again) == folder_checksum(demo_dir)
    assert folder_checksum(other) != folder_checksum(demo_dir)


def test_every_source_record_has_exactly_one_true_person(demo_dir: Path) -> None:
    for source in SOURCES:
        [(records, matched, _persons)] = sql(
            demo_dir,
            f"""SELECT count(*), count(t.person_id), count(DISTINCT t.person_id)
                FROM {source} s LEFT JOIN truth_records t ON t.record_id = s.record_id""",
        )
        assert records > 0, source
        assert matched == records, source
        [(unknown,)] = sql(
            demo_dir,
            f"SELECT count(*) FROM truth_records t ANTI JOIN truth_persons p USING (person_id) WHERE source = '{source}'",
        )
        assert unknown == 0


def test_record_ids_reveal_nothing_about_the_person(demo_dir: Path) -> None:
    ids = [row[0] for row in sql(demo_dir, "SELECT record_id FROM dmv_licenses LIMIT 200")]

    assert all(re.fullmatch(r"DMV-\d{14}", value) for value in ids)
    [(shared,)] = sql(
        demo_dir,
        """SELECT count(*) FROM dmv_licenses d JOIN dss_enrollments s
           ON substr(d.record_id, 5) = split_part(s.record_id, '-', 2)""",
    )
    assert shared == 0


def test_people_live_in_the_real_169_towns(demo_dir: Path) -> None:
    towns = {t.name for t in load_towns()}
    seen = {row[0] for row in sql(demo_dir, "SELECT DISTINCT town FROM truth_persons")}

    assert seen <= towns
    assert len(seen) > 150


def test_true_ssns_are_unique_and_structurally_valid(demo_dir: Path) -> None:
    ssns = [row[0] for row in sql(demo_dir, "SELECT ssn FROM truth_persons")]

    assert len(set(ssns)) == len(ssns) == PERSONS
    for ssn in ssns:
        area, group, serial = ssn.split("-")
        assert area not in ("000", "666") and int(area) < 900
        assert group != "00" and serial != "0000"


def test_records_carry_realistic_errors(demo_dir: Path) -> None:
    [(nicknamed,)] = sql(
        demo_dir,
        """SELECT count(*) FROM dol_wages w JOIN truth_records t USING (record_id)
           JOIN truth_persons p USING (person_id) WHERE w.first_name <> p.first_name""",
    )
    [(swapped,)] = sql(
        demo_dir,
        """SELECT count(*) FROM dss_enrollments s JOIN truth_records t USING (record_id)
           JOIN truth_persons p USING (person_id)
           WHERE s.date_of_birth <> p.date_of_birth AND day(s.date_of_birth) = month(p.date_of_birth)
             AND month(s.date_of_birth) = day(p.date_of_birth)""",
    )
    [(missing_ssn, total)] = sql(
        demo_dir, "SELECT count(*) FILTER (WHERE ssn IS NULL), count(*) FROM dmv_licenses"
    )
    [(maiden,)] = sql(
        demo_dir,
        """SELECT count(*) FROM dph_births b JOIN truth_records t USING (record_id)
           JOIN truth_persons p USING (person_id) WHERE p.birth_last_name <> p.last_name""",
    )
    [(duplicates,)] = sql(
        demo_dir,
        "SELECT count(*) FROM (SELECT person_id FROM truth_records WHERE source = 'dmv_licenses' GROUP BY 1 HAVING count(*) > 1)",
    )

    assert nicknamed > 0
    assert swapped > 0
    assert 0.2 < missing_ssn / total < 0.4
    assert maiden > 0
    assert duplicates > 0


def test_the_population_has_twins_and_namesakes(demo_dir: Path) -> None:
    [(twins,)] = sql(
        demo_dir,
        """SELECT count(*) FROM truth_persons a JOIN truth_persons b ON a.twin_of = b.person_id
           WHERE a.date_of_birth = b.date_of_birth AND a.first_name <> b.first_name""",
    )
    [(namesakes,)] = sql(
        demo_dir,
        """SELECT count(*) FROM (SELECT first_name, last_name FROM truth_persons
           GROUP BY ALL HAVING count(DISTINCT date_of_birth) > 1)""",
    )

    assert twins > 20
    assert namesakes > 50


def test_some_benefits_continue_after_death(demo_dir: Path) -> None:
    [(after_death,)] = sql(
        demo_dir,
        """SELECT count(*) FROM dss_enrollments s JOIN truth_records t USING (record_id)
           JOIN truth_persons p USING (person_id)
           WHERE p.date_of_death IS NOT NULL AND (s.enrollment_end_date IS NULL OR s.enrollment_end_date > p.date_of_death)""",
    )
    assert after_death > 0


def test_public_aggregates_cover_every_town_and_period(demo_dir: Path) -> None:
    [(towns, months)] = sql(
        demo_dir,
        "SELECT count(DISTINCT town), count(DISTINCT month) FROM dot_crashes_by_town_month",
    )
    [(quarters, small)] = sql(
        demo_dir,
        "SELECT count(DISTINCT year_quarter), count(*) FILTER (WHERE deaths BETWEEN 1 AND 5) FROM dph_overdose_deaths_by_town_quarter",
    )

    assert (towns, months) == (169, 60)
    assert quarters == 20
    assert small > 0  # the small cells that suppression exists for


def test_manifest_counts_match_the_files(demo_dir: Path) -> None:
    manifest = read_manifest(demo_dir)

    assert manifest is not None
    assert manifest["persons"] == PERSONS and manifest["seed"] == 11
    for name, rows in manifest["files"].items():
        assert pq.read_metadata(demo_dir / name).num_rows == rows


@pytest.mark.parametrize("persons", [0, -5, 30_000_000])
def test_an_impossible_population_size_is_refused(tmp_path: Path, persons: int) -> None:
    with pytest.raises(ValueError, match="persons must be between 1"):
        generate_demo(tmp_path / "demo", persons=persons, seed=1)


def test_a_failed_run_leaves_the_previous_data_untouched(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    generate_demo(target, persons=500, seed=1)
    before = folder_checksum(target)

    def explode(done: int, total: int, message: str) -> None:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        generate_demo(target, persons=800, seed=2, progress=explode)

    assert folder_checksum(target) == before
    assert read_manifest(target) == {**read_manifest(target), "persons": 500}  # type: ignore[dict-item]


def test_dates_are_dates(demo_dir: Path) -> None:
    [(value,)] = sql(demo_dir, "SELECT min(date_of_birth) FROM truth_persons")

    assert isinstance(value, date)
