"""The model the index scores pairs with: training it (on the first load, and on the whole index
when a source of a new shape arrives), and scoring and keeping pairs."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from statedata.core.errors import InvalidInput
from statedata.linkage.attributes import ATTRIBUTES
from statedata.linkage.backend import DUCKDB, Backend
from statedata.linkage.blocking import chosen_keys
from statedata.linkage.index.records import Overlay, index_columns
from statedata.linkage.models import (
    LinkageModel,
    LinkageRun,
    PersonRecord,
    ScoredPair,
)
from statedata.linkage.prepare import with_comparison_columns


def current_model(session: Session) -> LinkageModel | None:
    return session.scalar(select(LinkageModel).order_by(LinkageModel.version.desc()).limit(1))


def _shapes(session: Session) -> dict[str, list[str]]:
    """Each source's shape: the attributes some record of it has (one pass over the table)."""
    counts = session.execute(
        select(
            PersonRecord.source,
            *(func.count(getattr(PersonRecord, a)) for a in ATTRIBUTES),
        ).group_by(PersonRecord.source)
    )
    return {
        source: [a for a, n in zip(ATTRIBUTES, present, strict=True) if n]
        for source, *present in counts
    }


def trained_model(
    columns: dict[str, list[Any]],
    shapes: dict[str, list[str]],
    *,
    note: str,
    backend: Backend,
) -> LinkageModel:
    """A model trained on these records (not yet added to the session; version unset)."""
    from statedata.linkage.engine import model_of, trained_linker  # Splink loads on first use

    attributes = [a for a in ATTRIBUTES if any(a in shape for shape in shapes.values())]
    if not {"first_name", "last_name", "date_of_birth", "ssn", "identifier"} & set(attributes):
        raise InvalidInput(
            "the index has no names, dates of birth or identifiers to train a model on."
        )
    names = ["unique_id", "source_dataset", "record_id", *attributes]
    records = with_comparison_columns({name: list(columns[name]) for name in names})
    keys = chosen_keys(records, attributes)
    linker = trained_linker(records, attributes, backend, keys)
    return LinkageModel(
        version=0,
        attributes=attributes,
        shapes=sorted({tuple(shape) for shape in shapes.values()}),
        blocking=[list(key) for key in keys],
        settings=model_of(linker),
        records=records.num_rows,
        note=note,
    )


def retrain(session: Session, *, note: str = "", backend: Backend = DUCKDB) -> LinkageModel:
    """A new model version trained on every record of the index (used from the next load)."""
    model = trained_model(
        index_columns(session, list(ATTRIBUTES)),
        _shapes(session),
        note=note or "retrained on the whole index",
        backend=backend,
    )
    model.version = (session.scalar(select(func.max(LinkageModel.version))) or 0) + 1
    session.add(model)
    session.flush()
    return model


def score_table(records: pa.Table, model: LinkageModel, backend: Backend) -> pa.Table:
    from statedata.linkage.engine import linker_for, score_all

    return score_all(linker_for(records, model.settings, model.attributes, _keys(model), backend))


def score_touched(overlay: Overlay, model: LinkageModel, backend: Backend) -> pa.Table:
    from statedata.linkage.engine import linker_for, score_new

    everyone = overlay.table(model.attributes)
    mask = pa.compute.is_in(everyone.column("unique_id"), pa.array(overlay.touched, pa.int64()))
    new = everyone.filter(mask)
    existing = everyone.filter(pa.compute.invert(mask))
    linker = linker_for(everyone, model.settings, model.attributes, _keys(model), backend)
    return score_new(linker, existing, new)


def _keys(model: LinkageModel) -> list[tuple[str, ...]]:
    return [tuple(key) for key in model.blocking]


def keep_pairs(session: Session, pairs: pa.Table, run: LinkageRun) -> int:
    gammas = [c for c in pairs.column_names if c.startswith("gamma_")]
    columns = {c: pairs.column(c).to_pylist() for c in pairs.column_names}
    rows = [
        {
            "record_a": columns["unique_id_l"][n],
            "record_b": columns["unique_id_r"][n],
            "probability": columns["match_probability"][n],
            "weight": columns["match_weight"][n],
            "levels": {g.removeprefix("gamma_"): columns[g][n] for g in gammas},
            "run_id": run.id,
        }
        for n in range(pairs.num_rows)
    ]
    for start in range(0, len(rows), 5000):
        session.execute(insert(ScoredPair), rows[start : start + 5000])
    return len(rows)
