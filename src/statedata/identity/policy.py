"""The one place that decides access: may this actor do this action to that resource?

Every adapter (API route, page, download, CLI, job) asks :func:`authorize`. A refusal is written
to the audit log and raised as :class:`NotAuthenticated` (401: say who you are) or
:class:`Forbidden` (403: you may not); an allowed read of non-public data is written too.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, or_, true
from sqlalchemy.orm import Session

from statedata.core.audit import record_event, record_refusal
from statedata.core.errors import Forbidden, NotAuthenticated
from statedata.identity.actor import Actor, Role, Scope

DATASET = "dataset"  # the resource type of a catalog entry and of the grants that name one
# the resource type of a grant to read a person-index source's records (an active agreement
# that links through the index makes one for each user it names)
PERSON_SOURCE = "person_source"


class Classification(StrEnum):
    """How sensitive a dataset is, from open to the most protected."""

    PUBLIC = "public"
    INTERNAL = "internal"  # state staff may read
    CONFIDENTIAL = "confidential"  # the owning agency (and the CDO's office) may read
    RESTRICTED = "restricted"  # the owning agency's data officer and stewards, and explicit grants


class Action(StrEnum):
    """Things an actor can ask to do. The value is what the audit log records."""

    READ_ACCOUNT = "account.read"
    MANAGE_OWN_TOKENS = "token.manage"
    CHANGE_OWN_PASSWORD = "account.password"  # noqa: S105 (an action name)
    READ_AUDIT = "audit.read"
    READ_USERS = "user.read"
    MANAGE_USERS = "user.manage"
    MANAGE_AGENCIES = "agency.manage"
    LIST_JOBS = "job.list"
    READ_JOB = "job.read"
    START_JOB = "job.start"
    READ_DATASET = "dataset.read"  # the rows
    READ_METADATA = "dataset.metadata.read"  # the catalog entry: title, dictionary, versions
    CREATE_DATASET = "dataset.create"
    EDIT_DATASET = "dataset.edit"  # metadata, dictionary, uploads, loads, restores, retiring
    REVIEW_DATASET = "dataset.review"  # approve a dataset another person submitted
    MANAGE_INVENTORY = "inventory.manage"  # review and submit the agency's annual inventory
    USE_SQL_WORKSPACE = "sql.use"  # run SQL over the datasets one may read
    SAVE_SQL_QUERY = "sql.save"  # keep, change and delete one's own saved statements
    READ_OUTBOX = "outbox.read"  # the reminders and notices the portal sent or keeps
    MATCH_PERSONS = "person.match"  # look a person up in the person index by attributes
    READ_PERSON = "person.read"  # a person's records, golden record and history
    DECIDE_MATCH = "person.decide"  # say two records are, or are not, the same person
    MANAGE_EXCHANGE = "exchange.manage"  # the hub: open, link, release and close exchanges
    READ_EXCHANGE = "exchange.read"  # an exchange's state and the receipts of its files
    SUBMIT_TO_EXCHANGE = "exchange.submit"  # send one's agency's identifier or content file
    MANAGE_AGREEMENT = "agreement.manage"  # draft, change and activate sharing agreements
    READ_AGREEMENT = "agreement.read"
    SUBMIT_REQUEST = "request.submit"  # ask for data for a stated purpose
    READ_REQUEST = "request.read"  # a request, its items and its steps
    LEGAL_REVIEW = "request.legal_review"  # approve (with conditions) or deny a request
    MANAGE_OBSTACLE = "obstacle.manage"  # record legal obstacles to sharing and their review
    MANAGE_PLAN = "plan.manage"  # the plan's editions and objectives, measure snapshots


# The token scope each action needs; a browser session holds every scope.
REQUIRED_SCOPE: dict[Action, Scope] = {
    Action.READ_ACCOUNT: Scope.READ,
    Action.MANAGE_OWN_TOKENS: Scope.WRITE,
    Action.CHANGE_OWN_PASSWORD: Scope.WRITE,
    Action.READ_AUDIT: Scope.ADMIN,
    Action.READ_USERS: Scope.ADMIN,
    Action.MANAGE_USERS: Scope.ADMIN,
    Action.MANAGE_AGENCIES: Scope.ADMIN,
    Action.LIST_JOBS: Scope.READ,
    Action.READ_JOB: Scope.READ,
    Action.START_JOB: Scope.WRITE,
    Action.READ_DATASET: Scope.READ,
    Action.READ_METADATA: Scope.READ,
    Action.CREATE_DATASET: Scope.WRITE,
    Action.EDIT_DATASET: Scope.WRITE,
    Action.REVIEW_DATASET: Scope.WRITE,
    Action.MANAGE_INVENTORY: Scope.WRITE,
    Action.USE_SQL_WORKSPACE: Scope.READ,
    Action.SAVE_SQL_QUERY: Scope.WRITE,
    Action.READ_OUTBOX: Scope.READ,
    Action.MATCH_PERSONS: Scope.READ,
    Action.READ_PERSON: Scope.READ,
    Action.DECIDE_MATCH: Scope.WRITE,
    Action.MANAGE_EXCHANGE: Scope.WRITE,
    Action.READ_EXCHANGE: Scope.READ,
    Action.SUBMIT_TO_EXCHANGE: Scope.WRITE,
    Action.MANAGE_AGREEMENT: Scope.WRITE,
    Action.READ_AGREEMENT: Scope.READ,
    Action.SUBMIT_REQUEST: Scope.WRITE,
    Action.READ_REQUEST: Scope.READ,
    Action.LEGAL_REVIEW: Scope.WRITE,
    Action.MANAGE_OBSTACLE: Scope.WRITE,
    Action.MANAGE_PLAN: Scope.WRITE,
}

READS_OF_PUBLIC = frozenset({Action.READ_DATASET, Action.READ_METADATA})
ADMIN_ONLY = frozenset(
    {
        Action.READ_AUDIT,
        Action.READ_USERS,
        Action.MANAGE_USERS,
        Action.MANAGE_AGENCIES,
        Action.MANAGE_PLAN,  # the plan is the CDO's; agencies report progress toward it
    }
)
STATE_STAFF = frozenset({Role.ADMIN, Role.AGENCY_DATA_OFFICER, Role.STEWARD, Role.ANALYST})
AGENCY_KEEPERS = frozenset({Role.AGENCY_DATA_OFFICER, Role.STEWARD})


@dataclass(frozen=True)
class Resource:
    """What an action is aimed at; fields a rule does not need stay None."""

    type: str
    id: str = ""
    agency_id: int | None = None
    owner_user_id: int | None = None
    classification: Classification | None = None
    released: bool = True  # a dataset that is published (or retired and still in its notice)

    @property
    def is_public(self) -> bool:
        return self.classification is Classification.PUBLIC and self.released


@dataclass(frozen=True)
class Grant:
    """Read access to one resource given to one user until a date (made by an approved request)."""

    resource_type: str
    resource_id: str
    columns: tuple[str, ...] = ()  # PII columns the grant lets its holder see unmasked


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str

    @property
    def needs_sign_in(self) -> bool:
        return not self.allowed and self.reason == SIGN_IN


SIGN_IN = "sign in first"
ALLOW = Decision(True, "allowed")


def decide(
    actor: Actor, action: Action, resource: Resource | None = None, grants: tuple[Grant, ...] = ()
) -> Decision:
    """The decision and its reason, without side effects (pages use it to hide what cannot be done)."""
    if action in READS_OF_PUBLIC and resource is not None and resource.is_public:
        return ALLOW
    if not actor.is_authenticated:
        return Decision(False, SIGN_IN)
    if REQUIRED_SCOPE[action] not in actor.scopes:
        return Decision(False, f"the token lacks the '{REQUIRED_SCOPE[action]}' scope")
    if actor.is_system:
        return ALLOW
    if action in ADMIN_ONLY:
        return (
            ALLOW
            if actor.role is Role.ADMIN
            else Decision(False, "only the CDO's office (admin) may do this")
        )
    if action in {
        Action.READ_ACCOUNT,
        Action.MANAGE_OWN_TOKENS,
        Action.CHANGE_OWN_PASSWORD,
        Action.LIST_JOBS,
        Action.USE_SQL_WORKSPACE,  # each dataset a statement reads is still decided on its own
        Action.SAVE_SQL_QUERY,  # one's own saved statements only (the service filters by owner)
    }:
        return ALLOW
    if action is Action.READ_JOB:
        owner = resource.owner_user_id if resource else None
        if actor.role is Role.ADMIN or owner == actor.user_id:
            return ALLOW
        return Decision(False, "only the person who started a job, or an admin, may see it")
    if action is Action.START_JOB:
        return (
            ALLOW
            if actor.role in (Role.ADMIN, *AGENCY_KEEPERS)
            else Decision(False, "your role cannot start jobs")
        )
    if action is Action.READ_DATASET and resource is not None:
        return _decide_dataset_read(actor, resource, grants)
    if action is Action.READ_METADATA and resource is not None:
        return (
            ALLOW
            if dataset_visibility(actor, grants).allows(resource)
            else Decision(False, "this catalog entry is not visible to you")
        )
    if action in {Action.CREATE_DATASET, Action.EDIT_DATASET, Action.REVIEW_DATASET}:
        return _decide_dataset_keeping(actor, action, resource)
    if action is Action.READ_OUTBOX:
        if actor.role is Role.ADMIN or actor.role in AGENCY_KEEPERS:
            return ALLOW  # which messages: outbox_agency()
        return Decision(False, "only data officers, stewards and admins read the outbox")
    if action in {Action.MATCH_PERSONS, Action.READ_PERSON, Action.DECIDE_MATCH}:
        # The index joins every agency's people: only those who keep person data use it.
        if actor.role is Role.ADMIN or actor.role in AGENCY_KEEPERS:
            return ALLOW
        return Decision(False, "only stewards, data officers and admins use the person index")
    if action in {Action.READ_EXCHANGE, Action.SUBMIT_TO_EXCHANGE, Action.MANAGE_EXCHANGE}:
        return _decide_exchange(actor, action, resource)
    if action in {Action.MANAGE_AGREEMENT, Action.READ_AGREEMENT}:
        return _decide_agreement(actor, action, resource)
    if action is Action.MANAGE_OBSTACLE:  # the tracker itself is public
        if actor.role in (Role.ADMIN, Role.AGENCY_DATA_OFFICER):
            return ALLOW
        return Decision(False, "only the CDO's office and agency data officers track obstacles")
    if action is Action.SUBMIT_REQUEST:
        if actor.role in (Role.RESEARCHER, Role.ANALYST, *AGENCY_KEEPERS, Role.ADMIN):
            return ALLOW
        return Decision(False, "your role cannot request data")
    if action is Action.READ_REQUEST:
        # the requester, the keepers of an agency whose data it asks for (the service puts the
        # agency on the resource when so), and the CDO's office
        owner = resource is not None and resource.owner_user_id == actor.user_id
        keeper = (
            resource is not None
            and resource.agency_id is not None
            and resource.agency_id == actor.agency_id
            and actor.role in AGENCY_KEEPERS
        )
        if actor.role is Role.ADMIN or owner or keeper:
            return ALLOW
        return Decision(False, "only the requester, the agencies asked and the CDO's office")
    if action is Action.LEGAL_REVIEW:
        if actor.role is Role.ADMIN:
            return ALLOW
        return Decision(False, "legal review is the CDO's office's")
    if action is Action.MANAGE_INVENTORY:
        if actor.role is Role.ADMIN or (
            actor.role is Role.AGENCY_DATA_OFFICER
            and resource is not None
            and resource.agency_id == actor.agency_id
        ):
            return ALLOW
        return Decision(False, "only the agency's data officer may submit its inventory")
    return Decision(False, "no rule allows this")


def _decide_exchange(actor: Actor, action: Action, resource: Resource | None) -> Decision:
    # The hub is the CDO's office; an agency takes part through its keepers, and only in the
    # exchanges it is named in (the service sets the resource's agency when it is).
    if action is Action.MANAGE_EXCHANGE:
        if actor.role is Role.ADMIN:
            return ALLOW
        return Decision(False, "only the CDO's office runs the hub")
    if action is Action.READ_EXCHANGE and actor.role is Role.ADMIN:
        return ALLOW
    taking_part = resource is not None and resource.agency_id == actor.agency_id
    if actor.role in AGENCY_KEEPERS and taking_part:
        return ALLOW
    return Decision(False, "only the data officers and stewards of agencies in the exchange")


def _decide_agreement(actor: Actor, action: Action, resource: Resource | None) -> Decision:
    if actor.role in (Role.ADMIN, Role.AGENCY_DATA_OFFICER):
        return ALLOW
    if action is Action.READ_AGREEMENT:
        if actor.role is Role.STEWARD:
            return ALLOW
        if resource is not None and resource.owner_user_id == actor.user_id and resource.id:
            return ALLOW  # a user the agreement names reads it
        if resource is not None and not resource.id and actor.is_authenticated:
            return ALLOW  # the list: each agreement in it is decided on its own
    return Decision(False, "only the CDO's office and agency data officers draft agreements")


def _decide_dataset_keeping(actor: Actor, action: Action, resource: Resource | None) -> Decision:
    same_agency = resource is not None and resource.agency_id == actor.agency_id
    if not (actor.role is Role.ADMIN or (same_agency and actor.role in AGENCY_KEEPERS)):
        return Decision(False, "only the agency's stewards and data officer may do this")
    if (
        action is Action.REVIEW_DATASET
        and resource is not None
        and resource.owner_user_id == actor.user_id
    ):
        return Decision(
            False, "another steward or the data officer must approve what you submitted"
        )
    return ALLOW


def _decide_dataset_read(actor: Actor, resource: Resource, grants: tuple[Grant, ...]) -> Decision:
    if any(g.resource_type == resource.type and g.resource_id == resource.id for g in grants):
        return ALLOW
    same_agency = resource.agency_id is not None and resource.agency_id == actor.agency_id
    if not resource.released and not (
        actor.role is Role.ADMIN or (same_agency and actor.role in AGENCY_KEEPERS)
    ):
        return Decision(False, "a dataset that is not published is seen only by its agency")
    match resource.classification:
        case Classification.PUBLIC:  # not yet released: its agency's keepers got this far
            return ALLOW
        case Classification.INTERNAL if actor.role in STATE_STAFF:
            return ALLOW
        case Classification.CONFIDENTIAL if actor.role is Role.ADMIN or (
            same_agency and actor.role in STATE_STAFF
        ):
            return ALLOW
        case Classification.RESTRICTED if same_agency and actor.role in AGENCY_KEEPERS:
            return ALLOW
    return Decision(
        False, f"{resource.classification or 'this'} data needs a role or grant you do not have"
    )


def masked_columns(
    actor: Actor, resource: Resource, pii_columns: frozenset[str], grants: tuple[Grant, ...] = ()
) -> frozenset[str]:
    """The PII columns this actor reads masked: the agency's own keepers and admins see them, a
    grant shows the columns it names, everyone else (the public included) sees them masked."""
    if not pii_columns or actor.is_system or actor.role is Role.ADMIN:
        return frozenset()
    if actor.role in AGENCY_KEEPERS and resource.agency_id == actor.agency_id:
        return frozenset()
    granted = {
        c
        for g in grants
        if g.resource_type == resource.type and g.resource_id == resource.id
        for c in g.columns
    }
    return pii_columns - granted


def person_source_visible(
    actor: Actor,
    source: Resource | None,
    personal: frozenset[str],
    grants: tuple[Grant, ...] = (),
) -> bool:
    """Whether the actor reads what a person-index source's records say.

    The index joins every agency's people, so it shows a source's records to no one the source
    itself would not show them to: whoever may read the source dataset with ``personal`` (the
    columns the index reads) unmasked, or holds a grant to the source that an agreement covering
    the index made. Others learn only that a record exists at the source's agency. A source no
    catalog dataset stands behind (``None``) is the CDO's office's alone.
    """
    if not actor.is_authenticated or REQUIRED_SCOPE[Action.READ_PERSON] not in actor.scopes:
        return False
    if actor.is_system or actor.role is Role.ADMIN:
        return True
    if source is None:
        return False
    if any(g.resource_type == PERSON_SOURCE and g.resource_id == source.id for g in grants):
        return True
    if not _decide_dataset_read(actor, source, grants).allowed:
        return False
    return not masked_columns(actor, source, personal, grants)


@dataclass(frozen=True)
class DatasetVisibility:
    """Which catalog entries an actor may see: the one rule, decided for one entry
    (:meth:`allows`) or compiled to SQL for a search or a count (:meth:`as_sql`).

    Anyone sees released public entries; state staff also see released internal and confidential
    entries (knowing a dataset exists is how a data request starts); an agency's own staff see its
    released entries of every classification, and its keepers its drafts; a grant shows the
    entry it names to its holder; admins see everything.
    """

    everything: bool = False
    released_classifications: frozenset[Classification] = frozenset({Classification.PUBLIC})
    agency_id: int | None = None
    agency_unreleased: bool = False  # the agency's drafts and entries in review
    granted_ids: frozenset[str] = frozenset()  # datasets the actor's live grants name

    def allows(self, resource: Resource) -> bool:
        if self.everything or resource.id in self.granted_ids:
            return True
        own = self.agency_id is not None and resource.agency_id == self.agency_id
        if own and (resource.released or self.agency_unreleased):
            return True
        return resource.released and resource.classification in self.released_classifications

    def as_sql(self, entry: CatalogColumns) -> ColumnElement[bool]:
        """:meth:`allows` as a SQL condition over the catalog's columns."""
        if self.everything:
            return true()
        clause = and_(
            entry.released,
            entry.classification.in_(sorted(c.value for c in self.released_classifications)),
        )
        if self.agency_id is not None:
            own = entry.agency_id == self.agency_id
            clause = or_(clause, and_(own, true() if self.agency_unreleased else entry.released))
        if self.granted_ids:
            clause = or_(clause, entry.public_id.in_(sorted(self.granted_ids)))
        return clause


