"""The quality trend across versions, laid out for a small server-drawn SVG chart.

Drawn on the server, not by a charting script: the trend is a handful of points, and the page
must show it to readers without JavaScript. The same numbers are in a table beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT = 480, 160
LEFT, RIGHT, TOP, BOTTOM = 36, 12, 10, 24


@dataclass(frozen=True)
class TrendPoint:
    """One version on the trend: blocked versions are shown, apart from the line."""

    number: int
    status: str
    rows: int
    score: float | None
    created_at: str


@dataclass(frozen=True)
class TrendMark:
    number: int
    status: str
    score: float
    x: float
    y: float


@dataclass(frozen=True)
class TrendLayout:
    width: int
    height: int
    marks: list[TrendMark]
    path: str  # the line through the published versions' scores
    ticks: list[tuple[int, float]]  # score, y
    bottom: float

    @property
    def summary(self) -> str:
        if not self.marks:
            return "No version has been checked yet."
        first, last = self.marks[0], self.marks[-1]
        return (
            f"Quality score by version: {first.score:g} at version {first.number}, "
            f"{last.score:g} at version {last.number}."
        )


def trend_layout(points: list[TrendPoint]) -> TrendLayout:
    """Where each checked version's score goes; versions without a score are left out."""
    scored = [p for p in points if p.score is not None]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    marks = []
    for position, point in enumerate(scored):
        assert point.score is not None
        x = LEFT + (plot_w * position / (len(scored) - 1) if len(scored) > 1 else plot_w / 2)
        y = TOP + plot_h * (1 - point.score / 100)
        marks.append(TrendMark(point.number, point.status, point.score, round(x, 1), round(y, 1)))
    published = [m for m in marks if m.status != "blocked"]
    path = " ".join(f"{'M' if i == 0 else 'L'}{m.x},{m.y}" for i, m in enumerate(published))
    ticks = [(score, round(TOP + plot_h * (1 - score / 100), 1)) for score in (0, 50, 100)]
    return TrendLayout(WIDTH, HEIGHT, marks, path, ticks, TOP + plot_h)
