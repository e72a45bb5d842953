"""The demo catalog: every synthetic file published with metadata, versions, drafts and a retirement,
and what a CKAN client and a harvester see of it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import ckanapi
import duckdb
import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from statedata.app import create_app
from statedata.catalog.freshness.states import statewide_freshness, statewide_total
from statedata.catalog.inventory.access_plan import agency_plan
from statedata.catalog.models import Dataset, DatasetVersion
from statedata.catalog.sources.pulls import enqueue_due_pulls
from statedata.core.config import Settings
from statedata.core.db import make_engine, make_session_factory, utcnow
from statedata.core.jobs import run_job
from statedata.core.outbox import OutboxMessage
from statedata.demo.catalog import publish_demo_catalog
from statedata.demo.catalog_entries import ENTRIES
from statedata.demo.generator import generate_demo
from statedata.demo.persons import PERSON_SOURCES, build_demo_person_index
from statedata.demo.plan import build_demo_plan
from statedata.demo.sharing import FIRST_QUARTER, OVERDOSE_RELEASE, build_demo_sharing
from statedata.identity.actor import Actor
from statedata.linkage import service
from statedata.linkage.models import LinkageSource, Person, PersonRecord
from statedata.plan.measures import STATEWIDE, compute_all
from statedata.plan.models import PlanObjective
from statedata.privacy.models import Release
from statedata.privacy.release_spec import TOTAL
from statedata.sharing.models import DataRequest, Obstacle
from statedata.storage.lake import open_table_store
from tests.catalog.test_exports import dcat_validator
from tests.databases import BACKENDS, database_for_module
from tests.factories import instance_settings
from tests.servers import serve_app

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=BACKENDS)
def demo_database(request: pytest.FixtureRequest) -> Iterator[str]:
    with database_for_module(request, "demo_catalog") as url:
        yield url


@pytest.fixture(scope="module")
def session_factory(demo_database: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(demo_database)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def demo(
    tmp_path_factory: pytest.TempPathFactory,
    demo_database: str,
    session_factory: sessionmaker[Session],
) -> Settings:
    """The demo catalog, built once for the module on each backend: the tests that follow read
    it in the order written, and the last three (pulls, the person index and sharing, the plan)
    add to it only what the earlier ones do not count."""
    settings = instance_settings(tmp_path_factory.mktemp("demo") / "home", demo_database)
    generate_demo(settings.demo_dir, persons=2000, seed=7)
    assert publish_demo_catalog(settings, session_factory) == len(ENTRIES)
    return settings


def test_the_demo_publishes_every_entry_once_with_versions_and_dictionaries(
    demo: Settings, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session:
        statuses = dict(
            session.execute(select(Dataset.status, func.count()).group_by(Dataset.status)).all()
        )
        loaded = session.scalars(select(Dataset).where(Dataset.status == "published")).all()
        versions = dict(
            session.execute(
                select(DatasetVersion.dataset_id, func.count()).group_by(DatasetVersion.dataset_id)
            ).all()
        )

    assert statuses == {"published": 11, "in_review": 1, "draft": 1, "retired": 1}
    counted = {e.title for e in ENTRIES if e.group_by}  # aggregates of person data: one version
    assert all(versions[d.id] >= 2 for d in loaded if d.title not in counted)
    assert all(d.dictionary and all(f.get("description") for f in d.dictionary) for d in loaded)
    ssn_fields = [f for d in loaded for f in d.dictionary if f["name"] == "ssn"]
    assert ssn_fields and all(f["piiCategory"] == "ssn" for f in ssn_fields)
    assert publish_demo_catalog(demo, session_factory) == 0  # a second run adds nothing


@pytest.fixture
def ckan(demo: Settings) -> Iterator[ckanapi.RemoteCKAN]:
    with serve_app(create_app(demo)) as url:
        yield ckanapi.RemoteCKAN(url, user_agent="statedata-tests")


def test_ckanapi_searches_shows_and_pages_through_the_demo_catalog(
    ckan: ckanapi.RemoteCKAN,
) -> None:
    names: list[str] = []
    start = 0
    while True:
        page = ckan.action.package_search(rows=2, start=start, sort="title_string asc")
        names += [p["name"] for p in page["results"]]
        start += 2
        if start >= page["count"]:
            break

    # Public and released only: four open aggregates and the retired one still in its notice.
    assert len(names) == page["count"] == 5
    assert sorted(names) == sorted(ckan.action.package_list())
    for name in names:
        package = ckan.action.package_show(id=name)
        assert package["private"] is False and package["organization"]["name"]
    crashes = ckan.action.package_search(q="crashes", fq="organization:dot")
    assert {p["title"] for p in crashes["results"]} == {
        "Motor vehicle crashes by town and month",
        "ARCHIVE: Motor vehicle crashes by town (first years)",
    }
    with pytest.raises(ckanapi.NotFound):
        ckan.action.package_show(id="program-enrollments")  # restricted: not even its name


def test_the_demo_data_json_validates_and_holds_no_person_level_data(demo: Settings) -> None:
    with TestClient(create_app(demo)) as client:
        document = client.get("/data.json").json()

    assert not list(dcat_validator().iter_errors(document))
    assert len(document["dataset"]) == 5
    assert not any("certificate" in d["title"].lower() for d in document["dataset"])


def test_the_demo_pulls_on_schedule_has_an_access_plan_and_shows_every_freshness_state(
    demo: Settings, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session:
        pulled = session.scalars(select(Dataset).where(Dataset.source_kind != "")).one()
        ref, before, due = pulled.public_id, pulled.current_version, pulled.next_pull_at
    assert due is not None
    finished = []

    def run(job_id: int) -> None:
        finished.append(run_job(job_id, settings=demo, session_factory=session_factory))

    assert len(enqueue_due_pulls(demo, session_factory, run, now=due)) == 1
    assert finished[0].status == "succeeded", finished[0].error
    with session_factory() as session:
        dataset = session.scalars(select(Dataset).where(Dataset.public_id == ref)).one()
        assert dataset.current_version == before + 1 and dataset.last_pulled_at is not None
        plan = agency_plan(
            session, actor=Actor.system("test"), agency_code="SDE", today=date(2026, 11, 24)
        )
    assert [item.status.value for item in plan.items if item.planned] == ["overdue"]
    # Aged entries put a public dataset in each state; their reminders wait in the outbox.
    with session_factory() as session:
        agencies = statewide_freshness(session, actor=Actor.anonymous(), today=utcnow().date())
        counts = statewide_total(agencies).counts
        messages = session.scalars(select(OutboxMessage)).all()
    assert all(counts[state] >= 1 for state in ("current", "due", "overdue", "delinquent"))
    kinds = {m.kind for m in messages}
    assert kinds == {"freshness.due", "freshness.overdue", "freshness.delinquent"}
    assert all(m.status == "held" for m in messages)


def test_the_demo_links_six_agencies_person_records_once_and_shares_through_them(
    demo: Settings, session_factory: sessionmaker[Session]
) -> None:
    records = build_demo_person_index(demo, session_factory)
    assert build_demo_person_index(demo, session_factory) == 0  # a second run adds nothing
    with session_factory() as session:
        sources = session.scalars(select(LinkageSource)).all()
        persons = session.scalar(select(func.count()).select_from(Person))
        in_index = session.scalar(select(func.count()).select_from(PersonRecord))
        overview = service.overview(session, actor=Actor.system("test"), settings=demo)
    assert len(sources) == len(PERSON_SOURCES)
    assert all(s.loaded_version for s in sources)
    assert records == in_index and persons is not None and 0 < persons < in_index
    assert overview["review"]["waiting"] > 0  # stewards have pairs to look at

    # sharing (issue 7): built on the person index, once
    made = build_demo_sharing(demo, session_factory)
    assert build_demo_sharing(demo, session_factory) == {}
    with session_factory() as session:
        states = {
            r.status: r for r in session.scalars(select(DataRequest).order_by(DataRequest.id))
        }
        assert set(states) == {"steward_review", "legal_review", "approved", "denied",
                               "fulfilled", "destroyed"}  # fmt: skip
        assert len(states) == len(made["requests"])
        p20 = states["fulfilled"]
        assert p20.extracts is not None and len(p20.extracts) == 2
        students, wages = (_extract_persons(demo, ref) for ref in p20.extracts)
        # education records joined to wage records: the same pseudonymous people in both
        assert students and wages and len(students & wages) > 0.1 * len(students)
        assert session.scalars(select(Obstacle)).all()
    _check_the_overdose_release(demo, session_factory)
    _check_the_enrollments_release_by_hand(session_factory)


# DSS enrollments by county and program in the demo (2,000 persons, seed 7), as released, worked
# by hand from the exact counts:
#               HUSKY A  HUSKY C  HUSKY D  SNAP  SAGA  TFA | total
# Fairfield        21       14       19     21    14    21 |  110
# Hartford         14       15       15     15    19    19 |   97
# Litchfield        7        7        7      3     7     8 |   39
# Middlesex         6        5        2      3     4     4 |   24
# New Haven        18        8       13     17    16    13 |   85
# New London        7        4        5      9     2     5 |   32
# Tolland           2        4        3      5     2     3 |   19
# Windham           2        1        3      5     7     2 |   20
# total            77       58       67     78    71    75 |  426
# Every count from 1 to 5 is hidden (21 cells); every total is over 5 and shown. Litchfield's
# row then hides one cell (SNAP, 3), which its total would give back (39 less the rest), so one
# more is hidden beside it: its smallest, HUSKY A (7). Every other row and column hides two or
# more cells, or none. Zeros: none in this table.
ENROLLMENTS_BY_HAND = [
    [21, 14, 19, 21, 14, 21, 110],
    [14, 15, 15, 15, 19, 19, 97],
    [None, 7, 7, None, 7, 8, 39],
    [6, None, None, None, None, None, 24],
    [18, 8, 13, 17, 16, 13, 85],
    [7, None, None, 9, None, None, 32],
    [None, None, None, None, None, None, 19],
    [None, None, None, None, 7, None, 20],
    [77, 58, 67, 78, 71, 75, 426],
]


def _check_the_enrollments_release_by_hand(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        release = session.scalars(
            select(Release).where(Release.title == "Program enrollments by county and program")
        ).one()
        assert release.report is not None
        rows = release.report["rows"]
    published = [[r["count"] for r in rows[n : n + 7]] for n in range(0, len(rows), 7)]
    assert published == ENROLLMENTS_BY_HAND
    complementary = [
        (r["county"], r["program"]) for r in rows if r["suppressed"] == "complementary"
    ]
    assert complementary == [("Litchfield", "HUSKY A")]


def _extract_persons(settings: Settings, ref: str) -> set[str]:
    table = open_table_store(settings).dataset(ref, None).to_table(columns=["person"])
    return {p for p in table.column("person").to_pylist() if p}


def _check_the_overdose_release(settings: Settings, factory: sessionmaker[Session]) -> None:
    """The public overdose table against the exact counts, cell by cell, by the SDE rule."""
    with factory() as session:
        release = session.scalars(select(Release).where(Release.title == OVERDOSE_RELEASE)).one()
        assert release.report is not None
        published = release.report["rows"]
    exact = duckdb.sql(
        "SELECT town, year_quarter, sum(deaths) FROM read_parquet(?) "
        "WHERE year_quarter >= ? GROUP BY ALL",
        params=[str(settings.demo_dir / "dph_overdose_deaths_by_town_quarter.parquet"),
                FIRST_QUARTER],
    ).fetchall()  # fmt: skip
    truth: dict[tuple[str, str], int] = {(t, q): int(n) for t, q, n in exact}
    towns = sorted({t for t, _ in truth})
    quarters = sorted({q for _, q in truth})
    for t in towns:
        truth[(t, TOTAL)] = sum(truth[(t, q)] for q in quarters)
    for q in [*quarters, TOTAL]:
        truth[(TOTAL, q)] = sum(truth[(t, q)] for t in towns)
    assert len(published) == len(truth) == (len(towns) + 1) * (len(quarters) + 1)
    hidden = 0
    for row in published:
        value, count = truth[(row["town"], row["year_quarter"])], row["count"]
        if 1 <= value <= 5:
            assert count is None and row["suppressed"] == "primary", row
        if count is None:
            hidden += 1
        else:
            assert count == value and row["suppressed"] == "", row  # zeros are shown
    assert hidden > 100
    # no hidden cell is fixed by the shown ones: the unit vector of each hidden cell is not a
    # combination of the table's equations restricted to the hidden cells (least squares
    # leaves a residual), worked apart from the module's own null-space test
    places = [(r["town"], r["year_quarter"]) for r in published]
    unknown = [p for p, r in zip(places, published, strict=True) if r["count"] is None]
    position = {p: n for n, p in enumerate(unknown)}
    lines = [[(t, q) for q in [*quarters, TOTAL]] for t in [*towns, TOTAL]]
    lines += [[(t, q) for t in [*towns, TOTAL]] for q in [*quarters, TOTAL]]
    system = np.zeros((len(lines), len(unknown)))
    for n, line in enumerate(lines):
        for place in line:
            if place in position:  # the total (last) enters with the opposite sign
                system[n, position[place]] = -1.0 if place == line[-1] else 1.0
    units = np.eye(len(unknown))
    solution = np.linalg.lstsq(system.T, units, rcond=None)[0]
    residual = np.abs(system.T @ solution - units).max(axis=0)
    fixed = [unknown[i] for i in np.flatnonzero(residual < 1e-6)]
    assert not fixed, fixed


def test_the_demos_plan_measures_its_baselines_from_the_demo(
    demo: Settings, session_factory: sessionmaker[Session]
) -> None:
    today = utcnow().date()
    assert build_demo_plan(session_factory, today=today) >= 12
    with session_factory() as session:
        measured = compute_all(session, today)
        objectives = session.scalars(select(PlanObjective)).all()
    with_baseline = [o for o in objectives if o.baseline_value is not None]
    assert len(with_baseline) >= 8
    for objective in with_baseline:
        assert objective.baseline_value == measured[objective.measure][STATEWIDE]
    by_measure = {o.measure: o.baseline_value for o in objectives}
    # the catalog's entries but the retired one (and what sharing published, where it ran)
    assert (by_measure["datasets_inventoried"] or 0) >= len(ENTRIES) - 1
    assert (by_measure["metadata_completeness"] or 0) > 50  # the demo's entries are described
