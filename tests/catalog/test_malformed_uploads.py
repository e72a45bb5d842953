"""Each kind of malformed file a hostile tester sent is refused at upload with a 4xx that says what
is wrong and where, in exact words, and no answer carries a path on the server. The dataset's
last good version is untouched."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from statedata.catalog.loads.local import load_local_file
from statedata.core.config import Settings
from statedata.identity.actor import Actor
from tests.catalog.publishing import make_dataset
from tests.factories import make_token

WIDE_HEADER = ",".join(f"c{n}" for n in range(10_000))
CASES: list[tuple[str, bytes, str]] = [
    (
        "ragged.csv",
        b"id,name,amount,day\n1,Ann,5,2024-01-01\n2,Bo,7\n3,Cy,8,2024-01-03,x\n",
        "ragged.csv: row 2 has 3 fields where the header names 4 (comma-separated); every row "
        "needs one value per column.",
    ),
    ("quote.csv", b'id,name\n1,"Ann\n2,Bo\n', "quote.csv: a quote opened on row 1 is never closed."),
    ("header.csv", b"id,name,amount\n", "header.csv: has a header (3 columns) and no rows of data."),
    (
        "wide.csv",
        (WIDE_HEADER + "\n" + ",".join("1" for _ in range(10_000)) + "\n").encode(),
        "wide.csv: has 10,000 columns; at most 2,000 are read.",
    ),
    (
        "latin1.csv",
        b"id,name,town\n1,Ann,Hartford\n2,Jos\xe9,Enfield\n",
        "latin1.csv: row 2, column 'name': bytes that are not UTF-8 (b'\\xe9,En'); save the file "
        "as UTF-8.",
    ),
    ("binary.csv", b"\x00\x01\x02id,name\n" * 20, "binary.csv: holds binary data (NUL bytes), not text."),
    ("packed.csv", gzip.compress(b"id,name\n1,Ann\n"), "packed.csv: is gzip-compressed; upload the file inside it."),
    ("empty.csv", b"", "empty.csv: the file is empty."),
]  # fmt: skip


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no SQL of its own
def test_each_malformed_file_is_refused_with_what_and_where(
    client: TestClient, settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    ref = make_dataset(session_factory, settings, tmp_path, agency="DPH", title="Targets")
    token = make_token(session_factory, "loader", "admin", scopes=("read", "write"))
    bearer = {"Authorization": f"Bearer {token}"}
    before = client.get(f"/api/v1/datasets/{ref}/rows", headers=bearer).json()
    for name, content, message in CASES:
        response = client.post(
            f"/api/v1/datasets/{ref}/uploads",
            params={"filename": name},
            content=content,
            headers=bearer,
        )
        assert 400 <= response.status_code < 500, (name, response.status_code, response.text)
        assert response.json()["detail"] == message, name
        assert str(settings.home) not in response.text and "/tmp" not in response.text, name
    assert client.get(f"/api/v1/datasets/{ref}/rows", headers=bearer).json() == before


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no SQL of its own
def test_a_ragged_row_past_the_start_fails_the_load_by_row_and_keeps_the_last_version(
    client: TestClient, settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    """The start of a file is checked at upload; DuckDB finds a bad row further on as it loads,
    and says it as plainly."""
    ref = make_dataset(session_factory, settings, tmp_path, agency="DPH", title="Targets")
    path = tmp_path / "deep-ragged.csv"
    path.write_bytes(
        b"id,name\n" + b"".join(b"%d,n\n" % n for n in range(1, 200_000)) + b"200000\n"
    )
    job = load_local_file(settings, session_factory, actor=Actor.system("test"), ref=ref, path=path)
    assert job.status == "failed"
    assert job.error == (
        "deep-ragged.csv: row 200,000 has 1 fields where the header names 2; every row needs "
        "one value per column."
    )
    token = make_token(session_factory, "reader", "admin")
    rows = client.get(f"/api/v1/datasets/{ref}/rows", headers={"Authorization": f"Bearer {token}"})
    assert rows.json()["version"] == 1
