"""pattern: each value matches a regular expression, whole (as in Table Schema)."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from statedata.core.errors import InvalidInput
from statedata.quality.checks.values import as_text
from statedata.quality.rules import CheckContext, Fragment, Rule, Severity, rule_type
from statedata.storage import duck


@rule_type
@dataclass(frozen=True)
class Pattern(Rule):
    type = "pattern"
    label = "Pattern"
    column: str = field(metadata={"kind": "text"})
    pattern: str = field(metadata={"kind": "text"})
    severity: Severity = "error"

    def validate(self, where: str) -> None:
        # DuckDB's RE2 is the engine that will run it, so RE2 decides what is valid.
        try:
            with duck.scratch_cursor() as cursor:
                cursor.execute("SELECT regexp_full_match('', ?)", [self.pattern]).fetchall()
        except duckdb.Error as exc:
            reason = str(exc).splitlines()[0]
            raise InvalidInput(
                f"{where}.pattern: {self.pattern!r} is not a valid pattern ({reason})."
            ) from None

    def row_violation(self, context: CheckContext) -> Fragment:
        return Fragment(
            f"NOT regexp_full_match({as_text(self.column, context)}, ?)", (self.pattern,)
        )

    def describe(self) -> str:
        return f"{self.column} matches the pattern {self.pattern}."
