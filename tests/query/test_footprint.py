"""A server that only reads never loads the libraries that write: the export memory budget.

Arrow's dataset and Parquet modules (~25 MB) and Altair (~25 MB) are imported where they are
used, so the rows, exports and pages of a published dataset run without them. This test keeps
that true: a fresh process imports the command line, serves those reads and reports what it
imported.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from statedata.core.config import Settings
from tests.query.conftest import publish_payments

HEAVY = ("pyarrow.dataset", "pyarrow.parquet", "altair")

READER = """
import json, sys
from fastapi.testclient import TestClient
import statedata.cli  # what `statedata serve` imports before it builds the app
from statedata.app import create_app
from statedata.core.config import load_settings

home, database_url, secret, ref = sys.argv[1:]
settings = load_settings(
    home=home, database_url=database_url, jobs_backend="immediate", secret_key=secret
)
statuses = []
with TestClient(create_app(settings)) as client:
    for path in (
        f"/api/v1/datasets/{ref}/rows.csv",
        f"/api/v1/datasets/{ref}/rows",
        f"/resource/{ref}.json",
        f"/datasets/{ref}",
    ):
        statuses.append(client.get(path).status_code)
print(json.dumps({"statuses": statuses, "loaded": [m for m in HEAVY if m in sys.modules]}))
"""


def test_reading_a_dataset_loads_no_writing_library(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    ref = publish_payments(settings, session_factory, tmp_path)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            f"HEAVY = {HEAVY!r}\n{READER}",
            str(settings.home),
            settings.resolved_database_url,
            settings.secret_key.get_secret_value(),
            ref,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["statuses"] == [200, 200, 200, 200]
    assert report["loaded"] == []
