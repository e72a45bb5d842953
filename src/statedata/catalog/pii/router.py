"""JSON API of the personal information found on load: list a dataset's findings, decide one."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body

from statedata.catalog.pii import findings as pii
from statedata.web.deps import CurrentActor, DbSession

router = APIRouter(prefix="/api/v1", tags=["catalog"])


@router.get("/datasets/{ref}/pii")
def read_findings(ref: str, session: DbSession, actor: CurrentActor) -> list[dict[str, Any]]:
    """The columns loads suggested hold personal information, with each decision (editors)."""
    return [pii.finding_out(f) for f in pii.findings_of(session, actor=actor, ref=ref)]


@router.post("/datasets/{ref}/pii/{finding_id}")
def decide(
    ref: str,
    finding_id: int,
    session: DbSession,
    actor: CurrentActor,
    decision: Annotated[Literal["confirm", "dismiss"], Body(embed=True)],
) -> dict[str, Any]:
    """``{"decision": "confirm"}`` tags the column (and makes a public dataset confidential);
    ``{"decision": "dismiss"}`` keeps it untagged. Neither is proposed again."""
    found = pii.decide_finding(
        session, actor=actor, ref=ref, finding_id=finding_id, decision=decision
    )
    return pii.finding_out(found)
