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
from statedata.storage.quoting import quoted

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
            "counts_rows": self.rule.counts_rows,
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
    also: dict[str, Any] = field(default_factory=dict)  # the extra aggregates asked for
    profile: list[dict[str, Any]] = field(default_factory=list)  # filled in by the caller

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
    """The counting pass's select list, built rule by rule, with its parameters in order.

    A row rule's condition is computed once per row, as a flag column of an inner select, that
    its count filters on. The pass does not number rows: numbering (a window over the whole
    scan) would run it on one thread; the offending rows are found afterwards (:func:`_samples`).
    """

    parts: list[str] = field(default_factory=lambda: ["count(*) AS n"])
    params: list[Any] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    flag_params: list[Any] = field(default_factory=list)
    row_rules: dict[int, Fragment] = field(default_factory=dict)

    def add(self, sql: str, fragment: Fragment | None = None) -> None:
        self.parts.append(sql)
        if fragment is not None:
            self.params.extend(fragment.params)

    def flag(self, index: int, fragment: Fragment) -> str:
        name = f"__statedata_f{index}"
        self.flags.append(f"({fragment.sql}) AS {quoted(name)}")
        self.flag_params.extend(fragment.params)
        self.row_rules[index] = fragment
        return name

    def statement(self, rows: str) -> tuple[str, list[Any]]:
        """The pass over ``rows``, and its parameters in the order they bind."""
        inner = ", ".join(["*", *self.flags])
        sql = f"SELECT {', '.join(self.parts)} FROM (SELECT {inner} FROM {rows})"  # noqa: S608
        return sql, self.params + self.flag_params


def _plan(
    rules: list[Rule], context: CheckContext, also: dict[str, str] | None = None
) -> tuple[_Pass, list[RuleResult]]:
    plan, results = _Pass(), []
    for alias, sql in (also or {}).items():
        plan.add(f"{sql} AS {quoted(alias)}")
    for index, rule in enumerate(rules):
        result = RuleResult(index, rule)
        results.append(result)
        violation = rule.row_violation(context)
        if violation is not None:
            flag = plan.flag(index, violation)
            plan.add(f"count(*) FILTER (WHERE {quoted(flag)}) AS {quoted(f'c{index}')}")
        measures = rule.measures(context)
        for name, measure in measures.items():
            plan.add(f"{measure.sql} AS {quoted(f'm{index}_{name}')}", measure)
        if violation is None and not measures:
            result.skipped = "nothing to compare with here"
    return plan, results


# Rows read in scan order while collecting samples; past this, the samples still missing are
# found by numbered queries instead (a rule broken only by a few rows near the end). Keys held
# while looking for repeats are bounded the same way, so memory stays bounded on any version.
SAMPLE_SCAN_ROWS = 1_000_000
REPEAT_SCAN_KEYS = 500_000
SAMPLE_FETCH_ROWS = 8_192
SAMPLE_STREAM_BUFFER = "100KB"


@dataclass
class _Wanted:
    """What the sample scan looks for on behalf of one rule."""

    rule: Rule
    needed: int
    violation: Fragment | None = None  # a row rule's condition
    key: list[str] | None = None  # a unique or primary-key rule's columns
    found: list[dict[str, Any]] = field(default_factory=list)
    seen: set[tuple[Any, ...]] = field(default_factory=set)


