"""The access decisions themselves, as a table: who may do what to which resource."""

from __future__ import annotations

import pytest

from statedata.identity.actor import Actor, Role, Scope
from statedata.identity.policy import Action, Classification, Grant, Resource, decide

DSS, DPH = 1, 2


def person(role: Role, agency: int | None = None, scopes: frozenset[Scope] | None = None) -> Actor:
    return Actor(
        user_id=7,
        username=role.value,
        role=role,
        agency_id=agency,
        scopes=scopes or frozenset(Scope),
    )


def dataset(classification: Classification, agency: int = DSS) -> Resource:
    return Resource(type="dataset", id="abcd-1234", agency_id=agency, classification=classification)


ANONYMOUS = Actor.anonymous()
ADMIN = person(Role.ADMIN)
DSS_STEWARD = person(Role.STEWARD, DSS)
DPH_STEWARD = person(Role.STEWARD, DPH)
DSS_ADO = person(Role.AGENCY_DATA_OFFICER, DSS)
ANALYST = person(Role.ANALYST, DPH)
RESEARCHER = person(Role.RESEARCHER)


@pytest.mark.parametrize(
    ("actor", "classification", "allowed"),
    [
        (ANONYMOUS, Classification.PUBLIC, True),
        (ANONYMOUS, Classification.INTERNAL, False),
        (RESEARCHER, Classification.INTERNAL, False),
        (ANALYST, Classification.INTERNAL, True),
        (ANALYST, Classification.CONFIDENTIAL, False),
        (DSS_STEWARD, Classification.CONFIDENTIAL, True),
        (DPH_STEWARD, Classification.CONFIDENTIAL, False),
        (ADMIN, Classification.CONFIDENTIAL, True),
        (ADMIN, Classification.RESTRICTED, False),
        (DSS_ADO, Classification.RESTRICTED, True),
        (DSS_STEWARD, Classification.RESTRICTED, True),
        (DPH_STEWARD, Classification.RESTRICTED, False),
        (ANALYST, Classification.RESTRICTED, False),
    ],
)
def test_dataset_reads_follow_classification_and_agency(
    actor: Actor, classification: Classification, allowed: bool
) -> None:
    assert decide(actor, Action.READ_DATASET, dataset(classification)).allowed is allowed


def test_a_grant_opens_a_restricted_dataset_to_a_researcher() -> None:
    resource = dataset(Classification.RESTRICTED)

    assert not decide(RESEARCHER, Action.READ_DATASET, resource).allowed
    assert decide(
        RESEARCHER, Action.READ_DATASET, resource, grants=(Grant("dataset", "abcd-1234"),)
    ).allowed
    assert not decide(
        RESEARCHER, Action.READ_DATASET, resource, grants=(Grant("dataset", "other-0000"),)
    ).allowed


@pytest.mark.parametrize(
    "action", [Action.READ_AUDIT, Action.MANAGE_USERS, Action.MANAGE_AGENCIES, Action.READ_USERS]
)
@pytest.mark.parametrize("actor", [DSS_ADO, DSS_STEWARD, ANALYST, RESEARCHER])
def test_administration_is_for_the_cdo_office_only(action: Action, actor: Actor) -> None:
    assert not decide(actor, action).allowed
    assert decide(ADMIN, action).allowed


def test_anonymous_refusals_ask_for_sign_in_and_others_do_not() -> None:
    assert decide(ANONYMOUS, Action.READ_AUDIT).needs_sign_in
    assert not decide(ANALYST, Action.READ_AUDIT).needs_sign_in


def test_a_token_is_limited_to_its_scopes_even_for_an_admin() -> None:
    read_only_admin = person(Role.ADMIN, scopes=frozenset({Scope.READ}))

    decision = decide(read_only_admin, Action.READ_AUDIT)

    assert not decision.allowed
    assert "admin" in decision.reason


def test_jobs_are_visible_to_their_owner_and_admins() -> None:
    job = Resource(type="job", id="1", owner_user_id=7)
    other = Resource(type="job", id="2", owner_user_id=8)

    assert decide(ANALYST, Action.READ_JOB, job).allowed
    assert not decide(ANALYST, Action.READ_JOB, other).allowed
    assert decide(
        Actor(user_id=99, username="chief", role=Role.ADMIN), Action.READ_JOB, other
    ).allowed


def test_the_command_line_operator_is_trusted() -> None:
    assert decide(Actor.system("cli"), Action.MANAGE_USERS).allowed
