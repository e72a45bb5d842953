"""length: text is at least and at most so many characters long."""

from __future__ import annotations

from dataclasses import dataclass, field

from statedata.core.errors import InvalidInput
from statedata.quality.checks.values import as_text, outside
from statedata.quality.rules import CheckContext, Fragment, Rule, Severity, rule_type


@rule_type
@dataclass(frozen=True)
class Length(Rule):
    type = "length"
    label = "Length"
    column: str = field(metadata={"kind": "text"})
    minimum: int | None = field(default=None, metadata={"kind": "count"})
    maximum: int | None = field(default=None, metadata={"kind": "count"})
    severity: Severity = "error"

    def validate(self, where: str) -> None:
        if self.minimum is None and self.maximum is None:
            raise InvalidInput(f"{where}: a length rule needs a minimum, a maximum or both.")

    def row_violation(self, context: CheckContext) -> Fragment:
        return outside(f"length({as_text(self.column, context)})", self.minimum, self.maximum)

    def describe(self) -> str:
        if self.maximum is None:
            return f"{self.column} has at least {self.minimum} characters."
        if self.minimum is None:
            return f"{self.column} has at most {self.maximum} characters."
        return f"{self.column} has {self.minimum} to {self.maximum} characters."
