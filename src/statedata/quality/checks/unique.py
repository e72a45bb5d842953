"""unique: no value of the column appears twice (empty cells are not compared)."""

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
from statedata.storage.quoting import quoted


@rule_type
@dataclass(frozen=True)
class Unique(Rule):
    type = "unique"
    label = "Unique"
    column: str = field(metadata={"kind": "text"})
    severity: Severity = "error"

    def measures(self, context: CheckContext) -> dict[str, Fragment]:
        name = quoted(self.column)
        # each row whose value an earlier row already had is one violation
        return {"repeats": Fragment(f"count({name}) - count(DISTINCT {name})")}

    def judge(self, measured: dict[str, Any], context: CheckContext) -> Judgement:
        return Judgement(int(measured["repeats"] or 0))

    def duplicate_key(self) -> list[str]:
        return [self.column]

    def describe(self) -> str:
        return f"No two rows have the same {self.column}."
