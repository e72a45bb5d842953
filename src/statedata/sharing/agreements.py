"""Data sharing agreements: drafted by the CDO's office and agency data officers, checked against
the regimes of their sources, made active only when nothing the regimes ask for is missing.

Every field is checked as it comes in, each error naming the field (and the party or source by
its number); the agreement is saved whole or not at all.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from statedata.core.audit import record_event
from statedata.core.errors import Conflict, InvalidInput, NotFound
from statedata.identity.actor import Actor
from statedata.identity.policy import PERSON_SOURCE, Action, Grant, Resource, authorize, decide
from statedata.sharing.checks import dataset_and_columns, row_condition
from statedata.sharing.models import Agreement
from statedata.sharing.regimes import REGIMES, checklist

TEXTS = ("title", "purpose", "linkage_method", "identifier_holder", "redisclosure", "retention",
         "destruction_method", "renewal", "termination")  # fmt: skip
LISTS = ("permitted_uses", "prohibited_uses", "security_requirements", "authorized_users")
DATES = ("destruction_deadline", "starts_on", "ends_on")
NUMBERS = ("publication_threshold", "breach_notice_hours")
LINKAGE_METHODS = ("none", "person index", "hub exchange", "privacy-preserving (Bloom filters)")
PARTY_KINDS = ("agency", "organization")
PARTY_ROLES = ("provider", "recipient")


def _resource(actor: Actor, agreement: Agreement | None) -> Resource:
    named = agreement is not None and actor.username in agreement.authorized_users
    return Resource(
        "agreement",
        str(agreement.id) if agreement else "",
        owner_user_id=actor.user_id if named else None,
    )


def _text(body: dict[str, Any], name: str, limit: int = 5000) -> str:
    value = body.get(name, "")
    if not isinstance(value, str):
        raise InvalidInput(f"{name}: write it as text.")
    if len(value) > limit:
        raise InvalidInput(f"{name}: at most {limit:,} characters.")
    return value.strip()


def _strings(body: dict[str, Any], name: str) -> list[str]:
    value = body.get(name, [])
    if isinstance(value, str):  # a form's lines
        value = value.splitlines()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"{name}: a list of texts.")
    return [v.strip() for v in value if v.strip()]


def _date(body: dict[str, Any], name: str) -> date | None:
    value = body.get(name)
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"{name}: {value!r} is not a date (YYYY-MM-DD).") from None


def _number(body: dict[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value in (None, ""):
        return None
    try:
        number = int(str(value))
    except ValueError:
        raise InvalidInput(f"{name}: {value!r} is not a whole number.") from None
    if number < 0:
        raise InvalidInput(f"{name}: {number} is negative.")
    return number


def _parties(body: dict[str, Any]) -> list[dict[str, Any]]:
    parties = body.get("parties", [])
    if not isinstance(parties, list):
        raise InvalidInput("parties: a list of parties.")
    checked = []
    for n, party in enumerate(parties, start=1):
        if not isinstance(party, dict) or not str(party.get("name", "")).strip():
            raise InvalidInput(f"parties, party {n}: give its name.")
        kind, role = party.get("kind", "agency"), party.get("role", "provider")
        if kind not in PARTY_KINDS:
            raise InvalidInput(f"parties, party {n}: kind {kind!r} is not agency or organization.")
        if role not in PARTY_ROLES:
            raise InvalidInput(f"parties, party {n}: role {role!r} is not provider or recipient.")
        checked.append(
            {
                "name": str(party["name"]).strip()[:300],
                "kind": kind,
                "role": role,
                "signatory": str(party.get("signatory", "")).strip()[:200],
                "title": str(party.get("title", "")).strip()[:200],
                "signed_on": str(party.get("signed_on", "") or "")[:10],
            }
        )
    return checked


def _sources(session: Session, body: dict[str, Any]) -> list[dict[str, Any]]:
    sources = body.get("sources", [])
    if not isinstance(sources, list):
        raise InvalidInput("sources: a list of data sources.")
    checked = []
    for n, source in enumerate(sources, start=1):
        if not isinstance(source, dict):
            raise InvalidInput(f"sources, source {n}: an object with dataset, regime, columns.")
        dataset, columns = dataset_and_columns(
            session, source, f"sources, source {n}", need_columns=False
        )
        regime = source.get("regime", "")
        if regime not in REGIMES:
            raise InvalidInput(
                f"sources, source {n}: regime {regime!r} is not one of {', '.join(REGIMES)}."
            )
        checked.append(
            {
                "dataset": dataset.public_id,
                "title": dataset.title,
                "agency": dataset.agency.code,
                "regime": regime,
                "authority": str(source.get("authority", "")).strip()[:500],
                "columns": columns,
                "row_condition": row_condition(session, dataset, source, f"sources, source {n}"),
            }
        )
    return checked


def _apply(session: Session, agreement: Agreement, body: dict[str, Any]) -> None:
    unknown = set(body) - {*TEXTS, *LISTS, *DATES, *NUMBERS, "parties", "sources"}
    if unknown:
        raise InvalidInput(f"{sorted(unknown)[0]}: not a part of an agreement.")
    for name in TEXTS:
        if name in body:
            setattr(agreement, name, _text(body, name, 300 if name == "title" else 5000))
    if not agreement.title:
        raise InvalidInput("title: name the agreement.")
    if agreement.linkage_method not in LINKAGE_METHODS:
        raise InvalidInput(
            f"linkage_method: {agreement.linkage_method!r} is not one of "
            f"{', '.join(LINKAGE_METHODS)}."
        )
    for name in LISTS:
        if name in body:
            setattr(agreement, name, _strings(body, name))
    for name in DATES:
        if name in body:
            setattr(agreement, name, _date(body, name))
    for name in NUMBERS:
        if name in body:
            setattr(agreement, name, _number(body, name))
    if agreement.starts_on and agreement.ends_on and agreement.ends_on < agreement.starts_on:
        raise InvalidInput(f"ends_on: {agreement.ends_on} is before starts_on.")
    if "parties" in body:
        agreement.parties = _parties(body)
    if "sources" in body:
        agreement.sources = _sources(session, body)


def save_agreement(
    session: Session, *, actor: Actor, body: dict[str, Any], agreement_id: int | None = None
) -> Agreement:
    """Create an agreement, or change a draft one (the CDO's office, agency data officers)."""
    agreement = _get(session, agreement_id) if agreement_id is not None else None
    authorize(
        session, actor=actor, action=Action.MANAGE_AGREEMENT, resource=_resource(actor, agreement)
    )
    if agreement is None:
        agreement = Agreement(
            **{**dict.fromkeys(TEXTS, ""), "linkage_method": "none"},
            **{name: [] for name in (*LISTS, "parties", "sources")},
            status="draft",
            created_by_name=actor.username,
        )
        session.add(agreement)
    elif agreement.status != "draft":
        raise Conflict(f"agreement {agreement.id} is {agreement.status}; only a draft changes.")
    _apply(session, agreement, body)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="agreement.save",
        resource_type="agreement",
        resource_id=agreement.id,
        detail={"fields": sorted(body)},
    )
    return agreement


