"""The State Data Plan as data: editions (the law asks for an update every two years), each with
its principles, goals, focal points, measurable objectives and the agency actions that advance
them; and the snapshots of every measure the platform computes, by agency and statewide.

An edition is whole in itself: a new one starts as a copy of the last, so an old edition reads
as it was adopted. Lists that belong to one row and are never queried on their own (a
principle's statements, an objective's interim targets, the goals it serves) are JSON.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from statedata.core.db import Base, UTCDateTime, utcnow


class PlanEdition(Base):
    __tablename__ = "plan_edition"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)  # 1, 2, ... in order
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(12), default="draft")  # draft, adopted, superseded
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    adopted_on: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(Text, default="")  # where its text comes from
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PlanPrinciple(Base):
    __tablename__ = "plan_principle"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("plan_edition.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(20))  # P1, P2, ...
    title: Mapped[str] = mapped_column(String(300))
    statements: Mapped[list[str]] = mapped_column(JSON, default=list)


class PlanGoal(Base):
    __tablename__ = "plan_goal"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("plan_edition.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(20))  # G1, G2, ...
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")


class PlanFocalPoint(Base):
    __tablename__ = "plan_focal_point"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("plan_edition.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(20))  # F1, F2, ...
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")


class PlanObjective(Base):
    """A measurable objective: a measure moving from a baseline to a target by a date, with
    quarterly interim targets, serving goals and focal points, owned by someone."""

    __tablename__ = "plan_objective"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("plan_edition.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(20))  # O1, O2, ...
    title: Mapped[str] = mapped_column(String(300))
    measure: Mapped[str] = mapped_column(String(60))  # a measure's key (computed or reported)
    baseline_value: Mapped[float | None] = mapped_column(Float)
    baseline_on: Mapped[date | None] = mapped_column(Date)
    target_value: Mapped[float | None] = mapped_column(Float)
    target_on: Mapped[date | None] = mapped_column(Date)
    # [{"quarter": "2027-Q1", "value": 40.0}, ...] in order
    interim_targets: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    goals: Mapped[list[str]] = mapped_column(JSON, default=list)  # goal codes
    focal_points: Mapped[list[str]] = mapped_column(JSON, default=list)  # focal point codes
    owner: Mapped[str] = mapped_column(String(200), default="")
    agencies: Mapped[list[str]] = mapped_column(JSON, default=list)  # codes; empty: every agency


class PlanAction(Base):
    """Agency work that advances an objective."""

    __tablename__ = "plan_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("plan_edition.id"), index=True)
    objective_id: Mapped[int] = mapped_column(ForeignKey("plan_objective.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    agency: Mapped[str] = mapped_column(String(20))  # the agency's code
    owner: Mapped[str] = mapped_column(String(200), default="")
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="planned")


class MeasureSnapshot(Base):
    """One measure's value for one agency (``""``: statewide) on one day."""

    __tablename__ = "plan_measure_snapshot"
    __table_args__ = (UniqueConstraint("measure", "agency", "taken_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    measure: Mapped[str] = mapped_column(String(60), index=True)
    agency: Mapped[str] = mapped_column(String(20), default="")
    taken_on: Mapped[date] = mapped_column(Date, index=True)
    value: Mapped[float | None] = mapped_column(Float)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
