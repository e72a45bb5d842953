"""range: values lie between a minimum and a maximum (either may be left open).

Numbers for numeric columns (and text columns holding numbers); ISO dates for date columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from statedata.core.errors import InvalidInput
from statedata.quality.checks.values import as_number, is_temporal, outside
from statedata.quality.rules import (
    CheckContext,
    Fragment,
    Rule,
    Severity,
    rule_type,
)
from statedata.storage.quoting import quoted


def _bound(value: Any, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidInput(f"{where}: {value!r} must be a number or an ISO date.")
    if isinstance(value, str):
        try:
            date.fromisoformat(value)
        except ValueError:
            raise InvalidInput(f"{where}: {value!r} must be a number or an ISO date.") from None


@rule_type
@dataclass(frozen=True)
class Range(Rule):
    type = "range"
    label = "Range"
    column: str = field(metadata={"kind": "text"})
    minimum: Any = field(default=None)
    maximum: Any = field(default=None)
    severity: Severity = "error"

    def validate(self, where: str) -> None:
        if self.minimum is None and self.maximum is None:
            raise InvalidInput(f"{where}: a range rule needs a minimum, a maximum or both.")
        for name in ("minimum", "maximum"):
            if getattr(self, name) is not None:
                _bound(getattr(self, name), f"{where}.{name}")

    def row_violation(self, context: CheckContext) -> Fragment:
        dated = is_temporal(self.column, context) or isinstance(self.minimum or self.maximum, str)
        if dated:
            value = f"TRY_CAST({quoted(self.column)} AS DATE)"
            bound = "CAST(? AS DATE)"
        else:
            value, bound = as_number(self.column, context), "?"

        def typed(bound: Any) -> Any:
            return None if bound is None else (str(bound) if dated else float(bound))

        return outside(value, typed(self.minimum), typed(self.maximum), bound)

    def describe(self) -> str:
        if self.maximum is None:
            return f"{self.column} is at least {self.minimum}."
        if self.minimum is None:
            return f"{self.column} is at most {self.maximum}."
        return f"{self.column} is between {self.minimum} and {self.maximum}."
