"""The index's records: a source's incoming records, their fingerprints, the index laid over with a
load's new and changed records, and writing them."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pyarrow as pa
from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.orm import Session

from statedata.core.db import utcnow
from statedata.linkage.attributes import ATTRIBUTES
from statedata.linkage.models import (
    PersonRecord,
    ScoredPair,
)
from statedata.linkage.prepare import RawSource, standardized_records, with_comparison_columns

T = TypeVar("T")


_CHUNK = 500  # ids per IN list


MATCH_THRESHOLD = 0.9  # pairs at or above it join the same person


def chunks(items: list[T]) -> Iterator[list[T]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def fingerprint(raw: dict[str, str | None]) -> str:
    return hashlib.sha256(json.dumps(raw, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class IncomingRecord:
    record_id: str
    raw: dict[str, str | None]  # attribute -> the source's text


def incoming(raw: RawSource) -> list[IncomingRecord]:
    """A source read with ``prepare.read_source`` as one record per row."""
    present = {a: v for a, v in raw.values.items() if v is not None}
    return [
        IncomingRecord(rid, {a: values[n] for a, values in present.items()})
        for n, rid in enumerate(raw.record_ids)
    ]


@dataclass(frozen=True)
class SourcePlan:
    source: str
    fresh: list[IncomingRecord]
    changed: list[IncomingRecord]
    known: dict[str, tuple[int, str]]  # record id -> (primary key, fingerprint)
    fresh_values: list[dict[str, Any]]  # the new records standardized, in their order
    changed_values: list[dict[str, Any]]


@dataclass(frozen=True)
class Overlay:
    """The index as it will be after a load: its records, with the changed ones' new values
    and the new ones under provisional ids above every id in the table (so the order of ids,
    which pairs keep, is the order the table will give them)."""

    columns: dict[str, list[Any]]  # unique_id, source_dataset, record_id and every attribute
    provisional: dict[tuple[str, str], int]  # (source, record id) of a new record -> its id
    touched: list[int]

    @classmethod
    def of(cls, session: Session, plans: list[SourcePlan]) -> Overlay:
        columns = index_columns(session, list(ATTRIBUTES))
        position = {pk: n for n, pk in enumerate(columns["unique_id"])}
        next_id = (max(columns["unique_id"]) if columns["unique_id"] else 0) + 1
        provisional: dict[tuple[str, str], int] = {}
        touched: list[int] = []
        for plan in plans:
            for record, values in zip(plan.changed, plan.changed_values, strict=True):
                pk = plan.known[record.record_id][0]
                for attribute in ATTRIBUTES:
                    columns[attribute][position[pk]] = values[attribute]
                touched.append(pk)
            for record, values in zip(plan.fresh, plan.fresh_values, strict=True):
                provisional[(plan.source, record.record_id)] = next_id
                columns["unique_id"].append(next_id)
                columns["source_dataset"].append(plan.source)
                columns["record_id"].append(record.record_id)
                for attribute in ATTRIBUTES:
                    columns[attribute].append(values[attribute])
                touched.append(next_id)
                next_id += 1
        return cls(columns, provisional, touched)

    @property
    def everyone_touched(self) -> bool:
        return len(self.touched) == len(self.columns["unique_id"])

    def shapes(self) -> dict[str, list[str]]:
        """Each source's shape: the attributes some record of it has."""
        present: dict[str, set[str]] = defaultdict(set)
        sources = self.columns["source_dataset"]
        for attribute in ATTRIBUTES:
            for source, value in zip(sources, self.columns[attribute], strict=True):
                if value is not None:
                    present[source].add(attribute)
        return {s: [a for a in ATTRIBUTES if a in present[s]] for s in sorted(set(sources))}

    def table(self, attributes: list[str]) -> pa.Table:
        names = ["unique_id", "source_dataset", "record_id", *attributes]
        return with_comparison_columns({name: list(self.columns[name]) for name in names})


