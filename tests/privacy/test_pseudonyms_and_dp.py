"""Keyed pseudonyms (one per person within an extract, unlinkable across extracts) and
differentially private releases (noise of the promised scale, the budget refused past its end)."""

from __future__ import annotations

import statistics

import pytest

from statedata.core.errors import Conflict, InvalidInput
from statedata.privacy.dp import charge, dp_counts, dp_means, dp_sums
from statedata.privacy.pseudonyms import new_key, pseudonym


def test_two_extracts_of_the_same_people_have_unlinkable_pseudonyms() -> None:
    people = [f"P{n:09d}" for n in range(2000)]
    first, second = new_key(), new_key()
    one = [pseudonym(first, p) for p in people]
    two = [pseudonym(second, p) for p in people]
    assert len(set(one)) == len(people)  # one pseudonym per person, no collisions
    assert one == [pseudonym(first, p) for p in people]  # stable within an extract
    assert not set(one) & set(two)  # nothing to join the two extracts on
    assert not any(p[1:] in q for p in people for q in one[:50])  # the id is not inside
    with pytest.raises(ValueError, match="16 random bytes"):
        pseudonym(b"short", "P1")


def test_dp_counts_are_noisy_at_the_promised_scale_and_state_their_epsilon() -> None:
    truth = {f"town {n}": 100 for n in range(400)}
    release = dp_counts(truth, epsilon=1.0)
    errors = [v - 100 for v in release.values]
    assert release.epsilon == 1.0 and "epsilon 1.0" in release.method
    assert any(e != 0 for e in errors)
    # Laplace(1/epsilon): mean absolute error about 1
    assert 0.6 < statistics.mean(abs(e) for e in errors) < 1.6
    assert all(v >= 0 for v in dp_counts({"a": 0, "b": 1}, epsilon=0.5).values)


def test_dp_sums_and_means_clamp_to_their_bounds() -> None:
    wages = {"north": [1000.0] * 500 + [10**9], "south": [2000.0] * 500}
    sums = dp_sums(wages, (0, 5000), epsilon=1.0)
    assert abs(sums.values[0] - (500 * 1000 + 5000)) < 50_000  # the billion is clamped
    means = dp_means(wages, (0, 5000), epsilon=2.0)
    assert 800 < means.values[0] < 1300 and 1700 < means.values[1] < 2300
    with pytest.raises(InvalidInput, match="bounds"):
        dp_sums(wages, (10, 0), epsilon=1.0)
    with pytest.raises(InvalidInput, match="epsilon"):
        dp_counts({"a": 1}, epsilon=0)


def test_a_release_past_the_budget_is_refused_with_a_clear_message() -> None:
    spent = charge(dataset="DPH overdose deaths", budget=1.0, spent=0.0, epsilon=0.5)
    spent = charge(dataset="DPH overdose deaths", budget=1.0, spent=spent, epsilon=0.5)
    assert spent == 1.0
    with pytest.raises(Conflict) as refused:
        charge(dataset="DPH overdose deaths", budget=1.0, spent=spent, epsilon=0.1)
    message = refused.value.detail
    assert "needs epsilon 0.1" in message and "DPH overdose deaths has 0 of its 1 left" in message
