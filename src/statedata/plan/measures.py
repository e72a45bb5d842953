"""The plan's measures, registered as data: each has a key, words, a unit and the direction that
is better, and either a way to compute it from what the platform holds (by agency and statewide
at once) or none, when people report it.

A computed measure reads the catalog, the quality reports, the person index and the sharing
records as they are now; :mod:`statedata.plan.snapshots` keeps its values day by day, so each has
a history. Values are aggregates (counts, shares, means, medians): no measure names a dataset,
so the public progress page may show every one.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from statedata.catalog.completeness import completeness_of
from statedata.catalog.freshness.states import statewide_freshness, statewide_total
from statedata.catalog.inventory.access_plan import AccessPlan, statewide_plans
from statedata.catalog.models import Dataset, DatasetVersion
from statedata.catalog.vocabulary import DatasetStatus
from statedata.core.errors import NotFound
from statedata.identity.actor import Actor
from statedata.identity.models import Agency
from statedata.identity.policy import Classification
from statedata.linkage.models import LinkageSource, PersonRecord
from statedata.quality.models import VersionReport
from statedata.query.models import DatasetUsage
from statedata.sharing.models import DataRequest, Obstacle, RequestItem, RequestStep
from statedata.sharing.obstacles import OPEN

STATEWIDE = ""  # the agency key of a statewide value
SYSTEM = Actor.system("plan")  # measures count every dataset; each value is an aggregate
# agency code ("" statewide) -> value (None: nothing to measure, e.g. a mean over no datasets)
Values = dict[str, float | None]
Compute = Callable[[Session, date], Values]


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    unit: Literal["count", "percent", "days"]
    better: Literal["higher", "lower"]
    description: str
    compute: Compute | None = None  # None: reported by the agencies

    @property
    def computed(self) -> bool:
        return self.compute is not None

    def as_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "label": self.label,
            "unit": self.unit,
            "better": self.better,
            "description": self.description,
            "source": "computed" if self.computed else "reported",
        }


MEASURES: dict[str, Measure] = {}


def measure(
    key: str,
    label: str,
    unit: Literal["count", "percent", "days"],
    better: Literal["higher", "lower"],
    description: str,
) -> Callable[[Compute], Compute]:
    """Register the decorated function as the computation of a measure."""

    def register(compute: Compute) -> Compute:
        MEASURES[key] = Measure(key, label, unit, better, description, compute)
        return compute

    return register


def reported(key: str, label: str, unit: Literal["count", "percent", "days"], text: str) -> None:
    MEASURES[key] = Measure(key, label, unit, "higher", text)


def get_measure(key: str) -> Measure:
    found = MEASURES.get(key)
    if found is None:
        raise NotFound(f"measure: no measure is called {key!r}; see /api/v1/measures.")
    return found


def _agency_codes(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Agency.id, Agency.code)).all())


def _counted(session: Session, by_agency: Iterable[tuple[int, int]]) -> Values:
    """Counts by agency id, as values by code with every agency (0 when none) and the total."""
    codes = _agency_codes(session)
    values: Values = dict.fromkeys(codes.values(), 0.0)
    for agency_id, count in by_agency:
        if agency_id in codes:
            values[codes[agency_id]] = float(count)
    values[STATEWIDE] = float(sum(v or 0 for v in values.values()))
    return values


def _averaged(
    session: Session, samples: Iterable[tuple[int, float]], *, median: bool = False
) -> Values:
    """The mean (or median) of each agency's samples, and of all of them statewide; None where
    there is none."""
    codes = _agency_codes(session)
    grouped: dict[str, list[float]] = defaultdict(list)
    for agency_id, value in samples:
        if agency_id in codes:
            grouped[codes[agency_id]].append(value)
            grouped[STATEWIDE].append(value)
    average = statistics.median if median else statistics.fmean
    return {
        code: round(average(grouped[code]), 2) if grouped[code] else None
        for code in [*codes.values(), STATEWIDE]
    }


def _as_percent(
    session: Session, shares: dict[str, float | None], statewide: float | None
) -> Values:
    """Shares (0..1) by agency code as percents, with every agency (None where it has none)."""
    values: Values = dict.fromkeys(_agency_codes(session).values())
    for code, share in [*shares.items(), (STATEWIDE, statewide)]:
        values[code] = round(100 * share, 2) if share is not None else None
    return values


def _kept(session: Session) -> list[Dataset]:
    """The catalog's entries that count as inventoried: every dataset not retired."""
    return list(session.scalars(select(Dataset).where(Dataset.status != DatasetStatus.RETIRED)))


