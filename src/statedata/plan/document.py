"""A plan edition as one JSON document: what the API exports and imports, and what the demo loads
from Connecticut's draft plan. The same shape goes out and comes back in.

Codes tie the parts together (an objective serves goals ``G1``, focal points ``F3``); every code
an objective names must be one of the edition's, every measure one the platform registers, every
agency one the instance knows.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from statedata.core.text_fields import NONBLANK

CODE = r"^[A-Za-z][A-Za-z0-9.-]{0,19}$"
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
ACTION_STATUSES = ("planned", "in_progress", "done", "dropped")


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Principle(_Part):
    code: str = Field(pattern=CODE)
    title: str = Field(max_length=300, pattern=NONBLANK)
    statements: list[str] = Field(default_factory=list, max_length=50)


class Goal(_Part):
    code: str = Field(pattern=CODE)
    title: str = Field(max_length=300, pattern=NONBLANK)
    description: str = Field(default="", max_length=5000)


class FocalPoint(Goal):
    pass


class Point(_Part):
    value: float
    on: date


class InterimTarget(_Part):
    quarter: str = Field(pattern=QUARTER.pattern, description="e.g. 2027-Q2")
    value: float


class PlannedAction(_Part):
    title: str = Field(max_length=300, pattern=NONBLANK)
    agency: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9]{1,19}$")
    owner: str = Field(default="", max_length=200)
    due_on: date | None = None
    status: Literal["planned", "in_progress", "done", "dropped"] = "planned"


class Objective(_Part):
    code: str = Field(pattern=CODE)
    title: str = Field(max_length=300, pattern=NONBLANK)
    measure: str = Field(max_length=60, description="A measure's key (see /api/v1/measures).")
    baseline: Point | None = None
    target: Point | None = None
    interim_targets: list[InterimTarget] = Field(default_factory=list, max_length=40)
    goals: list[str] = Field(default_factory=list, max_length=20)
    focal_points: list[str] = Field(default_factory=list, max_length=20)
    owner: str = Field(default="", max_length=200)
    agencies: list[str] = Field(
        default_factory=list, max_length=100, description="Agency codes; empty: every agency."
    )
    actions: list[PlannedAction] = Field(default_factory=list, max_length=200)

    @model_validator(mode="after")
    def _in_order(self) -> Objective:
        if self.baseline and self.target and self.target.on <= self.baseline.on:
            raise ValueError(f"{self.code}: the target's date is not after the baseline's")
        quarters = [QUARTER.match(t.quarter).groups() for t in self.interim_targets]  # type: ignore[union-attr]
        if quarters != sorted(quarters, key=lambda q: (int(q[0]), int(q[1]))):
            raise ValueError(f"{self.code}: interim targets are not in quarter order")
        return self


class PlanDocument(_Part):
    """A whole edition: its principles, goals, focal points and objectives with their actions."""

    title: str = Field(max_length=300, pattern=NONBLANK)
    period_start: date
    period_end: date
    source: str = Field(default="", max_length=2000, description="Where the text comes from.")
    principles: list[Principle] = Field(default_factory=list, max_length=50)
    goals: list[Goal] = Field(default_factory=list, max_length=50)
    focal_points: list[FocalPoint] = Field(default_factory=list, max_length=50)
    objectives: list[Objective] = Field(default_factory=list, max_length=500)

    @model_validator(mode="after")
    def _codes_hold(self) -> PlanDocument:
        if self.period_end <= self.period_start:
            raise ValueError("period_end: the plan's period ends before it starts")
        for kind, parts in (
            ("principle", self.principles),
            ("goal", self.goals),
            ("focal point", self.focal_points),
            ("objective", self.objectives),
        ):
            codes = [p.code for p in parts]
            twice = sorted({c for c in codes if codes.count(c) > 1})
            if twice:
                raise ValueError(f"{kind} code {twice[0]} is used twice")
        goals = {g.code for g in self.goals}
        focal = {f.code for f in self.focal_points}
        for objective in self.objectives:
            unknown = [c for c in objective.goals if c not in goals]
            if unknown:
                raise ValueError(f"{objective.code}: no goal is coded {unknown[0]}")
            unknown = [c for c in objective.focal_points if c not in focal]
            if unknown:
                raise ValueError(f"{objective.code}: no focal point is coded {unknown[0]}")
        return self
