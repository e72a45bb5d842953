"""How far each objective has come: its measure's latest value against the baseline, the target
and the interim target of the quarter reached, in words a dashboard shows.

Progress is the share of the way from the baseline to the target (which way is better comes from
the measure); an objective is *met* at its target, *on track* at or past the interim target due by
now, *behind* otherwise, and has *no data* until its measure has a value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from statedata.plan.measures import MEASURES, STATEWIDE
from statedata.plan.models import MeasureSnapshot, PlanObjective


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


@dataclass(frozen=True)
class Progress:
    value: float | None
    measured_on: date | None
    interim_target: float | None  # the target of the latest quarter reached
    share: float | None  # 0..1 of the way from baseline to target
    status: str  # met, on track, behind, no data

    def as_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "measured_on": self.measured_on.isoformat() if self.measured_on else None,
            "interim_target": self.interim_target,
            "share": round(self.share, 3) if self.share is not None else None,
            "status": self.status,
        }


def _reached(value: float, goal: float, lower_is_better: bool) -> bool:
    return value <= goal if lower_is_better else value >= goal


def progress_of(
    objective: PlanObjective, value: float | None, on: date | None, today: date
) -> Progress:
    """The objective's progress with its measure at ``value`` (measured ``on``)."""
    measure = MEASURES.get(objective.measure)
    lower = measure is not None and measure.better == "lower"
    due = [t for t in objective.interim_targets if str(t["quarter"]) <= quarter_of(today)]
    interim = float(due[-1]["value"]) if due else None
    if value is None:
        return Progress(None, None, interim, None, "no data")
    share = None
    baseline, target = objective.baseline_value, objective.target_value
    if baseline is not None and target is not None and target != baseline:
        share = min(max((value - baseline) / (target - baseline), 0.0), 1.0)
    if target is not None and _reached(value, target, lower):
        status, share = "met", 1.0  # all the way, even from a baseline already past it
    elif interim is None or _reached(value, interim, lower):
        status = "on track"
    else:
        status = "behind"
    return Progress(value, on, interim, share, status)


def latest_values(
    session: Session, agency: str = STATEWIDE
) -> dict[str, tuple[float | None, date]]:
    """Each measure's latest snapshot for the agency (``""``: statewide): value and day."""
    rows = session.scalars(
        select(MeasureSnapshot)
        .where(MeasureSnapshot.agency == agency)
        .order_by(MeasureSnapshot.taken_on)
    )
    return {s.measure: (s.value, s.taken_on) for s in rows}


def objectives_progress(
    session: Session, objectives: list[PlanObjective], today: date
) -> list[dict[str, Any]]:
    """Each objective with its measure's words and its statewide progress."""
    latest = latest_values(session)
    out = []
    for o in objectives:
        value, on = latest.get(o.measure, (None, None))
        measure = MEASURES.get(o.measure)
        out.append(
            {
                "code": o.code,
                "title": o.title,
                "measure": measure.as_dict() if measure else {"key": o.measure},
                "baseline": {"value": o.baseline_value, "on": o.baseline_on.isoformat()}
                if o.baseline_on
                else None,
                "target": {"value": o.target_value, "on": o.target_on.isoformat()}
                if o.target_on
                else None,
                "interim_targets": o.interim_targets,
                "goals": o.goals,
                "focal_points": o.focal_points,
                "owner": o.owner,
                "agencies": o.agencies,
                "progress": progress_of(o, value, on, today).as_dict(),
            }
        )
    return out