def _samples(
    connection: duckdb.DuckDBPyConnection, source: str, wanted: dict[int, _Wanted]
) -> None:
    """Fill in each rule's first offending rows, numbered in scan order.

    One read in scan order, stopped as soon as every rule has its samples (the pass counted how
    many there are): offending rows are usually spread through the data, so this reads a small
    part of it. A row rule's sample shows its columns' values as text; a key rule's shows the
    key of each row that repeats an earlier row's.
    """
    # The first column says whether any row rule is broken, so that most rows cost Python one
    # test (measured: the scan spent half its time testing every rule on every row).
    broken = [w.violation for w in wanted.values() if w.violation is not None]
    selected = [
        f"coalesce({' OR '.join(f'({v.sql})' for v in broken)}, FALSE)" if broken else "FALSE"
    ]
    params: list[Any] = [p for v in broken for p in v.params]
    # rule -> (flag position or -1, the names shown, their positions in a record)
    pending: dict[int, tuple[int, list[str], list[int]]] = {}

    def position(sql: str) -> int:
        if sql not in selected:
            selected.append(sql)
        return selected.index(sql)

    for index, want in wanted.items():
        flag = -1
        if want.violation is not None:
            flag = len(selected)
            selected.append(f"({want.violation.sql})")
            params.extend(want.violation.params)
            names = want.rule.column_names()
            cells = [position(f"CAST({quoted(c)} AS VARCHAR)") for c in names]
        else:
            names = want.key or []
            cells = [position(quoted(c)) for c in names]
        pending[index] = (flag, names, cells)
    row = 0
    # DuckDB runs a streamed result ahead of its reader, and stopping it waits for that work:
    # a small buffer made stopping after the first 40,000 rows of a CSV ~0.1 s cheaper.
    connection.execute(f"SET streaming_buffer_size = '{SAMPLE_STREAM_BUFFER}'")
    connection.execute(f"SELECT {', '.join(selected)} FROM {source}", params)  # noqa: S608
    try:
        while pending and row < SAMPLE_SCAN_ROWS:
            batch = connection.fetchmany(SAMPLE_FETCH_ROWS)
            if not batch:
                break
            by_row = [(wanted[i], slot) for i, slot in pending.items() if slot[0] >= 0]
            by_key = [(wanted[i], slot) for i, slot in pending.items() if slot[0] < 0]
            for record in batch:
                row += 1
                if record[0]:
                    for want, (flag, names, cells) in by_row:
                        _look(want, record, flag, names, cells, row)
                for want, (flag, names, cells) in by_key:
                    _look(want, record, flag, names, cells, row)
            pending = {
                index: slot
                for index, slot in pending.items()
                if len(wanted[index].found) < wanted[index].needed
                and len(wanted[index].seen) <= REPEAT_SCAN_KEYS
            }
    finally:
        connection.abort()
        connection.execute("RESET streaming_buffer_size")
    for want in wanted.values():
        if len(want.found) < want.needed:  # the scan gave up on it (rows or keys bound)
            want.found = _samples_by_number(connection, source, want)[: want.needed]


def _look(
    want: _Wanted,
    record: tuple[Any, ...],
    flag: int,
    names: list[str],
    cells: list[int],
    row: int,
) -> None:
    if len(want.found) >= want.needed:
        return
    if flag >= 0:
        if record[flag]:
            values = {n: record[c] for n, c in zip(names, cells, strict=True)}
            want.found.append({"row": row, "values": values})
        return
    key = tuple(record[c] for c in cells)
    if None in key:
        return
    if key in want.seen:
        shown = {n: _shown(v) for n, v in zip(names, key, strict=True)}
        want.found.append({"row": row, "values": shown})
    else:
        want.seen.add(key)


def _samples_by_number(
    connection: duckdb.DuckDBPyConnection, source: str, want: _Wanted
) -> list[dict[str, Any]]:
    """A rule's samples by a numbered query (after the scan gave up on it)."""
    if want.violation is not None:
        names = want.rule.column_names()
        values = ", ".join(f"CAST({quoted(c)} AS VARCHAR)" for c in names)
        rows = connection.execute(
            f"SELECT {ROW}, {values} FROM {_numbered(source)} WHERE {want.violation.sql} "  # noqa: S608
            f"ORDER BY {ROW} LIMIT {SAMPLE_ROWS}",
            list(want.violation.params),
        ).fetchall()
        return [{"row": r[0], "values": dict(zip(names, r[1:], strict=True))} for r in rows]
    key = want.key or []
    listed = ", ".join(quoted(c) for c in key)
    complete = " AND ".join(f"{quoted(c)} IS NOT NULL" for c in key)
    rows = connection.execute(
        f"SELECT {ROW}, {listed} FROM {_numbered(source, listed)} WHERE {complete} "  # noqa: S608
        f"QUALIFY row_number() OVER (PARTITION BY {listed} ORDER BY {ROW}) > 1 "
        f"ORDER BY {ROW} LIMIT {SAMPLE_ROWS}"
    ).fetchall()
    return [
        {"row": r[0], "values": {c: _shown(v) for c, v in zip(key, r[1:], strict=True)}}
        for r in rows
    ]


