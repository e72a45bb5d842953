"""Run a set of rules over a relation in one DuckDB pass, and read the findings out of it.

The pass numbers the rows in scan order and computes, per row rule, the count of rows that break
it and the first 20 of them (row number and the rule's columns' values); per version rule, its
measurements. Only a unique or primary-key rule that found repeats reads again, and then only
its key columns, to show which rows repeat an earlier key.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import duckdb

from statedata.core.errors import InvalidInput
from statedata.quality.rules import CheckContext, Fragment, Rule
from statedata.quality.score import quality_score
from statedata.query.soql import quoted

SAMPLE_ROWS = 20
ROW = "__statedata_check_row"


@dataclass
class RuleResult:
    """What one rule found in one version (or file)."""

    index: int
    rule: Rule
    violations: int = 0
    samples: list[dict[str, Any]] = field(default_factory=list)  # {"row": n, "values": {...}}
    detail: str = ""
    skipped: str = ""  # why the rule could not be checked here
    remembered: dict[str, Any] | None = None

    @property
    def passed(self) -> bool:
        return self.violations == 0

    @property
    def blocking(self) -> bool:
        return self.violations > 0 and self.rule.severity == "error"

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "rule": self.rule.as_dict(),
            "description": self.rule.describe(),
            "severity": self.rule.severity,
            "violations": self.violations,
            "passed": self.passed,
            "detail": self.detail,
            "skipped": self.skipped,
            "samples": self.samples,
        }


@dataclass
class CheckReport:
    rows: int
    results: list[RuleResult]
    elapsed_ms: float

    @property
    def blocking(self) -> list[RuleResult]:
        return [r for r in self.results if r.blocking]

    @property
    def score(self) -> float | None:
        return quality_score(self.rows, self.results)

    def remembered(self) -> dict[str, Any]:
        return {r.rule.key(): r.remembered for r in self.results if r.remembered is not None}


def _numbered(source: str, columns: str = "*") -> str:
    return f"(SELECT {columns}, row_number() OVER () AS {ROW} FROM {source})"  # noqa: S608


@dataclass
class _Pass:
    """The pass's select list, built rule by rule, with its parameters in order."""

    parts: list[str] = field(default_factory=lambda: ["count(*) AS n"])
    params: list[Any] = field(default_factory=list)

    def add(self, sql: str, fragment: Fragment | None = None, times: int = 1) -> None:
        self.parts.append(sql)
        if fragment is not None:
            self.params.extend(list(fragment.params) * times)


def _sample_sql(rule: Rule, condition: str, alias: str) -> str:
    values = ", ".join(f"CAST({quoted(c)} AS VARCHAR)" for c in rule.column_names())
    return (
        f"min({{'row': {ROW}, 'values': [{values}]::VARCHAR[]}}, {SAMPLE_ROWS}) "
        f"FILTER (WHERE {condition}) AS {quoted(alias)}"
    )


def _plan(rules: list[Rule], context: CheckContext) -> tuple[_Pass, list[RuleResult]]:
    plan, results = _Pass(), []
    for index, rule in enumerate(rules):
        result = RuleResult(index, rule)
        results.append(result)
        violation = rule.row_violation(context)
        if violation is not None:
            plan.add(f"count(*) FILTER (WHERE {violation.sql}) AS {quoted(f'c{index}')}", violation)
            plan.add(_sample_sql(rule, violation.sql, f"s{index}"), violation)
        measures = rule.measures(context)
        for name, measure in measures.items():
            plan.add(f"{measure.sql} AS {quoted(f'm{index}_{name}')}", measure)
        if violation is None and not measures:
            result.skipped = "nothing to compare with here"
    return plan, results


def _failing_rules(
    connection: duckdb.DuckDBPyConnection, source: str, rules: list[Rule], context: CheckContext
) -> dict[int, str]:
    """Which rules cannot run on this relation, and DuckDB's reason (tried one by one)."""
    failing = {}
    for index, rule in enumerate(rules):
        plan, _ = _plan([rule], context)
        try:
            connection.execute(
                f"SELECT {', '.join(plan.parts)} FROM (SELECT * FROM {_numbered(source)} LIMIT 1000)",  # noqa: S608
                plan.params,
            ).fetchall()
        except duckdb.Error as exc:
            failing[index] = str(exc).splitlines()[0]
    return failing


