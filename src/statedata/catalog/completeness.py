"""How complete a dataset's metadata is against the standard, and what is missing.

Each check is one thing the open data metadata standard (and DCAT-US) asks a steward to fill in;
the score is the share of checks met, so a steward sees both the number and the list to fix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from statedata.catalog.models import Dataset


@dataclass(frozen=True)
class Completeness:
    score: float  # 0.0 .. 1.0
    met: list[str]
    missing: list[str]

    @property
    def percent(self) -> int:
        return round(self.score * 100)

    def as_dict(self) -> dict[str, object]:
        return {"score": round(self.score, 3), "percent": self.percent, "missing": self.missing}


def _every_column_described(dataset: Dataset) -> bool:
    return bool(dataset.dictionary) and all(f.get("description") for f in dataset.dictionary)


CHECKS: tuple[tuple[str, Callable[[Dataset], bool]], ...] = (
    ("a title", lambda d: bool(d.title)),
    ("a description of at least 50 characters", lambda d: len(d.description) >= 50),
    ("a category", lambda d: bool(d.category)),
    ("what a row is (row label)", lambda d: bool(d.row_label)),
    ("tags", lambda d: bool(d.tags)),
    ("an update frequency", lambda d: bool(d.update_frequency)),
    ("a geographic unit", lambda d: bool(d.geographic_unit)),
    ("the time period covered", lambda d: bool(d.temporal_coverage)),
    ("a license", lambda d: bool(d.license)),
    ("a contact name", lambda d: bool(d.contact_name)),
    ("a contact email", lambda d: bool(d.contact_email)),
    ("the source system", lambda d: bool(d.source_system)),
    ("the legal authority", lambda d: bool(d.legal_authority)),
    ("a steward", lambda d: d.steward_user_id is not None),
    (
        "the high-value criteria it meets",
        lambda d: not d.is_high_value or bool(d.high_value_criteria),
    ),
    ("a description of every column", _every_column_described),
)


def completeness_of(dataset: Dataset) -> Completeness:
    """The dataset's score and the names of what is missing, in the standard's order."""
    met = [label for label, check in CHECKS if check(dataset)]
    missing = [label for label, check in CHECKS if not check(dataset)]
    return Completeness(score=len(met) / len(CHECKS), met=met, missing=missing)
