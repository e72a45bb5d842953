"""API shapes of identity objects (what goes in and out of /api/v1)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from statedata.core.text_fields import NONBLANK
from statedata.identity.actor import Role, Scope


class AgencyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    name: str


class AgencyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(
        pattern=r"^\s*[A-Za-z][A-Za-z0-9]{1,19}\s*$",
        description="Short code, e.g. DSS: 2-20 letters or digits, starting with a letter.",
    )
    name: str = Field(max_length=300, pattern=NONBLANK)


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    username: str
    full_name: str
    email: str
    role: str
    agency: AgencyOut | None
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(
        pattern=r"^\s*[A-Za-z0-9][A-Za-z0-9._-]{1,99}\s*$",
        description="2-100 letters, digits, dots, dashes or underscores (kept in lowercase).",
    )
    password: str | None = Field(default=None, description="Omit for single sign-on users.")
    role: Role
    agency: str | None = Field(
        default=None, description="Agency code; required for officers and stewards."
    )
    full_name: str = ""
    email: str = ""


class MeOut(BaseModel):
    username: str
    role: str | None
    agency: str | None
    via: str
    scopes: list[str]


class PasswordChange(BaseModel):
    current_password: str
    new_password: str


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    display_prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=200, pattern=NONBLANK, description="Where it is used.")
    scopes: list[Scope] = Field(
        default_factory=lambda: [Scope.READ],
        min_length=1,
        description="admin: admins only.",
    )
    expires_in_days: int = Field(
        default=90, ge=1, description="At most the instance's token_max_days."
    )


class TokenCreated(TokenOut):
    token: str = Field(description="The secret; shown only now.")


class AuditEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    occurred_at: datetime
    actor_name: str
    action: str
    resource_type: str
    resource_id: str
    outcome: str
    client_ip: str | None
    detail: dict[str, Any]


class AuditPage(BaseModel):
    total: int
    events: list[AuditEventOut]
    next: str | None
