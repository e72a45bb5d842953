"""API shapes of identity objects (what goes in and out of /api/v1)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AgencyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    name: str


class AgencyIn(BaseModel):
    code: str = Field(description="Short code, e.g. DSS.")
    name: str


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
    username: str
    password: str | None = Field(default=None, description="Omit for single sign-on users.")
    role: str
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
    name: str
    scopes: list[str] = Field(default_factory=lambda: ["read"])
    expires_in_days: int = 90


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
