"""Data sharing agreements, data requests with their steps, and the grants approval makes.

An agreement's structured parts (parties, sources, uses, users) are JSON lists of plain objects
so that the agreement reads as one document and exports whole; what the workflow and the
policy need to query (a request's datasets, a grant's holder and end date) are columns.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from statedata.core.db import Base, UTCDateTime, utcnow


class Agreement(Base):
    """A data sharing agreement between agencies or with an outside organization."""

    __tablename__ = "sharing_agreement"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(12), default="draft")  # draft, active, ended
    # [{name, kind (agency|organization), role (provider|recipient), signatory, title, signed_on}]
    parties: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # [{dataset (public id), regime, authority, columns [..], row_condition}]
    sources: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    purpose: Mapped[str] = mapped_column(Text, default="")
    permitted_uses: Mapped[list[str]] = mapped_column(JSON, default=list)
    prohibited_uses: Mapped[list[str]] = mapped_column(JSON, default=list)
    linkage_method: Mapped[str] = mapped_column(String(40), default="none")
    identifier_holder: Mapped[str] = mapped_column(String(200), default="")
    security_requirements: Mapped[list[str]] = mapped_column(JSON, default=list)
    authorized_users: Mapped[list[str]] = mapped_column(JSON, default=list)  # usernames
    redisclosure: Mapped[str] = mapped_column(Text, default="")
    publication_threshold: Mapped[int | None] = mapped_column(Integer)  # smallest cell shown
    retention: Mapped[str] = mapped_column(Text, default="")
    destruction_method: Mapped[str] = mapped_column(String(300), default="")
    destruction_deadline: Mapped[date | None] = mapped_column(Date)
    breach_notice_hours: Mapped[int | None] = mapped_column(Integer)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    renewal: Mapped[str] = mapped_column(Text, default="")
    termination: Mapped[str] = mapped_column(Text, default="")
    created_by_name: Mapped[str] = mapped_column(String(150), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class DataRequest(Base):
    """A request for datasets and columns for a stated purpose, and where it stands."""

    __tablename__ = "sharing_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    purpose: Mapped[str] = mapped_column(Text)
    linked: Mapped[bool] = mapped_column(default=False)  # across agencies, by person
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("sharing_agreement.id"))
    requester_user_id: Mapped[int] = mapped_column(ForeignKey("identity_user.id"), index=True)
    requester_name: Mapped[str] = mapped_column(String(150))
    # submitted -> steward_review -> legal_review -> approved | denied -> fulfilled -> expired
    # -> destroyed
    status: Mapped[str] = mapped_column(String(16), default="steward_review", index=True)
    step_owner: Mapped[str] = mapped_column(String(200), default="")  # who must act next
    step_started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    conditions: Mapped[str] = mapped_column(Text, default="")  # of approval
    reasons: Mapped[str] = mapped_column(Text, default="")  # of denial
    access_until: Mapped[date | None] = mapped_column(Date)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    extracts: Mapped[list[str] | None] = mapped_column(JSON)  # the extract datasets' public ids
    manifest: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # what fulfilment did


class RequestItem(Base):
    """One dataset of a request: the columns asked for, and its steward's word on it."""

    __tablename__ = "sharing_request_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("sharing_request.id", ondelete="CASCADE"), index=True
    )
    dataset_id: Mapped[int] = mapped_column(ForeignKey("catalog_dataset.id"), index=True)
    columns: Mapped[list[str]] = mapped_column(JSON)
    row_condition: Mapped[str] = mapped_column(Text, default="")  # a SoQL $where
    decision: Mapped[str] = mapped_column(String(10), default="pending")  # approved, denied
    note: Mapped[str] = mapped_column(Text, default="")
    decided_by_name: Mapped[str] = mapped_column(String(150), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RequestStep(Base):
    """A step of a request's workflow: what happened, who did it, when, and their note."""

    __tablename__ = "sharing_request_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("sharing_request.id", ondelete="CASCADE"), index=True
    )
    step: Mapped[str] = mapped_column(String(30))
    actor_name: Mapped[str] = mapped_column(String(150))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")


class Obstacle(Base):
    """A legal obstacle to sharing data: the statute or rule, who it stops, and where its
    review stands."""

    __tablename__ = "sharing_obstacle"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    authority: Mapped[str] = mapped_column(String(300))  # the statute or rule
    agencies: Mapped[list[str]] = mapped_column(JSON, default=list)  # agency codes affected
    description: Mapped[str] = mapped_column(Text)
    # identified -> under_review -> remedy_proposed -> resolved | withdrawn
    status: Mapped[str] = mapped_column(String(20), default="identified", index=True)
    owner: Mapped[str] = mapped_column(String(200), default="")
    target_date: Mapped[date | None] = mapped_column(Date)
    resolution: Mapped[str] = mapped_column(Text, default="")
    created_by_name: Mapped[str] = mapped_column(String(150), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ObstacleEvent(Base):
    """An entry of an obstacle's review timeline: a change of status, owner or date, or a note."""

    __tablename__ = "sharing_obstacle_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    obstacle_id: Mapped[int] = mapped_column(
        ForeignKey("sharing_obstacle.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_name: Mapped[str] = mapped_column(String(150))
    status: Mapped[str] = mapped_column(String(20))  # the status after this entry
    note: Mapped[str] = mapped_column(Text, default="")
