"""expression: a condition across columns, written in SoQL, that every row meets.

The expression goes through the SoQL compiler's allow-list, so it can only compare, combine and
call the functions the data API allows; a row where it is unknown (an empty cell) passes, as in
a SQL CHECK constraint.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlglot
import sqlglot.errors
from sqlglot import exp

from statedata.core.errors import InvalidInput, StatedataError
from statedata.quality.rules import CheckContext, Fragment, Rule, Severity, rule_type
from statedata.query.soql import SoqlRequest, compile_soql
from statedata.storage.schema import Column


@rule_type
@dataclass(frozen=True)
class Expression(Rule):
    type = "expression"
    label = "Expression"
    expression: str = field(metadata={"kind": "text"})
    description: str | None = None
    severity: Severity = "error"

    def column_names(self) -> list[str]:
        """The columns the expression names (shown beside each sample row)."""
        try:
            tree = sqlglot.parse_one(self.expression, read="duckdb")
        except sqlglot.errors.ParseError:
            return []  # the compiler names the error when the rule is checked
        return list(dict.fromkeys(c.name for c in tree.find_all(exp.Column)))

    def check_columns(self, columns: dict[str, Column]) -> None:
        self._compiled(list(columns.values()))

    def _compiled(self, columns: list[Column]) -> Fragment:
        try:
            compiled = compile_soql(SoqlRequest(where=self.expression), columns)
        except StatedataError as exc:
            raise InvalidInput(f"rule expression: {exc.detail}") from None
        return Fragment(compiled.where, tuple(compiled.where_params))

    def row_violation(self, context: CheckContext) -> Fragment:
        compiled = self._compiled(list(context.columns.values()))
        return Fragment(f"NOT coalesce(({compiled.sql}), TRUE)", compiled.params)

    def describe(self) -> str:
        return self.description or f"Every row meets: {self.expression}."
