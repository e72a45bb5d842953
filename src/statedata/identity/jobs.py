"""Background jobs as people meet them: who may start one, and who may see it.

The job machinery (the table, the queue, the runner) is on the ground floor, in
``statedata.core.jobs``; starting and reading jobs is decided by the policy, here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from statedata.core.errors import NotFound
from statedata.core.jobs import Job, record_job
from statedata.identity.actor import Actor
from statedata.identity.models import User
from statedata.identity.policy import Action, Resource, authorize
from statedata.identity.users import actor_for


def job_actor(session: Session, job_id: int) -> Actor:
    """Who a running job acts for: the person who started it, or the system."""
    job = session.get(Job, job_id)
    user = session.get(User, job.created_by_user_id) if job and job.created_by_user_id else None
    return actor_for(user, via="job", client_ip=None) if user else Actor.system("job")


def create_job(session: Session, *, actor: Actor, kind: str, params: dict[str, Any]) -> Job:
    """Record a queued job after checking the actor may start it."""
    authorize(session, actor=actor, action=Action.START_JOB)
    return record_job(session, who=actor, kind=kind, params=params)


def list_jobs(session: Session, *, actor: Actor, limit: int = 100) -> list[Job]:
    """Jobs the actor may see, newest first: their own, or all for an admin."""
    authorize(session, actor=actor, action=Action.LIST_JOBS)
    query = select(Job).order_by(Job.id.desc()).limit(limit)
    if actor.role is None or actor.role.value != "admin":
        query = query.where(Job.created_by_user_id == actor.user_id)
    return list(session.scalars(query))


def get_job(session: Session, *, actor: Actor, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"No job has the id {job_id}.")
    authorize(
        session,
        actor=actor,
        action=Action.READ_JOB,
        resource=Resource(type="job", id=str(job_id), owner_user_id=job.created_by_user_id),
    )
    return job
