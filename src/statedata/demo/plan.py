"""The demo's State Data Plan: Connecticut's own principles, goals and focal points, quoted from
the Phase 1 draft of the State Data Plan (Office of Policy and Management, 2018, written under
Public Act 18-175), with measurable objectives and agency actions this demo adds.

The objectives' baselines are what the platform measures when the demo is built (the day the
demo's plan is adopted), their targets two years on, their interim targets every quarter between:
so the dashboard shows a plan whose numbers come from the instance itself.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from statedata.core.db import unit_of_work, utcnow
from statedata.identity.actor import Actor
from statedata.plan.document import PlanDocument
from statedata.plan.editions import adopt, import_edition
from statedata.plan.measures import STATEWIDE, compute_all
from statedata.plan.models import PlanEdition
from statedata.plan.snapshots import take_snapshot

SOURCE = (
    "Principles, goals and focal points: Connecticut State Data Plan, Phase 1 draft (Office of "
    "Policy and Management, 2018; Public Act 18-175). Economic Development (F7), the objectives "
    "and the actions: this demo's edition."
)

PRINCIPLES = [
    ("P1", "State data assets require careful and proactive stewardship.", [
        "Appreciate that the data we collect require a considerable investment of resources and "
        "have value beyond the purpose for which they are collected.",
        "Perform continuous data quality improvement to ensure the value of data is protected and "
        "maximized.",
        "Ensure standardized data governance in order to protect data and improve its quality and "
        "utility.",
        "Practice effective data stewardship and governance by maintaining modern data security "
        "practices, protecting individual privacy, and maintaining promised confidentiality.",
        "Employ ethical standards in the use of data to avoid excessive intrusion into the lives "
        "of Connecticut residents.",
        "Promote a culture of continuous and collaborative learning with data and about data.",
    ]),
    ("P2", "Create once, use many times.", [
        "Create, acquire, use, and disseminate data deliberately and thoughtfully, considering "
        "quality, consistency, privacy, value, reuse, and interoperability from the start.",
        "Coordinate and prioritize data needs and uses, utilize data from multiple sources, and "
        "acquire new data only when necessary.",
        "Manage a data asset one time and use it for multiple purposes, to the extent possible "
        "within legal and regulatory constraints.",
    ]),
    ("P3", "Analysis and sharing of data is necessary.", [
        "Improve data sharing and access with ongoing input from users and other stakeholders.",
        "Standardize common data elements, such as addresses, to ensure data are easily shared "
        "and analyzed.",
        "Create clear and predictable pathways for data sharing which are necessary for effective "
        "data use and sharing.",
    ]),
]  # fmt: skip

GOALS = [
    ("G1", "Enhance self-service access to data and analytical tools"),
    ("G2", "Spend less time acquiring and preparing data and more time analyzing data"),
    ("G3", "Create more useful and predictable open data"),
    ("G4", "Improve knowledge and understanding of data held by state agencies"),
    ("G5", "Increase standardization and integration of data and systems"),
    ("G6", "Improve the knowledge and skills of state employees related to data stewardship and "
           "analysis"),
]  # fmt: skip

FOCAL_POINTS = [
    ("F1", "Education & Workforce Development",
     "Build upon and scale the P20 WIN longitudinal data system to include occupational and "
     "professional licensing data and early childhood data. Establish sustainable and efficient "
     "mechanisms to integrate and match data across systems such that the amount of time "
     "analyzing data is greater than the amount of time acquiring and preparing data."),
    ("F2", "Traffic Safety",
     "Support existing efforts focused on state strategies to improve statewide data use and "
     "sharing to reduce traffic fatalities and injuries."),
    ("F3", "Enterprise Master Person Index",
     "Continue efforts to establish a master person index amongst various health and human "
     "services agencies and data to support data integration at both an operational or case "
     "management level as well as to support anonymized integrated datasets for research and "
     "evaluation purposes."),
    ("F4", "Fraud, Waste, and Abuse",
     "Scale the analytical capabilities currently in place to onboard additional agencies and "
     "data sources to support the state's efforts to detect fraud, waste, and abuse associated "
     "with state supported assistance programs."),
    ("F5", "Opioids",
     "Enhance both the coordination of data analytics around opioid abuse and overdoses, and "
     "facilitate timelier sharing of data amongst local, state, and federal government "
     "agencies."),
    ("F6", "Resilience",
     "Leverage data to support strengthening the state's resiliency to extreme weather events "
     "including hurricanes, flooding, extreme heat, and slow onset events such as sea-level "
     "rise."),
    ("F7", "Economic Development",
     "Match businesses across the state's registries so that one business is known once, to "
     "those who support and regulate it."),
]  # fmt: skip

# code, title, measure, goals, focal points, owner, how the target follows the baseline
# (a number: that value; "+n": n more; "*f": f times; "-n": n fewer), actions
OBJECTIVES: list[tuple[str, str, str, list[str], list[str], str, str, list[tuple[str, str, str]]]] = [
    ("O1", "Every agency's data assets are in the inventory", "datasets_inventoried",
     ["G4"], [], "Chief Data Officer", "*1.5",
     [("Inventory the licensing systems' data", "DMV", "done"),
      ("Inventory the early childhood programs' data", "OEC", "in_progress")]),
    ("O2", "Catalog entries meet the open data metadata standard", "metadata_completeness",
     ["G3", "G4"], [], "Chief Data Officer", "+15",
     [("Describe every column of the enrollment datasets", "DSS", "in_progress"),
      ("Name a contact and legal authority for every entry", "DPH", "planned")]),
    ("O3", "More high-value datasets are published", "high_value_published",
     ["G3"], ["F2", "F5"], "Open data coordinator", "+4",
     [("Publish crashes by town and month as high-value", "DOT", "done")]),
    ("O4", "Published data arrives when its schedule says", "datasets_on_schedule",
     ["G3"], [], "Open data coordinator", "95",
     [("Move monthly extracts to scheduled pulls", "SDE", "in_progress")]),
    ("O5", "Published data passes its quality rules", "quality_score",
     ["G2"], [], "Data quality lead", "98",
     [("Add quality rules to every published dataset", "DOT", "planned")]),
    ("O6", "Open data is used", "open_data_use",
     ["G1"], [], "Open data coordinator", "*2",
     [("Announce the open data API to municipal planners", "OPM", "planned")]),
    ("O7", "Data requests are fulfilled within a month", "days_to_fulfil",
     ["G1", "G2"], ["F1"], "Chief Data Officer", "30",
     [("Name a steward for each restricted dataset's requests", "DOL", "done")]),
    ("O8", "Data requests reach the data through the pathway", "requests_received",
     ["G1"], ["F1", "F4"], "Chief Data Officer", "*2",
     [("Publish the request pathway on agency websites", "DSS", "planned")]),
    ("O9", "Legal obstacles to sharing are worked through", "obstacles_open",
     ["G5"], ["F3", "F5"], "Legal counsel to the CDO", "-2",
     [("Propose a remedy for the confidentiality obstacle", "DMHAS", "in_progress")]),
    ("O10", "Legal obstacles to sharing are resolved", "obstacles_resolved",
     ["G5"], ["F3"], "Legal counsel to the CDO", "+3", []),
    ("O11", "Person records of health and human services are linked", "person_records_linked",
     ["G5"], ["F3", "F4"], "Master person index lead", "*1.25",
     [("Map the child welfare case records to the index", "DCF", "planned")]),
    ("O12", "The master person index knows each person once", "persons_in_index",
     ["G5"], ["F3"], "Master person index lead", "*1.1", []),
    ("O13", "State staff are trained in data stewardship and analysis", "staff_trained",
     ["G6"], [], "Chief Data Officer", "400",
     [("Train every steward in the catalog and quality rules", "DAS", "in_progress")]),
]  # fmt: skip


def _target(baseline: float | None, rule: str) -> float | None:
    if rule[0] not in "+-*":
        return float(rule)
    if baseline is None:
        return None
    step = float(rule[1:])
    value = {"+": baseline + step, "-": max(baseline - step, 0.0), "*": baseline * step}[rule[0]]
    return round(value, 2)


def _quarters(start: date, end: date) -> list[str]:
    """The quarters after ``start``'s, up to ``end``'s: ``["2027-Q1", ...]``."""
    quarters: list[str] = []
    year, quarter = start.year, (start.month - 1) // 3 + 1
    while True:
        quarter += 1
        if quarter == 5:
            year, quarter = year + 1, 1
        if (year, quarter) > (end.year, (end.month - 1) // 3 + 1):
            return quarters
        quarters.append(f"{year}-Q{quarter}")


def plan_document(baselines: dict[str, float | None], today: date) -> dict[str, Any]:
    """The demo's plan, with each objective's baseline as measured ``today``."""
    start = date(today.year, ((today.month - 1) // 3) * 3 + 1, 1)
    end = date(start.year + 2, start.month, 1) - timedelta(days=1)
    quarters = _quarters(today, end)
    objectives = []
    for code, title, key, goals, focal, owner, rule, actions in OBJECTIVES:
        baseline = baselines.get(key)
        target = _target(baseline, rule)
        interim = []
        if baseline is not None and target is not None:
            for n, quarter in enumerate(quarters, start=1):
                value = baseline + (target - baseline) * n / len(quarters)
                interim.append({"quarter": quarter, "value": round(value, 2)})
        objectives.append(
            {
                "code": code,
                "title": title,
                "measure": key,
                "baseline": {"value": baseline, "on": today.isoformat()}
                if baseline is not None
                else None,
                "target": {"value": target, "on": end.isoformat()} if target is not None else None,
                "interim_targets": interim,
                "goals": goals,
                "focal_points": focal,
                "owner": owner,
                "actions": [
                    {
                        "title": action,
                        "agency": agency,
                        "status": status,
                        "due_on": (today + timedelta(days=90 * (n + 1))).isoformat(),
                    }
                    for n, (action, agency, status) in enumerate(actions)
                ],
            }
        )
    return {
        "title": "Connecticut State Data Plan",
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "source": SOURCE,
        "principles": [{"code": c, "title": t, "statements": s} for c, t, s in PRINCIPLES],
        "goals": [{"code": c, "title": t} for c, t in GOALS],
        "focal_points": [{"code": c, "title": t, "description": d} for c, t, d in FOCAL_POINTS],
        "objectives": objectives,
    }


def build_demo_plan(factory: sessionmaker[Session], today: date | None = None) -> int:
    """Load and adopt the demo's plan with today's measures as its baselines, and keep today's
    snapshot; returns the objectives added (0 when a plan is there already)."""
    today = today or utcnow().date()
    system = Actor.system("demo")
    with unit_of_work(factory) as session:
        if session.scalar(select(PlanEdition.id).limit(1)) is not None:
            return 0
        measured = {
            key: values.get(STATEWIDE) for key, values in compute_all(session, today).items()
        }
        document = PlanDocument.model_validate(plan_document(measured, today))
        edition = import_edition(session, actor=system, document=document)
        adopt(session, actor=system, number=edition.number, today=today)
        take_snapshot(session, today=today)
        return len(document.objectives)
