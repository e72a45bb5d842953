"""reference: each value exists in a column of another dataset (its current version)."""

from __future__ import annotations

from dataclasses import dataclass, field

from statedata.quality.checks.values import as_text
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
class Reference(Rule):
    type = "reference"
    label = "Reference"
    column: str = field(metadata={"kind": "text"})
    dataset: str = field(metadata={"kind": "text"})
    to_column: str = field(metadata={"kind": "text"})
    severity: Severity = "error"

    def row_violation(self, context: CheckContext) -> Fragment | None:
        if context.reference is None:
            return None  # nothing to compare with (a file checked on its own)
        relation = context.reference(self.dataset, self.to_column)
        target = f"CAST({quoted(self.to_column)} AS VARCHAR)"
        return Fragment(
            f"({as_text(self.column, context)} NOT IN "  # noqa: S608 (names quoted)
            f"(SELECT {target} FROM {relation} WHERE {target} IS NOT NULL))"
        )

    def describe(self) -> str:
        return f"Every {self.column} is a {self.to_column} of dataset {self.dataset}."
