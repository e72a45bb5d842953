"""Loading a CSV as a new dataset version, against plain DuckDB writing the same CSV to Parquet.

The peer is the floor for "read a CSV, write columnar files": DuckDB's
``COPY (SELECT * FROM read_csv(...)) TO 'x.parquet'``. statedata does the whole load a steward
starts: the load job streams the confirmed columns through DuckDB into a new Delta version,
checksums the version's rows and records the version (row count, schema change, dictionary).
Both run in the same process, alternating, on the same file. The claim (issue 3): within 2x.

Run: .venv/bin/python benchmarks/ingest.py [--rows 1000000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb

from statedata.catalog.datasets import create_dataset
from statedata.catalog.loads.plan import start_load
from statedata.catalog.schemas import LoadRequest
from statedata.catalog.uploads import receive_local_file, register_upload
from statedata.core.config import Settings
from statedata.core.db import make_engine, make_session_factory, unit_of_work
from statedata.core.jobs import run_job
from statedata.core.migrate import upgrade_database
from statedata.identity.actor import Actor
from statedata.identity.agencies import seed_agencies
from statedata.wiring import wire

TOWNS = ["Hartford", "New Haven", "Bridgeport", "Stamford", "Waterbury", "Norwalk", "Danbury"]


def write_csv(path: Path, rows: int) -> None:
    start = date(2020, 1, 1)
    with path.open("w") as handle:
        handle.write("visit_id,town,visit_date,score,amount\n")
        for i in range(rows):
            day = start + timedelta(days=i % 2000)
            handle.write(f"{i},{TOWNS[i % 7]},{day.isoformat()},{i % 97},{i * 0.25:.2f}\n")


def duckdb_copy(csv: Path, scratch: Path, run: int) -> float:
    target = scratch / f"peer-{run}.parquet"
    start = time.perf_counter()
    connection = duckdb.connect(config={"threads": 2})
    connection.execute(
        f"COPY (SELECT * FROM read_csv('{csv}')) TO '{target}' (FORMAT parquet)"  # noqa: S608 (our own paths)
    )
    connection.close()
    return time.perf_counter() - start


def statedata_load(csv: Path, scratch: Path, run: int) -> tuple[float, int]:
    settings = Settings(home=scratch / f"home-{run}", jobs_backend="immediate")
    settings.home.mkdir(parents=True)
    engine = make_engine(settings.resolved_database_url)
    upgrade_database(engine)
    factory = make_session_factory(engine)
    system = Actor.system("benchmark")
    with unit_of_work(factory) as session:
        seed_agencies(session)
        ref = create_dataset(
            session, actor=system, agency_code="DPH", data={"title": "Visits"}
        ).public_id
    received = receive_local_file(settings, csv)  # the upload, not timed: the peer reads a file too
    with unit_of_work(factory) as session:
        upload = register_upload(session, actor=system, ref=ref, received=received)
        upload_id = upload.id
    start = time.perf_counter()
    with unit_of_work(factory) as session:
        job_id = start_load(
            session, actor=system, ref=ref, upload_id=upload_id, request=LoadRequest()
        ).id
    job = run_job(job_id, settings=settings, session_factory=factory)
    elapsed = time.perf_counter() - start
    assert job.status == "succeeded", job.error
    engine.dispose()
    return elapsed, int((job.result or {})["rows"])


def main() -> None:
    wire()  # job kinds registered, as every entry point of the product does
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        csv = scratch / "visits.csv"
        write_csv(csv, args.rows)
        peer, ours = [], []
        for run in range(args.repeat):
            peer.append(duckdb_copy(csv, scratch, run))
            elapsed, rows = statedata_load(csv, scratch, run)
            assert rows == args.rows
            ours.append(elapsed)
        size = csv.stat().st_size
    peer_median, our_median = statistics.median(peer), statistics.median(ours)
    print(f"{args.rows:,} rows, {size / 1e6:.1f} MB CSV, {args.repeat} runs each, medians:")
    print(f"{'tool':<42} {'median s':>9} {'rows/s':>12}")
    print(
        f"{'DuckDB COPY read_csv -> Parquet':<42} {peer_median:>9.2f} {args.rows / peer_median:>12,.0f}"
    )
    print(
        f"{'statedata load as a new version':<42} {our_median:>9.2f} {args.rows / our_median:>12,.0f}"
    )
    print(f"ratio statedata / DuckDB: {our_median / peer_median:.2f}x (target: within 2x)")


if __name__ == "__main__":
    main()
