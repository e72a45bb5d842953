"""row_count: the number of rows moved no more than a share against the previous version."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from statedata.quality.rules import (
    CheckContext,
    Fragment,
    Judgement,
    Rule,
    Severity,
    rule_type,
)


@rule_type
@dataclass(frozen=True)
class RowCount(Rule):
    type = "row_count"
    label = "Row-count change"
    counts_rows = False
    max_change: float = field(metadata={"kind": "number"})
    severity: Severity = "warning"

    def measures(self, context: CheckContext) -> dict[str, Fragment]:
        return {"rows": Fragment("count(*)")}

    def judge(self, measured: dict[str, Any], context: CheckContext) -> Judgement:
        rows = int(measured["rows"])
        if context.previous is None:
            return Judgement(0, "no previous version to compare with")
        before = context.previous.rows
        change = abs(rows - before) / before if before else (1.0 if rows else 0.0)
        words = f"{before:,} -> {rows:,} rows ({change:.1%})"
        return Judgement(1 if change > self.max_change else 0, words)

    def describe(self) -> str:
        return f"The row count changes by at most {self.max_change:.0%} from the previous version."
