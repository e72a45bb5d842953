"""Who is asking: a signed-in user, a token holder, the system, or the anonymous public."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    """What a person does in the State Data Plan; anonymous visitors have no role."""

    ADMIN = "admin"  # the Chief Data Officer's office
    AGENCY_DATA_OFFICER = "agency_data_officer"
    STEWARD = "steward"
    ANALYST = "analyst"
    RESEARCHER = "researcher"


class Scope(StrEnum):
    """What an API token may be used for; a browser session has every scope its role allows."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


ALL_SCOPES = frozenset(Scope)


@dataclass(frozen=True)
class Actor:
    """The party a service acts for. Built by the web layer, the CLI or a job."""

    user_id: int | None
    username: str
    role: Role | None = None
    agency_id: int | None = None
    scopes: frozenset[Scope] = field(default_factory=lambda: ALL_SCOPES)
    client_ip: str | None = None
    via: str = (
        "session"  # session, token, anonymous, or the system part acting (cli, job, demo, oidc)
    )
    is_system: bool = False  # the operator's command line or the platform itself, trusted fully

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None or self.is_system

    @classmethod
    def anonymous(cls, client_ip: str | None = None) -> Actor:
        return cls(
            user_id=None,
            username="anonymous",
            scopes=frozenset({Scope.READ}),
            client_ip=client_ip,
            via="anonymous",
        )

    @classmethod
    def system(cls, via: str = "cli") -> Actor:
        """The operator at the command line or a background job: trusted like the CDO's office."""
        return cls(user_id=None, username=f"system:{via}", role=Role.ADMIN, via=via, is_system=True)
