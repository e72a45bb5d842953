"""Pairwise and B-cubed scores, checked by hand on small clusterings."""

from __future__ import annotations

from pathlib import Path

import pytest

from statedata.core.errors import InvalidInput
from statedata.linkage.evaluate import evaluate_files, score


def _labels(groups: str) -> dict[tuple[str, str], str]:
    """ "ab c" means records a and b together, c alone."""
    return {("", r): str(n) for n, group in enumerate(groups.split()) for r in group}


def test_a_perfect_clustering_scores_one() -> None:
    found = score(_labels("abc de f"), _labels("abc de f"))
    assert (found.precision, found.recall, found.f1) == (1.0, 1.0, 1.0)
    assert (found.bcubed_precision, found.bcubed_recall) == (1.0, 1.0)
    assert (found.true_pairs, found.correct_pairs) == (4, 4)


def test_scores_of_a_split_and_a_wrong_merge_by_hand() -> None:
    # Truth: {a,b,c} {d} {e}. Predicted: {a,b} {c,d} {e}.
    found = score(_labels("abc d e"), _labels("ab cd e"))
    # Pairs: true ab ac bc; predicted ab cd; right: ab.
    assert (found.true_pairs, found.predicted_pairs, found.correct_pairs) == (3, 2, 1)
    assert found.precision == pytest.approx(1 / 2)
    assert found.recall == pytest.approx(1 / 3)
    assert found.f1 == pytest.approx(0.4)
    # B-cubed precision per record: a 1, b 1, c 1/2, d 1/2, e 1 -> 4/5.
    assert found.bcubed_precision == pytest.approx(4 / 5)
    # B-cubed recall per record: a 2/3, b 2/3, c 1/3, d 1, e 1 -> 11/15.
    assert found.bcubed_recall == pytest.approx(11 / 15)


def test_everything_in_one_cluster_has_full_recall_and_poor_precision() -> None:
    found = score(_labels("ab cd ef"), _labels("abcdef"))
    assert found.recall == 1.0 and found.precision == pytest.approx(3 / 15)


def test_files_that_do_not_cover_the_same_records_are_refused(tmp_path: Path) -> None:
    truth = tmp_path / "truth.csv"
    truth.write_text("record_id,entity_id\n1,A\n2,A\n3,B\n")
    clusters = tmp_path / "clusters.csv"
    clusters.write_text("source_file,record_id,person_id\nf.csv,1,P1\nf.csv,2,P1\n")
    with pytest.raises(InvalidInput, match=r"1 records are in only one of the files, e\.g\. '3'"):
        evaluate_files(truth, clusters)
    clusters.write_text("source_file,record_id,person_id\nf.csv,1,P1\nf.csv,2,P1\nf.csv,3,P2\n")
    assert evaluate_files(truth, clusters).f1 == 1.0
    bad = tmp_path / "bad.csv"
    bad.write_text("record,entity\n1,A\n")
    with pytest.raises(InvalidInput, match="no column 'record_id', 'entity_id'"):
        evaluate_files(bad, clusters)
    with pytest.raises(InvalidInput, match="no such file"):
        evaluate_files(tmp_path / "none.csv", clusters)
    twice = tmp_path / "twice.csv"
    twice.write_text("record_id,entity_id\n1,A\n1,B\n")
    with pytest.raises(InvalidInput, match="row 3: the record '1' appears twice"):
        evaluate_files(twice, clusters)
