"""The quality score of a version: 0 to 100, from what its rules found.

    score = 100 * sum(w_r * (1 - share_r)) / sum(w_r)

over the rules that could be checked, where ``w_r`` is 3 for an error rule and 1 for a warning,
and ``share_r`` is the share of rows that broke a row rule (or a unique or primary-key rule), or
1 when a version rule (freshness, row-count change, drift) failed and 0 when it held. A version
with no rules has no score. So one error rule broken by every row costs three times as much as a
warning broken by every row, and a rule broken by 1% of rows costs 1% of its weight.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from statedata.quality.runner import RuleResult

WEIGHTS = {"error": 3.0, "warning": 1.0}


def quality_score(rows: int, results: Sequence[RuleResult]) -> float | None:
    counted = [r for r in results if not r.skipped]
    if not counted:
        return None
    total = earned = 0.0
    for result in counted:
        weight = WEIGHTS[result.rule.severity]
        if result.rule.counts_rows:
            share = min(1.0, result.violations / rows) if rows else 0.0
        else:
            share = 1.0 if result.violations else 0.0
        total += weight
        earned += weight * (1.0 - share)
    return round(100.0 * earned / total, 2)
