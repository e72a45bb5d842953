"""drift: a column's share of empty cells, and its categories' shares, moved at most a bound.

Categories are compared on the 50 commonest values of either version (a value outside one
version's top 50 counts as a share of 0 there), so it suits columns of categories, not of
identifiers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from statedata.quality.checks.values import as_text
from statedata.quality.rules import (
    CheckContext,
    Fragment,
    Judgement,
    Rule,
    Severity,
    rule_type,
)
from statedata.storage.quoting import quoted

TOP_CATEGORIES = 50


@rule_type
@dataclass(frozen=True)
class Drift(Rule):
    type = "drift"
    label = "Drift"
    counts_rows = False
    column: str = field(metadata={"kind": "text"})
    max_change: float = field(metadata={"kind": "share"})
    severity: Severity = "warning"

    def measures(self, context: CheckContext) -> dict[str, Fragment]:
        return {
            "rows": Fragment("count(*)"),
            "empty": Fragment(f"count(*) FILTER (WHERE {quoted(self.column)} IS NULL)"),
            "counts": Fragment(f"histogram({as_text(self.column, context)})"),
        }

    def remember(self, measured: dict[str, Any]) -> dict[str, Any]:
        """What the next version's check compares with: counts and the top categories' shares."""
        rows = int(measured["rows"]) or 1
        counts = measured.get("counts") or {}
        top = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))[:TOP_CATEGORIES]
        return {
            "rows": int(measured["rows"]),
            "empty": int(measured["empty"]),
            "shares": {str(value): count / rows for value, count in top},
        }

    def judge(self, measured: dict[str, Any], context: CheckContext) -> Judgement:
        previous = context.previous.measures.get(self.key()) if context.previous else None
        if not previous:
            return Judgement(0, "no previous version to compare with")
        current = self.remember(measured)
        rows = current["rows"] or 1
        before_rows = int(previous["rows"]) or 1
        moved = abs(current["empty"] / rows - previous["empty"] / before_rows)
        what = f"empty share moved {moved:.1%}"
        now, then = current["shares"], previous.get("shares") or {}
        for value in sorted(set(now) | set(then)):
            change = abs(now.get(value, 0.0) - then.get(value, 0.0))
            if change > moved:
                moved, what = change, f"share of {value!r} moved {change:.1%}"
        return Judgement(1 if moved > self.max_change else 0, what)

    def describe(self) -> str:
        return (
            f"The share of empty {self.column} cells and of each {self.column} value moves at most "
            f"{self.max_change:.0%} from the previous version."
        )
