"""A column profile's chart, laid out for a small server-drawn SVG: a histogram for numbers and
dates, horizontal bars for top values.

Drawn on the server for the same reason as the trend (:mod:`statedata.quality.trend`): a few
bars, shown to readers without JavaScript, with the numbers also given as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

WIDTH = 260
HISTOGRAM_HEIGHT = 72
TOP_ROW = 18
LABEL_WIDTH = 96


@dataclass(frozen=True)
class Bar:
    label: str  # what the bar counts, for its tooltip
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class ColumnChart:
    kind: str  # histogram or top
    bars: list[Bar]
    width: int
    height: int
    summary: str  # the chart in one sentence, for its title


def _short(value: Any, length: int = 14) -> str:
    text = "(empty)" if value is None else str(value)
    if len(text) > 10 and text[4:5] == "-" and "T" in text:  # a timestamp: its date
        text = text[:10]
    return text if len(text) <= length else text[: length - 1] + "…"


def _histogram(profile: dict[str, Any]) -> ColumnChart:
    bins = profile["histogram"]
    tallest = max((b["count"] for b in bins), default=0) or 1
    step = WIDTH / len(bins)
    bars = []
    for position, b in enumerate(bins):
        height = round((HISTOGRAM_HEIGHT - 2) * b["count"] / tallest, 1)
        bars.append(
            Bar(
                label=f"{_short(b['from'])} to {_short(b['to'])}",
                count=b["count"],
                x=round(position * step + 1, 1),
                y=round(HISTOGRAM_HEIGHT - height, 1),
                width=round(max(step - 2, 1), 1),
                height=height,
            )
        )
    peak = max(bins, key=lambda b: b["count"])
    summary = (
        f"Histogram of {profile['name']} in {len(bins)} bins from {_short(bins[0]['from'])} "
        f"to {_short(bins[-1]['to'])}; the most rows ({peak['count']:,}) are from "
        f"{_short(peak['from'])} to {_short(peak['to'])}."
    )
    return ColumnChart("histogram", bars, WIDTH, HISTOGRAM_HEIGHT, summary)


def _top(profile: dict[str, Any]) -> ColumnChart:
    top = profile["top"]
    most = top[0]["count"] or 1
    room = WIDTH - LABEL_WIDTH
    bars = [
        Bar(
            label=_short(t["value"]),
            count=t["count"],
            x=LABEL_WIDTH,
            y=position * TOP_ROW + 2,
            width=round(max(room * t["count"] / most, 1), 1),
            height=TOP_ROW - 4,
        )
        for position, t in enumerate(top)
    ]
    listed = ", ".join(f"{_short(t['value'])} ({t['count']:,})" for t in top)
    summary = f"Most frequent values of {profile['name']}: {listed}."
    return ColumnChart("top", bars, WIDTH, TOP_ROW * len(top), summary)


def column_chart(profile: dict[str, Any]) -> ColumnChart | None:
    """The chart for one column's profile (None when there is nothing to draw)."""
    if profile.get("histogram"):
        return _histogram(profile)
    if profile.get("top"):
        return _top(profile)
    return None