def standardized_rows(source: str, records: list[IncomingRecord]) -> list[dict[str, Any]]:
    attributes = sorted({a for r in records for a in r.raw}, key=list(ATTRIBUTES).index)
    raw = RawSource(
        [r.record_id for r in records],
        {a: [r.raw.get(a) for r in records] for a in attributes},
    )
    table = standardized_records([(source, raw)], attributes)
    columns = {a: table.column(a).to_pylist() for a in attributes}
    return [
        {a: (columns[a][n] if a in columns else None) for a in ATTRIBUTES}
        for n in range(len(records))
    ]


def store_records(session: Session, plan: SourcePlan) -> dict[str, int]:
    """Write new records and changed ones' new values; the changed records' old pairs go.

    Returns each new record's id in the table, by its record id.
    """
    source, fresh, changed, known = plan.source, plan.fresh, plan.changed, plan.known
    now = utcnow()
    placed: dict[str, int] = {}
    if fresh:
        rows = [
            {
                "source": source,
                "record_id": r.record_id,
                "fingerprint": fingerprint(r.raw),
                "raw": r.raw,
                "loaded_at": now,
                "updated_at": now,
                **standardized,
            }
            for r, standardized in zip(fresh, plan.fresh_values, strict=True)
        ]
        for start in range(0, len(rows), 5000):
            inserted = session.execute(
                insert(PersonRecord).returning(PersonRecord.id, PersonRecord.record_id),
                rows[start : start + 5000],
            )
            placed.update((rid, pk) for pk, rid in inserted)
    if changed:
        ids = [known[r.record_id][0] for r in changed]
        for pk, r, standardized in zip(ids, changed, plan.changed_values, strict=True):
            session.execute(
                update(PersonRecord)
                .where(PersonRecord.id == pk)
                .values(fingerprint=fingerprint(r.raw), raw=r.raw, updated_at=now, **standardized)
            )
        for chunk in chunks(ids):
            session.execute(
                delete(ScoredPair).where(
                    or_(ScoredPair.record_a.in_(chunk), ScoredPair.record_b.in_(chunk))
                )
            )
    return placed


def with_stored_ids(pairs: pa.Table, stored: dict[int, int]) -> pa.Table:
    """Pairs with new records' provisional ids replaced by their ids in the table, the smaller
    id of each pair on the left as the table keeps them."""
    if not stored:
        return pairs
    left, right = (
        pa.array([stored.get(i, i) for i in pairs.column(c).to_pylist()], pa.int64())
        for c in ("unique_id_l", "unique_id_r")
    )
    pairs = pairs.set_column(
        pairs.schema.get_field_index("unique_id_l"),
        "unique_id_l",
        pa.compute.min_element_wise(left, right),
    )
    return pairs.set_column(
        pairs.schema.get_field_index("unique_id_r"),
        "unique_id_r",
        pa.compute.max_element_wise(left, right),
    )


def index_columns(
    session: Session, attributes: list[str], only: Iterable[int] | None = None
) -> dict[str, list[Any]]:
    """Records of the index (all, or ``only`` these), ordered by id, one list per column."""
    columns = [PersonRecord.id, PersonRecord.source, PersonRecord.record_id] + [
        getattr(PersonRecord, a) for a in attributes
    ]
    if only is None:
        rows = list(session.execute(select(*columns).order_by(PersonRecord.id)))
    else:
        rows = []
        for chunk in chunks(sorted(only)):
            rows += session.execute(select(*columns).where(PersonRecord.id.in_(chunk)))
    names = ["unique_id", "source_dataset", "record_id", *attributes]
    return {name: [row[n] for row in rows] for n, name in enumerate(names)}


def index_table(
    session: Session, attributes: list[str], only: Iterable[int] | None = None
) -> pa.Table:
    """Records of the index (all, or ``only`` these) as the engine reads them."""
    return with_comparison_columns(index_columns(session, attributes, only))
