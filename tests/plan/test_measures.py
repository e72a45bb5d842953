"""Every computed measure of the plan against a computation of its own, written here from the raw
tables, on SQLite and PostgreSQL: a small state of three agencies whose every number is known."""

from __future__ import annotations

import json
import statistics
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from statedata.catalog.models import Dataset, DatasetVersion
from statedata.core.db import unit_of_work, utcnow
from statedata.identity.models import Agency, User
from statedata.linkage.models import LinkageSource, Person, PersonRecord
from statedata.plan.measures import MEASURES, STATEWIDE, compute_all
from statedata.quality.models import VersionReport
from statedata.query.models import DatasetUsage
from statedata.sharing.models import DataRequest, Obstacle, RequestItem, RequestStep

AGENCIES = ("DSS", "DOT", "DPH")
FULL = {
    "description": "x" * 60, "category": "Transportation", "row_label": "a crash", "tags": ["t"],
    "update_frequency": "Monthly", "geographic_unit": "Town", "temporal_coverage": "2020/2024",
    "license": "https://creativecommons.org/publicdomain/zero/1.0/", "contact_name": "A",
    "contact_email": "a@ct.gov", "source_system": "S", "legal_authority": "CGS 1-1",
    "dictionary": [{"name": "id", "type": "integer", "description": "the id"}],
}  # fmt: skip


def _dataset(session: Session, ids: dict[str, int], n: int, code: str, **fields: Any) -> Dataset:
    dataset = Dataset(public_id=f"msr{n}-0000", slug=f"measured-{n}", agency_id=ids[code],
                      title=f"Measured {n}", **fields)  # fmt: skip
    session.add(dataset)
    session.flush()
    return dataset


def _version(
    session: Session, dataset: Dataset, number: int, score: float | None, blocked: bool = False
) -> None:
    version = DatasetVersion(dataset_id=dataset.id, number=number, store_version=number - 1,
                             mode="replace", rows=10, bytes=100)  # fmt: skip
    session.add(version)
    session.flush()
    session.add(VersionReport(version_id=version.id, dataset_id=dataset.id, rows=10, score=score,
                              blocked=blocked))  # fmt: skip


@pytest.fixture
def state(session_factory: sessionmaker[Session]) -> date:
    now = utcnow()
    with unit_of_work(session_factory) as session:
        ids = dict(session.execute(select(Agency.code, Agency.id)).all())
        current = _dataset(
            session,
            ids,
            1,
            "DSS",
            status="published",
            classification="public",
            is_high_value=True,
            high_value_criteria=["public_safety"],
            data_modified_at=now - timedelta(days=3),
            current_version=1,
            **FULL,
        )
        late = _dataset(
            session,
            ids,
            2,
            "DSS",
            status="published",
            classification="restricted",
            update_frequency="Monthly",
            data_modified_at=now - timedelta(days=400),
            current_version=2,
        )
        _dataset(session, ids, 3, "DSS", status="draft")
        historical = _dataset(
            session,
            ids,
            4,
            "DOT",
            status="published",
            classification="public",
            is_high_value=True,
            update_frequency="Not updated (historical only)",
        )
        _dataset(session, ids, 5, "DOT", status="retired", classification="public")
        _dataset(session, ids, 6, "DPH", status="in_review")
        _version(session, current, 1, 90.0)
        _version(session, late, 1, 10.0)  # an old version's score does not count
        _version(session, late, 2, 70.0)
        _version(session, historical, 1, None)  # no rules, no score
        _version(session, current, 2, 40.0, blocked=True)  # held back: not the current version
        # planned dates: DSS's public dataset came out before its date, DOT's after
        current.published_at, current.planned_publication_date = (
            now - timedelta(days=10),
            (now - timedelta(days=5)).date(),
        )
        historical.published_at, historical.planned_publication_date = (
            now - timedelta(days=10),
            (now - timedelta(days=30)).date(),
        )
        for dataset, day, kind, count in (
            (current, 1, "page_view", 5), (current, 2, "page_view", 5), (current, 2, "api", 7),
            (late, 1, "download", 100), (historical, 1, "download", 3),
        ):  # fmt: skip
            session.add(DatasetUsage(dataset_id=dataset.id, usage_date=date(2026, 11, day),
                                     kind=kind, count=count))  # fmt: skip
        start = datetime(2026, 10, 1, 9, 0, tzinfo=now.tzinfo)
        for n, (items, fulfilled_days) in enumerate(
            (([current, historical], 10.0), ([late], 4.5), ([historical], None)), start=1
        ):
            request = DataRequest(title=f"R{n}", purpose="p" * 30, requester_user_id=_user(session),
                                  requester_name="r", submitted_at=start)  # fmt: skip
            session.add(request)
            session.flush()
            for dataset in items:
                session.add(RequestItem(request_id=request.id, dataset_id=dataset.id, columns=[]))
            if fulfilled_days is not None:
                session.add(RequestStep(request_id=request.id, step="fulfilled", actor_name="s",
                                        at=start + timedelta(days=fulfilled_days)))  # fmt: skip
        for status, agencies in (("identified", ["DSS", "DPH"]), ("resolved", ["DSS"]),
                                 ("withdrawn", ["DOT"]), ("under_review", ["DPH"])):  # fmt: skip
            session.add(Obstacle(title=status, authority="CGS", agencies=agencies,
                                 description="d", status=status))  # fmt: skip
        session.add_all([Person(id="P1"), Person(id="P2")])
        session.flush()
        for name, dataset in (("dss_clients", late), ("dot_drivers", historical)):
            session.add(LinkageSource(dataset_id=dataset.id, name=name, id_column="id",
                                      mapping={}))  # fmt: skip
        for source, record, person in (
            ("dss_clients", "1", "P1"),
            ("dss_clients", "2", "P2"),
            ("dss_clients", "3", None),
            ("dot_drivers", "1", "P1"),
        ):
            session.add(PersonRecord(source=source, record_id=record, person_id=person,
                                     fingerprint="f", raw={}))  # fmt: skip
    return now.date()


