"""The synthetic Connecticut's person records as the CSV files three agencies would hand to
``statedata link run`` (DSS enrollments, DMV licenses, DPH births), with the generator's truth
and the column mapping that links them. Used by the linkage tests and benchmark."""

from __future__ import annotations

from pathlib import Path

from statedata.storage import duck

PERSON_COLUMNS = (
    "record_id, first_name, middle_name, last_name, name_suffix, date_of_birth, sex, ssn"
)
# source -> (file name, its place columns); births have a town and no address or ZIP
PERSON_SOURCES = {
    "dss_enrollments": ("dss.csv", "street_address, town, zip"),
    "dmv_licenses": ("dmv.csv", "street_address, town, zip"),
    "dph_births": ("births.csv", "birth_town AS town"),
}
LINK_MAPPING = [
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


def write_person_files(demo: Path, target: Path) -> list[Path]:
    """The three agencies' CSV files from a generated ``demo`` folder, written in ``target``."""
    files = []
    for source, (name, place) in PERSON_SOURCES.items():
        path = target / name
        with duck.scratch_cursor() as cursor:
            cursor.execute(
                f"COPY (SELECT {PERSON_COLUMNS}, {place} FROM '{demo / source}.parquet') "  # noqa: S608 (our own paths)
                f"TO '{path}'"
            )
        files.append(path)
    return files


def person_truth(demo: Path) -> dict[tuple[str, str], str]:
    """(file name, record id) -> the generator's person, for the three files."""
    names = {source: name for source, (name, _) in PERSON_SOURCES.items()}
    with duck.scratch_cursor() as cursor:
        rows = cursor.execute(
            f"SELECT source, record_id, person_id FROM '{demo}/truth_records.parquet'"  # noqa: S608
        ).fetchall()
    return {(names[s], r): p for s, r, p in rows if s in names}
