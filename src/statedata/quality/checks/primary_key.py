"""primary_key: the columns together identify each row: never empty, never repeated."""

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
class PrimaryKey(Rule):
    type = "primary_key"
    label = "Primary key"
    columns: list[str] = field(metadata={"kind": "texts"})
    severity: Severity = "error"

    def column_names(self) -> list[str]:
        return list(self.columns)

    def measures(self, context: CheckContext) -> dict[str, Fragment]:
        names = [quoted(c) for c in self.columns]
        complete = " AND ".join(f"{n} IS NOT NULL" for n in names)
        key = f"({', '.join(names)})" if len(names) > 1 else names[0]
        return {
            "empty": Fragment(f"count(*) FILTER (WHERE NOT ({complete}))"),
            "repeats": Fragment(
                f"count(*) FILTER (WHERE {complete}) - count(DISTINCT {key}) FILTER (WHERE {complete})"
            ),
        }

    def judge(self, measured: dict[str, Any], context: CheckContext) -> Judgement:
        empty, repeats = int(measured["empty"] or 0), int(measured["repeats"] or 0)
        parts = []
        if empty:
            parts.append(f"{empty:,} rows with an empty key column")
        if repeats:
            parts.append(f"{repeats:,} rows repeating an earlier key")
        return Judgement(empty + repeats, "; ".join(parts))

    def duplicate_key(self) -> list[str]:
        return list(self.columns)

    def describe(self) -> str:
        return f"{', '.join(self.columns)} together identify each row: never empty, never repeated."
