"""Every route of the app, walked as the public, a state analyst, a researcher holding a grant and
another agency's steward: no masked personal value, no row of a dataset the walker may not read
and no person-index record of a source the walker may not read comes back from any of them (pages
included), and each answer that shows a non-public dataset's rows wrote exactly one audit event
for the read.

The routes come from the app's own route table, so a route added later is walked too; a route
with a path parameter the walk cannot fill fails the test until the walk learns it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from statedata.app import create_app
from statedata.core.audit import AuditEvent
from statedata.core.config import Settings
from statedata.core.db import make_engine, make_session_factory, unit_of_work, utcnow
from statedata.core.jobs import run_job
from statedata.identity.actor import Actor
from statedata.identity.grants import AccessGrant
from statedata.identity.models import User
from statedata.identity.tokens import create_token
from statedata.linkage.models import LinkageRun, PersonRecord, ScoredPair
from statedata.linkage.sources import configure_source, start_load
from tests.catalog.publishing import make_dataset
from tests.databases import BACKENDS, database_for_module
from tests.factories import instance_settings, make_user, sign_in

# The public dataset's personal values: each repeats, so a count of the commonest values, a
# profile's top values or a facet would show them if anything let them through.
SSNS = ["531-80-4471", "531-80-4472", "531-80-4473"]
NAMES = ["Philomena Quarrington", "Barnaby Featherstonehaugh", "Esmerelda Vantongeren"]
GRANTED_ROW = "GRANTED-CASE-NOTE"  # rows of the restricted dataset the researcher may read
GRANTED_NAME = "Octavia Restrictedperson"  # ... whose name column the grant leaves masked
HIDDEN_ROW = "UNGRANTED-CASE-NOTE"  # rows of a restricted dataset nobody here may read
# A restricted DSS dataset of clients, a source of the person index: no walker may read it, so
# no value of it (nor a record's id) may come back from the person routes either.
CLIENTS = [
    ("CLIENT-REC-1", "Zebediah", "Quillfeather", "1961-04-09", "987-65-4329", "14 Orchard Ln"),
    ("CLIENT-REC-2", "Zebediah", "Quilfeather", "1961-04-09", "987-65-4329", "14 Orchard Lane"),
    ("CLIENT-REC-3", "Ottoline", "Marchbanks", "1975-11-30", "987-65-4330", "2 Elm St"),
    ("CLIENT-REC-4", "Ottoline", "Marchbanks", "1975-11-03", "", "2 Elm Street"),
    ("CLIENT-REC-5", "Cosmo", "Wetherspoon", "1990-01-15", "987-65-4331", "9 Pine Rd"),
    ("CLIENT-REC-6", "Peregrine", "Hollowell", "1948-07-22", "987-65-4332", "77 Birch Ave"),
]
CLIENT_VALUES = [v for row in CLIENTS for v in row if v not in ("", "1961-04-09")]


def _more_clients() -> list[tuple[str, ...]]:
    """Enough other clients (some recorded twice, with a slip) for the index to learn from."""
    firsts = ["Ada", "Bo", "Cy", "Di", "Ed", "Flo", "Gus", "Hal", "Ivy", "Jo", "Kai", "Lu"]
    lasts = ["Arden", "Brook", "Crane", "Dale", "Ewing", "Frost", "Grove", "Hale", "Irons"]
    rows = []
    for n in range(108):
        first, last = firsts[n % 12], lasts[n // 12]
        born = f"19{50 + n % 40}-{1 + n % 12:02d}-{1 + n % 27:02d}"
        ssn = f"400-{10 + n:02d}-{1000 + n * 7}"
        rows.append((f"OTHER-{n}", first, last, born, ssn, f"{n} Main St"))
        if n % 3 == 0:
            rows.append((f"OTHER-{n}-B", first, last + "e", born, ssn, f"{n} Main Street"))
    return rows


FILLERS = {
    "number": "1",
    "upload_id": "1",
    "job_id": "1",
    "exchange_id": "1",
    "person_id": "1",
    "pair_id": "1",
    "release_id": "1",
    "request_id": "1",
    "agreement_id": "1",
    "obstacle_id": "1",
    "query_id": "1",
    "token_id": "1",
    "user_id": "1",
    "key": "ssn",
    "username": "walk.analyst",
}
KINDS = ("csv", "json", "geojson", "parquet", "xlsx")
# Probes of a dataset's personal columns through every kind of parameter that reads rows.
PROBES = (
    "",
    "?$select=ssn,full_name",
    "?$order=ssn",
    "?$q=Quarrington",
    "?$group=full_name&$select=full_name,count(*)",
    "?columns=ssn,full_name,town",
    "?fc=ssn&fo=eq&fv=531-80-4471&sort=full_name",
    "?chart_x=full_name&chart_agg=count&version=1",
)
CKAN_PROBES = (
    "?resource_id={ref}&id={ref}",
    "?resource_id={ref}&q=Quarrington&fields=ssn,full_name&sort=ssn",
)


@dataclass
class Instance:
    app: FastAPI
    settings: Settings
    factory: sessionmaker[Session]
    public: str
    granted: str
    hidden: str
    fillers: dict[str, str]


@pytest.fixture(scope="module", params=BACKENDS)
def walk_database(request: pytest.FixtureRequest) -> Iterator[str]:
    """One database of each backend for the whole walk (the walk only reads)."""
    with database_for_module(request, "read_paths") as url:
        yield url


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory, walk_database: str) -> Iterator[Instance]:
    folder = tmp_path_factory.mktemp("read-paths")
    settings = instance_settings(folder / "home", walk_database, rate_limit_anonymous=1_000_000)
    engine = make_engine(settings.resolved_database_url)
    factory = make_session_factory(engine)
    public_rows = [
        (n, SSNS[n % 3], NAMES[n % 3], "Hartford", n * 10, 41.76, -72.68) for n in range(1, 31)
    ]
    public = make_dataset(
        factory,
        settings,
        folder,
        agency="DPH",
        title="Clinic visits with patients",
        classification="public",
        header="record_id,ssn,full_name,town,amount,latitude,longitude",
        rows=public_rows,
        pii={"ssn": "ssn", "full_name": "name"},
    )
    granted = make_dataset(
        factory,
        settings,
        folder,
        agency="DSS",
        title="Casework extract",
        classification="restricted",
        header="case_id,note,client",
        rows=[(n, f"{GRANTED_ROW} {n}", GRANTED_NAME) for n in range(1, 11)],
        pii={"client": "name"},
    )
    hidden = make_dataset(
        factory,
        settings,
        folder,
        agency="DSS",
        title="Casework of another program",
        classification="restricted",
        header="case_id,note",
        rows=[(n, f"{HIDDEN_ROW} {n}") for n in range(1, 11)],
    )
    clients = make_dataset(
        factory,
        settings,
        folder,
        agency="DSS",
        title="Clients of a program",
        classification="restricted",
        header="client_id,first_name,last_name,birth_date,ssn,street",
        rows=CLIENTS + _more_clients(),
        pii={"first_name": "name", "last_name": "name", "ssn": "ssn", "street": "address"},
    )
    fillers = {**FILLERS, **_person_index(factory, settings, clients)}
    make_user(factory, "walk.analyst", "analyst", "DOL")
    make_user(factory, "walk.steward", "steward", "DOL")
    researcher = make_user(factory, "walk.researcher", "researcher")
    with unit_of_work(factory) as session:
        session.add(
            AccessGrant(
                user_id=researcher.id,
                resource_type="dataset",
                resource_id=granted,
                columns=[],
                expires_at=utcnow() + timedelta(days=30),
            )
        )
    yield Instance(create_app(settings), settings, factory, public, granted, hidden, fillers)
    engine.dispose()


def _person_index(factory: sessionmaker[Session], settings: Settings, ref: str) -> dict[str, str]:
    """The clients loaded into the person index as the operator would, and the walk's person
    and pair: a person of two records, and a pair of them put in the review queue."""
    system = Actor.system("test")
    with unit_of_work(factory) as session:
        configure_source(
            session, actor=system, ref=ref, id_column="client_id",
            mapping={"first_name": "first_name", "last_name": "last_name",
                     "date_of_birth": "birth_date", "ssn": "ssn", "address": "street"},
        )  # fmt: skip
        job = start_load(session, actor=system, refs=[ref])
    finished = run_job(job.id, settings=settings, session_factory=factory)
    assert finished.status == "succeeded", finished.error
    with unit_of_work(factory) as session:
        first, second = session.scalars(
            select(PersonRecord).where(PersonRecord.record_id.in_(["CLIENT-REC-3", "CLIENT-REC-4"]))
        ).all()
        a, b = min(first.id, second.id), max(first.id, second.id)
        pair = session.scalar(
            select(ScoredPair).where(ScoredPair.record_a == a, ScoredPair.record_b == b)
        )
        if pair is None:
            pair = ScoredPair(record_a=a, record_b=b, weight=2.0, levels={},
                              run_id=session.scalar(select(func.max(LinkageRun.id))))  # fmt: skip
            session.add(pair)
        pair.probability = 0.8  # in the review band
        session.flush()
        return {"person_id": str(first.person_id), "pair_id": str(pair.id)}


def _routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every route the app answers, however its routers were included."""
    found: list[tuple[str, str]] = []
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        entries = contexts() if contexts is not None else [route]
        for entry in entries:
            for method in getattr(entry, "methods", None) or ():
                if method != "HEAD":
                    found.append((method, entry.path))
    return sorted(set(found))


