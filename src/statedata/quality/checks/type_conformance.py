"""type: each value can be read as the given type (a date column kept as text, say)."""

from __future__ import annotations

from dataclasses import dataclass, field

from statedata.core.errors import InvalidInput
from statedata.quality.rules import (
    CheckContext,
    Fragment,
    Rule,
    Severity,
    rule_type,
)
from statedata.storage.quoting import quoted

SQL_TYPES = {
    "integer": "BIGINT",
    "number": "DOUBLE",
    "date": "DATE",
    "datetime": "TIMESTAMP",
    "time": "TIME",
    "boolean": "BOOLEAN",
}


@rule_type
@dataclass(frozen=True)
class TypeConformance(Rule):
    type = "type"
    label = "Type"
    column: str = field(metadata={"kind": "text"})
    expected: str = field(metadata={"kind": "text"})
    severity: Severity = "error"

    def validate(self, where: str) -> None:
        if self.expected not in SQL_TYPES:
            raise InvalidInput(
                f"{where}.expected: {self.expected!r} must be one of {', '.join(SQL_TYPES)}."
            )

    def row_violation(self, context: CheckContext) -> Fragment:
        name = quoted(self.column)
        return Fragment(
            f"({name} IS NOT NULL AND TRY_CAST({name} AS {SQL_TYPES[self.expected]}) IS NULL)"
        )

    def describe(self) -> str:
        return f"Every value of {self.column} is a valid {self.expected}."
