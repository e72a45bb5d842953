"""Privacy-preserving linkage: encodings that reveal no value and still compare, the hub's
clusters (one record per agency, random IDs), FEBRL4 through the CLI, and bad input named."""

from __future__ import annotations

import base64
import csv
import re
from pathlib import Path

import numpy as np
import pytest

from statedata.core.errors import InvalidInput
from statedata.linkage.pprl.encode import FILTER_BYTES, Encoder, decode_filter, tokens
from statedata.linkage.pprl.hub import Encodings, link_encodings
from tests.linkage.test_febrl import FEBRL_MAP, _febrl_files, statedata

SECRET = b"0123456789abcdef-shared-by-agencies"


def _dice(a: bytes, b: bytes) -> float:
    x, y = np.unpackbits(np.frombuffer(a, np.uint8)), np.unpackbits(np.frombuffer(b, np.uint8))
    return 2 * int((x & y).sum()) / int(x.sum() + y.sum())


def test_similar_records_share_bits_and_the_secret_matters() -> None:
    encoder = Encoder(SECRET)
    maria = {"first_name": "María", "last_name": "Lopez", "date_of_birth": "1984-02-09"}
    typo = {"first_name": "Maria", "last_name": "Lopes", "date_of_birth": "02/09/1984"}
    other = {"first_name": "John", "last_name": "Kowalski", "date_of_birth": "1950-11-30"}
    assert len(encoder.encode(maria)) == FILTER_BYTES
    assert _dice(encoder.encode(maria), encoder.encode(typo)) > 0.85
    assert _dice(encoder.encode(maria), encoder.encode(other)) < 0.5
    stranger = Encoder(b"another-secret-of-16-bytes-or-more")
    assert _dice(encoder.encode(maria), stranger.encode(maria)) < 0.6
    # a first name and a family name that spell alike set different bits
    assert tokens("first_name", "LEE") != tokens("last_name", "LEE")


def test_the_hub_keeps_one_record_per_agency_in_a_cluster_with_random_ids() -> None:
    encoder = Encoder(SECRET)
    ann = {"first_name": "Ann", "last_name": "Lee", "date_of_birth": "1990-01-02"}
    left = Encodings.of("dss", [("a1", encoder.encode(ann)), ("a2", encoder.encode(ann))])
    right = Encodings.of("dmv", [("b1", encoder.encode(ann))])
    result = link_encodings([left, right])
    joined = [k for k, c in result.clusters.items() if c == result.clusters[("dmv", "b1")]]
    assert len(joined) == 2  # b1 with one of a1, a2; never both
    assert all(re.fullmatch(r"C[0-9a-f]{16}", c) for c in result.clusters.values())
    assert result.comparisons == 2


def test_bad_input_is_refused_by_name() -> None:
    with pytest.raises(InvalidInput, match="too short"):
        Encoder(b"short")
    with pytest.raises(InvalidInput, match="row 3, column clk: not base64"):
        decode_filter("not base64!", "enc.csv, row 3, column clk")
    with pytest.raises(InvalidInput, match="8 bytes, not a 1024-bit filter"):
        decode_filter(base64.b64encode(b"12345678").decode(), "enc.csv, row 2")
    encoder = Encoder(SECRET)
    twice = [("x", encoder.encode({"first_name": "A"}))] * 2
    with pytest.raises(InvalidInput, match="'x' appears twice"):
        Encodings.of("dss", twice)
    with pytest.raises(InvalidInput, match="two or more agencies"):
        link_encodings([Encodings.of("dss", twice[:1])])


@pytest.mark.slow
def test_febrl4_links_through_encodings_with_no_names_at_the_hub(tmp_path: Path) -> None:
    a, b = _febrl_files(tmp_path, "febrl4")
    secret = tmp_path / "secret"
    secret.write_bytes(SECRET + b"\n")
    maps = [arg for pair in FEBRL_MAP for arg in ("--map", pair)]
    encoded = []
    for source in (a, b):
        out = tmp_path / f"{source.stem}.clk.csv"
        ran = statedata("pprl", "encode", str(source), "--id-column", "rec_id", *maps,
                        "--secret-file", str(secret), "--out", str(out))  # fmt: skip
        assert ran.returncode == 0, ran.stderr
        text = out.read_text()
        assert "rec-" in text and "mcdonald" not in text.lower()  # ids travel, names do not
        encoded.append(str(out))
    clusters = tmp_path / "clusters.csv"
    ran = statedata("pprl", "link", *encoded, "--out", str(clusters))
    assert ran.returncode == 0, ran.stderr
    assert "per second" in ran.stdout
    with clusters.open() as handle:
        rows = list(csv.DictReader(handle))
    by_cluster: dict[str, list[str]] = {}
    for row in rows:
        by_cluster.setdefault(row["cluster_id"], []).append(row["record_id"])
    found = [sorted(ids) for ids in by_cluster.values() if len(ids) == 2]
    correct = sum(1 for x, y in found if _entity(x) == _entity(y))
    precision, recall = correct / len(found), correct / 5000
    f1 = 2 * precision * recall / (precision + recall)
    assert f1 >= 0.99, (precision, recall)


def _entity(record_id: str) -> str:
    found = re.match(r"rec-(\d+)-", record_id)
    assert found
    return found.group(1)