def _failing_rules(
    connection: duckdb.DuckDBPyConnection, source: str, rules: list[Rule], context: CheckContext
) -> dict[int, str]:
    """Which rules cannot run on this relation, and DuckDB's reason (tried one by one)."""
    failing = {}
    for index, rule in enumerate(rules):
        plan, _ = _plan([rule], context)
        sql, params = plan.statement(f"(SELECT * FROM {source} LIMIT 1000)")  # noqa: S608
        try:
            connection.execute(sql, params).fetchall()
        except duckdb.Error as exc:
            failing[index] = str(exc).splitlines()[0]
    return failing


def _shown(value: Any) -> Any:
    return value if value is None or isinstance(value, int | float | str | bool) else str(value)


def merged_report(rules: list[Rule], report: CheckReport, skipped: dict[int, str]) -> CheckReport:
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
    also: dict[str, str] | None = None,
) -> CheckReport:
    """Check ``rules`` over the relation ``source`` (a view name or a table function call).

    Args:
        connection: a DuckDB cursor that can read ``source``.
        source: SQL usable after FROM.
        rules: the rules, already parsed; each is checked against ``context.columns`` first.
        context: the columns, today's date and the previous version's measurements.
        skip_unfit: report a rule that names a column the data lacks as skipped (a stored
            version whose schema changed) instead of refusing the check (a file and its rules).
        also: more aggregates for the same pass, by the name to return them under (a
            profile's); their values are in the report's ``also``.
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
        checked = run_checks(connection, source, fitting, context, also=also)
        return merged_report(rules, checked, unfit)
    plan, results = _plan(rules, context, also)
    statement, params = plan.statement(source)
    try:
        cursor = connection.execute(statement, params)
    except duckdb.Error:
        failing = _failing_rules(connection, source, rules, context)
        if not failing:
            raise
        kept = [r for i, r in enumerate(rules) if i not in failing]
        reasons = {i: f"could not run: {reason}" for i, reason in failing.items()}
        checked = run_checks(connection, source, kept, context, also=also)
        return merged_report(rules, checked, reasons)
    names = [d[0] for d in cursor.description]
    row = dict(zip(names, cursor.fetchone() or (), strict=True))
    total = int(row["n"])
    wanted: dict[int, _Wanted] = {}
    for result in results:
        rule, index = result.rule, result.index
        if f"c{index}" in row:
            result.violations = int(row[f"c{index}"] or 0)
            if result.violations:
                needed = min(SAMPLE_ROWS, result.violations)
                wanted[index] = _Wanted(rule, needed, violation=plan.row_rules[index])
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
        repeats = int(measured.get("repeats") or 0)
        if key and repeats:
            wanted[index] = _Wanted(rule, min(SAMPLE_ROWS, repeats), key=key)
    if wanted:
        _samples(connection, source, wanted)
        for index, want in wanted.items():
            results[index].samples = want.found
    extra = {alias: row[alias] for alias in also or {}}
    return CheckReport(total, results, (time.perf_counter() - started) * 1000, also=extra)


def check_relation_columns(
    connection: duckdb.DuckDBPyConnection, source: str
) -> list[tuple[str, str]]:
    """The (name, DuckDB type) of each column of ``source``."""
    try:
        described = connection.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()  # noqa: S608
    except duckdb.Error as exc:
        raise InvalidInput(f"the data cannot be read: {str(exc).splitlines()[0]}") from None
    return [(name, kind) for name, kind, *_ in described]