def _user(session: Session) -> int:
    found = session.scalar(select(User.id).where(User.username == "requester"))
    if found is not None:
        return found
    user = User(username="requester", password_hash="x", role="researcher")
    session.add(user)
    session.flush()
    return user.id


def _every_column_described(dictionary: str) -> int:
    fields = json.loads(dictionary or "[]")
    return int(bool(fields) and all(f.get("description") for f in fields))


def _by_agency(session: Session, sql: str) -> dict[str, float]:
    """``sql`` selects (agency code, value) rows; agencies absent are 0."""
    rows = dict(session.execute(text(sql)).all())
    return {code: float(rows.get(code, 0) or 0) for code in AGENCIES}


AGENCY_OF = "JOIN identity_agency a ON a.id = d.agency_id"


def _expected(session: Session) -> dict[str, dict[str, float | None]]:
    inventoried = _by_agency(session, f"SELECT a.code, COUNT(*) FROM catalog_dataset d {AGENCY_OF} "
                             "WHERE d.status <> 'retired' GROUP BY a.code")  # fmt: skip
    high_value = _by_agency(
        session,
        f"SELECT a.code, COUNT(*) FROM catalog_dataset d {AGENCY_OF} "
        "WHERE d.status = 'published' AND d.is_high_value GROUP BY a.code",
    )
    use = _by_agency(
        session,
        f"SELECT a.code, SUM(u.count) FROM catalog_dataset d {AGENCY_OF} "
        "JOIN query_dataset_usage u ON u.dataset_id = d.id "
        "WHERE d.classification = 'public' GROUP BY a.code",
    )
    scores = session.execute(text(
        f"SELECT a.code, r.score FROM catalog_dataset d {AGENCY_OF} "
        "JOIN quality_version_report r ON r.dataset_id = d.id "
        "JOIN catalog_dataset_version v ON v.id = r.version_id "
        "WHERE d.status = 'published' AND v.number = d.current_version AND r.score IS NOT NULL"
    )).all()  # fmt: skip
    linked = _by_agency(
        session,
        f"SELECT a.code, COUNT(*) FROM linkage_record p "
        "JOIN linkage_source s ON s.name = p.source "
        f"JOIN catalog_dataset d ON d.id = s.dataset_id {AGENCY_OF} "
        "WHERE p.person_id IS NOT NULL GROUP BY a.code",
    )
    persons = _by_agency(
        session,
        f"SELECT a.code, COUNT(DISTINCT p.person_id) FROM linkage_record p "
        "JOIN linkage_source s ON s.name = p.source "
        f"JOIN catalog_dataset d ON d.id = s.dataset_id {AGENCY_OF} GROUP BY a.code",
    )
    received = _by_agency(
        session,
        f"SELECT a.code, COUNT(DISTINCT i.request_id) FROM sharing_request_item i "
        f"JOIN catalog_dataset d ON d.id = i.dataset_id {AGENCY_OF} GROUP BY a.code",
    )

    checks = " + ".join(
        f"CASE WHEN {condition} THEN 1 ELSE 0 END"
        for condition in (
            "d.title <> ''", "LENGTH(d.description) >= 50", "d.category <> ''",
            "d.row_label <> ''", "CAST(d.tags AS TEXT) <> '[]'", "d.update_frequency <> ''",
            "d.geographic_unit <> ''", "d.temporal_coverage <> ''", "d.license <> ''",
            "d.contact_name <> ''", "d.contact_email <> ''", "d.source_system <> ''",
            "d.legal_authority <> ''", "d.steward_user_id IS NOT NULL",
            "(NOT d.is_high_value OR CAST(d.high_value_criteria AS TEXT) <> '[]')",
        )
    )  # fmt: skip
    entries = session.execute(text(
        f"SELECT a.code, {checks}, CAST(d.dictionary AS TEXT) FROM catalog_dataset d {AGENCY_OF} "
        "WHERE d.status <> 'retired'"
    )).all()  # fmt: skip
    completeness = [
        (code, 100 * (met + _every_column_described(dictionary)) / 16)
        for code, met, dictionary in entries
    ]

    def mean_of(samples: list[tuple[str, float]], code: str | None) -> float | None:
        found = [v for c, v in samples if code is None or c == code]
        return round(statistics.fmean(found), 2) if found else None

    gates = session.execute(text(
        f"SELECT a.code, AVG(CASE WHEN r.blocked THEN 0.0 ELSE 100.0 END), COUNT(*) "
        f"FROM catalog_dataset d {AGENCY_OF} JOIN quality_version_report r ON r.dataset_id = d.id "
        "GROUP BY a.code"
    )).all()  # fmt: skip
    passing_all = session.scalar(text(
        "SELECT AVG(CASE WHEN blocked THEN 0.0 ELSE 100.0 END) FROM quality_version_report"
    ))  # fmt: skip
    passing = {c: round(float(v), 2) for c, v, _ in gates}
    dated = session.execute(text(
        f"SELECT a.code, d.published_at, d.planned_publication_date FROM catalog_dataset d "
        f"{AGENCY_OF} WHERE d.classification = 'public' AND d.status = 'published' "
        "AND d.planned_publication_date IS NOT NULL AND d.published_at IS NOT NULL"
    )).all()  # fmt: skip
    on_time = [
        (code, 100.0 if str(published)[:10] <= str(planned)[:10] else 0.0)
        for code, published, planned in dated
    ]

    def mean(code: str | None) -> float | None:
        found = [s for c, s in scores if code is None or c == code]
        return round(statistics.fmean(found), 2) if found else None

    def total(values: dict[str, float]) -> dict[str, float | None]:
        return {**values, STATEWIDE: sum(values.values())}

    return {
        "datasets_inventoried": total(inventoried),
        "versions_passing_gates": {
            **{c: passing.get(c) for c in AGENCIES},
            STATEWIDE: round(float(passing_all), 2) if passing_all is not None else None,
        },
        "access_plan_on_time": {
            **{c: mean_of(on_time, c) for c in AGENCIES},
            STATEWIDE: mean_of(on_time, None),
        },
        "metadata_completeness": {
            **{c: mean_of(completeness, c) for c in AGENCIES},
            STATEWIDE: mean_of(completeness, None),
        },
        "high_value_published": total(high_value),
        "open_data_use": total(use),
        "quality_score": {**{c: mean(c) for c in AGENCIES}, STATEWIDE: mean(None)},
        "person_records_linked": total(linked),
        "persons_in_index": {
            **persons,
            STATEWIDE: float(
                session.scalar(text("SELECT COUNT(DISTINCT person_id) FROM linkage_record")) or 0
            ),
        },
        "requests_received": {
            **received,
            STATEWIDE: float(session.scalar(text("SELECT COUNT(*) FROM sharing_request")) or 0),
        },
    }


