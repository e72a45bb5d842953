"""Release tables: the groups counted from the source in one query, then shaped and protected
as each kind publishes them (suppressed counts, suppressed rates, differentially private
counts, sums and means). Only what is published comes out: a suppressed cell as empty, never
its count."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from statedata.core.errors import InvalidInput
from statedata.privacy.kanonymity import _county, _region
from statedata.privacy.release_spec import (
    DATE_BINS,
    MAX_CELLS,
    MAX_GROUPS,
    MISSING,
    TOTAL,
    Dimension,
    ReleaseIn,
)
from statedata.privacy.suppression import (
    MIN_DENOMINATOR,
    Cell,
    suppress,
    suppress_statistic,
)
from statedata.query.reading import Reading
from statedata.query.rows import run_statement
from statedata.query.soql import SoqlRequest, compile_soql
from statedata.standards.towns import county_of, load_towns
from statedata.storage.quoting import quoted


def _dimension_sql(dimension: Dimension) -> str:
    name = quoted(dimension.column)
    if dimension.bin not in DATE_BINS:
        return f"CAST({name} AS VARCHAR)"
    day = f"TRY_CAST({name} AS DATE)"
    if dimension.bin == "year":
        return f"CAST(year({day}) AS VARCHAR)"
    if dimension.bin == "quarter":
        return f"CAST(year({day}) AS VARCHAR) || 'Q' || CAST(quarter({day}) AS VARCHAR)"
    return f"strftime({day}, '%Y-%m')"


def _labeller(dimension: Dimension) -> Any:
    step = {"county": _county, "region": _region}.get(dimension.bin or "")

    def label(value: Any) -> str:
        if value is None or value == "":
            return MISSING
        return str(step(value) if step else value)

    return label


def _domain(dimension: Dimension | None) -> list[str] | None:
    """Every group a town bin has, whether the data holds it or not."""
    if dimension is None or dimension.bin not in ("county", "region"):
        return None
    if dimension.bin == "county":
        return sorted({county_of(t) for t in load_towns()})
    return sorted({t.planning_region for t in load_towns()})


# (row, column) -> [rows (or the counts added up), clamped total, values, numerator rows]
Groups = dict[tuple[str, str], list[float]]


def grouped(target: Reading, body: ReleaseIn) -> Groups:
    """Counts (and clamped totals) by the two dimensions, from the source's current version."""
    compiled = compile_soql(SoqlRequest(where=body.where), target.columns, masked=target.masked)
    row_sql = _dimension_sql(body.rows)
    column_sql = _dimension_sql(body.columns) if body.columns else "''"
    counts, least = "count(*)", "0"
    if body.value is not None and body.bounds is not None:
        low, high = sorted(body.bounds)
        value = f"TRY_CAST({quoted(body.value)} AS DOUBLE)"
        totals = f"sum(least(greatest({value}, {low!r}), {high!r})), count({value})"
    else:
        totals = "0.0, count(*)"
        if body.value is not None:  # a column of counts (a table already counted) is added up
            value = f"CAST({quoted(body.value)} AS BIGINT)"
            counts, least = f"CAST(coalesce(sum({value}), 0) AS BIGINT)", f"min({value})"
    numerator, numerator_params = "0", []
    if body.numerator.strip():
        part = compile_soql(SoqlRequest(where=body.numerator), target.columns, masked=target.masked)
        numerator = f"count(*) FILTER (WHERE {part.where})"
        numerator_params = list(part.where_params)
    where = f"WHERE {compiled.where}" if compiled.where else ""
    sql = (
        f"SELECT {row_sql}, {column_sql}, {counts}, {totals}, {least}, {numerator} "  # noqa: S608 (names quoted)
        f"FROM {target.relation.name} {where} GROUP BY 1, 2"
    )
    table = run_statement(target, sql, numerator_params + list(compiled.where_params))
    rows, columns = _labeller(body.rows), _labeller(body.columns or body.rows)
    groups: Groups = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
    for r, c, n, total, counted, smallest, meeting in zip(
        *(table.column(i).to_pylist() for i in range(7)), strict=True
    ):
        if smallest is not None and smallest < 0:
            raise InvalidInput(f"value: {body.value!r} holds {smallest}, not a count.")
        key = (rows(r), columns(c) if body.columns else "")
        found = groups[key]
        found[0] += int(n)
        found[1] += float(total or 0.0)
        found[2] += int(counted)
        found[3] += int(meeting)
    return groups


def _labels(groups: Groups, body: ReleaseIn) -> tuple[list[str], list[str]]:
    """The table's row and column labels (every county or region of those bins)."""
    if not groups:
        raise InvalidInput("where: no row of the dataset is counted; there is no table to release.")
    row_labels = sorted(set(_domain(body.rows) or []) | {r for r, _ in groups})
    column_labels = (
        sorted(set(_domain(body.columns) or []) | {c for _, c in groups}) if body.columns else [""]
    )
    if len(row_labels) * len(column_labels) > MAX_CELLS:
        raise InvalidInput(
            f"rows: the table has {len(row_labels)} by {len(column_labels)} cells, more than "
            f"{MAX_CELLS:,}; bin a dimension (by year, county or region) or narrow it with where."
        )
    return row_labels, column_labels


