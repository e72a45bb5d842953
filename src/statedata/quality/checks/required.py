"""required: every row has a value in the column."""

from __future__ import annotations

from dataclasses import dataclass, field

from statedata.quality.rules import (
    CheckContext,
    Fragment,
    Rule,
    Severity,
    rule_type,
)
from statedata.storage.quoting import quoted


@rule_type
@dataclass(frozen=True)
class Required(Rule):
    type = "required"
    label = "Required"
    column: str = field(metadata={"kind": "text"})
    severity: Severity = "error"

    def row_violation(self, context: CheckContext) -> Fragment:
        return Fragment(f"{quoted(self.column)} IS NULL")

    def describe(self) -> str:
        return f"Every row has a value in {self.column}."
