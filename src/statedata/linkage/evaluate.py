"""How good a clustering is against the truth: pairwise precision, recall and F1, and B-cubed.

Pairwise counts every pair of records put together; B-cubed averages, per record, the share of
its predicted cluster that is truly its own (precision) and of its true cluster that it was put
with (recall), so one giant wrong cluster cannot hide behind many right pairs.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import duckdb

from statedata.core.errors import InvalidInput
from statedata.linkage.prepare import open_csv

Key = tuple[str, str]  # (source_file or "", record_id)


@dataclass(frozen=True)
class Scores:
    records: int
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int
    precision: float
    recall: float
    f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float

    def as_dict(self) -> dict[str, float | int]:
        return dict(self.__dict__)


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def score(truth: dict[Key, str], predicted: dict[Key, str]) -> Scores:
    """Compare two labelings of the same records (records only in one side are an error)."""
    missing = set(truth) ^ set(predicted)
    if missing:
        example = sorted(missing)[0]
        raise InvalidInput(
            f"{len(missing)} records are in only one of the files, e.g. {example[1]!r}"
            + (f" of {example[0]}" if example[0] else "")
            + "."
        )
    joint: Counter[tuple[str, str]] = Counter((truth[k], predicted[k]) for k in truth)
    true_size = Counter(truth.values())
    predicted_size = Counter(predicted.values())
    correct = sum(n * (n - 1) // 2 for n in joint.values())
    true_pairs = sum(n * (n - 1) // 2 for n in true_size.values())
    predicted_pairs = sum(n * (n - 1) // 2 for n in predicted_size.values())
    precision = correct / predicted_pairs if predicted_pairs else 1.0
    recall = correct / true_pairs if true_pairs else 1.0
    records = len(truth)
    b_precision = sum(n * n / predicted_size[p] for (_, p), n in joint.items()) / records
    b_recall = sum(n * n / true_size[t] for (t, _), n in joint.items()) / records
    return Scores(
        records=records,
        true_pairs=true_pairs,
        predicted_pairs=predicted_pairs,
        correct_pairs=correct,
        precision=precision,
        recall=recall,
        f1=_f1(precision, recall),
        bcubed_precision=b_precision,
        bcubed_recall=b_recall,
        bcubed_f1=_f1(b_precision, b_recall),
    )


def read_labels(
    path: Path, relation: duckdb.DuckDBPyRelation, label_column: str, *, with_source: bool
) -> dict[Key, str]:
    """``record_id`` (and ``source_file`` when both files have it) to the label column."""
    needed = ["record_id", label_column] + (["source_file"] if with_source else [])
    absent = [c for c in needed if c not in relation.columns]
    if absent:
        raise InvalidInput(
            f"{path}: no column {', '.join(map(repr, absent))}; the columns are "
            f"{', '.join(relation.columns)}."
        )
    source = '"source_file"' if with_source else "''"
    rows = relation.select(f'{source}, "record_id", "{label_column}"').fetchall()
    labels: dict[Key, str] = {}
    for line, (src, record, label) in enumerate(rows, start=2):
        if not record or not label:
            raise InvalidInput(f"{path}, row {line}: record_id and {label_column} must be set.")
        if (src, record) in labels:
            raise InvalidInput(f"{path}, row {line}: the record {record!r} appears twice.")
        labels[(src, record)] = label
    return labels


def evaluate_files(truth_path: Path, clusters_path: Path) -> Scores:
    """Scores of ``clusters.csv`` (person_id) against ``truth.csv`` (entity_id)."""
    truth_csv, clusters_csv = open_csv(truth_path), open_csv(clusters_path)
    with_source = "source_file" in truth_csv.columns and "source_file" in clusters_csv.columns
    truth = read_labels(truth_path, truth_csv, "entity_id", with_source=with_source)
    predicted = read_labels(clusters_path, clusters_csv, "person_id", with_source=with_source)
    return score(truth, predicted)
