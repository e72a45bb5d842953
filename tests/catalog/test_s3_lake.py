"""STATEDATA_LAKE_URI=s3://...: a steward's load and a download go through S3-compatible storage."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from statedata.app import create_app
from statedata.core.config import Settings
from tests.catalog.publishing import create, upload_and_load, write_csv
from tests.factories import make_user, sign_in
from tests.servers import s3_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with s3_server() as url:
        boto3.client(
            "s3",
            endpoint_url=url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name="us-east-1",
        ).create_bucket(Bucket="lake")
        yield url


def test_a_load_and_a_read_on_an_s3_lake(
    s3_endpoint: str,
    settings: Settings,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    on_s3 = settings.model_copy(
        update={
            "lake_uri": f"s3://lake/{tmp_path.name}",
            "s3_endpoint_url": s3_endpoint,
            "s3_access_key_id": "testing",
            "s3_secret_access_key": SecretStr("testing"),
            "s3_allow_http": True,
        }
    )
    make_user(session_factory, "steward1", "steward", "DPH")
    with TestClient(create_app(on_s3)) as client:
        headers = {"X-CSRF-Token": sign_in(client, "steward1")}
        ref = create(client, headers)
        rows = [(i, f"n{i}", i) for i in range(50)]
        loaded = upload_and_load(client, headers, ref, write_csv(tmp_path / "v1.csv", rows))
        assert loaded["job"]["status"] == "succeeded", loaded["job"]
        upload_and_load(
            client, headers, ref, write_csv(tmp_path / "v2.csv", [(99, "x", 1)]), mode="append"
        )

        data = client.get(f"/api/v1/datasets/{ref}/versions/1/data.csv")
        current = client.get(f"/api/v1/datasets/{ref}/data.csv")

    assert data.status_code == 200 and len(data.text.splitlines()) == 51
    assert len(current.text.splitlines()) == 52
    listed = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    ).list_objects_v2(Bucket="lake", Prefix=f"{tmp_path.name}/{ref}/_delta_log/")
    assert len(listed.get("Contents", [])) == 2  # two commits: two versions, nothing on disk
    assert not (settings.home / "lake").exists()
