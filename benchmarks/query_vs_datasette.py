"""The data API against Datasette on the same 1,000,000-row table, side by side in one run.

One CSV (10 columns: id, town, category, vendor, fund, status, paid_date, amount, quantity, note) is
published in statedata (a Delta table read by DuckDB) and loaded into SQLite for Datasette, which
runs twice: with its defaults, and with indexes on the filtered and sorted columns and
``suggest_facets off``. Every server is its own process on 127.0.0.1; the client times whole HTTP
requests (body read) and prints medians and the statedata/Datasette ratios.

Run: .venv/bin/python benchmarks/query_vs_datasette.py [--rows 1000000] [--repeat 15]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from upload_memory import free_port, instance_env

from statedata.catalog.datasets import create_dataset
from statedata.catalog.lifecycle import approve, submit_for_review
from statedata.catalog.loads.local import load_local_file
from statedata.core.config import load_settings
from statedata.core.db import make_engine, make_session_factory, unit_of_work
from statedata.demo.population import town_weights
from statedata.identity.actor import Actor
from statedata.standards.towns import load_towns
from statedata.wiring import wire

COLUMNS = [
    "id",
    "town",
    "category",
    "vendor",
    "fund",
    "status",
    "paid_date",
    "amount",
    "quantity",
    "note",
]
SQL_TYPES = ["INTEGER", "TEXT", "TEXT", "TEXT", "TEXT", "TEXT", "TEXT", "REAL", "INTEGER", "TEXT"]
CATEGORIES = ["grant", "contract", "refund", "payroll", "lease", "utility", "travel", "supplies"]
STATUSES = ["paid", "pending", "void"]
EXPORT_ROWS = 100_000


def write_csv(path: Path, rows: int) -> None:
    """Payments whose towns follow the towns' populations (as the demo's people do)."""
    towns = [t.name for t in load_towns()]
    weights = list(town_weights())
    rng = random.Random(2026)
    start = date(2020, 1, 1)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for i in range(1, rows + 1):
            writer.writerow(
                [
                    i,
                    rng.choices(towns, weights)[0],
                    CATEGORIES[i % len(CATEGORIES)],
                    f"vendor {rng.randrange(5000)}",
                    f"fund {rng.randrange(40)}",
                    STATUSES[rng.randrange(3)],
                    (start + timedelta(days=rng.randrange(2000))).isoformat(),
                    f"{rng.uniform(1, 100000):.2f}",
                    rng.randrange(1, 500),
                    f"payment {i}",
                ]
            )


def load_sqlite(csv_path: Path, db_path: Path, *, indexed: bool) -> None:
    connection = sqlite3.connect(db_path)
    columns = ", ".join(f"[{c}] {t}" for c, t in zip(COLUMNS, SQL_TYPES, strict=True))
    connection.execute(f"CREATE TABLE payments ({columns})")
    with csv_path.open(newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        marks = ", ".join("?" * len(COLUMNS))
        connection.executemany(f"INSERT INTO payments VALUES ({marks})", reader)  # noqa: S608
    if indexed:
        for column in ("town", "category", "amount", "id"):
            connection.execute(f"CREATE INDEX payments_{column} ON payments ([{column}])")
    connection.commit()
    connection.close()


def publish(home: Path, csv_path: Path, env: dict[str, str]) -> str:
    """An instance made by ``statedata init``, holding the CSV as a published public dataset."""
    wire()  # job kinds registered, as every entry point of the product does
    subprocess.run(
        [sys.executable, "-m", "statedata", "init"], env=env, check=True, capture_output=True
    )
    settings = load_settings(home=home, jobs_backend="immediate")
    engine = make_engine(settings.resolved_database_url)
    factory = make_session_factory(engine)
    system = Actor.system("benchmark")
    with unit_of_work(factory) as session:
        ref = create_dataset(
            session,
            actor=system,
            agency_code="OPM",
            data={"title": "State payments", "classification": "public"},
        ).public_id
    job = load_local_file(settings, factory, actor=system, ref=ref, path=csv_path)
    assert job.status == "succeeded", job.error
    with unit_of_work(factory) as session:
        submit_for_review(session, actor=system, ref=ref)
        approve(session, actor=system, ref=ref)
    engine.dispose()
    return ref


@contextmanager
def server(
    command: list[str], env: dict[str, str], port: int
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A server process on 127.0.0.1 once it answers; yields its base URL and the process."""
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(base + "/", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=30)


class Refused(Exception):
    """The server answered with an error (Datasette stops queries at its 1 s time limit)."""


