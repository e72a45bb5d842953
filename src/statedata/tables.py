"""Every table of an instance, imported from the package that owns it, so that the metadata
(Alembic's migrations, backups and restores) sees the whole schema."""

from __future__ import annotations

from statedata.catalog.models import Dataset, DatasetVersion, InventorySubmission, Upload
from statedata.core.audit import AuditEvent
from statedata.core.db import Base
from statedata.core.instance import InstanceFact
from statedata.core.jobs import Job
from statedata.core.outbox import OutboxMessage
from statedata.identity.grants import AccessGrant
from statedata.identity.models import Agency, ApiToken, User, WebSession
from statedata.linkage.exchange.models import Exchange, ExchangeFile, ExchangeKey
from statedata.linkage.models import (
    LinkageModel,
    LinkageRun,
    LinkageSource,
    MatchDecision,
    Person,
    PersonEvent,
    PersonRecord,
    ScoredPair,
)
from statedata.plan.models import (
    MeasureSnapshot,
    PlanAction,
    PlanEdition,
    PlanFocalPoint,
    PlanGoal,
    PlanObjective,
    PlanPrinciple,
)
from statedata.privacy.models import DatasetPrivacy, Release
from statedata.quality.models import VersionReport
from statedata.query.models import DatasetUsage, SavedQuery
from statedata.sharing.models import (
    Agreement,
    DataRequest,
    Obstacle,
    ObstacleEvent,
    RequestItem,
    RequestStep,
)

metadata = Base.metadata

__all__ = [
    "AccessGrant",
    "Agency",
    "Agreement",
    "ApiToken",
    "AuditEvent",
    "DataRequest",
    "Dataset",
    "DatasetPrivacy",
    "DatasetUsage",
    "DatasetVersion",
    "Exchange",
    "ExchangeFile",
    "ExchangeKey",
    "InstanceFact",
    "InventorySubmission",
    "Job",
    "LinkageModel",
    "LinkageRun",
    "LinkageSource",
    "MatchDecision",
    "MeasureSnapshot",
    "Obstacle",
    "ObstacleEvent",
    "OutboxMessage",
    "Person",
    "PersonEvent",
    "PersonRecord",
    "PlanAction",
    "PlanEdition",
    "PlanFocalPoint",
    "PlanGoal",
    "PlanObjective",
    "PlanPrinciple",
    "Release",
    "RequestItem",
    "RequestStep",
    "SavedQuery",
    "ScoredPair",
    "Upload",
    "User",
    "VersionReport",
    "WebSession",
    "metadata",
]
