"""Linking person records end to end: standardize, train the default model by EM, score the
candidate pairs, and cluster them into persons.

Works on files alone (``statedata link run``): no instance, no database of ours.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from statedata.linkage.attributes import Mapping
from statedata.linkage.engine import CANDIDATE_FLOOR, trained_linker
from statedata.linkage.prepare import Source, prepared_records

MATCH_THRESHOLD = 0.9  # pairs at or above it join the same person


@dataclass(frozen=True)
class LinkResult:
    """One row per input record with its person, and what the run did."""

    clusters: pa.Table  # source_file, record_id, person_id
    records: int
    persons: int
    pairs_scored: int


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
    say("training")
    linker = trained_linker(records, mapping.attributes)
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