def timed(client: httpx.Client, url: str, repeat: int) -> tuple[float, httpx.Response]:
    response = client.get(url)  # warm: caches, file metadata, query plans
    if response.status_code != 200:
        raise Refused(f"{response.status_code}: {response.text[:200]}")
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        response.read()
        times.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise Refused(f"{response.status_code}: {response.text[:200]}")
    return statistics.median(times), response


def statedata_urls(client: httpx.Client, ref: str) -> dict[str, Callable[[], str]]:
    api = f"/api/v1/datasets/{ref}"
    first_page = f"{api}/rows?$order=amount DESC&$limit=100"
    return {
        "equality filter (town = Hartford)": lambda: f"{api}/rows?town=Hartford&$limit=100",
        "sorted first page (amount desc)": lambda: first_page,
        "second page": lambda: str(client.get(first_page).json()["next"]),
        "two facets (town, category)": lambda: f"{api}/facets?columns=town,category",
        f"CSV export, {EXPORT_ROWS:,} rows": lambda: f"{api}/rows.csv?$where=id <= {EXPORT_ROWS}",
    }


def datasette_urls(client: httpx.Client) -> dict[str, Callable[[], str]]:
    table = "/payments/payments"
    first_page = f"{table}.json?_sort_desc=amount&_size=100"

    def second() -> str:
        return httpx.URL(client.get(first_page).json()["next_url"]).raw_path.decode()

    return {
        "equality filter (town = Hartford)": lambda: f"{table}.json?town=Hartford&_size=100",
        "sorted first page (amount desc)": lambda: first_page,
        "second page": second,
        "two facets (town, category)": lambda: f"{table}.json?_facet=town&_facet=category&_size=0",
        f"CSV export, {EXPORT_ROWS:,} rows": lambda: (
            f"{table}.csv?id__lte={EXPORT_ROWS}&_stream=on&_size=max"
        ),
    }


def run(
    base: str, urls: Callable[[httpx.Client], dict[str, Callable[[], str]]], repeat: int
) -> dict[str, float]:
    results = {}
    with httpx.Client(base_url=base, timeout=600) as client:
        for name, url in urls(client).items():
            rounds = max(3, repeat // 3) if "export" in name else repeat
            try:
                median, response = timed(client, url(), rounds)
            except Refused as refused:
                print(f"{base} refused {name}: {refused}", file=sys.stderr)
                results[name] = float("nan")
                continue
            if "export" in name:
                lines = response.text.count("\n")
                assert lines >= EXPORT_ROWS, f"{base} exported {lines} lines"
            results[name] = median
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        csv_path = scratch / "payments.csv"
        write_csv(csv_path, args.rows)
        plain, indexed = scratch / "plain" / "payments.db", scratch / "indexed" / "payments.db"
        for path, with_indexes in ((plain, False), (indexed, True)):
            path.parent.mkdir()
            load_sqlite(csv_path, path, indexed=with_indexes)

        env = {k: v for k, v in os.environ.items() if not k.startswith("STATEDATA_")}
        port = free_port()
        ours_env = instance_env(scratch / "home", port, rate_limit_anonymous="1000000")
        ref = publish(scratch / "home", csv_path, ours_env)
        with server([sys.executable, "-m", "statedata", "serve"], ours_env, port) as (base, _):
            ours = run(base, lambda c: statedata_urls(c, ref), args.repeat)
        datasette = str(Path(sys.executable).with_name("datasette"))
        peers = {}
        for label, path, extra in (
            ("default", plain, []),
            ("indexed", indexed, ["--setting", "suggest_facets", "off"]),
        ):
            port = free_port()
            command = [datasette, "serve", str(path), "-p", str(port), "-h", "127.0.0.1", *extra]
            with server(command, env, port) as (base, _):
                peers[label] = run(base, datasette_urls, args.repeat)

    print(
        f"{args.rows:,} rows, 10 columns; medians of {args.repeat} requests (exports: {max(3, args.repeat // 3)})"
    )
    header = f"{'query':<36} {'statedata ms':>12} {'Datasette ms':>12} {'ratio':>6} {'Datasette+idx ms':>16} {'ratio':>6}"
    print(header)
    for name, ms in ours.items():
        default, tuned = peers["default"][name], peers["indexed"][name]
        print(
            f"{name:<36} {ms:>12.1f} {default:>12.1f} {ms / default:>6.2f} {tuned:>16.1f} {ms / tuned:>6.2f}"
        )
    print("ratio = statedata / Datasette (below 1: statedata is faster)")


if __name__ == "__main__":
    main()
