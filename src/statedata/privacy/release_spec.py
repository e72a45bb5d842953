"""What a steward asks to release: the kinds of table, the columns it is broken down by, and
the checks a request passes against the source's columns before anything is counted."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from statedata.core.errors import InvalidInput
from statedata.query.reading import Reading

Kind = Literal["suppressed_counts", "suppressed_rates", "dp_counts", "dp_sums", "dp_means"]
Bin = Literal["year", "quarter", "month", "county", "region"]
TOTAL = "Total"
MISSING = "(missing)"
# Complementary suppression solves the table's equations once per exposed cell; past a few
# thousand cells that is minutes, and a table that large is mostly suppressed anyway.
MAX_CELLS = 2_000
MAX_GROUPS = 2_000
DATE_BINS = ("year", "quarter", "month")
KIND_WORDS = {
    "suppressed_counts": "counts with small cells suppressed",
    "dp_counts": "differentially private counts",
    "dp_sums": "differentially private sums",
    "dp_means": "differentially private means",
    "suppressed_rates": "rates with small numerators and denominators suppressed",
}


class Dimension(BaseModel):
    """A column a table is broken down by, optionally binned (dates by year, quarter or
    month; towns by county or planning region)."""

    model_config = ConfigDict(extra="forbid")

    column: str = Field(min_length=1, max_length=200)
    bin: Bin | None = None

    @property
    def label(self) -> str:
        if self.bin in ("county", "region"):
            return "county" if self.bin == "county" else "planning_region"
        return f"{self.column}_{self.bin}" if self.bin else self.column


class ReleaseIn(BaseModel):
    """What a steward asks to release."""

    model_config = ConfigDict(extra="forbid")

    dataset: str = Field(min_length=1, max_length=200, description="The source dataset.")
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=5000)
    kind: Kind = "suppressed_counts"
    rows: Dimension
    columns: Dimension | None = None
    where: str = Field(default="", max_length=2000, description="A SoQL $where over the source.")
    value: str | None = Field(
        default=None,
        description="The column summed or averaged (private sums and means), or a column of "
        "counts to add up (suppressed counts from a table already counted; default: each row "
        "counts one).",
    )
    bounds: tuple[float, float] | None = Field(
        default=None, description="Each value is clamped to these (sums and means)."
    )
    epsilon: float | None = Field(default=None, description="What a private release spends.")
    numerator: str = Field(
        default="",
        max_length=2000,
        description="Rates: the SoQL condition a row meets to count in the numerator; the "
        "denominator is every row of the group.",
    )
    groups: list[str] | None = Field(
        default=None,
        max_length=MAX_GROUPS,
        description="The row groups a private release shows, named in advance (default: every "
        "county or region for those bins, else the groups found in the data, which are not "
        "themselves protected).",
    )


def check_spec(target: Reading, body: ReleaseIn) -> None:
    """Refuse, naming the part, what cannot be counted from the source as asked."""
    types = {c.name: c.type.upper() for c in target.columns}
    named = ", ".join(types)
    dimensions = [("rows", body.rows), ("columns", body.columns)]
    for part, dimension in dimensions:
        if dimension is None:
            continue
        if dimension.column not in types:
            raise InvalidInput(
                f"{part}: {dimension.column!r} is not a column of the dataset ({named})."
            )
        if dimension.column in target.masked:
            raise InvalidInput(f"{part}: {dimension.column!r} is masked to you.")
        if dimension.bin in DATE_BINS and not (
            types[dimension.column].startswith(("DATE", "TIMESTAMP", "VARCHAR"))
        ):
            raise InvalidInput(
                f"{part}: {dimension.column!r} is {types[dimension.column]}; only a date is "
                f"binned by {dimension.bin}."
            )
    if body.columns is not None and body.columns.label == body.rows.label:
        raise InvalidInput("columns: the same as rows; break the table down by another column.")
    if body.kind in ("dp_sums", "dp_means"):
        if body.value is None or body.value not in types:
            raise InvalidInput(f"value: name the column to {body.kind[3:-1]} ({named}).")
        if not types[body.value].startswith(("BIGINT", "INTEGER", "DOUBLE", "DECIMAL", "FLOAT")):
            raise InvalidInput(f"value: {body.value!r} is {types[body.value]}, not a number.")
        if body.bounds is None:
            raise InvalidInput("bounds: a private sum or mean clamps each value; give [low, high].")
    elif body.kind == "suppressed_counts" and body.value is not None:
        if body.value not in types:
            raise InvalidInput(f"value: {body.value!r} is not a column of the dataset ({named}).")
        if not types[body.value].startswith(("BIGINT", "INTEGER", "SMALLINT", "HUGEINT")):
            raise InvalidInput(f"value: {body.value!r} is {types[body.value]}, not a count.")
    elif body.value is not None:
        raise InvalidInput(f"value: a table of {KIND_WORDS[body.kind]} has no value column.")
    if body.bounds is not None and body.kind not in ("dp_sums", "dp_means"):
        raise InvalidInput(f"bounds: a table of {KIND_WORDS[body.kind]} clamps nothing.")
    if body.kind.startswith("dp_") and body.epsilon is None:
        raise InvalidInput("epsilon: a private release spends an epsilon; give one (say 0.5).")
    if body.kind.startswith("suppressed_") and (body.epsilon is not None or body.groups):
        raise InvalidInput("epsilon: suppressed tables spend no epsilon and name no groups.")
    if (body.kind == "suppressed_rates") != bool(body.numerator.strip()):
        raise InvalidInput(
            "numerator: a rate needs the condition of its numerator"
            if body.kind == "suppressed_rates"
            else f"numerator: a table of {KIND_WORDS[body.kind]} has no numerator."
        )
