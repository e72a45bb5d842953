"""Facts about this instance kept in the database (for example, that it runs in demo mode)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from statedata.core.db import Base, UTCDateTime, utcnow

DEMO_MODE = "demo_mode"


class InstanceFact(Base):
    __tablename__ = "core_instance_fact"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


def get_fact(session: Session, key: str, default: Any = None) -> Any:
    fact = session.get(InstanceFact, key)
    return default if fact is None else fact.value


def set_fact(session: Session, key: str, value: Any) -> None:
    fact = session.get(InstanceFact, key)
    if fact is None:
        session.add(InstanceFact(key=key, value=value, updated_at=utcnow()))
    else:
        fact.value = value


def is_demo(session: Session) -> bool:
    return bool(get_fact(session, DEMO_MODE, False))
