"""Agencies: the seeded Connecticut executive agencies and the ones an admin adds."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from statedata.core.audit import record_event
from statedata.core.errors import Conflict, InvalidInput, NotFound
from statedata.identity.actor import Actor
from statedata.identity.models import Agency
from statedata.identity.policy import Action, authorize

# Executive agencies whose data the plan and the demo touch.
CONNECTICUT_AGENCIES: tuple[tuple[str, str], ...] = (
    ("OPM", "Office of Policy and Management"),
    ("DAS", "Department of Administrative Services"),
    ("DCF", "Department of Children and Families"),
    ("DECD", "Department of Economic and Community Development"),
    ("DEEP", "Department of Energy and Environmental Protection"),
    ("DESPP", "Department of Emergency Services and Public Protection"),
    ("DMHAS", "Department of Mental Health and Addiction Services"),
    ("DMV", "Department of Motor Vehicles"),
    ("DOC", "Department of Correction"),
    ("DOH", "Department of Housing"),
    ("DOL", "Department of Labor"),
    ("DOT", "Department of Transportation"),
    ("DPH", "Department of Public Health"),
    ("DRS", "Department of Revenue Services"),
    ("DSS", "Department of Social Services"),
    ("OEC", "Office of Early Childhood"),
    ("OHS", "Office of Health Strategy"),
    ("SDE", "State Department of Education"),
    ("SOTS", "Secretary of the State"),
)

AGENCY_CODE = re.compile(r"^[A-Z][A-Z0-9]{1,19}$")


def seed_agencies(session: Session) -> int:
    """Add any missing seeded agency; returns how many were added (0 on a second run)."""
    existing = set(session.scalars(select(Agency.code)))
    added = [
        Agency(code=code, name=name) for code, name in CONNECTICUT_AGENCIES if code not in existing
    ]
    session.add_all(added)
    return len(added)


def list_agencies(session: Session) -> list[Agency]:
    """All agencies by code; agencies are public knowledge."""
    return list(session.scalars(select(Agency).order_by(Agency.code)))


def get_agency_by_code(session: Session, *, code: str) -> Agency:
    agency = session.scalar(select(Agency).where(Agency.code == code.upper()))
    if agency is None:
        raise NotFound(f"No agency has the code {code!r}.")
    return agency


def create_agency(session: Session, *, actor: Actor, code: str, name: str) -> Agency:
    """Add an agency (admin only)."""
    authorize(session, actor=actor, action=Action.MANAGE_AGENCIES)
    code = code.strip().upper()
    if not AGENCY_CODE.match(code):
        raise InvalidInput(
            f"code: {code!r} must be 2-20 capital letters or digits, starting with a letter."
        )
    if not name.strip():
        raise InvalidInput("name: an agency needs a name.")
    if session.scalar(select(Agency).where(Agency.code == code)) is not None:
        raise Conflict(f"code: an agency with the code {code} already exists.")
    agency = Agency(code=code, name=name.strip())
    session.add(agency)
    session.flush()
    record_event(
        session, actor=actor, action="agency.create", resource_type="agency", resource_id=code
    )
    return agency
