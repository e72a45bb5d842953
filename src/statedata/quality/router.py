"""JSON API of data quality: a dataset's rules, its quality across versions, a version's report."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request

from statedata.quality import service
from statedata.quality.reports import report_out
from statedata.quality.rules import rule_schemas
from statedata.web.deps import CurrentActor, DbSession, get_settings

router = APIRouter(prefix="/api/v1", tags=["quality"])
Ref = Annotated[str, "a dataset's public id (abcd-1234) or slug"]


@router.get("/datasets/{ref}/quality")
def read_quality(ref: Ref, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    """The published version's quality report, a newer version the gate held back, and the
    score of every version (sample values only for those who may edit the dataset)."""
    return service.quality_of(session, actor=actor, ref=ref).as_dict()


@router.get("/datasets/{ref}/quality/rules")
def read_rules(ref: Ref, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    """The rules each new version must pass: those the dictionary implies, and the dataset's own."""
    return service.rules_of(session, actor=actor, ref=ref)


@router.put("/datasets/{ref}/quality/rules")
def replace_rules(
    ref: Ref,
    session: DbSession,
    actor: CurrentActor,
    rules: Annotated[
        list[dict[str, Any]],
        Body(embed=True, max_length=500, json_schema_extra={"items": {"oneOf": rule_schemas()}}),
    ],
) -> dict[str, Any]:
    """Replace the dataset's own rules (``{"rules": [{"type": ..., ...}]}``); a bad rule is a
    400 naming its position and parameter."""
    service.update_rules(session, actor=actor, ref=ref, rules=rules)
    return service.rules_of(session, actor=actor, ref=ref)


@router.post("/datasets/{ref}/quality/check")
def check_current(
    ref: Ref, request: Request, session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    """Check the published version against the rules as they are now (it stays published)."""
    settings = get_settings(request)
    saved = service.recheck_current(session, actor=actor, settings=settings, ref=ref)
    return report_out(saved, with_samples=True)


@router.get("/datasets/{ref}/versions/{number}/quality")
def read_version_quality(
    ref: Ref, number: int, session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    """What the rules found in one version."""
    return service.version_quality(session, actor=actor, ref=ref, number=number)


@router.get("/datasets/{ref}/profile")
def read_profile(
    ref: Ref, request: Request, session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    """The published version's column profiles: nulls, distinct values, range, mean, top values
    and histogram of every column (masked columns: only their name and type)."""
    return service.version_profile(session, actor=actor, settings=get_settings(request), ref=ref)


@router.get("/datasets/{ref}/versions/{number}/profile")
def read_version_profile(
    ref: Ref, number: int, request: Request, session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    """One version's column profiles."""
    settings = get_settings(request)
    return service.version_profile(session, actor=actor, settings=settings, ref=ref, number=number)
