"""The request bodies of the sharing API (agreements, data requests, obstacles), typed so that the
OpenAPI document states the rules a schema can state.

The services check the same fields again for the forms; what only the catalog can answer (a
dataset by that id, its columns, a row condition that compiles over them, dates in order) stays
theirs and is refused by field with 422.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from statedata.core.text_fields import NONBLANK, trimmed_at_least
from statedata.sharing.obstacles import STATUSES
from statedata.sharing.regimes import REGIMES


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def sent(self) -> dict[str, Any]:
        """The fields the client sent, as JSON values (dates as ISO text), for the service."""
        return self.model_dump(mode="json", exclude_unset=True)


LinkageMethod = Literal[
    "none", "person index", "hub exchange", "privacy-preserving (Bloom filters)"
]
Lines = list[str]


class Party(_Body):
    name: str = Field(max_length=300, pattern=NONBLANK)
    kind: Literal["agency", "organization"] = "agency"
    role: Literal["provider", "recipient"] = "provider"
    signatory: str = Field(default="", max_length=200)
    title: str = Field(default="", max_length=200)
    signed_on: date | None = None


class AgreementSource(_Body):
    dataset: str = Field(max_length=100, description="The dataset's public id or slug.")
    regime: str = Field(json_schema_extra={"enum": list(REGIMES)})
    authority: str = Field(default="", max_length=500)
    columns: list[str] = Field(default_factory=list, max_length=1000)
    row_condition: str = Field(default="", max_length=2000, description="A SoQL $where.")


class AgreementChanges(_Body):
    """Parts of an agreement; a draft changes only the parts sent."""

    title: str = Field(default="", max_length=300, pattern=NONBLANK)
    purpose: str = Field(default="", max_length=5000)
    linkage_method: LinkageMethod = "none"
    identifier_holder: str = Field(default="", max_length=5000)
    redisclosure: str = Field(default="", max_length=5000)
    retention: str = Field(default="", max_length=5000)
    destruction_method: str = Field(default="", max_length=5000)
    renewal: str = Field(default="", max_length=5000)
    termination: str = Field(default="", max_length=5000)
    permitted_uses: Lines = Field(default_factory=list, max_length=200)
    prohibited_uses: Lines = Field(default_factory=list, max_length=200)
    security_requirements: Lines = Field(default_factory=list, max_length=200)
    authorized_users: Lines = Field(default_factory=list, max_length=1000)
    destruction_deadline: date | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    publication_threshold: int | None = Field(default=None, ge=0, le=1_000_000_000)
    breach_notice_hours: int | None = Field(default=None, ge=0, le=1_000_000)
    parties: list[Party] = Field(default_factory=list, max_length=100)
    sources: list[AgreementSource] = Field(default_factory=list, max_length=100)


class NewAgreement(AgreementChanges):
    """A draft agreement: a title, and any other parts known so far."""

    title: str = Field(max_length=300, pattern=NONBLANK)


class RequestedItem(_Body):
    dataset: str = Field(max_length=100, description="A published dataset's public id or slug.")
    columns: list[str] = Field(min_length=1, max_length=1000)
    row_condition: str = Field(default="", max_length=2000, description="A SoQL $where.")


class NewDataRequest(_Body):
    title: str = Field(max_length=300, pattern=NONBLANK)
    purpose: str = Field(
        max_length=10_000,
        pattern=trimmed_at_least(20),
        description="What the data is for (at least 20 characters).",
    )
    linked: bool = Field(default=False, description="Link the parts across agencies by person.")
    agreement: int | None = Field(default=None, ge=1, description="The agreement it rests on.")
    items: list[RequestedItem] = Field(min_length=1, max_length=100)


class NewObstacle(_Body):
    title: str = Field(max_length=300, pattern=NONBLANK)
    authority: str = Field(
        max_length=300, pattern=NONBLANK, description="The statute or rule in the way."
    )
    description: str = Field(max_length=10_000, pattern=NONBLANK)
    agencies: list[str] = Field(default_factory=list, max_length=100, description="Codes.")
    owner: str = Field(default="", max_length=200)
    target_date: date | None = None


class ObstacleChanges(_Body):
    """A step in an obstacle's review; resolving or withdrawing needs a resolution."""

    status: str = Field(default="identified", json_schema_extra={"enum": list(STATUSES)})
    owner: str = Field(default="", max_length=200)
    target_date: date | None = None
    resolution: str = Field(default="", max_length=10_000)
    note: str = Field(default="", max_length=5000)