def _repeats(
    connection: duckdb.DuckDBPyConnection, source: str, key: list[str]
) -> list[dict[str, Any]]:
    names = ", ".join(quoted(c) for c in key)
    complete = " AND ".join(f"{quoted(c)} IS NOT NULL" for c in key)
    rows = connection.execute(
        f"SELECT {ROW}, {names} FROM {_numbered(source, names)} WHERE {complete} "  # noqa: S608
        f"QUALIFY row_number() OVER (PARTITION BY {names} ORDER BY {ROW}) > 1 "
        f"ORDER BY {ROW} LIMIT {SAMPLE_ROWS}"
    ).fetchall()
    return [
        {"row": row[0], "values": {c: _shown(v) for c, v in zip(key, row[1:], strict=True)}}
        for row in rows
    ]


def _shown(value: Any) -> Any:
    return value if value is None or isinstance(value, int | float | str | bool) else str(value)


def _merged(rules: list[Rule], report: CheckReport, skipped: dict[int, str]) -> CheckReport:
    """``report`` (of the rules not skipped) with a skipped result in place of each other rule."""
    by_rule = {id(r.rule): r for r in report.results}
    merged = []
    for index, rule in enumerate(rules):
        if index in skipped:
            merged.append(RuleResult(index, rule, skipped=skipped[index]))
        else:
            found = by_rule[id(rule)]
            found.index = index
            merged.append(found)
    report.results = merged
    return report


def run_checks(
    connection: duckdb.DuckDBPyConnection,
    source: str,
    rules: list[Rule],
    context: CheckContext,
    *,
    skip_unfit: bool = False,
) -> CheckReport:
    """Check ``rules`` over the relation ``source`` (a view name or a table function call).

    Args:
        connection: a DuckDB cursor that can read ``source``.
        source: SQL usable after FROM.
        rules: the rules, already parsed; each is checked against ``context.columns`` first.
        context: the columns, today's date and the previous version's measurements.
        skip_unfit: report a rule that names a column the data lacks as skipped (a stored
            version whose schema changed) instead of refusing the check (a file and its rules).
    """
    started = time.perf_counter()
    unfit: dict[int, str] = {}
    for index, rule in enumerate(rules):
        try:
            rule.check_columns(context.columns)
        except InvalidInput as exc:
            if not skip_unfit:
                raise
            unfit[index] = f"cannot run on this version: {exc.detail}"
    if unfit:
        fitting = [r for i, r in enumerate(rules) if i not in unfit]
        return _merged(rules, run_checks(connection, source, fitting, context), unfit)
    plan, results = _plan(rules, context)
    statement = f"SELECT {', '.join(plan.parts)} FROM {_numbered(source)}"  # noqa: S608
    try:
        cursor = connection.execute(statement, plan.params)
    except duckdb.Error:
        failing = _failing_rules(connection, source, rules, context)
        if not failing:
            raise
        kept = [r for i, r in enumerate(rules) if i not in failing]
        reasons = {i: f"could not run: {reason}" for i, reason in failing.items()}
        return _merged(rules, run_checks(connection, source, kept, context), reasons)
    names = [d[0] for d in cursor.description]
    row = dict(zip(names, cursor.fetchone() or (), strict=True))
    total = int(row["n"])
    for result in results:
        rule, index = result.rule, result.index
        if f"c{index}" in row:
            result.violations = int(row[f"c{index}"] or 0)
            columns = rule.column_names()
            result.samples = [
                {"row": s["row"], "values": dict(zip(columns, s["values"], strict=False))}
                for s in row[f"s{index}"] or []
            ]
        measured = {
            key.split("_", 1)[1]: value
            for key, value in row.items()
            if key.startswith(f"m{index}_")
        }
        if measured:
            judgement = rule.judge(measured, context)
            result.violations += judgement.violations
            result.detail = judgement.detail
            result.remembered = rule.remember(measured)
        key = rule.duplicate_key()
        if key and result.violations:
            result.samples = _repeats(connection, source, key)
    return CheckReport(total, results, (time.perf_counter() - started) * 1000)


def check_relation_columns(
    connection: duckdb.DuckDBPyConnection, source: str
) -> list[tuple[str, str]]:
    """The (name, DuckDB type) of each column of ``source``."""
    try:
        described = connection.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()  # noqa: S608
    except duckdb.Error as exc:
        raise InvalidInput(f"the data cannot be read: {str(exc).splitlines()[0]}") from None
    return [(name, kind) for name, kind, *_ in described]
