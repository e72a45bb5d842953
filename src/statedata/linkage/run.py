"""Linking person records end to end: standardize, train the default model by EM, score the
candidate pairs, and cluster them into persons.

Works on files alone (``statedata link run``): no instance, no database of ours.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
from splink import DuckDBAPI, Linker

from statedata.linkage.attributes import Mapping
from statedata.linkage.model import (
    default_settings,
    deterministic_rules,
    training_rules,
)
from statedata.linkage.prepare import Source, prepared_records

log = logging.getLogger(__name__)

# Matches are rare among all pairs; a record-level recall of 0.7 for the strict rules is
# Splink's documented rule of thumb for data of ordinary quality.
DETERMINISTIC_RECALL = 0.7
CANDIDATE_FLOOR = 0.01  # pairs below this probability are not kept
MATCH_THRESHOLD = 0.9  # pairs at or above it join the same person
U_SAMPLE_PAIRS = 1e6


@dataclass(frozen=True)
class LinkResult:
    """One row per input record with its person, and what the run did."""

    clusters: pa.Table  # source_file, record_id, person_id
    records: int
    persons: int
    pairs_scored: int


def _quiet_splink() -> None:
    # Its warnings (a level not seen in one training session) are about its own workings; the
    # run reports what a person can act on.
    logging.getLogger("splink").setLevel(logging.ERROR)


M_FLOOR = 1e-5  # no level is taken to be impossible among matches: data has errors


def _train_by_em(linker: Linker, rule: Any) -> None:
    """One EM session under ``rule``; a failed one leaves the model as it was.

    Splink 5.0 takes the comparisons a session does not train out of the linker's own model and
    puts the trained model back only on success; when a level's m underflows to 0 the session
    fails and the model is left without those comparisons. The model is kept aside and
    restored, and m values are kept off zero so that one session's certainty does not make the
    next session's arithmetic underflow.
    """
    settings = linker._settings_obj  # the one place that reaches into Splink
    kept = settings.core_model_settings.copy()  # type: ignore[no-untyped-call]
    try:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    except ValueError as exc:
        settings.core_model_settings = kept
        sql = rule.get_blocking_rule("duckdb").blocking_rule_sql
        log.warning("training under %s skipped: %s", sql, exc)
    for comparison in settings.comparisons:
        for level in comparison.comparison_levels:
            if level.is_null_level:
                continue
            m = level._m_probability  # None and "not observed" stay
            if isinstance(m, float) and m < M_FLOOR:
                level.m_probability = M_FLOOR


def link_sources(
    sources: list[Source],
    *,
    id_column: str,
    mapping: Mapping,
    threshold: float = MATCH_THRESHOLD,
    progress: Callable[[str], None] | None = None,
) -> LinkResult:
    """Link the records of every source (and deduplicate within each) with the default model."""
    say = progress or (lambda _message: None)
    say("standardizing")
    records = prepared_records(sources, id_column, mapping, notice=say)
    attributes = mapping.attributes
    _quiet_splink()
    api = DuckDBAPI()
    table = api.register(records, table_name="statedata_records")
    # One table of every source: deduplicating it links across sources and within each.
    linker = Linker(table, default_settings(attributes, link_type="dedupe_only"), log_level=None)
    say("training")
    rules = deterministic_rules(attributes)
    if rules:
        linker.training.estimate_probability_two_random_records_match(
            rules, recall=DETERMINISTIC_RECALL
        )
    linker.training.estimate_u_using_random_sampling(max_pairs=U_SAMPLE_PAIRS, seed=1)
    for rule in training_rules(attributes):
        _train_by_em(linker, rule)
    say("scoring pairs")
    predictions = linker.inference.predict(threshold_match_probability=CANDIDATE_FLOOR)
    pairs = predictions.as_duckdbpyrelation().count("*").fetchall()[0]
    say("clustering")
    clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=threshold
    )
    relation = clustered.as_duckdbpyrelation()
    rows = (
        relation.select("source_dataset, record_id, cluster_id, unique_id")
        .order("unique_id")
        .fetchall()
    )
    person_of: dict[object, int] = {}
    persons = [person_of.setdefault(r[2], len(person_of) + 1) for r in rows]
    clusters = pa.table(
        {
            "source_file": [r[0] for r in rows],
            "record_id": [r[1] for r in rows],
            "person_id": [f"P{n:08d}" for n in persons],
        }
    )
    return LinkResult(
        clusters=clusters,
        records=records.num_rows,
        persons=len(person_of),
        pairs_scored=int(pairs[0]),
    )


def write_clusters(result: LinkResult, path: Path) -> None:
    pacsv.write_csv(result.clusters, str(path))
