"""Small-cell suppression as Connecticut SDE's rule asks: counts 1 to 5 hidden, zeros shown,
complementary suppression until no hidden count can be worked out from what is shown, checked
on 500 random tables by exact linear algebra written here apart from the module's own."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from statedata.privacy.suppression import Cell, suppress, suppress_statistic

# Overdose deaths by town and quarter, hand-checked: Bristol Q1 (4), Canaan Q3 (1) and its
# total (1) and Enfield Q2 (3) are hidden by the rule; hiding Bristol Q2 and its total and
# Enfield Q1 and Q3 leaves two free quantities (Bristol Q1 = t, Bristol Q2 = s; then Enfield
# Q1 = 12 - t, Enfield Q2 = 10 - s, Enfield Q3 = t + s - 1, Canaan Q3 = 12 - t - s, Bristol's
# total = t + s + 6), so no hidden count is fixed; zeros, Hartford and every column total stay.
TOWNS = [
    [12, 9, 14, 11],  # Hartford
    [4, 7, 0, 6],  # Bristol
    [0, 0, 1, 0],  # Canaan
    [8, 3, 10, 9],  # Enfield
]
PUBLISHED = [
    [12, 9, 14, 11, 46],
    [None, None, 0, 6, None],
    [0, 0, None, 0, None],
    [None, None, None, 9, 30],
    [24, 19, 25, 26, 94],
]


def test_a_hand_checked_table_follows_the_sde_rule_cell_by_cell() -> None:
    assert suppress(TOWNS).published() == PUBLISHED


def test_a_threshold_of_its_own_and_statistics() -> None:
    table = suppress([[6, 20], [30, 40]], threshold=10)
    assert table.published()[0][0] is None  # 6 is small under a threshold of 10
    assert suppress([[6, 20], [30, 40]]).published()[0][0] == 6
    assert suppress_statistic(5, 100) and suppress_statistic(0, 100)
    assert suppress_statistic(30, 19) and not suppress_statistic(6, 20)


@pytest.mark.parametrize(
    ("counts", "message"),
    [([], "empty"), ([[1, 2], [3]], "row 2 has 1 cells"), ([[1, -2]], "row 1, column 2")],
)
def test_a_bad_table_is_named(counts: list[list[int]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        suppress(counts)


def _fixed_cells(table: list[list[int | None]]) -> set[tuple[int, int]]:
    """Hidden places of a published table (totals last in each row, column totals last) whose
    value the shown ones fix, by exact Gauss-Jordan elimination over the rationals."""
    rows, columns = len(table) - 1, len(table[0]) - 1
    places = [(r, c) for r in range(rows + 1) for c in range(columns + 1)]
    unknown = [p for p in places if table[p[0]][p[1]] is None]
    position = {p: n for n, p in enumerate(unknown)}
    equations: list[list[Fraction]] = []

    def add(members: list[tuple[int, int]], total: tuple[int, int]) -> None:
        line = [Fraction(0)] * (len(unknown) + 1)
        for place, sign in [*((m, 1) for m in members), (total, -1)]:
            value = table[place[0]][place[1]]
            if value is None:
                line[position[place]] += sign
            else:
                line[-1] -= sign * value
        equations.append(line)

    for r in range(rows):
        add([(r, c) for c in range(columns)], (r, columns))
    for c in range(columns):
        add([(r, c) for r in range(rows)], (rows, c))
    add([(r, columns) for r in range(rows)], (rows, columns))
    add([(rows, c) for c in range(columns)], (rows, columns))
    pivot_row = 0
    pivots: dict[int, int] = {}
    for column in range(len(unknown)):
        found = next(
            (i for i in range(pivot_row, len(equations)) if equations[i][column] != 0), None
        )
        if found is None:
            continue
        equations[pivot_row], equations[found] = equations[found], equations[pivot_row]
        lead = equations[pivot_row][column]
        equations[pivot_row] = [v / lead for v in equations[pivot_row]]
        for i in range(len(equations)):
            if i != pivot_row and equations[i][column] != 0:
                factor = equations[i][column]
                equations[i] = [
                    a - factor * b for a, b in zip(equations[i], equations[pivot_row], strict=True)
                ]
        pivots[column] = pivot_row
        pivot_row += 1
    fixed = set()
    for column, row in pivots.items():
        if all(v == 0 for i, v in enumerate(equations[row][:-1]) if i != column):
            fixed.add(unknown[column])
    return fixed


def _random_table(rng: random.Random) -> list[list[int]]:
    rows, columns = rng.randint(1, 7), rng.randint(1, 7)
    kinds = [0] * 4 + [1] * 3 + [2] * 3

    def count() -> int:
        kind = rng.choice(kinds)
        return 0 if kind == 0 else rng.randint(1, 5) if kind == 1 else rng.randint(6, 60)

    return [[count() for _ in range(columns)] for _ in range(rows)]


def test_no_suppressed_cell_of_500_random_tables_can_be_derived() -> None:
    rng = random.Random(20261202)
    hidden_cells = 0
    for number in range(500):
        counts = _random_table(rng)
        published = suppress(counts).published()
        rows, columns = len(counts), len(counts[0])
        truth = [
            [*row, sum(row)] for row in counts
        ] + [[sum(counts[r][c] for r in range(rows)) for c in range(columns)] + [sum(map(sum, counts))]]  # fmt: skip
        for r, line in enumerate(published):
            for c, value in enumerate(line):
                if value is None:
                    hidden_cells += 1
                    continue
                assert value == truth[r][c], f"table {number}: a shown value changed"
                assert not 1 <= value <= 5, f"table {number}: {value} shown at {(r, c)}"
        assert _fixed_cells(published) == set(), f"table {number}: {counts} -> {published}"
    assert hidden_cells > 1000  # the tables were small-cell heavy enough to test something


def test_the_independent_check_does_find_a_derivable_cell() -> None:
    # one hidden cell in a row is its total minus the rest: the checker must see that
    assert _fixed_cells([[None, 7, 10], [2, 8, 10], [5, 15, 20]]) == {(0, 0)}
    assert Cell(0, 0) in suppress([[3, 7], [2, 8]]).primary