def _get(session: Session, agreement_id: int) -> Agreement:
    found = session.get(Agreement, agreement_id)
    if found is None:
        raise NotFound(f"no agreement {agreement_id}.")
    return found


def get_agreement(session: Session, *, actor: Actor, agreement_id: int) -> Agreement:
    agreement = _get(session, agreement_id)
    authorize(
        session, actor=actor, action=Action.READ_AGREEMENT, resource=_resource(actor, agreement)
    )
    return agreement


def list_agreements(session: Session, *, actor: Actor) -> list[Agreement]:
    authorize(session, actor=actor, action=Action.READ_AGREEMENT, resource=Resource("agreement"))
    found = session.scalars(select(Agreement).order_by(Agreement.id.desc()))
    return [a for a in found if decide(actor, Action.READ_AGREEMENT, _resource(actor, a)).allowed]


def activate(session: Session, *, actor: Actor, agreement_id: int) -> Agreement:
    """Make a draft active: only when its checklist has nothing missing."""
    agreement = _get(session, agreement_id)
    authorize(
        session, actor=actor, action=Action.MANAGE_AGREEMENT, resource=_resource(actor, agreement)
    )
    if agreement.status != "draft":
        raise Conflict(f"agreement {agreement.id} is {agreement.status} already.")
    missing = [i for i in checklist(agreement) if not i["met"]]
    if missing:
        listed = "; ".join(f"{i['item']} ({i['regime']})" for i in missing)
        raise Conflict(f"agreement {agreement.id} still lacks: {listed}.")
    agreement.status = "active"
    record_event(
        session, actor=actor, action="agreement.activate", resource_type="agreement",
        resource_id=agreement.id,
    )  # fmt: skip
    return agreement


def agreement_view(agreement: Agreement) -> dict[str, Any]:
    items = checklist(agreement)
    return {
        "id": agreement.id,
        "title": agreement.title,
        "status": agreement.status,
        "parties": agreement.parties,
        "sources": agreement.sources,
        "purpose": agreement.purpose,
        "permitted_uses": agreement.permitted_uses,
        "prohibited_uses": agreement.prohibited_uses,
        "linkage_method": agreement.linkage_method,
        "identifier_holder": agreement.identifier_holder,
        "security_requirements": agreement.security_requirements,
        "authorized_users": agreement.authorized_users,
        "redisclosure": agreement.redisclosure,
        "publication_threshold": agreement.publication_threshold,
        "retention": agreement.retention,
        "destruction_method": agreement.destruction_method,
        "destruction_deadline": _iso(agreement.destruction_deadline),
        "breach_notice_hours": agreement.breach_notice_hours,
        "starts_on": _iso(agreement.starts_on),
        "ends_on": _iso(agreement.ends_on),
        "renewal": agreement.renewal,
        "termination": agreement.termination,
        "created_by": agreement.created_by_name,
        "checklist": items,
        "missing": sum(1 for i in items if not i["met"]),
    }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def index_grants(session: Session, actor: Actor) -> list[Grant]:
    """What an active agreement that links through the person index lets a user it names read:
    its sources' records in the index (not the source datasets, which a data request grants),
    while the agreement is in its term."""
    if actor.user_id is None:
        return []
    today = date.today()
    held: list[Grant] = []
    for agreement in session.scalars(
        select(Agreement).where(
            Agreement.status == "active", Agreement.linkage_method == "person index"
        )
    ):
        if actor.username not in agreement.authorized_users:
            continue
        if (agreement.starts_on and today < agreement.starts_on) or (
            agreement.ends_on and today > agreement.ends_on
        ):
            continue
        held.extend(
            Grant(PERSON_SOURCE, str(source["dataset"]), tuple(source.get("columns", [])))
            for source in agreement.sources
        )
    return held
