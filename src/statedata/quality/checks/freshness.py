"""freshness: the newest date in a column is at most so many days old."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from statedata.quality.rules import (
    CheckContext,
    Fragment,
    Judgement,
    Rule,
    Severity,
    rule_type,
)
from statedata.storage.quoting import quoted


@rule_type
@dataclass(frozen=True)
class Freshness(Rule):
    type = "freshness"
    label = "Freshness"
    counts_rows = False
    column: str = field(metadata={"kind": "text"})
    days: int = field(metadata={"kind": "count"})
    severity: Severity = "warning"

    def measures(self, context: CheckContext) -> dict[str, Fragment]:
        return {"newest": Fragment(f"max(TRY_CAST({quoted(self.column)} AS DATE))")}

    def judge(self, measured: dict[str, Any], context: CheckContext) -> Judgement:
        newest = measured["newest"]
        if isinstance(newest, datetime):
            newest = newest.date()
        if not isinstance(newest, date):
            return Judgement(1, f"{self.column} has no dates")
        age = (context.today - newest).days
        if age > self.days:
            return Judgement(1, f"the newest {self.column} is {newest.isoformat()}, {age} days old")
        return Judgement(0, f"the newest {self.column} is {newest.isoformat()}")

    def describe(self) -> str:
        return f"The newest {self.column} is at most {self.days} days old."
