"""A published dataset of payments by town, shared by the read-only query tests of a module.

The SoQL tests only read, so one instance per module (SQLite metadata; the query engine does not
touch the metadata database) keeps hundreds of cases fast; tests that change things or check
access run on the per-test fixtures, on both databases.
"""

from __future__ import annotations

import csv
import random
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from statedata.app import create_app
from statedata.catalog.datasets import create_dataset, update_dictionary
from statedata.catalog.lifecycle import approve, submit_for_review
from statedata.catalog.loads.local import load_local_file
from statedata.core.config import Settings
from statedata.core.db import make_engine, make_session_factory, unit_of_work
from statedata.identity.actor import Actor
from tests.factories import instance_settings

TOWNS = ["Hartford", "New Haven", "Stamford", "Bridgeport", "Waterbury", "Norwich", "O'Fallon"]
CATEGORIES = ["grant", "contract", "refund"]
HEADER = [
    "id",
    "town",
    "category",
    "paid_date",
    "amount",
    "latitude",
    "longitude",
    "active",
    "note",
    "ssn",
]


def payment_rows(count: int = 200, seed: int = 7) -> list[dict[str, Any]]:
    """Deterministic rows: every town, category and a few nulls in note, amount and coordinates."""
    rng = random.Random(seed)
    rows = []
    for i in range(1, count + 1):
        rows.append(
            {
                "id": i,
                "town": TOWNS[i % len(TOWNS)],
                "category": CATEGORIES[i % len(CATEGORIES)],
                "paid_date": (date(2023, 1, 1) + timedelta(days=(i * 37) % 700)).isoformat(),
                "amount": "" if i % 50 == 0 else f"{rng.uniform(1, 10000):.2f}",
                "latitude": "" if i % 40 == 0 else f"{41.0 + rng.random():.6f}",
                "longitude": "" if i % 40 == 0 else f"{-73.5 + rng.random() * 1.7:.6f}",
                "active": "true" if i % 3 else "false",
                "note": "" if i % 4 == 0 else f"payment number {i}",
                "ssn": f"{100 + i:03d}-{10 + i % 80:02d}-{1000 + i:04d}",
            }
        )
    return rows


def write_payments(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


def publish_payments(
    settings: Settings,
    factory: sessionmaker[Session],
    folder: Path,
    *,
    classification: str = "public",
    rows: list[dict[str, Any]] | None = None,
    title: str = "Payments by town",
) -> str:
    """The payments published by DPH, with ``ssn`` tagged as PII; returns the public id."""
    system = Actor.system("test")
    with unit_of_work(factory) as session:
        ref = create_dataset(
            session,
            actor=system,
            agency_code="DPH",
            data={"title": title, "classification": classification},
        ).public_id
    path = write_payments(folder / f"{ref}.csv", rows or payment_rows())
    job = load_local_file(settings, factory, actor=system, ref=ref, path=path)
    assert job.status == "succeeded", job.error
    with unit_of_work(factory) as session:
        update_dictionary(
            session, actor=system, ref=ref, fields=[{"name": "ssn", "piiCategory": "ssn"}]
        )
        submit_for_review(session, actor=system, ref=ref)
        approve(session, actor=system, ref=ref)
    return ref


@pytest.fixture(scope="module")
def shared(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[tuple[TestClient, str]]:
    """A client of an instance holding the published payments, and the dataset's id."""
    folder = tmp_path_factory.mktemp("query")
    database = folder / "statedata.db"
    shutil.copy(sqlite_template, database)
    settings = instance_settings(
        folder / "home", f"sqlite:///{database}", rate_limit_anonymous=100_000
    )
    engine = make_engine(settings.resolved_database_url)
    ref = publish_payments(settings, make_session_factory(engine), folder)
    engine.dispose()
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client, ref
