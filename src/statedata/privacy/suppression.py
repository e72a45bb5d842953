"""Small-cell suppression of a two-way count table, as Connecticut's SDE publishes counts.

Primary suppression hides every count from 1 to the threshold (5 unless the dataset says
otherwise); zeros are shown. Complementary suppression then hides more cells until no hidden
count can be worked out exactly from what is shown: the shown cells, the row and column totals
and the grand total. A hidden cell can be worked out exactly when it is fixed by the linear
equations the table satisfies (each row adds up to its total, each column to its, the totals to
the grand total) whatever values the other hidden cells take; that is, when the equations'
null space, restricted to the hidden cells, is zero in that cell's place. Each round hides, for
every such cell, the smallest shown positive count beside it (in its row or column; a total
when none is left), so totals are kept where possible.

Statistics (a rate, a mean) are suppressed when their numerator is at or under the threshold
or their denominator under 20.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

DEFAULT_THRESHOLD = 5
MIN_DENOMINATOR = 20
_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Cell:
    """A place in the table: an interior cell (row, column), a row total (row, None), a
    column total (None, column) or the grand total (None, None)."""

    row: int | None
    column: int | None


@dataclass
class SuppressedTable:
    counts: list[list[int]]
    row_totals: list[int]
    column_totals: list[int]
    total: int
    threshold: int
    primary: set[Cell] = field(default_factory=set)
    complementary: set[Cell] = field(default_factory=set)

    @property
    def hidden(self) -> set[Cell]:
        return self.primary | self.complementary

    def shown(self, cell: Cell) -> int | None:
        """The published value of a cell (None: suppressed)."""
        if cell in self.hidden:
            return None
        if cell.row is not None and cell.column is not None:
            return self.counts[cell.row][cell.column]
        if cell.row is not None:
            return self.row_totals[cell.row]
        if cell.column is not None:
            return self.column_totals[cell.column]
        return self.total

    def published(self) -> list[list[int | None]]:
        """The table as released: interior rows, each with its total last, then the column
        totals with the grand total last; None where a value is suppressed."""
        rows = len(self.counts)
        columns = len(self.column_totals)
        body = [
            [self.shown(Cell(r, c)) for c in range(columns)] + [self.shown(Cell(r, None))]
            for r in range(rows)
        ]
        return [
            *body,
            [self.shown(Cell(None, c)) for c in range(columns)] + [self.shown(Cell(None, None))],
        ]


def _cells(rows: int, columns: int) -> list[Cell]:
    interior = [Cell(r, c) for r in range(rows) for c in range(columns)]
    totals = [Cell(r, None) for r in range(rows)] + [Cell(None, c) for c in range(columns)]
    return [*interior, *totals, Cell(None, None)]


def _equations(rows: int, columns: int, index: dict[Cell, int]) -> np.ndarray:
    """One row per equation the table satisfies, over every cell (totals included)."""
    equations = []
    for r in range(rows):  # a row's cells minus its total
        line = np.zeros(len(index))
        for c in range(columns):
            line[index[Cell(r, c)]] = 1
        line[index[Cell(r, None)]] = -1
        equations.append(line)
    for c in range(columns):
        line = np.zeros(len(index))
        for r in range(rows):
            line[index[Cell(r, c)]] = 1
        line[index[Cell(None, c)]] = -1
        equations.append(line)
    for totals in ([Cell(r, None) for r in range(rows)], [Cell(None, c) for c in range(columns)]):
        line = np.zeros(len(index))
        for cell in totals:
            line[index[cell]] = 1
        line[index[Cell(None, None)]] = -1
        equations.append(line)
    return np.array(equations)


def derivable(rows: int, columns: int, hidden: set[Cell]) -> set[Cell]:
    """The hidden cells whose values the shown ones fix exactly."""
    if not hidden:
        return set()
    cells = _cells(rows, columns)
    index = {cell: n for n, cell in enumerate(cells)}
    unknown = [cell for cell in cells if cell in hidden]
    system = _equations(rows, columns, index)[:, [index[c] for c in unknown]]
    # x is free along the null space of the system; a cell the null space never moves is fixed
    _, singular, vt = np.linalg.svd(system)
    rank = int((singular > _TOLERANCE * max(system.shape)).sum())
    null_space = vt[rank:]
    if null_space.shape[0] == 0:
        return set(unknown)
    moves = np.abs(null_space).max(axis=0)
    return {cell for cell, moved in zip(unknown, moves, strict=True) if moved < 1e-7}


def suppress(counts: list[list[int]], *, threshold: int = DEFAULT_THRESHOLD) -> SuppressedTable:
    """The table with primary and complementary suppression applied (totals computed here).

    Args:
        counts: rows of non-negative counts, every row as long as the first.
        threshold: counts from 1 to this are suppressed (primary).
    """
    if threshold < 1:
        raise ValueError(f"threshold: {threshold} is below 1.")
    if not counts or not counts[0]:
        raise ValueError("counts: the table is empty.")
    columns = len(counts[0])
    for r, row in enumerate(counts):
        if len(row) != columns:
            raise ValueError(f"counts: row {r + 1} has {len(row)} cells, not {columns}.")
        for c, value in enumerate(row):
            if not isinstance(value, int) or value < 0:
                raise ValueError(f"counts: row {r + 1}, column {c + 1} is {value!r}, not a count.")
    rows = len(counts)
    table = SuppressedTable(
        counts=[list(row) for row in counts],
        row_totals=[sum(row) for row in counts],
        column_totals=[sum(counts[r][c] for r in range(rows)) for c in range(columns)],
        total=sum(map(sum, counts)),
        threshold=threshold,
    )
    for cell in _cells(rows, columns):
        shown = table.shown(cell)
        if shown is not None and 1 <= shown <= threshold:
            table.primary.add(cell)
    while exposed := derivable(rows, columns, table.hidden):
        for cell in sorted(exposed, key=lambda c: (c.row is None, c.row or 0, c.column or 0)):
            if cell in derivable(rows, columns, table.hidden):
                table.complementary.add(_complement(table, cell, rows, columns))
    return table


def _any_shown(table: SuppressedTable, rows: int, columns: int) -> Cell:
    shown = [(c, table.shown(c)) for c in _cells(rows, columns)]
    left = [(c, v) for c, v in shown if v is not None]
    if not left:  # cannot happen: with every cell hidden, nothing is fixed
        raise AssertionError("every cell is suppressed and one is still derivable")
    return min(left, key=lambda p: (p[1] == 0, p[1]))[0]


def _complement(table: SuppressedTable, cell: Cell, rows: int, columns: int) -> Cell:
    """The cell to hide beside an exposed one, in its row or column or among the totals."""
    if cell.row is not None and cell.column is not None:
        neighbours = [Cell(cell.row, c) for c in range(columns) if c != cell.column] + [
            Cell(r, cell.column) for r in range(rows) if r != cell.row
        ]
        totals = [Cell(cell.row, None), Cell(None, cell.column)]
    elif cell.row is not None:  # a row total: another row total, or a cell of its row
        neighbours = [Cell(cell.row, c) for c in range(columns)]
        totals = [Cell(r, None) for r in range(rows) if r != cell.row] + [Cell(None, None)]
    elif cell.column is not None:
        neighbours = [Cell(r, cell.column) for r in range(rows)]
        totals = [Cell(None, c) for c in range(columns) if c != cell.column] + [Cell(None, None)]
    else:  # the grand total: a row total or a column total
        neighbours = []
        totals = [Cell(r, None) for r in range(rows)] + [Cell(None, c) for c in range(columns)]
    hidden = table.hidden

    def shares_a_line(candidate: Cell) -> bool:
        # hiding a cell whose other line already hides one closes a rectangle of hidden
        # cells, which none of the lines can undo (the other line: not the one it shares
        # with the exposed cell)
        if candidate.row == cell.row and candidate.column is not None:
            return any(h.column == candidate.column for h in hidden if h != cell)
        if candidate.column == cell.column and candidate.row is not None:
            return any(h.row == candidate.row for h in hidden if h != cell)
        return any(
            (h.row == candidate.row and candidate.row is not None)
            or (h.column == candidate.column and candidate.column is not None)
            for h in hidden
            if h != cell
        )

    pool = [(n, table.shown(n)) for n in neighbours + totals]
    left = [(n, v) for n, v in pool if v is not None]
    if not left:  # everything near is hidden already: the smallest shown cell anywhere
        return _any_shown(table, rows, columns)
    # a count before a zero (zeros are shown), a cell before a total (totals are kept where
    # possible), one closing a rectangle before one that does not, then the smallest
    return min(left, key=lambda p: (p[1] == 0, p[0] in totals, not shares_a_line(p[0]), p[1]))[0]


def suppress_statistic(
    numerator: int, denominator: int, *, threshold: int = DEFAULT_THRESHOLD
) -> bool:
    """Whether a rate or mean built from these counts must be suppressed."""
    return numerator <= threshold or denominator < MIN_DENOMINATOR