@measure("datasets_inventoried", "Datasets inventoried", "count", "higher",
         "Catalog entries, public or not, that are not retired.")  # fmt: skip
def datasets_inventoried(session: Session, today: date) -> Values:
    rows = session.execute(
        select(Dataset.agency_id, func.count())
        .where(Dataset.status != DatasetStatus.RETIRED)
        .group_by(Dataset.agency_id)
    )
    return _counted(session, rows)


@measure("metadata_completeness", "Metadata completeness", "percent", "higher",
         "The mean share of the open data metadata standard's fields filled in, over the "
         "inventoried datasets.")  # fmt: skip
def metadata_completeness(session: Session, today: date) -> Values:
    return _averaged(
        session, ((d.agency_id, 100 * completeness_of(d).score) for d in _kept(session))
    )


@measure("high_value_published", "High-value datasets published", "count", "higher",
         "Published datasets that meet a high-value criterion.")  # fmt: skip
def high_value_published(session: Session, today: date) -> Values:
    rows = session.execute(
        select(Dataset.agency_id, func.count())
        .where(Dataset.status == DatasetStatus.PUBLISHED, Dataset.is_high_value.is_(True))
        .group_by(Dataset.agency_id)
    )
    return _counted(session, rows)


@measure("datasets_on_schedule", "Datasets on schedule", "percent", "higher",
         "Of the published datasets with an update frequency, the share updated on time "
         "(current or due, not overdue or delinquent).")  # fmt: skip
def datasets_on_schedule(session: Session, today: date) -> Values:
    agencies = statewide_freshness(session, actor=SYSTEM, today=today)
    rates = {a.code: a.on_schedule_rate for a in agencies}
    return _as_percent(session, rates, statewide_total(agencies).on_schedule_rate)


@measure("quality_score", "Mean quality score", "percent", "higher",
         "The mean quality score (0 to 100) of the published versions of published datasets "
         "that have quality rules.")  # fmt: skip
def quality_score(session: Session, today: date) -> Values:
    rows = session.execute(
        select(Dataset.agency_id, VersionReport.score)
        .join(VersionReport, VersionReport.dataset_id == Dataset.id)
        .join(DatasetVersion, DatasetVersion.id == VersionReport.version_id)
        .where(
            Dataset.status == DatasetStatus.PUBLISHED,
            DatasetVersion.number == Dataset.current_version,
            VersionReport.score.is_not(None),
        )
    )
    return _averaged(session, ((a, float(s)) for a, s in rows if s is not None))


@measure("versions_passing_gates", "Versions passing their quality gate", "percent", "higher",
         "Of the versions checked against their dataset's quality rules, the share not held "
         "back by an error rule.")  # fmt: skip
def versions_passing_gates(session: Session, today: date) -> Values:
    rows = session.execute(
        select(Dataset.agency_id, VersionReport.blocked).join(
            VersionReport, VersionReport.dataset_id == Dataset.id
        )
    )
    return _averaged(session, ((a, 0.0 if blocked else 100.0) for a, blocked in rows))


@measure("access_plan_on_time", "Access plan items published on time", "percent", "higher",
         "Of the inventory items made public that had a planned publication date, the share "
         "made public by it.")  # fmt: skip
def access_plan_on_time(session: Session, today: date) -> Values:
    plans = statewide_plans(session, actor=SYSTEM, today=today)
    every_item = AccessPlan([item for _, plan in plans for item in plan.items])
    rates = {agency.code: plan.on_time_rate for agency, plan in plans}
    return _as_percent(session, rates, every_item.on_time_rate)


@measure("open_data_use", "Open data use", "count", "higher",
         "Page views, downloads and API calls of public datasets, all time.")  # fmt: skip
def open_data_use(session: Session, today: date) -> Values:
    rows = session.execute(
        select(Dataset.agency_id, func.sum(DatasetUsage.count))
        .join(DatasetUsage, DatasetUsage.dataset_id == Dataset.id)
        .where(Dataset.classification == Classification.PUBLIC.value)
        .group_by(Dataset.agency_id)
    )
    return _counted(session, ((a, int(n or 0)) for a, n in rows))


