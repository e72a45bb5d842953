"""enum: values come from a fixed list."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from statedata.quality.checks.values import as_text
from statedata.quality.rules import CheckContext, Fragment, Rule, Severity, rule_type


@rule_type
@dataclass(frozen=True)
class Enum(Rule):
    type = "enum"
    label = "Allowed values"
    column: str = field(metadata={"kind": "text"})
    values: list[Any] = field(metadata={"kind": "values"})
    severity: Severity = "error"

    def row_violation(self, context: CheckContext) -> Fragment:
        holes = ", ".join("?" for _ in self.values)
        return Fragment(
            f"{as_text(self.column, context)} NOT IN ({holes})", tuple(str(v) for v in self.values)
        )

    def describe(self) -> str:
        shown = ", ".join(str(v) for v in self.values[:12])
        more = f" and {len(self.values) - 12} more" if len(self.values) > 12 else ""
        return f"{self.column} is one of {shown}{more}."