def _urls(path: str, refs: list[str], fillers: dict[str, str] = FILLERS) -> Iterator[str]:
    """The route's path with each parameter filled in every way the walk knows."""
    names = re.findall(r"{([^}:]+)(?::[^}]*)?}", path)
    known = {"ref", "kind", "name", "code", "agency"} | FILLERS.keys()
    unknown = [n for n in names if n not in known and not n.endswith("_id")]
    assert not unknown, f"{path}: the walk does not know how to fill {unknown}; teach it"
    filled = [path]
    for name in names:
        choices: list[str]
        if name == "ref":
            choices = refs
        elif name == "kind":
            choices = list(KINDS)
        elif name == "name":
            choices = ["datastore_search", "package_show", "package_search", "organization_show"]
        elif name in ("code", "agency"):
            choices = ["DPH", "DSS"]
        else:
            choices = [fillers.get(name, "1")]
        pattern = re.compile(r"{" + name + r"(?::[^}]*)?}")
        filled = [pattern.sub(choice, url, count=1) for url in filled for choice in choices]
    yield from filled


def _probes(path: str, url: str, refs: list[str]) -> Iterator[str]:
    """The URL as it is, and with every probe of the personal columns where rows may be read
    (the restricted datasets' rows are found without probing)."""
    public = refs[0]
    if "/action/" in path:
        for ref in refs:
            for probe in CKAN_PROBES:
                yield url + probe.format(ref=ref)
    elif "{ref}" in path and public in url:
        for probe in PROBES:
            yield url + probe
    else:
        yield url


