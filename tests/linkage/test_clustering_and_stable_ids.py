"""Grouping records into persons within stewards' decisions, and keeping person IDs stable."""

from __future__ import annotations

import itertools
import random

from statedata.linkage.clustering import cluster, contradiction
from statedata.linkage.stable_ids import reconcile


def _ids(start: int = 1):  # type: ignore[no-untyped-def]
    counter = itertools.count(start)
    return lambda: f"P{next(counter):09d}"


def _groups(found) -> set[frozenset[int]]:  # type: ignore[no-untyped-def]
    return set(found.persons)


def test_strong_pairs_join_and_weak_ones_do_not() -> None:
    found = cluster([1, 2, 3, 4], [(1, 2, 0.99), (2, 3, 0.95), (3, 4, 0.5)], threshold=0.9)
    assert _groups(found) == {frozenset({1, 2, 3}), frozenset({4})}
    assert found.held_apart == 0


def test_not_the_same_holds_against_a_chain_and_the_weakest_link_gives_way() -> None:
    # 1-2 and 3-4 are near certain; 2-3 is the link through which 1 and 4 would join.
    pairs = [(1, 2, 0.999), (3, 4, 0.998), (2, 3, 0.91)]
    found = cluster([1, 2, 3, 4], pairs, threshold=0.9, not_same=[(1, 4)])
    assert _groups(found) == {frozenset({1, 2}), frozenset({3, 4})}
    assert found.held_apart == 1


def test_same_person_joins_below_the_threshold_and_records_outside_the_pairs() -> None:
    found = cluster([1, 2, 3], [(1, 2, 0.2)], threshold=0.9, same=[(1, 2), (3, 9)])
    assert _groups(found) == {frozenset({1, 2}), frozenset({3, 9})}


def test_decisions_that_contradict_each_other_are_found() -> None:
    assert contradiction([(1, 2), (2, 3)], [(1, 3)]) == (1, 3)
    assert contradiction([(1, 2)], [(2, 3)]) is None


def test_random_decisions_are_always_respected() -> None:
    rng = random.Random(5)
    for _ in range(200):
        records = list(range(12))
        pairs = [
            (a, b, rng.random())
            for a, b in itertools.combinations(records, 2)
            if rng.random() < 0.4
        ]
        not_same = [tuple(rng.sample(records, 2)) for _ in range(3)]
        same = [tuple(rng.sample(records, 2)) for _ in range(2)]
        if contradiction(same, not_same) is not None:
            continue
        found = cluster(records, pairs, threshold=0.6, same=same, not_same=not_same)
        where = {r: n for n, g in enumerate(found.persons) for r in g}
        assert all(where[a] != where[b] for a, b in not_same)
        assert all(where[a] == where[b] for a, b in same)
        assert sorted(r for g in found.persons for r in g) == records


def test_the_same_grouping_keeps_every_id() -> None:
    previous = {1: "P1", 2: "P1", 3: "P2"}
    found = reconcile([frozenset({3}), frozenset({1, 2})], previous, _ids(9))
    assert found.person_of == previous
    assert not found.changed


def test_new_records_join_or_make_persons() -> None:
    found = reconcile([frozenset({1, 2, 5}), frozenset({6, 7})], {1: "P1", 2: "P1"}, _ids(3))
    assert found.person_of == {1: "P1", 2: "P1", 5: "P1", 6: "P000000003", 7: "P000000003"}
    assert found.added == [(5, "P1")]
    assert found.created == {"P000000003": frozenset({6, 7})}
    assert found.split_from == {}


def test_a_merge_keeps_the_larger_persons_id_and_records_the_other() -> None:
    previous = {1: "P2", 2: "P2", 3: "P1", 4: "P3"}
    found = reconcile([frozenset({1, 2, 3, 9}), frozenset({4})], previous, _ids(7))
    assert found.person_of == {1: "P2", 2: "P2", 3: "P2", 9: "P2", 4: "P3"}
    assert found.merged_into == {"P1": "P2"}
    assert found.moved == []  # the merge says it
    assert found.added == [(9, "P2")]


def test_a_merge_of_equals_keeps_the_older_id() -> None:
    found = reconcile([frozenset({1, 2})], {1: "P5", 2: "P4"}, _ids(7))
    assert found.person_of == {1: "P4", 2: "P4"}
    assert found.merged_into == {"P5": "P4"}


def test_a_split_leaves_the_old_id_with_the_larger_part() -> None:
    previous = {1: "P1", 2: "P1", 3: "P1"}
    found = reconcile([frozenset({3}), frozenset({1, 2})], previous, _ids(4))
    assert found.person_of == {1: "P1", 2: "P1", 3: "P000000004"}
    assert found.split_from == {"P000000004": "P1"}
    assert found.moved == [(3, "P1", "P000000004")]


def test_a_record_moving_between_persons_is_a_move_not_a_merge() -> None:
    previous = {1: "P1", 2: "P1", 3: "P2", 4: "P2"}
    found = reconcile([frozenset({1}), frozenset({2, 3, 4})], previous, _ids(5))
    assert found.person_of == {1: "P1", 2: "P2", 3: "P2", 4: "P2"}
    assert found.moved == [(2, "P1", "P2")]
    assert found.merged_into == {} and found.created == {}
