"""The API keeps its own description: schemathesis generates requests from the OpenAPI document
against a live server on loopback, as the public and as an admin with a token, and every answer
must be no server error, a status code and content type the document declares, a body its schema
allows, and within 5 seconds. Requests that break the schema must be refused, and requests the
schema allows must be accepted: a 422 on them means the document did not say a rule.

The instance holds a published dataset, and the generated requests name it (and its agency, an
element of the standards, its first version), so that bodies reach the services rather than
stopping at a 404. The operations left below may still answer 422 to a request the schema allows,
for rules only the data can answer, each named.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from statedata.app import create_app
from statedata.core.config import Settings
from tests.catalog.publishing import make_dataset
from tests.factories import make_token
from tests.servers import serve_app

pytestmark = pytest.mark.slow
CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
        "positive_data_acceptance",
    )
)
# Operations whose bodies name things in the data, with the rule the schema cannot state.
DATA_RULES = {
    "PUT /api/v1/datasets/{ref}/dictionary": "a field's name must be a column of the dataset",
    "PUT /api/v1/datasets/{ref}/quality/rules": "a rule's columns must be the dataset's",
    "POST /api/v1/datasets": "an administrator, who has no agency, names the holding one",
    "POST /api/v1/datasets/{ref}/uploads": "the file must be a table in a format it can read",
    "POST /api/v1/inventory/{agency}/import": "the sheet must hold the inventory's columns",
    "POST /api/v1/requests": "a request names published datasets and their columns",
    "POST /api/v1/agreements": "an agreement's sources name datasets and their columns",
    "POST /api/v1/me/password": "the current password must be the caller's",
    "POST /api/v1/tokens": "a token lasts at most the instance's token_max_days",
    "POST /api/v1/sql": "the SQL must be a SELECT the workspace can run",
    "POST /api/v1/sql/saved": "the SQL must be a SELECT the workspace can run",
    "PUT /api/v1/sql/saved/{query_id}": "the SQL must be a SELECT the workspace can run",
    "PUT /api/v1/datasets/{ref}/linkage": "the mapping names the dataset's columns",
    "GET /api/v1/datasets/{ref}/facets": "the columns counted must be the dataset's",
    "POST /api/v1/users": "a password the policy accepts; officers and stewards name an agency",
    "POST /api/v1/plan/editions": "codes are unique and name the edition's goals; measures and "
    "agencies exist; dates are in order",
    "GET /api/v1/measures": "to is not before from",
    "POST /api/v1/persons/match": "at least one attribute holds a value, not null or spaces",
}


def _config(ref: str) -> str:
    accepted = '["2xx", "3xx", "400", "401", "403", "404", "409", "422", "429"]'
    operations = "".join(
        f"\n[[operations]]\ninclude-name = {name!r}\n"
        f"checks.positive_data_acceptance.expected-statuses = {accepted}\n"
        for name in DATA_RULES
    )
    return (
        # NUL is refused everywhere (PostgreSQL's text cannot hold it), which no schema says
        "[generation]\nallow-x00 = false\n"
        f'[parameters]\nref = "{ref}"\nagency = "DOL"\nkey = "town"\nnumber = 1\n{operations}'
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # a contract, not SQL
def test_the_api_answers_as_its_openapi_document_says(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    token = make_token(
        session_factory, "contract.admin", "admin", scopes=("read", "write", "admin")
    )
    ref = make_dataset(
        session_factory, settings, tmp_path, agency="DOL", title="Contract wages",
        rows=[(1, "Hartford", 2), (2, "New Haven", 3)],
    )  # fmt: skip
    (tmp_path / "schemathesis.toml").write_text(_config(ref))
    open_limits = settings.model_copy(update={"rate_limit_anonymous": 1_000_000})
    st = Path(sys.executable).parent / "st"
    failures = []
    with serve_app(create_app(open_limits)) as base:
        for who, headers in (
            ("anonymous", []),
            ("admin", ["-H", f"Authorization: Bearer {token}"]),
        ):
            ran = subprocess.run(
                [
                    str(st), "run", f"{base}/api/v1/openapi.json",
                    "--checks", CHECKS,
                    "--max-response-time", "5",
                    "--max-examples", "4",
                    "--phases", "examples,fuzzing",
                    "--workers", "1",
                    "--seed", "20261203",
                    "--request-timeout", "10",
                    "--no-color",
                    *headers,
                ],
                capture_output=True,
                text=True,
                timeout=600,
                cwd=tmp_path,
            )  # fmt: skip
            if ran.returncode != 0:
                failures.append(f"as {who}:\n{ran.stdout[-8000:]}")
    assert not failures, "\n".join(failures)