def _audit_count(factory: sessionmaker[Session], resource_id: str) -> int:
    with unit_of_work(factory) as session:
        return int(
            session.scalar(
                select(func.count(AuditEvent.id)).where(
                    AuditEvent.action == "dataset.read",
                    AuditEvent.outcome == "allowed",
                    AuditEvent.resource_id == resource_id,
                )
            )
            or 0
        )


def _body(response: Any) -> str:
    return response.content.decode("utf-8", errors="replace")


@dataclass
class Walker:
    name: str
    client: TestClient
    csrf: str
    may_read_granted: bool


def _walkers(instance: Instance) -> Iterator[Walker]:
    anonymous = TestClient(instance.app, raise_server_exceptions=False)
    yield Walker("anonymous", anonymous, "", may_read_granted=False)
    for username, may in (
        ("walk.analyst", False),
        ("walk.researcher", True),
        ("walk.steward", False),
    ):
        client = TestClient(instance.app, raise_server_exceptions=False)
        csrf = sign_in(client, username)
        yield Walker(username, client, csrf, may_read_granted=may)


def _check(walker: Walker, instance: Instance, method: str, url: str, response: Any) -> None:
    body = _body(response)
    where = f"{walker.name} {method} {url} ({response.status_code})"
    assert response.status_code < 500, f"{where}: {body[:300]}"
    for value in (*SSNS, *NAMES, GRANTED_NAME, HIDDEN_ROW, *CLIENT_VALUES):
        assert value not in body, f"{where} shows {value!r}"
    if not walker.may_read_granted:
        assert GRANTED_ROW not in body, f"{where} shows a restricted row"


