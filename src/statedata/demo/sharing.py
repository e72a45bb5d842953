"""The demo's sharing pathways, made through the services the people of each role use:
agreements (one active, one draft that still lacks what its regime asks), data requests in
every state of the workflow (one fulfilled as a P20 WIN-style extract of students joined to
their wage records), aggregate releases (overdose deaths by region and year with small cells
suppressed, enrollments by county and program, a differentially private count), and the legal
obstacles tracker with its review history.

The demo is a story told on one day, so the clocks of a few steps are set back afterwards:
a request that has waited twelve days, obstacles reviewed over the past year.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from statedata.catalog.lifecycle import approve, submit_for_review
from statedata.catalog.models import Dataset
from statedata.core.config import Settings
from statedata.core.db import unit_of_work, utcnow
from statedata.core.errors import StatedataError
from statedata.core.instance import get_fact, set_fact
from statedata.core.jobs import ProgressListener, run_job
from statedata.demo.accounts import create_demo_accounts
from statedata.demo.sources import CAUSES
from statedata.identity.actor import Actor
from statedata.identity.models import User
from statedata.identity.users import actor_for
from statedata.privacy import release_spec, releases
from statedata.sharing import agreements, extracts, obstacles, requests
from statedata.sharing.models import DataRequest, ObstacleEvent

DEMO_SHARING = "demo_sharing"
TITLES = {
    "students": "Student enrollment records",
    "wages": "Quarterly wage records",
    "enrollments": "Program enrollments",
    "deaths": "Death certificates",
    "licenses": "Driver licenses",
    "overdoses": "Drug overdose deaths by town and quarter (exact counts)",
}
OVERDOSE_RELEASE = "Drug overdose deaths by town and quarter"
FIRST_QUARTER = "2024Q1"


def _people(session: Session) -> dict[str, Actor]:
    users = session.scalars(select(User))
    return {u.username: actor_for(u, via="demo", client_ip=None) for u in users}


def _refs(session: Session) -> dict[str, str]:
    found = dict(
        session.execute(
            select(Dataset.title, Dataset.public_id).where(Dataset.title.in_(TITLES.values()))
        ).all()
    )
    return {key: found[title] for key, title in TITLES.items()}


def _p20_agreement(refs: dict[str, str], today: date) -> dict[str, Any]:
    return {
        "title": "P20 WIN: education to workforce outcomes",
        "parties": [
            {
                "name": "State Department of Education",
                "kind": "agency",
                "role": "provider",
                "signatory": "E. Commissioner",
                "title": "Commissioner of Education",
                "signed_on": (today - timedelta(days=40)).isoformat(),
            },
            {
                "name": "Department of Labor",
                "kind": "agency",
                "role": "provider",
                "signatory": "L. Commissioner",
                "title": "Commissioner of Labor",
                "signed_on": (today - timedelta(days=38)).isoformat(),
            },
            {
                "name": "University of Connecticut",
                "kind": "organization",
                "role": "recipient",
                "signatory": "R. Provost",
                "title": "Provost",
                "signed_on": (today - timedelta(days=35)).isoformat(),
            },
        ],
        "sources": [
            {
                "dataset": refs["students"],
                "regime": "FERPA",
                "authority": "34 CFR 99.31(a)(6), studies for the state's education agencies",
                "columns": ["record_id", "grade", "district_town", "school_year"],
            },
            {
                "dataset": refs["wages"],
                "regime": "20 CFR 603",
                "authority": "20 CFR 603.5(e); Conn. Gen. Stat. 31-254",
                "columns": ["record_id", "year_quarter", "wages"],
            },
        ],
        "purpose": "Measure how the earnings of students who left school compare by district "
        "and grade completed, to guide workforce programs.",
        "permitted_uses": [
            "Statistical research on earnings after school",
            "Tables for publication with small cells suppressed",
        ],
        "prohibited_uses": [
            "Re-identification of any person",
            "Contact with any person",
            "Linking to any data the agreement does not name",
        ],
        "linkage_method": "person index",
        "identifier_holder": "The CDO's office (the person index); the researcher sees "
        "pseudonyms only",
        "security_requirements": [
            "Encrypted at rest and in transit",
            "Read only in the portal's restricted workspace",
            "Access reviewed every quarter",
        ],
        "authorized_users": ["uconn.researcher"],
        "redisclosure": "No re-disclosure. Published tables suppress counts of 1 to 10.",
        "publication_threshold": 11,
        "retention": "Until the study ends, and no longer than the agreement's term.",
        "destruction_method": "Rows deleted and files removed by the portal; certificate to "
        "SDE and DOL",
        "destruction_deadline": (today + timedelta(days=400)).isoformat(),
        "breach_notice_hours": 24,
        "starts_on": (today - timedelta(days=35)).isoformat(),
        "ends_on": (today + timedelta(days=365)).isoformat(),
        "renewal": "Renewed in writing by all parties for one more year at most.",
        "termination": "Any party, on 30 days' written notice; data destroyed within 30 days.",
    }


def _hhs_draft(refs: dict[str, str]) -> dict[str, Any]:
    return {
        "title": "DSS and DPH: deaths among Medicaid enrollees",
        "parties": [
            {"name": "Department of Social Services", "kind": "agency", "role": "provider"},
            {"name": "Department of Public Health", "kind": "agency", "role": "recipient"},
        ],
        "sources": [
            {
                "dataset": refs["enrollments"],
                "regime": "HIPAA",
                "authority": "45 CFR 164.512(b), public health activities",
                "columns": ["record_id", "program", "enrollment_start_date"],
            },
        ],
        "purpose": "Count overdose deaths among Medicaid enrollees by region and quarter.",
        "linkage_method": "person index",
    }


def _ask(session: Session, who: Actor, title: str, purpose: str, items: list[dict[str, Any]],
         *, linked: bool = False, agreement: int | None = None) -> DataRequest:  # fmt: skip
    body = {"title": title, "purpose": purpose, "linked": linked, "items": items,
            "agreement": agreement}  # fmt: skip
    return requests.submit_request(session, actor=who, body=body)


def _review_all(
    session: Session, request: DataRequest, by: dict[str, Actor], *, approve: bool = True
) -> None:
    view = requests.request_view(session, request)
    for item in view["items"]:
        requests.review_item(
            session,
            actor=by[item["agency"]],
            request_id=request.id,
            item_id=item["id"],
            approve=approve,
            note="Columns limited to what the purpose needs." if approve else "Not for this use.",
        )


def _fulfil(settings: Settings, factory: sessionmaker[Session], officer: Actor, request_id: int,
            quasi: dict[str, str]) -> None:  # fmt: skip
    with unit_of_work(factory) as session:
        job = extracts.start_fulfilment(
            session, actor=officer, request_id=request_id, quasi_identifiers=quasi, k=5
        ).id
    done = run_job(job, settings=settings, session_factory=factory)
    if done.status != "succeeded":
        raise StatedataError(f"demo sharing: request {request_id} was not fulfilled: {done.error}")


def _requests(settings: Settings, factory: sessionmaker[Session]) -> dict[str, int]:
    today = utcnow().date()
    with unit_of_work(factory) as session:
        who, refs = _people(session), _refs(session)
        # DOL finished describing its wage records; the CDO's office approved them
        submit_for_review(session, actor=who["dol.ado"], ref=refs["wages"])
        approve(session, actor=who["cdo"], ref=refs["wages"])
        p20 = agreements.save_agreement(session, actor=who["cdo"], body=_p20_agreement(refs, today))
        agreements.activate(session, actor=who["cdo"], agreement_id=p20.id)
        agreements.save_agreement(session, actor=who["dss.ado"], body=_hhs_draft(refs))
        stewards = {"SDE": who["sde.steward"], "DOL": who["dol.ado"], "DSS": who["dss.ado"],
                    "DPH": who["dph.steward"], "DMV": who["cdo"]}  # fmt: skip
        researcher = who["uconn.researcher"]
        made: dict[str, int] = {}
        linked = _ask(session, researcher, "Earnings after school, by district",
                      "Compare the 2025 earnings of former students by school district and "
                      "grade completed (P20 WIN).",
                      [{"dataset": refs["students"], "columns": ["record_id", "grade", "district_town", "school_year"]},
                       {"dataset": refs["wages"], "columns": ["record_id", "year_quarter", "wages"]}],
                      linked=True, agreement=p20.id)  # fmt: skip
        _review_all(session, linked, stewards)
        requests.legal_decision(session, actor=who["cdo"], request_id=linked.id, approve=True,
                                note="Under the P20 WIN agreement; publish no cell under 11.",
                                access_until=today + timedelta(days=180))  # fmt: skip
        made["fulfilled"] = linked.id
        ended = _ask(session, who["opm.analyst"], "License issue dates by town",
                     "Check how quickly licenses are renewed in each town for a staffing plan.",
                     [{"dataset": refs["licenses"], "columns": ["town", "issue_date"]}])  # fmt: skip
        _review_all(session, ended, stewards)
        requests.legal_decision(session, actor=who["cdo"], request_id=ended.id, approve=True,
                                note="Thirty days.", access_until=today + timedelta(days=30))  # fmt: skip
        made["destroyed"] = ended.id
        approved = _ask(session, researcher, "Causes of death by town",
                        "Map the leading causes of death by town for a county health survey.",
                        [{"dataset": refs["deaths"], "columns": ["residence_town", "cause_category", "date_of_death"]}])  # fmt: skip
        _review_all(session, approved, stewards)
        requests.legal_decision(session, actor=who["cdo"], request_id=approved.id, approve=True,
                                note="Dates to the month only.", access_until=today + timedelta(days=90))  # fmt: skip
        made["approved"] = approved.id
        denied = _ask(session, researcher, "Enrollees' social security numbers",
                      "Match DSS enrollees to a university survey panel by SSN for follow-up.",
                      [{"dataset": refs["enrollments"], "columns": ["record_id", "ssn"]}])  # fmt: skip
        _review_all(session, denied, stewards)
        requests.legal_decision(session, actor=who["cdo"], request_id=denied.id, approve=False,
                                note="Identifiers leave the agencies only through the hub; ask "
                                "for a linked extract with pseudonyms instead.")  # fmt: skip
        made["denied"] = denied.id
        legal = _ask(session, who["opm.analyst"], "Enrollment spells by program",
                     "Estimate how long SNAP and Medicaid enrollments last for the budget.",
                     [{"dataset": refs["enrollments"], "columns": ["program", "enrollment_start_date", "enrollment_end_date"]}])  # fmt: skip
        _review_all(session, legal, stewards)
        made["legal_review"] = legal.id
        waiting = _ask(session, researcher, "Overdose deaths after benefit enrollment",
                       "Study overdose deaths in the year after a SNAP or Medicaid enrollment.",
                       [{"dataset": refs["enrollments"], "columns": ["record_id", "program", "enrollment_start_date"]},
                        {"dataset": refs["deaths"], "columns": ["record_id", "cause_category", "date_of_death"]}],
                       linked=True)  # fmt: skip
        made["steward_review"] = waiting.id
        officer = who["dol.ado"]
    _fulfil(settings, factory, officer, made["fulfilled"], {"district_town": "town"})
    _fulfil(settings, factory, who["cdo"], made["destroyed"], {"town": "town"})
    with unit_of_work(factory) as session:
        ended_request = session.get(DataRequest, made["destroyed"])
        assert ended_request is not None
        ended_request.access_until = today - timedelta(days=1)
        extracts.destroy_extracts(session, settings, ended_request,
                                  f"access ended on {ended_request.access_until}")  # fmt: skip
        # the request still in steward review has waited twelve days: the queue shows it first
        session.execute(
            update(DataRequest)
            .where(DataRequest.id == made["steward_review"])
            .values(
                submitted_at=utcnow() - timedelta(days=12),
                step_started_at=utcnow() - timedelta(days=12),
            )
        )
    return made


def _releases(settings: Settings, factory: sessionmaker[Session]) -> list[int]:
    made = []
    with unit_of_work(factory) as session:
        who, refs = _people(session), _refs(session)
        asks = [
            (who["dph.steward"], release_spec.ReleaseIn(
                dataset=refs["overdoses"], title=OVERDOSE_RELEASE,
                description="Accidental drug overdose deaths by town of residence and quarter, "
                "for the last eight quarters.",
                rows=release_spec.Dimension(column="town"),
                columns=release_spec.Dimension(column="year_quarter"),
                value="deaths", where=f"year_quarter >= '{FIRST_QUARTER}'")),
            (who["dss.ado"], release_spec.ReleaseIn(
                dataset=refs["enrollments"], title="Program enrollments by county and program",
                description="Enrollments in DSS programs by the county of the enrollee's town.",
                rows=release_spec.Dimension(column="town", bin="county"),
                columns=release_spec.Dimension(column="program"))),
            (who["dph.steward"], release_spec.ReleaseIn(
                dataset=refs["deaths"], title="Deaths by cause (differentially private)",
                description="Registered deaths by cause category, with noise added.",
                kind="dp_counts", rows=release_spec.Dimension(column="cause_category"),
                epsilon=0.5, groups=list(CAUSES))),
        ]  # fmt: skip
        jobs = []
        for actor, body in asks:
            release = releases.start_release(session, actor=actor, settings=settings, body=body)
            made.append(release.id)
            jobs.append(release.job_id)
    for job in jobs:
        assert job is not None
        done = run_job(job, settings=settings, session_factory=factory)
        if done.status != "succeeded":
            raise StatedataError(f"demo sharing: a release failed: {done.error}")
    with unit_of_work(factory) as session:
        cdo = _people(session)["cdo"]
        for release_id in made:
            found = releases.get_release(session, actor=cdo, release_id=release_id)
            assert found.dataset_public_id is not None
            approve(session, actor=cdo, ref=found.dataset_public_id)
    return made


OBSTACLES: list[tuple[dict[str, Any], list[tuple[int, dict[str, Any]]]]] = [
    (
        {"title": "Wage records for education research",
         "authority": "Conn. Gen. Stat. 31-254; 20 CFR 603",
         "agencies": ["DOL", "SDE"],
         "description": "Unemployment wage records may be disclosed only as the statute allows; "
         "it was unclear whether research on students' outcomes was allowed.",
         "owner": "DOL general counsel"},
        [(330, {"status": "under_review", "note": "Attorney General's opinion requested."}),
         (200, {"status": "remedy_proposed", "note": "Agreement template under 20 CFR 603.5(e)."}),
         (90, {"status": "resolved", "resolution": "Shared under the P20 WIN agreement, which "
               "names the data, the purpose and the users (20 CFR 603.10)."})],
    ),
    (
        {"title": "Substance use treatment records in overdose analysis",
         "authority": "42 CFR Part 2",
         "agencies": ["DMHAS", "DPH"],
         "description": "Treatment records cannot be re-disclosed without consent, so overdose "
         "deaths cannot be linked to treatment episodes.",
         "owner": "DMHAS privacy officer",
         "target_date": "2027-06-30"},
        [(120, {"status": "under_review", "note": "Reviewing the 2024 Part 2 rule's changes."})],
    ),
    (
        {"title": "Federal tax information for benefit eligibility",
         "authority": "IRC 6103; IRS Publication 1075",
         "agencies": ["DRS", "DSS"],
         "description": "Federal tax information held by DRS cannot be used to check benefit "
         "eligibility at DSS.",
         "owner": "OPM legislative liaison",
         "target_date": "2027-02-01"},
        [(150, {"status": "under_review"}),
         (45, {"status": "remedy_proposed", "note": "Bill drafted to use state return data only."})],
    ),
    (
        {"title": "Juvenile records in P20 linkage",
         "authority": "Conn. Gen. Stat. 46b-124",
         "agencies": ["DCF", "SDE"],
         "description": "Juvenile records are confidential; whether a linked, pseudonymous "
         "extract may include them is not settled.",
         "owner": "DCF legal unit",
         "target_date": (date.today() - timedelta(days=20)).isoformat()},
        [],
    ),
]  # fmt: skip


def _obstacles(factory: sessionmaker[Session]) -> int:
    now = utcnow()
    with unit_of_work(factory) as session:
        cdo = _people(session)["cdo"]
        for body, history in OBSTACLES:
            made = obstacles.record_obstacle(session, actor=cdo, body=body)
            session.flush()
            first = 400 if history else 60
            session.execute(update(ObstacleEvent).where(ObstacleEvent.obstacle_id == made.id)
                            .values(at=now - timedelta(days=first)))  # fmt: skip
            made.created_at = now - timedelta(days=first)
            for days_ago, change in history:
                obstacles.update_obstacle(session, actor=cdo, obstacle_id=made.id, body=change)
                session.flush()
                latest = session.scalar(
                    select(ObstacleEvent.id)
                    .where(ObstacleEvent.obstacle_id == made.id)
                    .order_by(ObstacleEvent.id.desc())
                )
                session.execute(update(ObstacleEvent).where(ObstacleEvent.id == latest)
                                .values(at=now - timedelta(days=days_ago)))  # fmt: skip
    return len(OBSTACLES)


def build_demo_sharing(
    settings: Settings, factory: sessionmaker[Session], listener: ProgressListener | None = None
) -> dict[str, Any]:
    """Agreements, requests in every state, releases and obstacles, once; returns what was
    made (empty when done before). Needs the demo catalog and person index. Each part is
    recorded when it is done, so a run that stopped half way goes on where it stopped."""
    with unit_of_work(factory) as session:
        create_demo_accounts(session)  # the people each part acts as
        done: dict[str, Any] = dict(get_fact(session, DEMO_SHARING) or {})
    parts: list[tuple[str, str, Any]] = [
        ("requests", "agreements and requests", lambda: _requests(settings, factory)),
        ("releases", "aggregate releases", lambda: _releases(settings, factory)),
        ("obstacles", "legal obstacles", lambda: _obstacles(factory)),
    ]
    if all(key in done for key, _, _ in parts):
        return {}
    for number, (key, label, build) in enumerate(parts):
        if listener:
            listener(number, len(parts), label)
        if key in done:
            continue
        done[key] = build()
        with unit_of_work(factory) as session:
            set_fact(session, DEMO_SHARING, done)
    if listener:
        listener(len(parts), len(parts), "done")
    return done
