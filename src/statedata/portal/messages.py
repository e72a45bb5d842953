"""The outbox as people read it: an agency's messages for its data officer and stewards, every
message for the CDO's office; each read asked of the policy and audited."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from statedata.core.errors import InvalidInput
from statedata.core.outbox import OutboxMessage, OutboxStatus
from statedata.identity.actor import Actor
from statedata.identity.policy import Action, authorize, outbox_agency


def list_outbox(
    session: Session, *, actor: Actor, status: str = "", limit: int = 200
) -> list[OutboxMessage]:
    """The newest messages the actor may read: every agency's for admins, one's own agency's
    for its data officer and stewards."""
    authorize(session, actor=actor, action=Action.READ_OUTBOX)
    if status and status not in set(OutboxStatus):
        known = ", ".join(OutboxStatus)
        raise InvalidInput(f"status: {status!r} is not one of {known}.")
    if not 1 <= limit <= 1000:
        raise InvalidInput(f"limit: {limit} is not between 1 and 1000.")
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    agency = outbox_agency(actor)
    if agency is not None:
        query = query.where(OutboxMessage.agency_id == agency)
    if status:
        query = query.where(OutboxMessage.status == status)
    return list(session.scalars(query))


def outbox_counts(messages: list[OutboxMessage]) -> dict[str, int]:
    """How many of the listed messages are in each status."""
    counts = {status.value: 0 for status in OutboxStatus}
    for message in messages:
        counts[message.status] = counts.get(message.status, 0) + 1
    return counts