def _request_agencies(session: Session) -> dict[int, set[int]]:
    """Each request's id -> the agencies whose datasets it asks for."""
    found: dict[int, set[int]] = defaultdict(set)
    rows = session.execute(
        select(RequestItem.request_id, Dataset.agency_id).join(
            Dataset, Dataset.id == RequestItem.dataset_id
        )
    )
    for request_id, agency_id in rows:
        found[request_id].add(agency_id)
    return found


@measure("requests_received", "Data requests received", "count", "higher",
         "Requests for data, by the agencies whose datasets they ask for.")  # fmt: skip
def requests_received(session: Session, today: date) -> Values:
    by_request = _request_agencies(session)
    counts: dict[int, int] = defaultdict(int)
    for agencies in by_request.values():
        for agency_id in agencies:
            counts[agency_id] += 1
    values = _counted(session, counts.items())
    values[STATEWIDE] = float(session.scalar(select(func.count()).select_from(DataRequest)) or 0)
    return values


@measure("days_to_fulfil", "Median days to fulfil a request", "days", "lower",
         "From a request's submission to its extracts, over the fulfilled requests.")  # fmt: skip
def days_to_fulfil(session: Session, today: date) -> Values:
    by_request = _request_agencies(session)
    rows = session.execute(
        select(DataRequest.id, DataRequest.submitted_at, func.min(RequestStep.at))
        .join(RequestStep, RequestStep.request_id == DataRequest.id)
        .where(RequestStep.step == "fulfilled")
        .group_by(DataRequest.id, DataRequest.submitted_at)
    ).all()
    samples = []
    for request_id, submitted, fulfilled in rows:
        days = (fulfilled - submitted).total_seconds() / 86400
        samples += [(agency_id, days) for agency_id in by_request.get(request_id, ())]
    values = _averaged(session, samples, median=True)
    statewide = [(f - s).total_seconds() / 86400 for _, s, f in rows]
    values[STATEWIDE] = round(statistics.median(statewide), 2) if statewide else None
    return values


def _obstacles(session: Session, statuses: Iterable[str]) -> Values:
    codes = _agency_codes(session)
    found = session.scalars(select(Obstacle).where(Obstacle.status.in_(list(statuses)))).all()
    values: Values = {
        code: float(sum(code in o.agencies for o in found)) for code in codes.values()
    }
    values[STATEWIDE] = float(len(found))
    return values


@measure("obstacles_open", "Legal obstacles open", "count", "lower",
         "Obstacles to sharing identified and not yet resolved or withdrawn.")  # fmt: skip
def obstacles_open(session: Session, today: date) -> Values:
    return _obstacles(session, OPEN)


@measure("obstacles_resolved", "Legal obstacles resolved", "count", "higher",
         "Obstacles to sharing resolved.")  # fmt: skip
def obstacles_resolved(session: Session, today: date) -> Values:
    return _obstacles(session, ("resolved",))


@measure("person_records_linked", "Person records linked", "count", "higher",
         "Records of the agencies' person sources held in the person index, each with its "
         "person.")  # fmt: skip
def person_records_linked(session: Session, today: date) -> Values:
    rows = session.execute(
        select(Dataset.agency_id, func.count(PersonRecord.id))
        .join(LinkageSource, LinkageSource.dataset_id == Dataset.id)
        .join(PersonRecord, PersonRecord.source == LinkageSource.name)
        .where(PersonRecord.person_id.is_not(None))
        .group_by(Dataset.agency_id)
    )
    return _counted(session, rows)


@measure("persons_in_index", "Persons in the index", "count", "higher",
         "Distinct persons the index holds records of (by agency: persons with a record of the "
         "agency's).")  # fmt: skip
def persons_in_index(session: Session, today: date) -> Values:
    rows = session.execute(
        select(Dataset.agency_id, func.count(distinct(PersonRecord.person_id)))
        .join(LinkageSource, LinkageSource.dataset_id == Dataset.id)
        .join(PersonRecord, PersonRecord.source == LinkageSource.name)
        .group_by(Dataset.agency_id)
    )
    values = _counted(session, rows)
    statewide = select(func.count(distinct(PersonRecord.person_id)))
    values[STATEWIDE] = float(session.scalar(statewide) or 0)
    return values


reported("staff_trained", "Staff trained", "count",
         "Staff who completed data stewardship or analysis training in the period (reported by "
         "each agency's data officer).")  # fmt: skip


def compute_all(session: Session, today: date) -> dict[str, Values]:
    """Every computed measure's values now, by key."""
    return {m.key: m.compute(session, today) for m in MEASURES.values() if m.compute is not None}
