"""Demo sign-ins, one per role. They exist only in an instance made with ``statedata demo``.

The passwords are published in docs/demo.md; never run a demo instance with real data.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from statedata.identity.actor import Actor
from statedata.identity.models import User
from statedata.identity.users import create_user


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    agency: str | None
    full_name: str


DEMO_ACCOUNTS = (
    DemoAccount("cdo", "demo-cdo-password", "admin", "OPM", "Casey Data (Chief Data Officer)"),
    DemoAccount(
        "dss.ado",
        "demo-ado-password",
        "agency_data_officer",
        "DSS",
        "Dana Officer (DSS data officer)",
    ),
    DemoAccount(
        "dph.steward", "demo-steward-password", "steward", "DPH", "Sam Steward (DPH data steward)"
    ),
    DemoAccount(
        "sde.steward", "demo-steward-password", "steward", "SDE", "Jo Steward (SDE data steward)"
    ),
    DemoAccount(
        "dol.ado",
        "demo-ado-password",
        "agency_data_officer",
        "DOL",
        "Lee Officer (DOL data officer)",
    ),
    DemoAccount(
        "opm.analyst", "demo-analyst-password", "analyst", "OPM", "Alex Analyst (OPM analyst)"
    ),
    DemoAccount(
        "uconn.researcher",
        "demo-researcher-password",
        "researcher",
        None,
        "Riley Researcher (UConn)",
    ),
)


def create_demo_accounts(session: Session) -> int:
    """Create the demo sign-ins that do not exist yet; returns how many were created."""
    existing = set(session.scalars(select(User.username)))
    created = 0
    for account in DEMO_ACCOUNTS:
        if account.username in existing:
            continue
        create_user(
            session,
            actor=Actor.system("demo"),
            username=account.username,
            password=account.password,
            role=account.role,
            agency_code=account.agency,
            full_name=account.full_name,
            email=f"{account.username}@example.org",
        )
        created += 1
    return created
