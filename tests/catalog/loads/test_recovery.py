"""A server killed (kill -9) in the middle of a load and of an upload is restarted: the upload is
free to load again, no file the kill left behind remains (no staged data file no version refers
to, no partly received upload), and the dataset's last version is intact."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from statedata.catalog.loads.recovery import INTERRUPTED
from statedata.core.config import Settings
from statedata.storage.lake import open_table_store
from tests.catalog.publishing import make_dataset
from tests.factories import make_token
from tests.servers import free_port, statedata_process, wait_until_up

pytestmark = pytest.mark.slow


def _big_csv(path: Path, rows: int) -> Path:
    with path.open("w") as out:
        out.write("id,name,score\n")
        for start in range(0, rows, 100_000):
            out.write("".join(f"{n},name {n},{n % 97}\n" for n in range(start, start + 100_000)))
    return path


def _slow_body() -> Iterator[bytes]:
    yield b"id,name,score\n"
    while True:  # never ends: the server is killed while it is receiving this
        yield b"1,a,2\n" * 1000
        time.sleep(0.05)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no SQL of its own
def test_a_server_killed_mid_load_recovers_on_restart(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    ref = make_dataset(session_factory, settings, tmp_path, agency="DPH", title="Scores")
    bearer = {
        "Authorization": "Bearer "
        + make_token(session_factory, "loader", "admin", scopes=("read", "write"))
    }
    big = _big_csv(tmp_path / "big.csv", 4_000_000)
    table = settings.home / "lake" / ref
    env = {"STATEDATA_JOBS_BACKEND": "sqlite", "STATEDATA_ORPHAN_GRACE_MINUTES": "0"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with statedata_process(settings, "serve", "--port", str(port), **env) as process:
        wait_until_up(f"{base}/api/v1/health", process)
        with big.open("rb") as body:
            upload = httpx.post(
                f"{base}/api/v1/datasets/{ref}/uploads",
                params={"filename": "big.csv"},
                content=body,
                headers=bearer,
                timeout=120,
            ).json()
        started = httpx.post(
            f"{base}/api/v1/datasets/{ref}/uploads/{upload['id']}/load",
            json={"mode": "replace"},
            headers=bearer,
        )
        assert started.status_code == 202, started.text

        def endless_upload() -> None:
            with contextlib.suppress(httpx.TransportError):  # the server dies under it
                httpx.post(
                    f"{base}/api/v1/datasets/{ref}/uploads",
                    params={"filename": "endless.csv"},
                    content=_slow_body(),
                    headers=bearer,
                    timeout=60,
                )

        threading.Thread(target=endless_upload, daemon=True).start()
        deadline = time.monotonic() + 60
        store = open_table_store(settings)
        while not store.orphaned_files(0) or not list(settings.uploads_dir.glob("*.part")):
            assert time.monotonic() < deadline, "the load never staged a file"
            time.sleep(0.02)
        process.kill()  # kill -9: no shutdown of any kind
        process.wait()
    assert store.orphaned_files(0) and list(settings.uploads_dir.glob("*.part"))

    with statedata_process(settings, "serve", "--port", str(port), **env) as process:
        wait_until_up(f"{base}/api/v1/health", process)
        assert store.orphaned_files(0) == []
        assert list(settings.uploads_dir.glob("*.part")) == []
        freed = httpx.get(f"{base}/api/v1/datasets/{ref}/uploads/{upload['id']}", headers=bearer)
        assert (freed.json()["status"], freed.json()["error"]) == ("failed", INTERRUPTED)
        rows = httpx.get(f"{base}/api/v1/datasets/{ref}/rows", headers=bearer).json()
        assert rows["version"] == 1 and len(rows["rows"]) == 1
        again = httpx.post(
            f"{base}/api/v1/datasets/{ref}/uploads/{upload['id']}/load",
            json={"mode": "replace"},
            headers=bearer,
        )
        assert again.status_code == 202, again.text  # free to load again
    assert table.is_dir()
