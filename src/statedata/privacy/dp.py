"""Differentially private counts, sums and means by group, through OpenDP's framework API.

Each person is assumed to contribute one row (a person-level table), so adding or removing a
person changes one group's count by one and its sum by at most the clamping bound: the L1
sensitivities the Laplace mechanisms are built for. The measurement's own privacy map is asked
what it spends, and a release never spends more than its epsilon. A dataset's budget is the sum
of the epsilons of every release made from it; a release past it is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

import opendp.prelude as dp

from statedata.core.errors import Conflict, InvalidInput

dp.enable_features("contrib")

METHOD = "Laplace mechanism (OpenDP {version}), epsilon {epsilon} per release"


@dataclass(frozen=True)
class Release:
    groups: list[str]
    values: list[float]
    epsilon: float
    method: str


def _checked_epsilon(epsilon: float) -> float:
    if not 0 < epsilon <= 10:
        raise InvalidInput(f"epsilon: {epsilon} is not above 0 and at most 10.")
    return float(epsilon)


def _method(epsilon: float, what: str) -> str:
    return f"{what}: " + METHOD.format(version=dp.__version__, epsilon=epsilon)


def dp_counts(counts: dict[str, int], epsilon: float) -> Release:
    """Noisy counts per group (a person is in one group), rounded to whole non-negative numbers."""
    epsilon = _checked_epsilon(epsilon)
    space = dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int)
    measurement = space >> dp.m.then_laplace(scale=1.0 / epsilon)
    assert measurement.map(1) <= epsilon + 1e-12
    groups = list(counts)
    noisy = measurement([int(counts[g]) for g in groups])
    return Release(groups, [max(0, int(v)) for v in noisy], epsilon, _method(epsilon, "counts"))


def _checked_bounds(bounds: tuple[float, float]) -> tuple[float, float]:
    lower, upper = float(bounds[0]), float(bounds[1])
    if not lower < upper:
        raise InvalidInput(f"bounds: {lower:g} is not below {upper:g}.")
    return lower, upper


def _clamped_totals(
    values: dict[str, list[float]], bounds: tuple[float, float]
) -> dict[str, float]:
    lower, upper = _checked_bounds(bounds)
    return {g: sum(min(max(v, lower), upper) for v in vs) for g, vs in values.items()}


def dp_sums(values: dict[str, list[float]], bounds: tuple[float, float], epsilon: float) -> Release:
    """Noisy sums per group of values clamped to ``bounds`` (a person adds one value)."""
    return dp_sums_of_totals(_clamped_totals(values, bounds), bounds, epsilon)


def dp_sums_of_totals(
    totals: dict[str, float], bounds: tuple[float, float], epsilon: float
) -> Release:
    """Noisy sums per group, from each group's total of values already clamped to ``bounds``
    (a database sums them where the rows are)."""
    epsilon = _checked_epsilon(epsilon)
    lower, upper = _checked_bounds(bounds)
    sensitivity = max(abs(lower), abs(upper))
    groups = list(totals)
    space = dp.vector_domain(dp.atom_domain(T=float, nan=False)), dp.l1_distance(T=float)
    measurement = space >> dp.m.then_laplace(scale=sensitivity / epsilon)
    assert measurement.map(sensitivity) <= epsilon + 1e-9
    noisy = measurement([float(totals[g]) for g in groups])
    return Release(groups, list(noisy), epsilon, _method(epsilon, "sums"))


def dp_means(
    values: dict[str, list[float]], bounds: tuple[float, float], epsilon: float
) -> Release:
    """Noisy means per group: half the epsilon on the sums, half on the counts."""
    counts = {g: len(v) for g, v in values.items()}
    return dp_means_of_totals(_clamped_totals(values, bounds), counts, bounds, epsilon)


def dp_means_of_totals(
    totals: dict[str, float], counts: dict[str, int], bounds: tuple[float, float], epsilon: float
) -> Release:
    """Noisy means per group from clamped totals and counts (half the epsilon on each)."""
    epsilon = _checked_epsilon(epsilon)
    lower, upper = _checked_bounds(bounds)
    sums = dp_sums_of_totals(totals, bounds, epsilon / 2)
    noisy_counts = dp_counts({g: counts[g] for g in sums.groups}, epsilon / 2)
    means = [
        min(max(s / max(n, 1), lower), upper)
        for s, n in zip(sums.values, noisy_counts.values, strict=True)
    ]
    return Release(sums.groups, means, epsilon, _method(epsilon, "means (sums and counts)"))


def charge(*, dataset: str, budget: float, spent: float, epsilon: float) -> float:
    """What the dataset will have spent after this release, or a refusal that says why."""
    epsilon = _checked_epsilon(epsilon)
    if spent + epsilon > budget + 1e-12:
        left = max(budget - spent, 0.0)
        raise Conflict(
            f"privacy budget: this release needs epsilon {epsilon:g}, but {dataset} has "
            f"{left:g} of its {budget:g} left ({spent:g} spent by earlier releases); release "
            "fewer statistics, a smaller epsilon, or ask the data officer to raise the budget."
        )
    return spent + epsilon
