"""The person index: loading sources into it, re-running it, and stewards' decisions.

A load standardizes a source's records, keeps the new and changed ones, scores only those
(against the index and among themselves; pairs of records already in the index keep their
scores), and regroups only the persons they touch. Persons keep their IDs by
``stable_ids.reconcile``; every change is written to the person history. Decisions ("same
person", "not the same") are kept and bind every later regrouping.

The first load trains the model on what it loads; ``retrain`` makes a new version from the
whole index, and ``rerun`` scores every pair again with the current version.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pyarrow as pa
from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from statedata.core.db import utcnow
from statedata.core.errors import InvalidInput, NotFound
from statedata.linkage.attributes import ATTRIBUTES
from statedata.linkage.backend import DUCKDB, Backend
from statedata.linkage.blocking import chosen_keys
from statedata.linkage.clustering import cluster, contradiction
from statedata.linkage.models import (
    LinkageModel,
    LinkageRun,
    MatchDecision,
    Person,
    PersonEvent,
    PersonRecord,
    ScoredPair,
)
from statedata.linkage.prepare import RawSource, standardized_records, with_comparison_columns
from statedata.linkage.stable_ids import Reconciled, reconcile

T = TypeVar("T")
MATCH_THRESHOLD = 0.9  # pairs at or above it join the same person
_CHUNK = 500  # ids per IN list


def _chunks(items: list[T]) -> Iterator[list[T]]:
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


# -- loading -------------------------------------------------------------------------------


def load(
    session: Session,
    sources: dict[str, list[IncomingRecord]],
    *,
    threshold: float = MATCH_THRESHOLD,
    backend: Backend = DUCKDB,
    progress: Callable[[str], None] | None = None,
) -> LinkageRun:
    """Add each source's new records to the index and update its changed ones.

    A record whose attributes are as they were is left alone, with its person. Records a
    source no longer has stay in the index. Loading several sources at once scores them
    against each other too, and (on the first load) trains the model on all of them.

    The long work (standardizing, training, scoring) reads the index and runs before the
    first write, so the write transaction is short: on SQLite, whose one writer would
    otherwise lock the whole portal out for the length of a load.
    """
    say = progress or (lambda _m: None)
    for source, records in sources.items():
        if not source.strip():
            raise InvalidInput("source: a name is needed.")
        seen: set[str] = set()
        for record in records:
            if not record.record_id.strip():
                raise InvalidInput(f"{source}: a record has an empty id.")
            if record.record_id in seen:
                raise InvalidInput(f"{source}: the record id {record.record_id!r} appears twice.")
            seen.add(record.record_id)
    plans: list[_SourcePlan] = []
    for source, records in sources.items():
        known = {
            rid: (pk, fp)
            for pk, rid, fp in session.execute(
                select(PersonRecord.id, PersonRecord.record_id, PersonRecord.fingerprint).where(
                    PersonRecord.source == source
                )
            )
        }
        fresh = [r for r in records if r.record_id not in known]
        changed = [
            r
            for r in records
            if r.record_id in known and known[r.record_id][1] != fingerprint(r.raw)
        ]
        same = len(records) - len(fresh) - len(changed)
        say(f"{source}: {len(fresh)} new, {len(changed)} changed, {same} as before")
        plans.append(
            _SourcePlan(
                source,
                fresh,
                changed,
                known,
                _standardized_rows(source, fresh),
                _standardized_rows(source, changed),
            )
        )
    run = LinkageRun(
        kind="load",
        source=", ".join(sources),
        records_in=sum(len(r) for r in sources.values()),
        records_new=sum(len(p.fresh) for p in plans),
        records_changed=sum(len(p.changed) for p in plans),
    )
    if not run.records_new and not run.records_changed:
        run.finished_at = utcnow()
        session.add(run)
        session.flush()
        return run
    overlay = _Overlay.of(session, plans)
    model = current_model(session)
    trained: LinkageModel | None = None
    shapes = overlay.shapes()
    known_shapes = {tuple(shape) for shape in model.shapes} if model else set()
    unseen = sorted(s for s, shape in shapes.items() if tuple(shape) not in known_shapes)
    if model is None or unseen:
        # A model has not learnt what agreement means for records shaped like these (births
        # with a town and no address): it learns again from the whole index first.
        why = f"first load ({run.source})" if model is None else f"new shape of {', '.join(unseen)}"
        say(f"training the model ({why})")
        trained = _trained_model(
            overlay.columns, shapes, note=f"trained on the whole index; {why}", backend=backend
        )
        model = trained
    if overlay.everyone_touched:  # the first load: every pair is new
        say("scoring pairs")
        pairs = _score_table(overlay.table(model.attributes), model, backend)
    else:
        say("scoring the new and changed records")
        pairs = _score_touched(overlay, model, backend)
    say("placing records in persons")
    if trained is not None:
        trained.version = (session.scalar(select(func.max(LinkageModel.version))) or 0) + 1
        session.add(trained)
    session.add(run)
    session.flush()
    run.model_id = model.id
    stored: dict[int, int] = {}  # provisional id of a new record -> its id in the table
    touched: list[int] = []
    for plan in plans:
        placed = _store(session, plan)
        for record in plan.fresh:
            stored[overlay.provisional[(plan.source, record.record_id)]] = placed[record.record_id]
        touched += placed.values()
        touched += [plan.known[r.record_id][0] for r in plan.changed]
    run.pairs_scored = _keep_pairs(session, _with_stored_ids(pairs, stored), run)
    _regroup(session, set(touched), run, threshold=threshold)
    run.finished_at = utcnow()
    return run


@dataclass(frozen=True)
class _SourcePlan:
    source: str
    fresh: list[IncomingRecord]
    changed: list[IncomingRecord]
    known: dict[str, tuple[int, str]]  # record id -> (primary key, fingerprint)
    fresh_values: list[dict[str, Any]]  # the new records standardized, in their order
    changed_values: list[dict[str, Any]]


@dataclass(frozen=True)
class _Overlay:
    """The index as it will be after a load: its records, with the changed ones' new values
    and the new ones under provisional ids above every id in the table (so the order of ids,
    which pairs keep, is the order the table will give them)."""

    columns: dict[str, list[Any]]  # unique_id, source_dataset, record_id and every attribute
    provisional: dict[tuple[str, str], int]  # (source, record id) of a new record -> its id
    touched: list[int]

    @classmethod
    def of(cls, session: Session, plans: list[_SourcePlan]) -> _Overlay:
        columns = _index_columns(session, list(ATTRIBUTES))
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


def _standardized_rows(source: str, records: list[IncomingRecord]) -> list[dict[str, Any]]:
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


def _store(session: Session, plan: _SourcePlan) -> dict[str, int]:
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
        for chunk in _chunks(ids):
            session.execute(
                delete(ScoredPair).where(
                    or_(ScoredPair.record_a.in_(chunk), ScoredPair.record_b.in_(chunk))
                )
            )
    return placed


def _with_stored_ids(pairs: pa.Table, stored: dict[int, int]) -> pa.Table:
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


# -- the model and scoring ------------------------------------------------------------------


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


def _index_columns(
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
        for chunk in _chunks(sorted(only)):
            rows += session.execute(select(*columns).where(PersonRecord.id.in_(chunk)))
    names = ["unique_id", "source_dataset", "record_id", *attributes]
    return {name: [row[n] for row in rows] for n, name in enumerate(names)}


def index_table(
    session: Session, attributes: list[str], only: Iterable[int] | None = None
) -> pa.Table:
    """Records of the index (all, or ``only`` these) as the engine reads them."""
    return with_comparison_columns(_index_columns(session, attributes, only))


def _trained_model(
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
    model = _trained_model(
        _index_columns(session, list(ATTRIBUTES)),
        _shapes(session),
        note=note or "retrained on the whole index",
        backend=backend,
    )
    model.version = (session.scalar(select(func.max(LinkageModel.version))) or 0) + 1
    session.add(model)
    session.flush()
    return model


def _score_table(records: pa.Table, model: LinkageModel, backend: Backend) -> pa.Table:
    from statedata.linkage.engine import linker_for, score_all

    return score_all(linker_for(records, model.settings, model.attributes, _keys(model), backend))


def _score_touched(overlay: _Overlay, model: LinkageModel, backend: Backend) -> pa.Table:
    from statedata.linkage.engine import linker_for, score_new

    everyone = overlay.table(model.attributes)
    mask = pa.compute.is_in(everyone.column("unique_id"), pa.array(overlay.touched, pa.int64()))
    new = everyone.filter(mask)
    existing = everyone.filter(pa.compute.invert(mask))
    linker = linker_for(everyone, model.settings, model.attributes, _keys(model), backend)
    return score_new(linker, existing, new)


def _keys(model: LinkageModel) -> list[tuple[str, ...]]:
    return [tuple(key) for key in model.blocking]


def _keep_pairs(session: Session, pairs: pa.Table, run: LinkageRun) -> int:
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


def rerun(
    session: Session,
    *,
    threshold: float = MATCH_THRESHOLD,
    retrain_model: bool = False,
    backend: Backend = DUCKDB,
) -> LinkageRun:
    """Score every pair of the index again (with a new model version if asked) and regroup
    everyone; persons keep their IDs wherever their records still group as before."""
    model = retrain(session, backend=backend) if retrain_model else current_model(session)
    if model is None:
        raise InvalidInput("the index is empty: load a source first.")
    run = LinkageRun(kind="rerun", model_id=model.id)
    session.add(run)
    session.flush()
    session.execute(delete(ScoredPair))
    records = index_table(session, model.attributes)
    run.pairs_scored = _keep_pairs(session, _score_table(records, model, backend), run)
    everyone = set(session.scalars(select(PersonRecord.id)))
    run.records_in = len(everyone)
    _regroup(session, everyone, run, threshold=threshold)
    run.finished_at = utcnow()
    return run


# -- regrouping -----------------------------------------------------------------------------


# Above this many ids a query reads the whole table and filters here, rather than sending
# thousands of IN lists (a first load or a re-run regroups everyone).
WHOLE_TABLE = 20_000


def _strong_pairs(
    session: Session, records: set[int], threshold: float, *, both: bool
) -> list[tuple[int, int, float]]:
    """Pairs at or above ``threshold`` with one record (``both``: both records) in ``records``."""
    columns = (ScoredPair.record_a, ScoredPair.record_b, ScoredPair.probability)
    strong = ScoredPair.probability >= threshold
    rows: Iterable[Any]
    if len(records) > WHOLE_TABLE:
        rows = session.execute(select(*columns).where(strong))
    else:
        rows = (
            row
            for chunk in _chunks(sorted(records))
            for row in session.execute(
                select(*columns).where(
                    strong, or_(ScoredPair.record_a.in_(chunk), ScoredPair.record_b.in_(chunk))
                )
            )
        )
    found: dict[tuple[int, int], float] = {}
    for a, b, p in rows:
        inside = (a in records) + (b in records)
        if inside == 2 or (inside == 1 and not both):
            found[(a, b)] = p
    return [(a, b, p) for (a, b), p in found.items()]


def _strong_neighbours(session: Session, records: set[int], threshold: float) -> set[int]:
    found: set[int] = set()
    for a, b, _p in _strong_pairs(session, records, threshold, both=False):
        found.update((a, b))
    return found


def _records_of_persons_of(session: Session, records: set[int]) -> dict[int, str | None]:
    """``records`` and every record of their persons, each with its person."""
    if len(records) > WHOLE_TABLE:
        rows = session.execute(select(PersonRecord.id, PersonRecord.person_id))
        # not dict(rows): a Result has keys(), so dict() would take it for a mapping
        everyone: dict[int, str | None] = {pk: person for pk, person in rows}  # noqa: C416
        theirs = {everyone[r] for r in records if everyone.get(r) is not None}
        return {r: p for r, p in everyone.items() if r in records or p in theirs}
    persons: set[str] = set()
    found: dict[int, str | None] = {}
    for chunk in _chunks(sorted(records)):
        for pk, person in session.execute(
            select(PersonRecord.id, PersonRecord.person_id).where(PersonRecord.id.in_(chunk))
        ):
            found[pk] = person
            if person is not None:
                persons.add(person)
    for people in _chunks(sorted(persons)):
        for pk, person in session.execute(
            select(PersonRecord.id, PersonRecord.person_id).where(
                PersonRecord.person_id.in_(people)
            )
        ):
            found[pk] = person
    return found


def _active_decisions(session: Session) -> list[MatchDecision]:
    return list(
        session.scalars(
            select(MatchDecision)
            .where(MatchDecision.undone_at.is_(None))
            .order_by(MatchDecision.id)
        )
    )


def _regroup(
    session: Session,
    seeds: set[int],
    run: LinkageRun,
    *,
    threshold: float,
    user_id: int | None = None,
) -> Reconciled:
    """Group again the persons of ``seeds`` and of records strongly paired with them, and
    write what changed."""
    members = _records_of_persons_of(session, seeds | _strong_neighbours(session, seeds, threshold))
    everyone = set(members)
    pairs = _strong_pairs(session, everyone, threshold, both=True)
    decisions = [
        d for d in _active_decisions(session) if d.record_a in everyone or d.record_b in everyone
    ]
    grouped = cluster(
        everyone,
        pairs,
        threshold=threshold,
        same=[(d.record_a, d.record_b) for d in decisions if d.same],
        not_same=[(d.record_a, d.record_b) for d in decisions if not d.same],
    )
    run.held_apart += grouped.held_apart
    previous = {r: p for r, p in members.items() if p is not None}
    groups = [g & everyone for g in grouped.persons if g & everyone]
    result = reconcile(groups, previous, _id_issuer(session))
    _apply(session, result, members, run, user_id=user_id)
    return result


def _id_issuer(session: Session) -> Callable[[], str]:
    last = session.scalar(select(func.max(Person.id)))
    counter = [int(last[1:]) if last else 0]

    def issue() -> str:
        counter[0] += 1
        return f"P{counter[0]:09d}"

    return issue


def _apply(
    session: Session,
    result: Reconciled,
    before: dict[int, str | None],
    run: LinkageRun,
    *,
    user_id: int | None,
) -> None:
    now = utcnow()
    keyed = select(PersonRecord.id, PersonRecord.source, PersonRecord.record_id)
    if len(result.person_of) > WHOLE_TABLE:
        keys = {pk: [source, rid] for pk, source, rid in session.execute(keyed)}
    else:
        keys = {
            pk: [source, rid]
            for chunk in _chunks(sorted(result.person_of))
            for pk, source, rid in session.execute(keyed.where(PersonRecord.id.in_(chunk)))
        }
    events: list[dict[str, Any]] = []

    def event(
        kind: str, person: str, other: str | None, records: Iterable[int], detail: str
    ) -> None:
        events.append(
            {
                "at": now,
                "run_id": run.id,
                "kind": kind,
                "person_id": person,
                "other_person_id": other,
                "records": [keys[r] for r in sorted(records)],
                "detail": detail,
                "user_id": user_id,
            }
        )

    if result.created:
        session.execute(
            insert(Person),
            [
                {"id": p, "status": "active", "created_at": now, "updated_at": now}
                for p in result.created
            ],
        )
    for person, group in result.created.items():
        parent = result.split_from.get(person)
        if parent is None:
            event("created", person, None, group, "")
        else:
            event(
                "split",
                parent,
                person,
                [r for r in group if before.get(r) == parent],
                f"split from {parent}",
            )
    run.persons_created += len(result.created) - len(result.split_from)
    run.splits += len(result.split_from)
    run.merges += len(result.merged_into)
    for person, survivor in result.merged_into.items():
        absorbed = [r for r, p in before.items() if p == person]
        event("merged", person, survivor, absorbed, f"merged into {survivor}")
        session.execute(
            update(Person)
            .where(or_(Person.id == person, Person.merged_into == person))
            .values(status="merged", merged_into=survivor, updated_at=now)
        )
    added: dict[str, list[int]] = defaultdict(list)
    for record, person in result.added:
        added[person].append(record)
    for person, joined in added.items():
        event("records_added", person, None, joined, f"{len(joined)} record(s) added")
    moved: dict[tuple[str, str], list[int]] = defaultdict(list)
    for record, was, now_in in result.moved:
        if now_in not in result.created:  # a split says it
            moved[(was, now_in)].append(record)
    run.moves += sum(len(r) for r in moved.values())
    for (was, now_in), shifted in moved.items():
        event("records_moved", was, now_in, shifted, f"{len(shifted)} record(s) moved to {now_in}")
    placed = {
        record: person
        for record, person in result.person_of.items()
        if before.get(record) != person
    }
    if placed:  # one executemany by primary key
        session.execute(
            update(PersonRecord), [{"id": r, "person_id": p} for r, p in placed.items()]
        )
    touched_persons = set(placed.values()) | {p for p in before.values() if p}
    touched_persons -= set(result.merged_into)
    if touched_persons:
        session.execute(
            update(Person), [{"id": p, "updated_at": now} for p in sorted(touched_persons)]
        )
    if events:
        session.execute(insert(PersonEvent), events)


# -- decisions -----------------------------------------------------------------------------


def record_key(session: Session, source: str, record_id: str) -> int:
    found = session.scalar(
        select(PersonRecord.id).where(
            PersonRecord.source == source, PersonRecord.record_id == record_id
        )
    )
    if found is None:
        raise NotFound(f"no record {record_id!r} from {source!r} in the person index.")
    return found


def decide(
    session: Session,
    record_a: int,
    record_b: int,
    *,
    same: bool,
    note: str = "",
    user_id: int | None = None,
    threshold: float = MATCH_THRESHOLD,
) -> MatchDecision:
    """Keep a person's decision on two records and regroup their persons by it at once."""
    if record_a == record_b:
        raise InvalidInput("a decision needs two different records.")
    a, b = sorted((record_a, record_b))
    for pk in (a, b):
        if session.get(PersonRecord, pk) is None:
            raise NotFound(f"no record {pk} in the person index.")
    active = [d for d in _active_decisions(session) if {d.record_a, d.record_b} != {a, b}]
    proposed_same = [(d.record_a, d.record_b) for d in active if d.same]
    proposed_apart = [(d.record_a, d.record_b) for d in active if not d.same]
    (proposed_same if same else proposed_apart).append((a, b))
    clash = contradiction(proposed_same, proposed_apart)
    if clash is not None:
        raise InvalidInput(
            f"this decision contradicts earlier ones: records {clash[0]} and {clash[1]} were "
            "decided to be different persons, and the 'same person' decisions would join them. "
            "Undo one of the earlier decisions first."
        )
    now = utcnow()
    for earlier in session.scalars(
        select(MatchDecision).where(
            MatchDecision.record_a == a,
            MatchDecision.record_b == b,
            MatchDecision.undone_at.is_(None),
        )
    ):
        earlier.undone_at, earlier.undone_by = now, user_id  # replaced by this one
    decision = MatchDecision(
        record_a=a, record_b=b, same=same, note=note, decided_by=user_id, decided_at=now
    )
    session.add(decision)
    _regroup_after_decision(session, a, b, user_id=user_id, threshold=threshold)
    return decision


