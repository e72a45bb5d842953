"""Aggregate releases and a dataset's privacy settings as JSON."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from statedata.privacy import budgets, release_spec, releases
from statedata.web.deps import CurrentActor, DbSession, enqueue_after_commit

router = APIRouter(prefix="/api/v1", tags=["privacy"])


class PrivacySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    threshold: int | None = Field(
        default=None, ge=1, le=100, description="Counts from 1 to this are hidden."
    )
    epsilon_budget: float | None = Field(
        default=None,
        ge=0,
        le=100,
        description="The epsilon all private releases from the dataset may spend (the data "
        "officer or the CDO's office).",
    )


@router.get("/releases")
def list_releases(session: DbSession, actor: CurrentActor) -> list[dict[str, Any]]:
    """Aggregate releases: those published, and those in the making you may see."""
    return [releases.release_view(r) for r in releases.list_releases(session, actor=actor)]


@router.post("/releases", status_code=202)
def start_release(
    body: release_spec.ReleaseIn, request: Request, session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    """Make a table of suppressed counts, or of differentially private counts, sums or means,
    from a dataset you keep; it is loaded as a public dataset and submitted for review."""
    made = releases.start_release(
        session, actor=actor, settings=request.app.state.settings, body=body
    )
    assert made.job_id is not None
    return {**releases.release_view(made), **enqueue_after_commit(request, session, made.job_id)}


@router.get("/releases/{release_id}")
def read_release(release_id: int, session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    """A release: what it counts, how it was protected, and the table as published."""
    found = releases.get_release(session, actor=actor, release_id=release_id)
    return releases.release_view(found, with_rows=True)


@router.get("/datasets/{ref}/privacy")
def read_privacy(
    ref: str, request: Request, session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    """The dataset's small-cell threshold and privacy budget: what is spent and what is left."""
    dataset = budgets.kept_dataset(session, actor=actor, ref=ref)
    return budgets.privacy_view(session, request.app.state.settings, dataset)


@router.put("/datasets/{ref}/privacy")
def change_privacy(
    ref: str, body: PrivacySettings, request: Request, session: DbSession, actor: CurrentActor
) -> dict[str, Any]:
    """Set the threshold (stewards) or the budget (the data officer, or the CDO's office)."""
    return budgets.set_privacy(
        session,
        actor=actor,
        settings=request.app.state.settings,
        ref=ref,
        threshold=body.threshold,
        epsilon_budget=body.epsilon_budget,
    )