def rate_rows(
    groups: Groups, body: ReleaseIn, threshold: int
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Rates (percent) by group and for each total, each suppressed by the statistics rule."""
    row_labels, column_labels = _labels(groups, body)
    label_r, label_c = body.rows.label, body.columns.label if body.columns else ""
    row_places = [*row_labels, TOTAL]
    column_places = [*column_labels, TOTAL] if body.columns else [""]
    published = []
    for r in row_places:
        for c in column_places:
            inside = [
                groups.get((gr, gc), [0.0, 0.0, 0.0, 0.0])
                for gr in (row_labels if r == TOTAL else [r])
                for gc in (column_labels if c == TOTAL else [c])
            ]
            meeting, of = int(sum(g[3] for g in inside)), int(sum(g[0] for g in inside))
            out: dict[str, Any] = {label_r: r}
            if body.columns:
                out[label_c] = c
            if meeting <= threshold:
                out.update({"rate": None, "suppressed": f"numerator at or under {threshold}"})
            elif of < MIN_DENOMINATOR:
                out.update({"rate": None, "suppressed": f"denominator under {MIN_DENOMINATOR}"})
            else:
                out.update({"rate": round(100 * meeting / of, 1), "suppressed": ""})
            assert (out["rate"] is None) == suppress_statistic(meeting, of, threshold=threshold)
            published.append(out)
    report = {
        "threshold": threshold,
        "cells": len(published),
        "suppressed": sum(1 for p in published if p["rate"] is None),
    }
    return published, report


def suppressed_rows(
    groups: Groups, body: ReleaseIn, threshold: int
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    row_labels, column_labels = _labels(groups, body)
    counts = [[int(groups.get((r, c), [0])[0]) for c in column_labels] for r in row_labels]
    table = suppress(counts, threshold=threshold)
    label_r, label_c = body.rows.label, body.columns.label if body.columns else ""

    def line(r: int | None, c: int | None) -> dict[str, Any]:
        cell = Cell(r, c)
        shown = table.shown(cell)
        why = (
            "primary"
            if cell in table.primary
            else "complementary"
            if cell in table.complementary
            else ""
        )
        out: dict[str, Any] = {label_r: TOTAL if r is None else row_labels[r]}
        if body.columns:
            out[label_c] = TOTAL if c is None else column_labels[c]
        out.update({"count": shown, "suppressed": why})
        return out

    if body.columns:
        places = [
            (r, c)
            for r in [*range(len(row_labels)), None]
            for c in [*range(len(column_labels)), None]
        ]
    else:  # one dimension: the cells are the row totals; the total is the grand total
        places = [(r, None) for r in [*range(len(row_labels)), None]]
    published = [line(r, c) for r, c in places]
    report = {
        "threshold": threshold,
        "cells": len(published),
        "primary": sum(1 for p in published if p["suppressed"] == "primary"),
        "complementary": sum(1 for p in published if p["suppressed"] == "complementary"),
    }
    return published, report


def private_rows(
    groups: Groups, body: ReleaseIn
) -> tuple[list[dict[str, Any]], str, dict[str, Any]]:
    from statedata.privacy import dp  # OpenDP's native library: loaded by the first private release

    assert body.epsilon is not None
    columns = (
        sorted(set(_domain(body.columns) or []) | {c for _, c in groups}) if body.columns else [""]
    )
    rows = body.groups or _domain(body.rows) or sorted({r for r, _ in groups})
    keys = [(r, c) for r in rows for c in columns]
    if not keys:
        raise InvalidInput("where: no row of the dataset is counted; there is no table to release.")
    if len(keys) > MAX_GROUPS:
        raise InvalidInput(
            f"rows: {len(keys):,} groups, more than {MAX_GROUPS:,}; bin a dimension."
        )
    name = {key: f"{n}" for n, key in enumerate(keys)}
    empty = [0.0, 0.0, 0.0]
    if body.kind == "dp_counts":
        release = dp.dp_counts({name[k]: int(groups.get(k, empty)[0]) for k in keys}, body.epsilon)
    elif body.kind == "dp_sums":
        assert body.bounds is not None
        release = dp.dp_sums_of_totals(
            {name[k]: groups.get(k, empty)[1] for k in keys}, body.bounds, body.epsilon
        )
    else:
        assert body.bounds is not None
        release = dp.dp_means_of_totals(
            {name[k]: groups.get(k, empty)[1] for k in keys},
            {name[k]: int(groups.get(k, empty)[2]) for k in keys},
            body.bounds,
            body.epsilon,
        )
    # groups taken from the data say which exist, which the noise does not hide
    observed = not (body.groups or _domain(body.rows)) or (
        body.columns is not None and _domain(body.columns) is None
    )
    method = release.method + "; each person is one row of the source"
    if observed:
        method += "; the groups shown are those found in the data"
    values = dict(zip(release.groups, release.values, strict=True))
    label_r, label_c = body.rows.label, body.columns.label if body.columns else ""
    published = []
    for key in keys:
        out: dict[str, Any] = {label_r: key[0]}
        if body.columns:
            out[label_c] = key[1]
        value = values[name[key]]
        out["value"] = int(value) if body.kind == "dp_counts" else round(float(value), 4)
        out.update({"epsilon": release.epsilon, "method": method})
        published.append(out)
    return published, method, {"groups": len(keys), "epsilon": release.epsilon}
