"""One request never freezes the portal: while a 50 MB one-line CSV and an Excel compression
bomb are uploaded to a real ``statedata serve`` process, its health check answers every probe
(one each 0.2 s) within 0.5 s. The bomb is refused from its zip directory, by its sizes."""

from __future__ import annotations

import threading
import time
import zipfile
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from statedata.core.config import Settings
from tests.catalog.publishing import make_dataset
from tests.factories import make_token
from tests.servers import free_port, statedata_process, wait_until_up

pytestmark = pytest.mark.slow

SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?><worksheet '
    'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)


def _xlsx_bomb(path: Path, expanded_mb: int = 160) -> Path:
    """A workbook of a few hundred kilobytes whose sheet expands to ``expanded_mb``."""
    row = '<row><c t="inlineStr"><is><t>aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa</t></is></c></row>'
    chunk = (row * 16_000).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        book.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>',
        )
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(SHEET_HEAD.encode())
            for _ in range(expanded_mb * 1024**2 // len(chunk)):
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return path


def _one_line_csv(path: Path, megabytes: int = 50) -> Path:
    with path.open("wb") as out:
        out.write(b"id,")
        block = b"9" * 1024**2
        for _ in range(megabytes):
            out.write(block)
    return path


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # no SQL of its own
def test_health_answers_within_half_a_second_while_heavy_uploads_arrive(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    ref = make_dataset(session_factory, settings, tmp_path, agency="DPH", title="Uploads")
    token = make_token(session_factory, "uploader", "admin", scopes=("read", "write"))
    files = [_one_line_csv(tmp_path / "wide.csv"), _xlsx_bomb(tmp_path / "bomb.xlsx")]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    answers: dict[str, httpx.Response] = {}

    def upload(path: Path) -> None:
        with path.open("rb") as body:
            answers[path.name] = httpx.post(
                f"{base}/api/v1/datasets/{ref}/uploads",
                params={"filename": path.name},
                content=body,
                headers={"Authorization": f"Bearer {token}"},
                timeout=120,
            )

    with statedata_process(settings, "serve", "--port", str(port)) as process:
        wait_until_up(f"{base}/api/v1/health", process)
        senders = [threading.Thread(target=upload, args=(f,)) for f in files]
        for sender in senders:
            sender.start()
        probes: list[float] = []
        with httpx.Client(timeout=5) as client:
            while any(s.is_alive() for s in senders) or len(probes) < 10:
                started = time.monotonic()
                assert client.get(f"{base}/api/v1/health").status_code == 200
                probes.append(time.monotonic() - started)
                time.sleep(max(0.0, 0.2 - probes[-1]))
        for sender in senders:
            sender.join()
    worst = max(probes)
    print(f"health: {len(probes)} probes, worst {worst * 1000:.0f} ms")
    assert worst < 0.5, f"the slowest of {len(probes)} probes took {worst:.2f} s"
    bomb = answers["bomb.xlsx"]
    assert bomb.status_code == 422
    assert "the workbook expands to 160 MB" in bomb.json()["detail"]
    assert answers["wide.csv"].status_code in (201, 422)
