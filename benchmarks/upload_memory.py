"""Server memory while a 2 GB CSV is uploaded and then loaded (issue 3: under 500 MB).

Starts ``statedata serve`` as its own process on 127.0.0.1, uploads a generated CSV through the
API (streamed from disk by the client), confirms it, waits for the load job, and reads the
server's peak resident memory (VmHWM in /proc) after each step. Peak memory is what matters, so
it is measured by the kernel rather than sampled.

Run: .venv/bin/python benchmarks/upload_memory.py [--gigabytes 2]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

TOWNS = ["Hartford", "New Haven", "Bridgeport", "Stamford", "Waterbury", "Norwalk", "Danbury"]
PASSWORD = "benchmark-password-1"  # noqa: S105 (a throwaway instance)


def write_csv(path: Path, size: int) -> int:
    """Rows of realistic width until the file reaches ``size`` bytes; returns the row count."""
    rows = 0
    with path.open("w") as handle:
        handle.write("visit_id,town,visit_date,score,amount,note\n")
        written = 0
        while written < size:
            block = "".join(
                f"{i},{TOWNS[i % 7]},2024-{1 + i % 12:02d}-{1 + i % 28:02d},{i % 97},{i * 0.25:.2f},visit number {i}\n"
                for i in range(rows, rows + 100_000)
            )
            handle.write(block)
            written += len(block)
            rows += 100_000
    return rows


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def current_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def instance_env(home: Path, port: int, **settings: str) -> dict[str, str]:
    """This process's environment without its STATEDATA_ settings, for an instance in ``home``
    served on ``port`` (quietly), plus ``settings`` as STATEDATA_<NAME> variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATEDATA_")}
    env |= {
        "STATEDATA_HOME": str(home),
        "STATEDATA_PORT": str(port),
        "STATEDATA_LOG_LEVEL": "warning",
    }
    return env | {f"STATEDATA_{name.upper()}": value for name, value in settings.items()}


def statedata(env: dict[str, str], *args: str, input: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "statedata", *args],
        env=env,
        capture_output=True,
        text=True,
        input=input,
        check=True,
    )
    return done.stdout


def chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            yield chunk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gigabytes", type=float, default=2.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        csv = scratch / "big.csv"
        rows = write_csv(csv, int(args.gigabytes * 1024**3))
        size = csv.stat().st_size
        port = free_port()
        env = instance_env(scratch / "home", port, upload_max_bytes=str(size + 1024**2))
        statedata(env, "init")
        statedata(env, "user", "create", "steward1", "--role", "steward", "--agency", "DPH",
                  "--password", PASSWORD)  # fmt: skip
        token = statedata(
            env,
            "token",
            "create",
            "steward1",
            "--name",
            "bench",
            "--scope",
            "read",
            "--scope",
            "write",
        ).splitlines()[-1]
        server = subprocess.Popen(
            [sys.executable, "-m", "statedata", "serve"], env=env, start_new_session=True
        )
        try:
            base = f"http://127.0.0.1:{port}"
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=base, headers=headers, timeout=3600) as client:
                for _ in range(100):
                    try:
                        client.get("/api/v1/health")
                        break
                    except httpx.TransportError:
                        time.sleep(0.2)
                idle = current_mb(server.pid)
                created = client.post("/api/v1/datasets", json={"title": "Big visits"})
                created.raise_for_status()
                ref = created.json()["id"]
                start = time.perf_counter()
                upload = client.post(
                    f"/api/v1/datasets/{ref}/uploads?filename=big.csv",
                    content=chunks(csv),
                    headers={"Content-Type": "text/csv", "Content-Length": str(size)},
                )
                upload.raise_for_status()
                upload_seconds = time.perf_counter() - start
                after_upload = peak_mb(server.pid)
                start = time.perf_counter()
                job = client.post(
                    f"/api/v1/datasets/{ref}/uploads/{upload.json()['id']}/load", json={}
                ).json()["job"]
                while (state := client.get(f"/api/v1/jobs/{job}").json())["status"] in (
                    "queued",
                    "running",
                ):
                    time.sleep(1)
                load_seconds = time.perf_counter() - start
                after_load = peak_mb(server.pid)
                assert state["status"] == "succeeded", state["error"]
                assert state["result"]["rows"] == rows
        finally:
            server.terminate()
            server.wait(timeout=60)
    print(f"CSV: {size / 1024**3:.2f} GiB, {rows:,} rows")
    print(f"{'step':<34} {'seconds':>8} {'server peak MB':>15}")
    print(f"{'idle, after start':<34} {'':>8} {idle:>15.0f}")
    print(f"{'upload (streamed to disk)':<34} {upload_seconds:>8.1f} {after_upload:>15.0f}")
    print(f"{'load as version 1 (job in server)':<34} {load_seconds:>8.1f} {after_load:>15.0f}")


if __name__ == "__main__":
    main()