def pick(values: dict[str, float | None]) -> dict[str, float | None]:
    """The values of the three agencies the state has, and statewide (others have none)."""
    return {code: values[code] for code in [*AGENCIES, STATEWIDE]}


def test_each_computed_measure_equals_its_own_computation_from_the_raw_tables(
    state: date, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session:
        values = compute_all(session, state)
        expected = _expected(session)

    for key, wanted in expected.items():
        assert pick(values[key]) == wanted, key
    # worked by hand from the state above
    assert values["datasets_inventoried"][STATEWIDE] == 5  # the retired one is not
    assert values["open_data_use"]["DSS"] == 17  # the restricted dataset's downloads are not
    assert values["quality_score"]["DSS"] == 80.0  # 90 and 70: the old version's 10 is not
    assert values["versions_passing_gates"]["DSS"] == 75.0  # one of DSS's four reports held
    assert pick(values["access_plan_on_time"]) == {"DSS": 100.0, "DOT": 0.0, "DPH": None,
                                                   STATEWIDE: 50.0}  # fmt: skip
    assert pick(values["datasets_on_schedule"]) == {**dict.fromkeys(AGENCIES, None), "DSS": 50.0,
                                              STATEWIDE: 50.0}  # fmt: skip
    # days from submission to the fulfilled step: DSS 10 and 4.5, DOT 10; statewide 10 and 4.5
    assert values["days_to_fulfil"]["DSS"] == 7.25 and values["days_to_fulfil"]["DOT"] == 10.0
    assert values["days_to_fulfil"]["DPH"] is None and values["days_to_fulfil"][STATEWIDE] == 7.25
    assert pick(values["obstacles_open"]) == {"DSS": 1, "DOT": 0, "DPH": 2, STATEWIDE: 2}
    assert pick(values["obstacles_resolved"]) == {"DSS": 1, "DOT": 0, "DPH": 0, STATEWIDE: 1}
    # DSS: all but a steward (15 of 16), a title with a frequency (3), a bare draft (2)
    assert values["metadata_completeness"]["DSS"] == round(100 * 20 / 48, 2)


def test_every_measure_has_words_a_unit_and_a_direction() -> None:
    for measure in MEASURES.values():
        assert (
            measure.label and measure.description and measure.unit in ("count", "percent", "days")
        )
    assert not MEASURES["staff_trained"].computed  # people report what no table holds
    assert sum(m.computed for m in MEASURES.values()) >= 8