@dataclass(frozen=True)
class CatalogColumns:
    """The catalog's columns a visibility condition reads (the catalog supplies them)."""

    public_id: SQLColumnExpression[str]
    agency_id: SQLColumnExpression[int]
    classification: SQLColumnExpression[str]
    released: SQLColumnExpression[bool]


def dataset_visibility(actor: Actor, grants: tuple[Grant, ...] = ()) -> DatasetVisibility:
    """The catalog entries this actor, holding ``grants``, may see."""
    if not actor.is_authenticated or REQUIRED_SCOPE[Action.READ_METADATA] not in actor.scopes:
        return DatasetVisibility()  # what anyone sees: released public entries
    if actor.is_system or actor.role is Role.ADMIN:
        return DatasetVisibility(everything=True)
    granted = frozenset(g.resource_id for g in grants if g.resource_type == DATASET)
    if actor.role not in STATE_STAFF:
        return DatasetVisibility(granted_ids=granted)
    return DatasetVisibility(
        released_classifications=frozenset(
            {Classification.PUBLIC, Classification.INTERNAL, Classification.CONFIDENTIAL}
        ),
        agency_id=actor.agency_id,
        agency_unreleased=actor.role in AGENCY_KEEPERS,
        granted_ids=granted,
    )


def authorize(
    session: Session,
    *,
    actor: Actor,
    action: Action,
    resource: Resource | None = None,
    grants: tuple[Grant, ...] | None = None,
) -> None:
    """Raise unless allowed; audit refusals and every allowed read of non-public data.

    A dataset read that is not public is also decided with the actor's live grants, read here
    (unless the caller passes the ones it read) so that a grant's end date holds on every path
    at once.
    """
    if (
        action in (Action.READ_DATASET, Action.READ_METADATA)
        and grants is None
        and resource is not None
        and not resource.is_public
        and actor.user_id is not None
    ):
        from statedata.identity.grants import live_grants  # the table imports this module

        grants = live_grants(session, actor)
    decision = decide(actor, action, resource, grants or ())
    resource_type = resource.type if resource else ""
    resource_id = resource.id if resource else ""
    if not decision.allowed:
        record_refusal(
            session,
            actor=actor,
            action=action.value,
            resource_type=resource_type,
            resource_id=resource_id,
            detail={"reason": decision.reason},
        )
        if decision.needs_sign_in:
            raise NotAuthenticated(
                "Sign in or send an API token (Authorization: Bearer ...) to do this."
            )
        raise Forbidden(f"Not allowed: {decision.reason}.")
    if _is_audited_read(action, resource):
        record_event(
            session,
            actor=actor,
            action=action.value,
            resource_type=resource_type,
            resource_id=resource_id,
            outcome="allowed",
        )


def outbox_agency(actor: Actor) -> int | None:
    """The one agency whose messages the actor reads in the outbox; None means every agency's."""
    if actor.is_system or actor.role is Role.ADMIN:
        return None
    return actor.agency_id if actor.agency_id is not None else -1  # -1 matches no agency


def _is_audited_read(action: Action, resource: Resource | None) -> bool:
    if action in {
        Action.READ_AUDIT,
        Action.READ_USERS,
        Action.READ_OUTBOX,
        Action.MATCH_PERSONS,
        Action.READ_PERSON,
    }:
        return True
    return action is Action.READ_DATASET and resource is not None and not resource.is_public
