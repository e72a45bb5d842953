"""Aggregate releases: a table of counts (or sums, or means) by group, made from a dataset the
public cannot read and published as a public dataset.

Two protections, chosen per release:

- suppressed counts: counts from 1 to the dataset's threshold are hidden, with complementary
  suppression so no hidden count can be worked out from the row and column totals
  (:mod:`statedata.privacy.suppression`);
- differentially private counts, sums or means (:mod:`statedata.privacy.dp`), each release
  charged to the dataset's privacy budget, and refused when the budget cannot pay for it.

The table is computed and protected when the release is asked for (so a refusal, or a table
too large to protect, is said at once), and only what is published is kept: a suppressed cell
is stored as suppressed, never as its count, and noise is drawn once. A job then loads the
table as a new public dataset of the source's agency and submits it for review, so a second
person publishes it, as with every dataset.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Literal

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from statedata.catalog.datasets import (
    RESOURCE_TYPE,
    create_dataset,
    dataset_choice,
    find_dataset,
    resource_of,
    update_dictionary,
)
from statedata.catalog.lifecycle import submit_for_review
from statedata.catalog.models import Dataset
from statedata.catalog.table_loads import load_table
from statedata.catalog.versions import job_actor
from statedata.core.audit import record_event
from statedata.core.config import Settings
from statedata.core.db import unit_of_work
from statedata.core.errors import Forbidden, InvalidInput, NotFound, StatedataError
from statedata.core.jobs import JobContext, create_job, job_kind
from statedata.identity.actor import Actor, Role
from statedata.identity.policy import Action, authorize, decide
from statedata.privacy.kanonymity import _county, _region
from statedata.privacy.models import DatasetPrivacy, Release
from statedata.privacy.suppression import (
    DEFAULT_THRESHOLD,
    MIN_DENOMINATOR,
    Cell,
    suppress,
    suppress_statistic,
)
from statedata.query.service import QueryTarget, open_target, run_statement
from statedata.query.soql import SoqlRequest, compile_soql, quoted
from statedata.standards.towns import county_of, load_towns

RELEASE_JOB = "privacy.release"
Kind = Literal["suppressed_counts", "suppressed_rates", "dp_counts", "dp_sums", "dp_means"]
Bin = Literal["year", "quarter", "month", "county", "region"]
TOTAL = "Total"
MISSING = "(missing)"
# Complementary suppression solves the table's equations once per exposed cell; past a few
# thousand cells that is minutes, and a table that large is mostly suppressed anyway.
MAX_CELLS = 2_000
MAX_GROUPS = 2_000
DATE_BINS = ("year", "quarter", "month")
KIND_WORDS = {
    "suppressed_counts": "counts with small cells suppressed",
    "dp_counts": "differentially private counts",
    "dp_sums": "differentially private sums",
    "dp_means": "differentially private means",
    "suppressed_rates": "rates with small numerators and denominators suppressed",
}


class Dimension(BaseModel):
    """A column a table is broken down by, optionally binned (dates by year, quarter or
    month; towns by county or planning region)."""

    model_config = ConfigDict(extra="forbid")

    column: str = Field(min_length=1, max_length=200)
    bin: Bin | None = None

    @property
    def label(self) -> str:
        if self.bin in ("county", "region"):
            return "county" if self.bin == "county" else "planning_region"
        return f"{self.column}_{self.bin}" if self.bin else self.column


class ReleaseIn(BaseModel):
    """What a steward asks to release."""

    model_config = ConfigDict(extra="forbid")

    dataset: str = Field(min_length=1, max_length=200, description="The source dataset.")
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=5000)
    kind: Kind = "suppressed_counts"
    rows: Dimension
    columns: Dimension | None = None
    where: str = Field(default="", max_length=2000, description="A SoQL $where over the source.")
    value: str | None = Field(
        default=None,
        description="The column summed or averaged (private sums and means), or a column of "
        "counts to add up (suppressed counts from a table already counted; default: each row "
        "counts one).",
    )
    bounds: tuple[float, float] | None = Field(
        default=None, description="Each value is clamped to these (sums and means)."
    )
    epsilon: float | None = Field(default=None, description="What a private release spends.")
    numerator: str = Field(
        default="",
        max_length=2000,
        description="Rates: the SoQL condition a row meets to count in the numerator; the "
        "denominator is every row of the group.",
    )
    groups: list[str] | None = Field(
        default=None,
        max_length=MAX_GROUPS,
        description="The row groups a private release shows, named in advance (default: every "
        "county or region for those bins, else the groups found in the data, which are not "
        "themselves protected).",
    )


def _privacy_row(
    session: Session, dataset: Dataset, *, lock: bool = False
) -> DatasetPrivacy | None:
    query = select(DatasetPrivacy).where(DatasetPrivacy.dataset_id == dataset.id)
    return session.scalar(query.with_for_update() if lock else query)


def spent(session: Session, dataset: Dataset) -> float:
    """The epsilon every release from the dataset has spent (a failed one included: its noise
    may have been drawn)."""
    total = session.scalar(
        select(func.coalesce(func.sum(Release.epsilon), 0.0)).where(
            Release.source_dataset_id == dataset.id
        )
    )
    return float(total or 0.0)


def privacy_view(session: Session, settings: Settings, dataset: Dataset) -> dict[str, Any]:
    found = _privacy_row(session, dataset)
    budget = found.epsilon_budget if found else settings.privacy_epsilon_budget
    used = spent(session, dataset)
    return {
        "dataset": dataset.public_id,
        "threshold": found.threshold if found else DEFAULT_THRESHOLD,
        "epsilon_budget": budget,
        "epsilon_spent": round(used, 6),
        "epsilon_left": round(max(budget - used, 0.0), 6),
    }


def kept_dataset(session: Session, *, actor: Actor, ref: str) -> Dataset:
    """A dataset the actor keeps (its stewards, its data officer, the CDO's office)."""
    dataset = find_dataset(session, ref=ref)
    authorize(session, actor=actor, action=Action.EDIT_DATASET, resource=resource_of(dataset))
    return dataset


def _is_published(session: Session, release: Release) -> bool:
    if release.status != "ready" or not release.dataset_public_id:
        return False
    made = session.scalar(select(Dataset).where(Dataset.public_id == release.dataset_public_id))
    return made is not None and resource_of(made).is_public


def _may_see(session: Session, actor: Actor, release: Release) -> bool:
    if _is_published(session, release) or actor.is_system or actor.role is Role.ADMIN:
        return True
    if actor.user_id is not None and actor.user_id == release.created_by_user_id:
        return True
    source = session.get(Dataset, release.source_dataset_id)
    return source is not None and decide(actor, Action.EDIT_DATASET, resource_of(source)).allowed


def list_releases(session: Session, *, actor: Actor) -> list[Release]:
    """Published releases, and those in the making the actor keeps, newest first."""
    found = session.scalars(select(Release).order_by(Release.id.desc()))
    return [r for r in found if _may_see(session, actor, r)]


def get_release(session: Session, *, actor: Actor, release_id: int) -> Release:
    found = session.get(Release, release_id)
    if found is None or not _may_see(session, actor, found):
        raise NotFound(f"release {release_id}: there is no such release you may see.")
    return found


def release_view(release: Release, *, with_rows: bool = False) -> dict[str, Any]:
    report = dict(release.report or {})
    rows = report.pop("rows", [])
    return {
        "id": release.id,
        "title": release.title,
        "kind": release.kind,
        "what": KIND_WORDS.get(release.kind, release.kind),
        "source": release.source.public_id if release.source else None,
        "source_title": release.source.title if release.source else "",
        "agency": release.source.agency.code if release.source else "",
        "spec": release.spec,
        "threshold": release.threshold,
        "epsilon": release.epsilon,
        "method": release.method,
        "status": release.status,
        "error": release.error,
        "dataset": release.dataset_public_id,
        "report": report,
        "job": release.job_id,
        "created_by": release.created_by_name,
        "created_at": release.created_at.isoformat(),
        **({"rows": rows} if with_rows else {}),
    }


def set_privacy(
    session: Session,
    *,
    actor: Actor,
    settings: Settings,
    ref: str,
    threshold: int | None = None,
    epsilon_budget: float | None = None,
) -> dict[str, Any]:
    """Change a dataset's small-cell threshold (its stewards) or privacy budget (its agency's
    data officer or the CDO's office: a budget is a promise to the people in the data)."""
    dataset = kept_dataset(session, actor=actor, ref=ref)
    if threshold is not None and not 1 <= threshold <= 100:
        raise InvalidInput(f"threshold: {threshold} is not between 1 and 100.")
    if epsilon_budget is not None:
        if actor.role not in (Role.ADMIN, Role.AGENCY_DATA_OFFICER) and not actor.is_system:
            raise Forbidden("Not allowed: only the data officer or the CDO's office sets a budget.")
        if not 0 <= epsilon_budget <= 100:
            raise InvalidInput(f"epsilon_budget: {epsilon_budget:g} is not between 0 and 100.")
    found = _privacy_row(session, dataset, lock=True)
    if found is None:
        found = DatasetPrivacy(
            dataset_id=dataset.id,
            threshold=DEFAULT_THRESHOLD,
            epsilon_budget=settings.privacy_epsilon_budget,
        )
        session.add(found)
    before = {"threshold": found.threshold, "epsilon_budget": found.epsilon_budget}
    if threshold is not None:
        found.threshold = threshold
    if epsilon_budget is not None:
        found.epsilon_budget = float(epsilon_budget)
    found.updated_by_name = actor.username
    record_event(
        session,
        actor=actor,
        action="dataset.privacy",
        resource_type=RESOURCE_TYPE,
        resource_id=dataset.public_id,
        detail={
            "before": before,
            "threshold": found.threshold,
            "epsilon_budget": found.epsilon_budget,
        },
    )
    session.flush()
    return privacy_view(session, settings, dataset)


def _checked(target: QueryTarget, body: ReleaseIn) -> None:
    types = {c.name: c.type.upper() for c in target.columns}
    named = ", ".join(types)
    dimensions = [("rows", body.rows), ("columns", body.columns)]
    for part, dimension in dimensions:
        if dimension is None:
            continue
        if dimension.column not in types:
            raise InvalidInput(
                f"{part}: {dimension.column!r} is not a column of the dataset ({named})."
            )
        if dimension.column in target.masked:
            raise InvalidInput(f"{part}: {dimension.column!r} is masked to you.")
        if dimension.bin in DATE_BINS and not (
            types[dimension.column].startswith(("DATE", "TIMESTAMP", "VARCHAR"))
        ):
            raise InvalidInput(
                f"{part}: {dimension.column!r} is {types[dimension.column]}; only a date is "
                f"binned by {dimension.bin}."
            )
    if body.columns is not None and body.columns.label == body.rows.label:
        raise InvalidInput("columns: the same as rows; break the table down by another column.")
    if body.kind in ("dp_sums", "dp_means"):
        if body.value is None or body.value not in types:
            raise InvalidInput(f"value: name the column to {body.kind[3:-1]} ({named}).")
        if not types[body.value].startswith(("BIGINT", "INTEGER", "DOUBLE", "DECIMAL", "FLOAT")):
            raise InvalidInput(f"value: {body.value!r} is {types[body.value]}, not a number.")
        if body.bounds is None:
            raise InvalidInput("bounds: a private sum or mean clamps each value; give [low, high].")
    elif body.kind == "suppressed_counts" and body.value is not None:
        if body.value not in types:
            raise InvalidInput(f"value: {body.value!r} is not a column of the dataset ({named}).")
        if not types[body.value].startswith(("BIGINT", "INTEGER", "SMALLINT", "HUGEINT")):
            raise InvalidInput(f"value: {body.value!r} is {types[body.value]}, not a count.")
    elif body.value is not None:
        raise InvalidInput(f"value: a table of {KIND_WORDS[body.kind]} has no value column.")
    if body.bounds is not None and body.kind not in ("dp_sums", "dp_means"):
        raise InvalidInput(f"bounds: a table of {KIND_WORDS[body.kind]} clamps nothing.")
    if body.kind.startswith("dp_") and body.epsilon is None:
        raise InvalidInput("epsilon: a private release spends an epsilon; give one (say 0.5).")
    if body.kind.startswith("suppressed_") and (body.epsilon is not None or body.groups):
        raise InvalidInput("epsilon: suppressed tables spend no epsilon and name no groups.")
    if (body.kind == "suppressed_rates") != bool(body.numerator.strip()):
        raise InvalidInput(
            "numerator: a rate needs the condition of its numerator"
            if body.kind == "suppressed_rates"
            else f"numerator: a table of {KIND_WORDS[body.kind]} has no numerator."
        )


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


def _grouped(target: QueryTarget, body: ReleaseIn) -> Groups:
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


def _rate_rows(
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


def _suppressed_rows(
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


def _private_rows(
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


def start_release(
    session: Session, *, actor: Actor, settings: Settings, body: ReleaseIn
) -> Release:
    """Compute and protect the table, charge a private one to the budget, and record the job
    that publishes it (the caller enqueues the job)."""
    dataset = kept_dataset(session, actor=actor, ref=body.dataset)
    target = open_target(session, actor=actor, settings=settings, ref=dataset.public_id)
    _checked(target, body)
    groups = _grouped(target, body)
    threshold: int | None = None
    if body.kind == "suppressed_rates":
        found = _privacy_row(session, dataset)
        threshold = found.threshold if found else DEFAULT_THRESHOLD
        rows, report = _rate_rows(groups, body, threshold)
        method = (
            f"Rates in percent of the rows meeting: {body.numerator.strip()}; suppressed where "
            f"the numerator is at or under {threshold} or the denominator under "
            f"{MIN_DENOMINATOR}."
        )
    elif body.kind == "suppressed_counts":
        found = _privacy_row(session, dataset)
        threshold = found.threshold if found else DEFAULT_THRESHOLD
        rows, report = _suppressed_rows(groups, body, threshold)
        method = (
            f"Counts from 1 to {threshold} suppressed, with complementary suppression so no "
            "suppressed count can be worked out from the totals; zeros shown."
        )
    else:
        assert body.epsilon is not None
        found = _privacy_row(session, dataset, lock=True)  # two releases cannot both spend it
        if found is None:  # a row to lock: a second release waits on it (or fails on its key)
            found = DatasetPrivacy(dataset_id=dataset.id, threshold=DEFAULT_THRESHOLD,
                                   epsilon_budget=settings.privacy_epsilon_budget)  # fmt: skip
            session.add(found)
            session.flush()
        budget = found.epsilon_budget
        from statedata.privacy.dp import charge

        charge(dataset=f"{dataset.title} ({dataset.public_id})", budget=budget,
                  spent=spent(session, dataset), epsilon=body.epsilon)  # fmt: skip
        rows, method, report = _private_rows(groups, body)
    release = Release(
        source_dataset_id=dataset.id,
        kind=body.kind,
        title=body.title.strip(),
        spec=body.model_dump(exclude={"title"}),
        threshold=threshold,
        epsilon=body.epsilon if body.kind.startswith("dp_") else None,
        method=method,
        report={**report, "rows": rows},
        created_by_user_id=actor.user_id,
        created_by_name=actor.username,
    )
    session.add(release)
    session.flush()
    release.job_id = create_job(session, actor=actor, kind=RELEASE_JOB,
                                params={"release": release.id}).id  # fmt: skip
    record_event(
        session,
        actor=actor,
        action="release.start",
        resource_type="release",
        resource_id=release.id,
        detail={
            "source": dataset.public_id,
            "kind": body.kind,
            "epsilon": body.epsilon,
            "threshold": threshold,
        },
    )
    return release


def _arrow(rows: list[dict[str, Any]], kind: str) -> pa.Table:
    names = list(rows[0])
    types = {"count": pa.int64(), "epsilon": pa.float64(), "rate": pa.float64(),
             "value": pa.int64() if kind == "dp_counts" else pa.float64()}  # fmt: skip
    return pa.table({n: pa.array([r[n] for r in rows], types.get(n, pa.string())) for n in names})


def _column_notes(release: Release, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    notes = {
        "count": f"How many; empty where suppressed (counts from 1 to {release.threshold}, and "
        "the cells hidden so they cannot be worked out from the totals).",
        "suppressed": "primary: a small count; complementary: hidden to protect a small count.",
        "value": f"The {KIND_WORDS[release.kind]}, noise added.",
        "epsilon": "The privacy loss this release spent.",
        "method": "How the values were made private.",
        "rate": f"Percent; empty where the numerator is at or under {release.threshold} or the "
        f"denominator under {MIN_DENOMINATOR}.",
    }
    return [
        {"name": n, "description": notes.get(n, f"The group ({TOTAL} for all)")} for n in rows[0]
    ]


@job_kind(RELEASE_JOB)
def release_job(context: JobContext) -> dict[str, Any]:
    """Load a release's table as a public dataset and submit it for review."""
    try:
        return _publish(context)
    except BaseException as exc:
        with unit_of_work(context.session_factory) as session:
            failed = session.get(Release, context.params["release"])
            if failed is not None:
                failed.status = "failed"
                failed.error = exc.detail if isinstance(exc, StatedataError) else str(exc)
        raise


def _publish(context: JobContext) -> dict[str, Any]:
    factory = context.session_factory
    with unit_of_work(factory) as session:
        release = session.get(Release, context.params["release"])
        assert release is not None
        assert release.report is not None
        source = session.get(Dataset, release.source_dataset_id)
        assert source is not None
        actor = job_actor(session, context.job_id)
        rows = list(release.report["rows"])
        description = (
            f"{release.spec.get('description') or ''}\n\n"
            f"{KIND_WORDS[release.kind].capitalize()} from {source.title} ({source.agency.code}), "
            f"a dataset the public cannot read. {release.method}"
        ).strip()
        made = create_dataset(
            session,
            actor=actor,
            agency_code=source.agency.code,
            data={
                "title": release.title,
                "description": description,
                "classification": "public",
                "open_data_status": "under_review",
                "category": source.category or "",
                "row_label": "Group",
                "tags": [
                    "aggregate release",
                    "small-cell suppression"
                    if release.kind.startswith("suppressed_")
                    else "differential privacy",
                ],
            },
        )
        ref, kind = made.public_id, release.kind
    load_table(context, actor=actor, ref=ref, table=_arrow(rows, kind),
               note=f"aggregate release {context.params['release']}")  # fmt: skip
    with unit_of_work(factory) as session:
        release = session.get(Release, context.params["release"])
        assert release is not None
        update_dictionary(session, actor=actor, ref=ref, fields=_column_notes(release, rows))
        submit_for_review(session, actor=actor, ref=ref)
        release.status, release.dataset_public_id = "ready", ref
        record_event(
            session,
            actor=actor,
            action="release.ready",
            resource_type="release",
            resource_id=release.id,
            detail={"dataset": ref},
        )
    return {"dataset": ref, "url": f"/releases/{context.params['release']}"}


def releasable_datasets(session: Session, *, actor: Actor) -> list[dict[str, Any]]:
    """The loaded datasets the actor keeps, with their columns (the release form's choices)."""
    found = session.scalars(
        select(Dataset).where(Dataset.current_version > 0).order_by(Dataset.title)
    )
    return [
        dataset_choice(d)
        for d in found
        if d.status != "retired" and decide(actor, Action.EDIT_DATASET, resource_of(d)).allowed
    ]
