"""Server memory while the data API streams a 5,000,000-row CSV export (issue 4: under 300 MB).

Publishes a generated CSV into a fresh instance, starts ``statedata serve`` as its own process on
127.0.0.1, downloads ``/api/v1/datasets/{id}/rows.csv`` (the whole version, through the query
engine) while discarding the bytes, and reads the server's peak resident memory (VmHWM) from the
kernel before and after.

Run: .venv/bin/python benchmarks/export_memory.py [--rows 5000000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from query_vs_datasette import publish, server, write_csv
from upload_memory import current_mb, free_port, instance_env, peak_mb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=5_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        csv_path = scratch / "payments.csv"
        write_csv(csv_path, args.rows)
        port = free_port()
        env = instance_env(scratch / "home", port)
        ref = publish(scratch / "home", csv_path, env)
        csv_bytes = csv_path.stat().st_size
        csv_path.unlink()
        command = [sys.executable, "-m", "statedata", "serve"]
        with (
            server(command, env, port) as (base, process),
            httpx.Client(base_url=base, timeout=3600) as client,
        ):
            idle, idle_peak = current_mb(process.pid), peak_mb(process.pid)
            start = time.perf_counter()
            received = lines = 0
            with client.stream("GET", f"/api/v1/datasets/{ref}/rows.csv") as response:
                response.raise_for_status()
                for chunk in response.iter_bytes():
                    received += len(chunk)
                    lines += chunk.count(b"\n")
            seconds = time.perf_counter() - start
            peak = peak_mb(process.pid)
    assert lines == args.rows + 1, f"exported {lines - 1:,} rows, expected {args.rows:,}"
    print(f"source CSV {csv_bytes / 1e6:,.0f} MB, {args.rows:,} rows")
    print(f"{'step':<38} {'seconds':>8} {'server MB':>10}")
    print(f"{'idle, after start (resident)':<38} {'':>8} {idle:>10.0f}")
    print(f"{'idle, after start (peak resident)':<38} {'':>8} {idle_peak:>10.0f}")
    print(f"{'rows.csv streamed (peak resident)':<38} {seconds:>8.1f} {peak:>10.0f}")
    print(
        f"exported {received / 1e6:,.0f} MB, {lines - 1:,} rows, {received / 1e6 / seconds:,.0f} MB/s"
    )


if __name__ == "__main__":
    main()
