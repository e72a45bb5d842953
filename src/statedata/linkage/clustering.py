"""Persons from scored pairs: records joined by strong pairs, within the bounds people set.

A steward's "same person" joins two records whatever the model says; "not the same" keeps them
apart whatever chain of other pairs would join them. Pairs are taken strongest first, and a
pair that would put two records a steward separated into one person is passed over, so a
chain of middling pairs cannot undo a decision.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

R = TypeVar("R", bound=Hashable)


@dataclass
class _Forest(Generic[R]):
    """Union-find over records, with each root's set of records it may not join."""

    parent: dict[R, R] = field(default_factory=dict)
    size: dict[R, int] = field(default_factory=dict)
    # root -> records held apart from some record of this root's component
    apart: dict[R, set[R]] = field(default_factory=dict)
    # root -> the records of its component that have a "not the same" decision
    bound: dict[R, set[R]] = field(default_factory=dict)

    def add(self, record: R) -> None:
        if record not in self.parent:
            self.parent[record] = record
            self.size[record] = 1

    def root(self, record: R) -> R:
        found = record
        while self.parent[found] != found:
            found = self.parent[found]
        while self.parent[record] != found:  # path compression
            self.parent[record], record = found, self.parent[record]
        return found

    def keep_apart(self, a: R, b: R) -> None:
        self.add(a)
        self.add(b)
        for one, other in ((a, b), (b, a)):
            root = self.root(one)
            self.apart.setdefault(root, set()).add(other)
            self.bound.setdefault(root, set()).add(one)

    def may_join(self, a: R, b: R) -> bool:
        ra, rb = self.root(a), self.root(b)
        if ra == rb:
            return True
        return not (
            self.apart.get(ra, set()) & self.bound.get(rb, set())
            or self.apart.get(rb, set()) & self.bound.get(ra, set())
        )

    def join(self, a: R, b: R) -> bool:
        """Join the components of ``a`` and ``b`` (records new to the forest are added), unless
        a "not the same" decision keeps them apart."""
        self.add(a)
        self.add(b)
        ra, rb = self.root(a), self.root(b)
        if ra == rb:
            return True
        if not self.may_join(a, b):
            return False
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        for sets in (self.apart, self.bound):
            moved = sets.pop(rb, None)
            if moved:
                sets.setdefault(ra, set()).update(moved)
        return True


@dataclass(frozen=True)
class Clustering(Generic[R]):
    persons: list[frozenset[R]]
    # pairs at or above the threshold that were passed over to respect a decision
    held_apart: int


def cluster(
    records: Iterable[R],
    pairs: Iterable[tuple[R, R, float]],
    *,
    threshold: float,
    same: Iterable[tuple[R, R]] = (),
    not_same: Iterable[tuple[R, R]] = (),
) -> Clustering[R]:
    """Records grouped into persons.

    ``pairs`` are (a, b, probability); those at or above ``threshold`` join, strongest first.
    ``same`` and ``not_same`` are decisions; they must not contradict each other (see
    ``contradiction``, which decisions are checked with before they are kept).
    """
    forest: _Forest[R] = _Forest()
    for record in records:
        forest.add(record)
    for a, b in not_same:
        forest.keep_apart(a, b)
    for a, b in same:
        forest.join(a, b)
    held = 0
    strong = sorted((p for p in pairs if p[2] >= threshold), key=lambda p: -p[2])
    for a, b, _probability in strong:
        if not forest.join(a, b):
            held += 1
    groups: dict[R, set[R]] = {}
    for record in forest.parent:
        groups.setdefault(forest.root(record), set()).add(record)
    return Clustering([frozenset(g) for g in groups.values()], held)


def contradiction(
    same: Iterable[tuple[R, R]], not_same: Iterable[tuple[R, R]]
) -> tuple[R, R] | None:
    """A "not the same" pair that the "same person" decisions join through each other, if any."""
    forest: _Forest[R] = _Forest()
    for a, b in same:
        forest.join(a, b)
    for a, b in not_same:
        forest.add(a)
        forest.add(b)
        if forest.root(a) == forest.root(b):
            return (a, b)
    return None
