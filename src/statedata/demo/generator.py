"""Write the synthetic Connecticut: agencies' source files, public aggregates and the truth.

Output goes to a fresh folder that replaces the previous one only when complete, so a failed or
interrupted run leaves the last good demo data in place.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from statedata.demo import aggregates
from statedata.demo.manifest import MANIFEST_NAME, MAX_PERSONS
from statedata.demo.population import Population, generate_population, town_zip
from statedata.demo.sources import SOURCES, as_date, build_source
from statedata.standards.towns import load_towns

CHUNK_PERSONS = 50_000
Progress = Callable[[int, int, str], None]

DATE_COLUMNS = {"month", "registration_date"}
FLOAT_COLUMNS = {"wages", "latitude", "longitude"}
INT_COLUMNS = {
    "crashes",
    "injury_crashes",
    "fatal_crashes",
    "deaths",
    "fentanyl_involved",
    "employees",
}


def arrow_type(column: str) -> pa.DataType:
    """Column types by name, so every chunk of a file has the same schema."""
    if column in DATE_COLUMNS or column.endswith("_date") or column.startswith("date_of_"):
        return pa.date32()
    if column in FLOAT_COLUMNS:
        return pa.float64()
    if column in INT_COLUMNS:
        return pa.int64()
    return pa.string()


@dataclass
class TableWriter:
    """Appends row batches to one Parquet file with a schema fixed by the first batch."""

    path: Path
    writer: pq.ParquetWriter | None = None
    rows: int = 0

    def write(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        if self.writer is None:
            schema = pa.schema([(name, arrow_type(name)) for name in rows[0]])
            self.writer = pq.ParquetWriter(self.path, schema, compression="zstd")
        table = pa.Table.from_pylist(rows, schema=self.writer.schema)
        self.writer.write_table(table)
        self.rows += len(rows)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


@dataclass
class DemoSummary:
    seed: int
    persons: int
    files: dict[str, int] = field(default_factory=dict)  # file name -> rows

    def as_dict(self) -> dict[str, Any]:
        return {"seed": self.seed, "persons": self.persons, "files": self.files}


def _person_rows(population: Population) -> list[dict[str, Any]]:
    towns = load_towns()
    return [
        {
            "person_id": str(population.person_id[i]),
            "first_name": str(population.first_name[i]),
            "middle_name": str(population.middle_name[i]) or None,
            "last_name": str(population.last_name[i]),
            "birth_last_name": str(population.birth_last_name[i]),
            "name_suffix": str(population.suffix[i]) or None,
            "sex": str(population.sex[i]),
            "date_of_birth": as_date(population.dob[i]),
            "ssn": str(population.ssn[i]),
            "race_ethnicity": str(population.race[i]),
            "town": towns[int(population.town[i])].name,
            "zip": town_zip(int(population.town[i])),
            "twin_of": str(population.twin_of[i]) or None,
            "date_of_death": as_date(population.death_date[i])
            if population.death_date[i] >= 0
            else None,
        }
        for i in range(len(population))
    ]


def _write_all(writer: TableWriter, rows: Iterable[dict[str, Any]], batch: int = 20_000) -> None:
    buffer: list[dict[str, Any]] = []
    for row in rows:
        buffer.append(row)
        if len(buffer) >= batch:
            writer.write(buffer)
            buffer = []
    writer.write(buffer)


def generate_demo(
    target: Path, *, persons: int, seed: int, progress: Progress | None = None
) -> DemoSummary:
    """Generate ``persons`` people and their records into ``target`` (replaced when complete)."""
    if not 1 <= persons <= MAX_PERSONS:
        raise ValueError(f"persons must be between 1 and {MAX_PERSONS:,}, got {persons:,}")
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    report = progress or (lambda done, total, message: None)
    writers = {
        name: TableWriter(staging / f"{name}.parquet")
        for name in [*SOURCES, "truth_records", "truth_persons"]
    }
    try:
        for start in range(0, persons, CHUNK_PERSONS):
            count = min(CHUNK_PERSONS, persons - start)
            chunk = start // CHUNK_PERSONS
            population = generate_population(start, count, seed)
            writers["truth_persons"].write(_person_rows(population))
            for name in SOURCES:
                records, truth = [], []
                for record, person_id in build_source(name, population, seed, chunk):
                    records.append(record)
                    truth.append(
                        {"source": name, "record_id": record["record_id"], "person_id": person_id}
                    )
                writers[name].write(records)
                writers["truth_records"].write(truth)
            report(start + count, persons, f"{start + count:,} of {persons:,} persons")
        report(persons, persons, "public aggregates")
        _write_aggregates(staging, seed, persons, writers)
    finally:
        for writer in writers.values():
            writer.close()
    summary = DemoSummary(
        seed=seed,
        persons=persons,
        files={f"{n}.parquet": w.rows for n, w in sorted(writers.items())},
    )
    (staging / MANIFEST_NAME).write_text(
        json.dumps(summary.as_dict(), indent=2, sort_keys=True) + "\n"
    )
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return summary


def _write_aggregates(
    staging: Path, seed: int, persons: int, writers: dict[str, TableWriter]
) -> None:
    simple = {
        "dot_crashes_by_town_month": aggregates.crashes_by_town_month(seed),
        "dph_overdose_deaths_by_town_quarter": aggregates.overdose_deaths_by_town_quarter(seed),
        "deep_facilities_flood_zones": aggregates.flood_zone_facilities(seed),
    }
    for name, rows in simple.items():
        writers[name] = TableWriter(staging / f"{name}.parquet")
        _write_all(writers[name], rows)
    for name in ("sots_business_registrations", "dol_employers", "truth_businesses"):
        writers[name] = TableWriter(staging / f"{name}.parquet")
    registrations, employers, truth = [], [], []
    for registration, employer, business_id in aggregates.businesses(seed, max(500, persons // 20)):
        registrations.append(registration)
        truth.append(
            {
                "source": "sots_business_registrations",
                "record_id": registration["record_id"],
                "business_id": business_id,
            }
        )
        if employer is not None:
            employers.append(employer)
            truth.append(
                {
                    "source": "dol_employers",
                    "record_id": employer["record_id"],
                    "business_id": business_id,
                }
            )
    writers["sots_business_registrations"].write(registrations)
    writers["dol_employers"].write(employers)
    writers["truth_businesses"].write(truth)


def folder_checksum(target: Path) -> str:
    """A digest of every data file's content, to show that a seed reproduces its output."""
    digest = hashlib.sha256()
    for path in sorted(target.glob("*.parquet")):
        table = pq.read_table(path)
        digest.update(path.name.encode())
        for batch in table.to_batches():
            for column in batch.columns:
                digest.update(str(column.to_pylist()).encode())
    return digest.hexdigest()
