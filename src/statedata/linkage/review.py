"""The clerical review queue: scored pairs in the uncertain band, for stewards to decide.

A pair is in the queue while its probability is in ``[low, high)`` and nobody has decided on it
(a decision undone puts it back). The queue is ordered by value: the pairs whose match weight
is nearest the match threshold first, since a decision there is the likeliest to change who is
who; among equals, the oldest first. Each item carries its age (since its pair was scored) and
a waterfall: the prior, then each comparison's weight, adding up to the pair's match weight.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session, aliased

from statedata.core.db import utcnow
from statedata.core.errors import NotFound
from statedata.linkage.attributes import ATTRIBUTES
from statedata.linkage.models import LinkageRun, MatchDecision, PersonRecord, ScoredPair
from statedata.linkage.realtime import Matcher, matcher

REVIEW_LOW = 0.5
REVIEW_HIGH = 0.95


@dataclass(frozen=True)
class Step:
    label: str
    level: str
    weight: float
    total: float  # the running sum after this step


@dataclass(frozen=True)
class ReviewItem:
    pair_id: int
    probability: float
    match_weight: float
    scored_at: datetime
    left: PersonRecord
    right: PersonRecord
    same_person_now: bool
    differs: list[str]  # attributes whose standardized values differ (both present)
    waterfall: list[Step]

    @property
    def age_days(self) -> int:
        return max(0, (utcnow() - self.scored_at).days)


def _undecided() -> Any:
    decided = exists().where(
        and_(
            MatchDecision.record_a == ScoredPair.record_a,
            MatchDecision.record_b == ScoredPair.record_b,
            MatchDecision.undone_at.is_(None),
        )
    )
    return ~decided


def _in_band(low: float, high: float, among: frozenset[str] | None) -> Any:
    """Waiting pairs; with ``among``, only those both of whose records come from those sources
    (a reviewer is offered only pairs they may read both sides of)."""
    waiting = and_(ScoredPair.probability >= low, ScoredPair.probability < high, _undecided())
    if among is None:
        return waiting
    left, right = aliased(PersonRecord), aliased(PersonRecord)
    names = sorted(among)
    return and_(
        waiting,
        exists().where(left.id == ScoredPair.record_a, left.source.in_(names)),
        exists().where(right.id == ScoredPair.record_b, right.source.in_(names)),
    )


def queue_size(
    session: Session,
    low: float = REVIEW_LOW,
    high: float = REVIEW_HIGH,
    among: frozenset[str] | None = None,
) -> dict[str, Any]:
    """How many pairs wait, and since when the oldest has (of those from ``among``'s sources)."""
    count, oldest = session.execute(
        select(func.count(ScoredPair.id), func.min(LinkageRun.started_at))
        .join(LinkageRun, LinkageRun.id == ScoredPair.run_id)
        .where(_in_band(low, high, among))
    ).one()
    return {
        "waiting": count,
        "oldest_days": max(0, (utcnow() - oldest).days) if oldest else None,
        "band": [low, high],
    }


def _by_value(
    query: Any, threshold: float, low: float, high: float, among: frozenset[str] | None
) -> Any:
    """``query`` over the waiting pairs, nearest the match threshold first, then the oldest."""
    threshold_weight = math.log2(threshold / (1 - threshold))
    return (
        query.select_from(ScoredPair)
        .join(LinkageRun, LinkageRun.id == ScoredPair.run_id)
        .where(_in_band(low, high, among))
        .order_by(func.abs(ScoredPair.weight - threshold_weight), ScoredPair.id)
    )


def review_queue(
    session: Session,
    *,
    threshold: float,
    low: float = REVIEW_LOW,
    high: float = REVIEW_HIGH,
    limit: int = 50,
    offset: int = 0,
    among: frozenset[str] | None = None,
) -> list[ReviewItem]:
    """The waiting pairs (of ``among``'s sources), most valuable first."""
    rows = session.execute(
        _by_value(select(ScoredPair, LinkageRun.started_at), threshold, low, high, among)
        .limit(limit)
        .offset(offset)
    ).all()
    if not rows:
        return []
    found = matcher(session)
    return [_item(session, found, pair, scored_at) for pair, scored_at in rows]


def review_item(session: Session, pair_id: int) -> ReviewItem:
    row = session.execute(
        select(ScoredPair, LinkageRun.started_at)
        .join(LinkageRun, LinkageRun.id == ScoredPair.run_id)
        .where(ScoredPair.id == pair_id)
    ).first()
    if row is None:
        raise NotFound(f"no scored pair {pair_id}.")
    return _item(session, matcher(session), row[0], row[1])


def next_pair_after(
    session: Session, pair_id: int, *, threshold: float, low: float = REVIEW_LOW,
    high: float = REVIEW_HIGH, among: frozenset[str] | None = None,
) -> int | None:  # fmt: skip
    """The queue's next pair after ``pair_id`` (skipping it), or its first if it is not there."""
    ids = list(
        session.scalars(_by_value(select(ScoredPair.id), threshold, low, high, among).limit(200))
    )
    if pair_id in ids:
        later = ids[ids.index(pair_id) + 1 :]
        return later[0] if later else None
    return ids[0] if ids else None


def _item(session: Session, found: Matcher, pair: ScoredPair, scored_at: datetime) -> ReviewItem:
    left = session.get(PersonRecord, pair.record_a)
    right = session.get(PersonRecord, pair.record_b)
    if left is None or right is None:
        raise NotFound(f"pair {pair.id} names a record no longer in the index.")
    differs = [
        a
        for a in ATTRIBUTES
        if getattr(left, a) is not None
        and getattr(right, a) is not None
        and getattr(left, a) != getattr(right, a)
    ]
    return ReviewItem(
        pair_id=pair.id,
        probability=pair.probability,
        match_weight=pair.weight,
        scored_at=scored_at,
        left=left,
        right=right,
        same_person_now=left.person_id == right.person_id,
        differs=differs,
        waterfall=waterfall(found, pair.levels, left, right),
    )


def _values(record: PersonRecord, column: str) -> Any:
    if column == "full_name":
        return (
            f"{record.first_name} {record.last_name}"
            if record.first_name and record.last_name
            else None
        )
    return getattr(record, column, None)


def waterfall(
    found: Matcher, levels: dict[str, int], left: PersonRecord, right: PersonRecord
) -> list[Step]:
    """The prior and each comparison's weight (its level's, with the term-frequency
    adjustment), each with the running total; the last total is the pair's match weight."""
    total = found.prior
    steps = [Step("prior (how rare a match is)", "", round(found.prior, 3), round(total, 3))]
    for comparison, weights in found.weights.items():
        gamma = levels.get(comparison, -1)
        level = weights.get(gamma)
        if level is None:
            continue
        weight = level.match_weight
        if level.tf_column is not None:
            weight += found.tf_weight(
                level, _values(left, level.tf_column), _values(right, level.tf_column)
            )
        total += weight
        steps.append(Step(comparison, level.label, round(weight, 3), round(total, 3)))
    return steps