def test_no_route_shows_a_masked_value_or_a_row_its_reader_may_not_read(
    instance: Instance,
) -> None:
    refs = [instance.public, instance.granted, instance.hidden]
    routes = _routes(instance.app)
    walked = 0
    audited = _audit_count(instance.factory, instance.granted)
    for walker in _walkers(instance):
        with walker.client:
            for method, path in routes:
                if method != "GET" or path in ("/logout", "/login/oidc", "/auth/oidc/callback"):
                    continue
                for url in _urls(path, refs, instance.fillers):
                    for probe in _probes(path, url, refs):
                        response = walker.client.get(probe, follow_redirects=True)
                        _check(walker, instance, method, probe, response)
                        before, audited = audited, _audit_count(instance.factory, instance.granted)
                        read = audited - before
                        assert read <= 1, f"{walker.name} GET {probe} audited {read} reads"
                        if GRANTED_ROW in _body(response):
                            assert read == 1, f"{walker.name} GET {probe} read rows unaudited"
                        walked += 1
    assert walked > 1000  # the walk reached the routes it claims to


def test_no_post_route_shows_a_masked_value_or_a_row_its_reader_may_not_read(
    instance: Instance,
) -> None:
    """POST routes with the bodies that read rows (CKAN, the SQL workspace), and every other
    POST route with an empty body: refusals and errors must not carry data either."""
    refs = [instance.public, instance.granted, instance.hidden]
    reads: list[tuple[str, dict[str, Any]]] = []
    for ref in refs:
        for prefix in ("/api/3/action", "/api/action"):
            reads.append(
                (
                    f"{prefix}/datastore_search",
                    {"resource_id": ref, "q": "Quarrington", "fields": "ssn,full_name,note,client"},
                )
            )
            reads.append((f"{prefix}/datastore_search", {"resource_id": ref, "sort": "ssn"}))
    for walker in _walkers(instance):
        with walker.client:
            headers = {"X-CSRF-Token": walker.csrf} if walker.csrf else {}
            tables = walker.client.get("/api/v1/sql/tables", headers=headers)
            for table in tables.json().get("tables", []) if tables.status_code == 200 else []:
                reads.append(("/api/v1/sql", {"sql": f"SELECT * FROM {table['name']}"}))
            reads.append(
                ("/api/v1/sql", {"sql": "SELECT ssn, full_name FROM clinic_visits_with_patients"})
            )
            reads.append(  # the person index found by what the walker knows of a client
                ("/api/v1/persons/match", {"attributes": {"first_name": "Zebediah",
                 "last_name": "Quillfeather", "date_of_birth": "1961-04-09"}})
            )  # fmt: skip
            for url, body in reads:
                before = _audit_count(instance.factory, instance.granted)
                response = walker.client.post(url, json=body, headers=headers)
                _check(walker, instance, "POST", url, response)
                read = _audit_count(instance.factory, instance.granted) - before
                assert read <= 1, f"{walker.name} POST {url} {body} audited {read} reads"
                if GRANTED_ROW in _body(response):
                    assert read == 1, f"{walker.name} POST {url} read rows unaudited"
            for method, path in _routes(instance.app):
                if method != "POST" or path in ("/logout", "/login"):
                    continue
                for url in _urls(path, refs, instance.fillers):
                    response = walker.client.post(url, json={}, headers=headers)
                    _check(walker, instance, method, url, response)


def test_the_researcher_reads_the_granted_rows_with_the_unnamed_column_masked(
    instance: Instance,
) -> None:
    """The walk's other side: what the grant allows does come back, and is audited."""
    with TestClient(instance.app, raise_server_exceptions=False) as client:
        sign_in(client, "walk.researcher")
        before = _audit_count(instance.factory, instance.granted)
        rows = client.get(f"/api/v1/datasets/{instance.granted}/rows")
        assert rows.status_code == 200
        assert rows.json()["masked"] == ["client"]
        assert {r["client"] for r in rows.json()["rows"]} == {None}
        assert all(r["note"].startswith(GRANTED_ROW) for r in rows.json()["rows"])
        assert _audit_count(instance.factory, instance.granted) == before + 1
        found = client.get("/api/v1/datasets", params={"q": "casework"}).json()
        assert [d["id"] for d in found["results"]] == [instance.granted]