def undo_decision(
    session: Session,
    decision_id: int,
    *,
    user_id: int | None = None,
    threshold: float = MATCH_THRESHOLD,
) -> MatchDecision:
    decision = session.get(MatchDecision, decision_id)
    if decision is None:
        raise NotFound(f"no decision {decision_id}.")
    if decision.undone_at is not None:
        raise InvalidInput(f"decision {decision_id} was already undone.")
    decision.undone_at, decision.undone_by = utcnow(), user_id
    _regroup_after_decision(
        session, decision.record_a, decision.record_b, user_id=user_id, threshold=threshold
    )
    return decision


def _regroup_after_decision(
    session: Session, a: int, b: int, *, user_id: int | None, threshold: float
) -> None:
    session.flush()
    run = LinkageRun(kind="decision")
    session.add(run)
    session.flush()
    _regroup(session, {a, b}, run, threshold=threshold, user_id=user_id)
    run.finished_at = utcnow()


# -- reading -------------------------------------------------------------------------------


def resolve_person(session: Session, person_id: str) -> Person:
    """The person an ID names now: a merged person leads to its survivor."""
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"no person {person_id!r} in the index.")
    seen = {person.id}
    while person.status == "merged" and person.merged_into:
        follow = session.get(Person, person.merged_into)
        if follow is None or follow.id in seen:
            break
        seen.add(follow.id)
        person = follow
    return person


def person_history(session: Session, person_id: str) -> list[PersonEvent]:
    return list(
        session.scalars(
            select(PersonEvent)
            .where(
                or_(PersonEvent.person_id == person_id, PersonEvent.other_person_id == person_id)
            )
            .order_by(PersonEvent.id)
        )
    )


def persons_by_record(session: Session) -> dict[tuple[str, str], str]:
    """Every record's person, by (source, record id)."""
    return {
        (source, rid): person
        for source, rid, person in session.execute(
            select(PersonRecord.source, PersonRecord.record_id, PersonRecord.person_id)
        )
        if person is not None
    }
