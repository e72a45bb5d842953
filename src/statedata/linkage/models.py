"""The person index's tables: records, persons, their history, scored pairs, decisions, models.

A record is one source record (``source`` names where it came from, ``record_id`` is its key
there) with its raw person attributes as they came and the standardized forms matching reads.
Person IDs (``P000000001``) are issued once and never reused; a merged person stays, pointing
at its survivor, so an ID someone kept still leads somewhere.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from statedata.core.db import Base, UTCDateTime, utcnow
from statedata.linkage.attributes import ATTRIBUTES
from statedata.linkage.blocking import database_indexes


class LinkageModel(Base):
    """One trained version of the matching model (Splink's settings with m, u and λ)."""

    __tablename__ = "linkage_model"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    attributes: Mapped[list[str]] = mapped_column(JSON)
    # the attribute sets of the sources it learnt from; a source of another shape retrains it
    shapes: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    # the blocking keys chosen for the index it was trained on (``blocking.chosen_keys``)
    blocking: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    records: Mapped[int] = mapped_column(Integer)  # how many records it was trained on
    trained_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")


class LinkageRun(Base):
    """One load into the index (or a full re-run), with what it changed."""

    __tablename__ = "linkage_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # load, rerun, decision
    source: Mapped[str] = mapped_column(String(200), default="")
    model_id: Mapped[int | None] = mapped_column(ForeignKey("linkage_model.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    records_in: Mapped[int] = mapped_column(Integer, default=0)
    records_new: Mapped[int] = mapped_column(Integer, default=0)
    records_changed: Mapped[int] = mapped_column(Integer, default=0)
    pairs_scored: Mapped[int] = mapped_column(Integer, default=0)
    persons_created: Mapped[int] = mapped_column(Integer, default=0)
    merges: Mapped[int] = mapped_column(Integer, default=0)
    splits: Mapped[int] = mapped_column(Integer, default=0)
    moves: Mapped[int] = mapped_column(Integer, default=0)
    held_apart: Mapped[int] = mapped_column(Integer, default=0)
    job_id: Mapped[int | None] = mapped_column(Integer)  # the core_job that ran it, if any


class LinkageSource(Base):
    """A catalog dataset whose rows are person records, with the steward's column mapping.

    ``name`` is what the index calls the source (its records' ``source``); it is set once, from
    the dataset's slug, so a later retitling of the dataset does not orphan its records.
    """

    __tablename__ = "linkage_source"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_dataset.id", ondelete="CASCADE"), unique=True
    )
    name: Mapped[str] = mapped_column(String(200), unique=True)
    id_column: Mapped[str] = mapped_column(String(300))
    mapping: Mapped[dict[str, list[str]]] = mapped_column(JSON)  # attribute -> columns
    loaded_version: Mapped[int | None] = mapped_column(Integer)  # the dataset version last loaded
    last_job_id: Mapped[int | None] = mapped_column(Integer)
    configured_by_name: Mapped[str] = mapped_column(String(150), default="")
    configured_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Person(Base):
    __tablename__ = "linkage_person"

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    status: Mapped[str] = mapped_column(String(10), default="active")  # active, merged
    merged_into: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PersonRecord(Base):
    __tablename__ = "linkage_record"
    # one index per blocking key: the real-time match looks candidates up by them
    __table_args__ = (
        UniqueConstraint("source", "record_id"),
        *(Index("ix_linkage_record_" + "_".join(key), *key) for key in database_indexes()),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(200))
    record_id: Mapped[str] = mapped_column(String(200))
    # None only while a load is placing the record
    person_id: Mapped[str | None] = mapped_column(ForeignKey("linkage_person.id"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64))  # of the raw attributes
    raw: Mapped[dict[str, str | None]] = mapped_column(JSON)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # the standardized attributes (ATTRIBUTES), one column each, so blocking keys can be indexed
    first_name: Mapped[str | None] = mapped_column(String(200))
    middle_name: Mapped[str | None] = mapped_column(String(200))
    last_name: Mapped[str | None] = mapped_column(String(200))
    suffix: Mapped[str | None] = mapped_column(String(40))
    date_of_birth: Mapped[str | None] = mapped_column(String(10))
    sex: Mapped[str | None] = mapped_column(String(1))
    ssn: Mapped[str | None] = mapped_column(String(9))
    identifier: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    town: Mapped[str | None] = mapped_column(String(200))
    zip: Mapped[str | None] = mapped_column(String(5))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(320))


class PersonEvent(Base):
    """The history of persons: created, record added, merged, split, record moved, decided."""

    __tablename__ = "linkage_person_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("linkage_run.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    person_id: Mapped[str] = mapped_column(String(20), index=True)
    other_person_id: Mapped[str | None] = mapped_column(String(20), index=True)
    records: Mapped[list[list[str]]] = mapped_column(JSON, default=list)  # [source, record_id]
    detail: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("identity_user.id"))


class ScoredPair(Base):
    """A candidate pair the model scored at or above the index's floor (record_a < record_b)."""

    __tablename__ = "linkage_pair"
    __table_args__ = (UniqueConstraint("record_a", "record_b"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_a: Mapped[int] = mapped_column(ForeignKey("linkage_record.id"))
    record_b: Mapped[int] = mapped_column(ForeignKey("linkage_record.id"), index=True)
    probability: Mapped[float] = mapped_column(Float)
    weight: Mapped[float] = mapped_column(Float)
    levels: Mapped[dict[str, int]] = mapped_column(JSON)  # comparison -> level (gamma)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("linkage_run.id"))


class MatchDecision(Base):
    """A person's word on a pair of records; the latest one not undone is in force."""

    __tablename__ = "linkage_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_a: Mapped[int] = mapped_column(ForeignKey("linkage_record.id"), index=True)
    record_b: Mapped[int] = mapped_column(ForeignKey("linkage_record.id"), index=True)
    same: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("identity_user.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    undone_by: Mapped[int | None] = mapped_column(ForeignKey("identity_user.id"))


STANDARDIZED = list(ATTRIBUTES)  # the record's standardized columns, in this order