def test_the_walk_reaches_every_kind_of_read(instance: Instance) -> None:
    """A keeper of the public dataset sees its personal values on the paths the walk probes, so
    the walk's silence means masking, not a path that returns nothing."""
    make_user(instance.factory, "walk.keeper", "steward", "DPH")
    with TestClient(instance.app, raise_server_exceptions=False) as client:
        sign_in(client, "walk.keeper")
        ref = instance.public
        for url in (
            f"/api/v1/datasets/{ref}/rows",
            f"/api/v1/datasets/{ref}/rows.csv",
            f"/api/v1/datasets/{ref}/data.csv",
            f"/api/v1/datasets/{ref}/versions/1/rows",
            f"/api/v1/datasets/{ref}/facets?columns=ssn",
            f"/api/v1/datasets/{ref}/profile",
            f"/resource/{ref}.json",
            f"/datasets/{ref}",
        ):
            response = client.get(url, follow_redirects=True)
            assert response.status_code == 200, url
            assert SSNS[0] in _body(response), url


def test_a_grant_that_names_a_personal_column_shows_it_to_its_holder(instance: Instance) -> None:
    holder = make_user(instance.factory, "walk.named", "researcher")
    with unit_of_work(instance.factory) as session:
        session.add(
            AccessGrant(
                user_id=holder.id,
                resource_type="dataset",
                resource_id=instance.granted,
                columns=["client"],
                expires_at=utcnow() + timedelta(days=30),
            )
        )
    with TestClient(instance.app, raise_server_exceptions=False) as client:
        sign_in(client, "walk.named")
        rows = client.get(f"/api/v1/datasets/{instance.granted}/rows").json()
        assert rows["masked"] == []
        assert {r["client"] for r in rows["rows"]} == {GRANTED_NAME}


def test_a_grantee_finds_the_granted_dataset_in_every_search_and_count(instance: Instance) -> None:
    """Search, its facets, CKAN's package_search and Socrata's catalog count the granted
    dataset for its holder, and only that one of the restricted ones."""
    with unit_of_work(instance.factory) as session:
        holder = session.scalar(select(User).where(User.username == "walk.researcher"))
        _, secret = create_token(
            session,
            actor=Actor.system("test"),
            name="walk",
            scopes=["read"],
            expires_in_days=30,
            max_days=365,
            for_user=holder,
        )
    bearer = {"Authorization": f"Bearer {secret}"}
    with TestClient(instance.app, raise_server_exceptions=False) as client:
        found = client.get(
            "/api/v1/datasets", params={"classification": "restricted"}, headers=bearer
        ).json()
        assert [d["id"] for d in found["results"]] == [instance.granted]
        assert {f["value"]: f["count"] for f in found["facets"]["classification"]} == {
            "restricted": 1
        }
        ckan = client.get(
            "/api/3/action/package_search",
            params={"q": "casework", "facet.field": '["organization"]'},
            headers={"Authorization": secret},
        ).json()["result"]
        assert ckan["count"] == 1 and ckan["facets"]["organization"] == {"dss": 1}
        socrata = client.get("/api/catalog/v1", params={"q": "casework"}, headers=bearer).json()
        assert socrata["resultSetSize"] == 1
        assert [r["resource"]["id"] for r in socrata["results"]] == [instance.granted]
        anonymous = client.get("/api/catalog/v1", params={"q": "casework"}).json()
        assert anonymous["resultSetSize"] == 0


def test_another_agencys_steward_learns_only_where_a_person_has_records(
    instance: Instance,
) -> None:
    """The walk's persons routes answer the steward (not a refusal the walk would pass), and
    the CDO's office reads the records the steward may not."""
    person = instance.fillers["person_id"]
    make_user(instance.factory, "walk.cdo", "admin")
    with TestClient(instance.app, raise_server_exceptions=False) as client:
        sign_in(client, "walk.steward")
        shown = client.get(f"/api/v1/persons/{person}")
        assert shown.status_code == 200
        assert shown.json()["records"] == []
        assert shown.json()["elsewhere"][0]["records"] == 2
        assert (
            client.get(f"/api/v1/persons/review/{instance.fillers['pair_id']}").status_code == 404
        )
        sign_in(client, "walk.cdo")
        records = client.get(f"/api/v1/persons/{person}").json()["records"]
        assert {r["record_id"] for r in records} == {"CLIENT-REC-3", "CLIENT-REC-4"}
