"""A load that fails part way leaves the current version readable and unchanged, and says why."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from statedata.catalog.models import Dataset, Upload
from statedata.core.config import Settings
from statedata.core.db import unit_of_work
from statedata.core.jobs import Job
from tests.catalog.publishing import create, upload_and_load, write_csv

BIGINT_COLUMNS = [
    {"name": "id", "type": "BIGINT"},
    {"name": "name", "type": "VARCHAR"},
    {"name": "score", "type": "BIGINT"},
]


def write_big_csv(path: Path, rows: int, bad_row: int | None = None) -> Path:
    """``rows`` data rows; data row ``bad_row`` (1-based, as a spreadsheet counts) has score 'abc'."""
    with path.open("w") as handle:
        handle.write("id,name,score\n")
        for i in range(1, rows + 1):
            score = "abc" if i == bad_row else str(i % 1000)
            handle.write(f"{i},name{i},{score}\n")
    return path


def state(client: TestClient, ref: str) -> tuple[list[int], str, str]:
    versions = client.get(f"/api/v1/datasets/{ref}/versions").json()
    data = client.get(f"/api/v1/datasets/{ref}/data.csv")
    assert data.status_code == 200
    return [v["number"] for v in versions], versions[0]["rows_checksum"], data.text


def test_a_type_error_deep_in_the_file_names_row_column_and_value(
    client: TestClient, steward: dict[str, str], tmp_path: Path
) -> None:
    ref = create(client, steward)
    upload_and_load(client, steward, ref, write_csv(tmp_path / "v1.csv", [(1, "a", 2)]))
    before = state(client, ref)

    # Past the first batches, so some rows were already written when the bad one is reached.
    failed = upload_and_load(
        client,
        steward,
        ref,
        write_big_csv(tmp_path / "bad.csv", 750_000, bad_row=734_021),
        columns=BIGINT_COLUMNS,
    )

    assert failed["job"]["status"] == "failed"
    message = "bad.csv: row 734,021, column 'score': value 'abc' is not a valid BIGINT."
    assert failed["job"]["error"] == message
    upload = client.get(f"/api/v1/datasets/{ref}/uploads/{failed['upload']['id']}").json()
    assert (upload["status"], upload["error"]) == ("failed", message)
    assert state(client, ref) == before


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.docx", b"PK\x03\x04", "cannot tell the format of 'notes.docx'"),
        ("book.xlsx", b"this is not a workbook", "book.xlsx: is not an Excel (.xlsx) workbook"),
        ("empty.csv", b"", "empty.csv: the file is empty."),
        ("broken.parquet", b"PAR1 not really", "broken.parquet: cannot be read"),
        ("broken.json", b'{"a": 1, "b": [', "broken.json: cannot be read"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_at_upload(
    client: TestClient,
    steward: dict[str, str],
    settings: Settings,
    tmp_path: Path,
    name: str,
    content: bytes,
    message: str,
) -> None:
    ref = create(client, steward)
    upload_and_load(client, steward, ref, write_csv(tmp_path / "v1.csv", [(1, "a", 2)]))
    before = state(client, ref)

    response = client.post(
        f"/api/v1/datasets/{ref}/uploads",
        files={"file": (name, content, "application/octet-stream")},
        headers=steward,
    )

    assert response.status_code == 422, response.text
    assert message in response.json()["detail"]
    assert state(client, ref) == before
    assert list(settings.uploads_dir.iterdir()) == []  # the refused file was not kept


def test_appending_other_columns_is_refused_before_loading(
    client: TestClient, steward: dict[str, str], tmp_path: Path
) -> None:
    ref = create(client, steward)
    upload_and_load(client, steward, ref, write_csv(tmp_path / "v1.csv", [(1, "a", 2)]))
    path = write_csv(tmp_path / "v2.csv", [(2, "b")], header="id,label")
    with path.open("rb") as handle:
        upload = client.post(
            f"/api/v1/datasets/{ref}/uploads", files={"file": ("v2.csv", handle)}, headers=steward
        ).json()

    response = client.post(
        f"/api/v1/datasets/{ref}/uploads/{upload['id']}/load",
        json={"mode": "append"},
        headers=steward,
    )

    assert response.status_code == 422
    assert response.json()["detail"] == (
        "columns: an append must match version 1's columns (added label; missing name; "
        "missing score); load with mode replace to change the schema."
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"mode": "merge"},
            "mode: 'merge' is not a load mode; use one of replace, append, upsert.",
        ),
        ({"mode": "upsert"}, "primary_key: an upsert matches rows on a primary key; name it."),
        ({"primary_key": ["nope"]}, "primary_key: 'nope' is not a column of the file."),
        (
            {"columns": [{"name": "id", "type": "BIGINT"}]},
            "columns: confirm every column of the file, in its order: id, name, score.",
        ),
        (
            {
                "columns": [
                    {"name": "id", "type": "BIGINT; DROP TABLE x"},
                    {"name": "name", "type": "VARCHAR"},
                    {"name": "score", "type": "BIGINT"},
                ]
            },
            "columns: 'BIGINT; DROP TABLE X' (column 'id') is not a type a column can have.",
        ),
    ],
)
def test_a_load_request_that_cannot_work_is_refused_with_the_field(
    client: TestClient,
    steward: dict[str, str],
    tmp_path: Path,
    body: dict[str, object],
    message: str,
) -> None:
    ref = create(client, steward)
    path = write_csv(tmp_path / "v1.csv", [(1, "a", 2)])
    with path.open("rb") as handle:
        upload = client.post(
            f"/api/v1/datasets/{ref}/uploads", files={"file": ("v1.csv", handle)}, headers=steward
        ).json()

    response = client.post(
        f"/api/v1/datasets/{ref}/uploads/{upload['id']}/load", json=body, headers=steward
    )

    assert response.status_code == 422
    assert response.json()["detail"] == message


@pytest.mark.slow
def test_a_killed_load_leaves_the_current_version_untouched(
    client: TestClient,
    steward: dict[str, str],
    settings: Settings,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    ref = create(client, steward)
    upload_and_load(client, steward, ref, write_csv(tmp_path / "v1.csv", [(1, "a", 2)]))
    before = state(client, ref)
    big = write_big_csv(tmp_path / "big.csv", 3_000_000)
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATEDATA_")}
    env |= {
        "STATEDATA_HOME": str(settings.home),
        "STATEDATA_DATABASE_URL": settings.resolved_database_url,
        "STATEDATA_JOBS_BACKEND": "immediate",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "statedata", "dataset", "load", ref, str(big)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # kill it once rows are being written
            with unit_of_work(session_factory) as session:
                job = session.scalar(
                    select(Job).where(
                        Job.kind == "catalog.load", Job.status == "running", Job.progress_done > 0
                    )
                )
            if job is not None or process.poll() is not None:
                break
            time.sleep(0.05)
        assert process.poll() is None, "the load finished before it could be killed"
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)

    assert state(client, ref) == before
    with unit_of_work(session_factory) as session:
        dataset = session.scalar(select(Dataset).where(Dataset.public_id == ref))
        assert dataset is not None and dataset.current_version == 1
        upload = session.scalar(select(Upload).order_by(Upload.id.desc()))
        assert upload is not None and upload.status == "loading"
    # The next load works, and numbers its version as the next one.
    again = upload_and_load(client, steward, ref, write_csv(tmp_path / "v2.csv", [(5, "e", 6)]))
    assert again["job"]["status"] == "succeeded"
    assert state(client, ref)[0] == [2, 1]
