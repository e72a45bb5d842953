"""One visibility rule: the policy's decision for one catalog entry and the SQL condition that
search and counts filter with are the same rule, for any actor, grants and datasets."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from statedata.catalog.datasets import resource_of, visible_clause
from statedata.catalog.models import Dataset
from statedata.core.db import utcnow
from statedata.identity.actor import Actor, Role, Scope
from statedata.identity.models import Agency
from statedata.identity.policy import (
    DATASET,
    Action,
    Classification,
    Grant,
    dataset_visibility,
    decide,
)

AGENCIES = ("DPH", "DSS", "DOL")
# published; in review; a draft; retired within its notice (still released); retired past it
STATUSES = ("published", "in_review", "draft", "retired_notice", "retired_private")

datasets = st.lists(
    st.tuples(
        st.sampled_from(AGENCIES), st.sampled_from(Classification), st.sampled_from(STATUSES)
    ),
    min_size=1,
    max_size=8,
)
scopes = st.sets(st.sampled_from(Scope), min_size=1).map(frozenset)
actors = st.one_of(
    st.just(("anonymous", None, None, frozenset({Scope.READ}))),
    st.just(("system", None, None, frozenset(Scope))),
    st.tuples(st.just("user"), st.sampled_from(Role), st.sampled_from((*AGENCIES, None)), scopes),
)


def _actor(kind: str, role: Role | None, agency_id: int | None, held: frozenset[Scope]) -> Actor:
    if kind == "anonymous":
        return Actor.anonymous()
    if kind == "system":
        return Actor.system("test")
    return Actor(user_id=7, username="someone", role=role, agency_id=agency_id, scopes=held)


def _dataset(number: int, agency_id: int, classification: Classification, status: str) -> Dataset:
    now = utcnow()
    dataset = Dataset(
        public_id=f"vis{number:01d}-{number:04d}",
        slug=f"visibility-{number}",
        title=f"Visibility {number}",
        agency_id=agency_id,
        classification=classification.value,
        status="retired" if status.startswith("retired") else status,
    )
    if status.startswith("retired"):
        dataset.retired_at = now - timedelta(days=40)
        dataset.private_after = now + (
            timedelta(days=5) if status == "retired_notice" else -timedelta(days=10)
        )
    return dataset


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(made=datasets, who=actors, granted=st.sets(st.integers(0, 7), max_size=4))
def test_the_policy_and_the_search_filter_agree_on_every_actor_grant_and_dataset(
    session_factory: sessionmaker[Session],
    made: list[tuple[str, Classification, str]],
    who: tuple[str, Role | None, str | None, frozenset[Scope]],
    granted: set[int],
) -> None:
    session = session_factory()
    try:
        agency_ids = dict(session.execute(select(Agency.code, Agency.id)).all())
        kind, role, agency, held = who
        actor = _actor(kind, role, agency_ids[agency] if agency else None, held)
        rows = [
            _dataset(n, agency_ids[code], classification, status)
            for n, (code, classification, status) in enumerate(made)
        ]
        session.add_all(rows)
        session.flush()
        grants = tuple(Grant(DATASET, rows[n].public_id) for n in sorted(granted) if n < len(rows))
        ids = [d.id for d in rows]
        in_sql = set(
            session.scalars(
                select(Dataset.id).where(
                    Dataset.id.in_(ids), visible_clause(dataset_visibility(actor, grants))
                )
            )
        )
        in_python = {
            d.id
            for d in rows
            if decide(actor, Action.READ_METADATA, resource_of(d), grants).allowed
        }
        assert in_sql == in_python
    finally:
        session.rollback()
        session.close()
