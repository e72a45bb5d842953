"""The API keeps its own description: schemathesis generates requests from the OpenAPI document
against a live server on loopback, as the public and as an admin with a token, and every answer
must be no server error, a status code and content type the document declares, a body its schema
allows, and within 5 seconds. Schema-violating requests must be refused.

Not yet checked: that every request the document allows is accepted (``positive_data_acceptance``):
some request bodies are still free-form objects whose rules only the service knows.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from statedata.app import create_app
from statedata.core.config import Settings
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
    )
)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # a contract, not SQL
def test_the_api_answers_as_its_openapi_document_says(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    token = make_token(
        session_factory, "contract.admin", "admin", scopes=("read", "write", "admin")
    )
    open_limits = settings.model_copy(update={"rate_limit_anonymous": 1_000_000})
    st = Path(sys.executable).parent / "st"
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
            summary = ran.stdout[-6000:]
            assert ran.returncode == 0, f"as {who}:\n{summary}"
