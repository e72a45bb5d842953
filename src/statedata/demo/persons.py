"""The demo's person index: the agencies' person-level datasets mapped to person attributes and
loaded, through the same services a steward uses, so that persons, the review queue, the model
and the golden records have something to show.

Health and human services (DSS enrollments, DMV licenses, DPH births and deaths) are the
master person index's focal point; SDE students and DOL wage records join them for the
education-to-workforce questions.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from statedata.catalog.models import Dataset
from statedata.core.config import Settings
from statedata.core.db import unit_of_work
from statedata.core.errors import StatedataError
from statedata.core.instance import get_fact, set_fact
from statedata.core.jobs import ProgressListener, run_job
from statedata.demo.catalog import DEMO_ACTOR
from statedata.demo.catalog_entries import ENTRIES

DEMO_PERSON_INDEX = "demo_person_index"

_NAME = {
    "first_name": "first_name",
    "middle_name": "middle_name",
    "last_name": "last_name",
    "suffix": "name_suffix",
    "date_of_birth": "date_of_birth",
    "sex": "sex",
}
_HOME = {"address": "street_address", "town": "town", "zip": "zip"}
# file -> (the record's id column, attribute -> column)
PERSON_SOURCES: dict[str, tuple[str, dict[str, str]]] = {
    "dss_enrollments.parquet": ("record_id", {**_NAME, "ssn": "ssn", **_HOME, "phone": "phone"}),
    "dmv_licenses.parquet": ("record_id", {**_NAME, "ssn": "ssn", **_HOME}),
    "dph_births.parquet": ("record_id", {**_NAME, "ssn": "ssn", "town": "birth_town"}),
    "dph_deaths.parquet": ("record_id", {**_NAME, "ssn": "ssn", "town": "residence_town"}),
    "sde_students.parquet": ("record_id", {**_NAME, "identifier": "sasid"}),
    "dol_wages.parquet": (
        "record_id",
        {"first_name": "first_name", "last_name": "last_name", "ssn": "ssn"},
    ),
}


def _person_level_datasets(session: Session) -> dict[str, str]:
    """file -> public id of the demo's person-level dataset made from it."""
    titles = {e.title: e.file for e in ENTRIES if e.select == "*" and e.file in PERSON_SOURCES}
    found = session.execute(
        select(Dataset.title, Dataset.public_id).where(Dataset.title.in_(titles))
    )
    return {titles[title]: ref for title, ref in found}


def build_demo_person_index(
    settings: Settings,
    factory: sessionmaker[Session],
    listener: ProgressListener | None = None,
) -> int:
    """Map the person-level datasets and load them once; returns the records loaded (0 when
    done before)."""
    from statedata.linkage.sources import configure_source, start_load  # Splink on first use

    with unit_of_work(factory) as session:
        if get_fact(session, DEMO_PERSON_INDEX):
            return 0
        datasets = _person_level_datasets(session)
        for file, ref in sorted(datasets.items()):
            id_column, mapping = PERSON_SOURCES[file]
            configure_source(
                session, actor=DEMO_ACTOR, ref=ref, id_column=id_column, mapping=mapping
            )
        job_id = start_load(session, actor=DEMO_ACTOR).id
    job = run_job(job_id, settings=settings, session_factory=factory, listener=listener)
    if job.status != "succeeded":
        raise StatedataError(f"demo person index: the load failed: {job.error}")
    records = int((job.result or {}).get("records", 0))
    with unit_of_work(factory) as session:
        set_fact(session, DEMO_PERSON_INDEX, {"sources": len(datasets), "records": records})
    return records
