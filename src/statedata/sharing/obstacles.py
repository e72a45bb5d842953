"""The tracker of legal obstacles to sharing: the statute or rule, the agencies it stops, where
its review stands, who owns it and by when, and how it was resolved.

Every change is an entry of the obstacle's timeline (its status after the change, who made it,
when, and a note), so the review can be read as it happened. The tracker is public: the plan
asks the state to say which laws stand in the way of sharing and what is done about them.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from statedata.core.audit import record_event
from statedata.core.errors import InvalidInput, NotFound
from statedata.identity.actor import Actor
from statedata.identity.agencies import get_agency_by_code
from statedata.identity.policy import Action, Resource, authorize
from statedata.sharing.models import Obstacle, ObstacleEvent

STATUSES = ("identified", "under_review", "remedy_proposed", "resolved", "withdrawn")
OPEN = ("identified", "under_review", "remedy_proposed")
RESOURCE = "obstacle"
_TEXT = {"title": 300, "authority": 300, "description": 10_000, "owner": 200, "resolution": 10_000}


def _text(body: dict[str, Any], name: str, *, required: bool) -> str | None:
    if name not in body:
        if required:
            raise InvalidInput(f"{name}: say it; an obstacle needs a {name}.")
        return None
    value = body[name]
    if not isinstance(value, str):
        raise InvalidInput(f"{name}: {value!r} is not text.")
    value = value.strip()
    if required and not value:
        raise InvalidInput(f"{name}: is empty.")
    if len(value) > _TEXT[name]:
        raise InvalidInput(f"{name}: {len(value):,} characters, more than {_TEXT[name]:,}.")
    return value


def _agencies(session: Session, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"agencies: {value!r} is not a list of agency codes.")
    return [get_agency_by_code(session, code=v.strip().upper()).code for v in value]


def _target(value: Any) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"target_date: {value!r} is not a date (YYYY-MM-DD).") from None


def record_obstacle(session: Session, *, actor: Actor, body: dict[str, Any]) -> Obstacle:
    """Add an obstacle: title, authority (statute or rule), agencies, description, owner,
    target_date."""
    authorize(session, actor=actor, action=Action.MANAGE_OBSTACLE, resource=Resource(RESOURCE))
    unknown = set(body) - {"title", "authority", "agencies", "description", "owner", "target_date"}
    if unknown:
        raise InvalidInput(f"{sorted(unknown)[0]}: not a field of a new obstacle.")
    obstacle = Obstacle(
        title=_text(body, "title", required=True),
        authority=_text(body, "authority", required=True),
        description=_text(body, "description", required=True),
        agencies=_agencies(session, body.get("agencies", [])),
        owner=_text(body, "owner", required=False) or "",
        target_date=_target(body.get("target_date")),
        created_by_name=actor.username,
    )
    session.add(obstacle)
    session.flush()
    session.add(ObstacleEvent(obstacle_id=obstacle.id, actor_name=actor.username,
                              status=obstacle.status, note="identified"))  # fmt: skip
    record_event(session, actor=actor, action="obstacle.record", resource_type=RESOURCE,
                 resource_id=obstacle.id, detail={"title": obstacle.title})  # fmt: skip
    return obstacle


def update_obstacle(
    session: Session, *, actor: Actor, obstacle_id: int, body: dict[str, Any]
) -> Obstacle:
    """Move an obstacle's review on: status, owner, target_date, resolution, and a note for
    the timeline. Resolving or withdrawing needs a resolution."""
    authorize(session, actor=actor, action=Action.MANAGE_OBSTACLE, resource=Resource(RESOURCE))
    obstacle = get_obstacle(session, obstacle_id=obstacle_id)
    unknown = set(body) - {"status", "owner", "target_date", "resolution", "note"}
    if unknown:
        raise InvalidInput(f"{sorted(unknown)[0]}: not a field that changes on an obstacle.")
    changes = []
    status = body.get("status", obstacle.status)
    if status not in STATUSES:
        raise InvalidInput(f"status: {status!r} is not one of {', '.join(STATUSES)}.")
    owner = _text(body, "owner", required=False)
    resolution = _text(body, "resolution", required=False)
    if status not in OPEN and not (resolution or obstacle.resolution):
        raise InvalidInput(f"resolution: say how the obstacle was {status}.")
    if status != obstacle.status:
        changes.append(f"status {obstacle.status} to {status}")
        obstacle.status = status
    if owner is not None and owner != obstacle.owner:
        changes.append(f"owner {owner or 'none'}")
        obstacle.owner = owner
    if "target_date" in body:
        target = _target(body["target_date"])
        if target != obstacle.target_date:
            changes.append(f"target date {target or 'none'}")
            obstacle.target_date = target
    if resolution is not None and resolution != obstacle.resolution:
        changes.append("resolution recorded")
        obstacle.resolution = resolution
    note = body.get("note", "")
    if not isinstance(note, str) or len(note) > 5000:
        raise InvalidInput("note: give text of at most 5,000 characters.")
    if not changes and not note.strip():
        raise InvalidInput("nothing changes: give a status, owner, date, resolution or note.")
    entry = "; ".join([*changes, *([note.strip()] if note.strip() else [])])
    session.add(ObstacleEvent(obstacle_id=obstacle.id, actor_name=actor.username,
                              status=obstacle.status, note=entry))  # fmt: skip
    record_event(session, actor=actor, action="obstacle.update", resource_type=RESOURCE,
                 resource_id=obstacle.id, detail={"changes": changes})  # fmt: skip
    return obstacle


def get_obstacle(session: Session, *, obstacle_id: int) -> Obstacle:
    found = session.get(Obstacle, obstacle_id)
    if found is None:
        raise NotFound(f"obstacle {obstacle_id}: there is no such obstacle.")
    return found


def list_obstacles(session: Session) -> list[Obstacle]:
    """Open obstacles first (the nearest target date first), then the closed, newest first."""
    found = list(session.scalars(select(Obstacle)))
    still = sorted((o for o in found if o.status in OPEN),
                   key=lambda o: (o.target_date or date.max, o.id))  # fmt: skip
    closed = sorted((o for o in found if o.status not in OPEN), key=lambda o: -o.id)
    return still + closed


def timeline(session: Session, obstacle: Obstacle) -> list[ObstacleEvent]:
    return list(
        session.scalars(
            select(ObstacleEvent)
            .where(ObstacleEvent.obstacle_id == obstacle.id)
            .order_by(ObstacleEvent.at, ObstacleEvent.id)
        )
    )


def obstacle_view(
    session: Session, obstacle: Obstacle, *, with_timeline: bool = False, staff: bool = False
) -> dict[str, Any]:
    """An obstacle as the public reads it; ``staff`` adds who did what on the timeline."""
    today = date.today()
    view: dict[str, Any] = {
        "id": obstacle.id,
        "title": obstacle.title,
        "authority": obstacle.authority,
        "agencies": obstacle.agencies,
        "description": obstacle.description,
        "status": obstacle.status,
        "open": obstacle.status in OPEN,
        "owner": obstacle.owner,
        "target_date": obstacle.target_date.isoformat() if obstacle.target_date else None,
        "overdue": bool(
            obstacle.status in OPEN and obstacle.target_date and obstacle.target_date < today
        ),
        "resolution": obstacle.resolution,
        "recorded_on": obstacle.created_at.date().isoformat(),
    }
    if with_timeline:
        view["timeline"] = [
            {
                "at": e.at.isoformat(),
                "status": e.status,
                "note": e.note,
                **({"by": e.actor_name} if staff else {}),
            }
            for e in timeline(session, obstacle)
        ]
    return view


def summary(session: Session) -> dict[str, Any]:
    """The public summary: how many obstacles stand in each state, by law and by agency."""
    found = list_obstacles(session)
    by_agency: Counter[str] = Counter()
    for o in found:
        if o.status in OPEN:
            by_agency.update(o.agencies)
    return {
        "total": len(found),
        "open": sum(o.status in OPEN for o in found),
        "by_status": {s: sum(o.status == s for o in found) for s in STATUSES},
        "open_by_agency": dict(sorted(by_agency.items())),
        "obstacles": [obstacle_view(session, o) for o in found],
    }


def recent_entries(session: Session, *, limit: int = 40) -> list[dict[str, Any]]:
    """The latest timeline entries of every obstacle, newest first (the review as it moves)."""
    found = session.execute(
        select(ObstacleEvent, Obstacle.title)
        .join(Obstacle, Obstacle.id == ObstacleEvent.obstacle_id)
        .order_by(ObstacleEvent.at.desc(), ObstacleEvent.id.desc())
        .limit(limit)
    )
    return [
        {
            "obstacle": e.obstacle_id,
            "title": title,
            "at": e.at.isoformat(),
            "status": e.status,
            "note": e.note,
        }
        for e, title in found
    ]
