"""Loading sources into the index (only new and changed records are scored, and the long work runs
before the first write) and re-running the whole index."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from statedata.core.db import utcnow
from statedata.core.errors import InvalidInput
from statedata.linkage.backend import DUCKDB, Backend
from statedata.linkage.index.grouping import regroup
from statedata.linkage.index.records import (
    MATCH_THRESHOLD,
    IncomingRecord,
    Overlay,
    SourcePlan,
    fingerprint,
    index_table,
    standardized_rows,
    store_records,
    with_stored_ids,
)
from statedata.linkage.index.scoring import (
    current_model,
    keep_pairs,
    retrain,
    score_table,
    score_touched,
    trained_model,
)
from statedata.linkage.models import (
    LinkageModel,
    LinkageRun,
    PersonRecord,
    ScoredPair,
)


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
    plans: list[SourcePlan] = []
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
            SourcePlan(
                source,
                fresh,
                changed,
                known,
                standardized_rows(source, fresh),
                standardized_rows(source, changed),
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
    overlay = Overlay.of(session, plans)
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
        trained = trained_model(
            overlay.columns, shapes, note=f"trained on the whole index; {why}", backend=backend
        )
        model = trained
    if overlay.everyone_touched:  # the first load: every pair is new
        say("scoring pairs")
        pairs = score_table(overlay.table(model.attributes), model, backend)
    else:
        say("scoring the new and changed records")
        pairs = score_touched(overlay, model, backend)
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
        placed = store_records(session, plan)
        for record in plan.fresh:
            stored[overlay.provisional[(plan.source, record.record_id)]] = placed[record.record_id]
        touched += placed.values()
        touched += [plan.known[r.record_id][0] for r in plan.changed]
    run.pairs_scored = keep_pairs(session, with_stored_ids(pairs, stored), run)
    regroup(session, set(touched), run, threshold=threshold)
    run.finished_at = utcnow()
    return run


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
    run.pairs_scored = keep_pairs(session, score_table(records, model, backend), run)
    everyone = set(session.scalars(select(PersonRecord.id)))
    run.records_in = len(everyone)
    regroup(session, everyone, run, threshold=threshold)
    run.finished_at = utcnow()
    return run
