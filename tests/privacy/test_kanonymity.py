"""k-anonymity: an extract meets its k over the named quasi-identifiers, generalizing dates, ZIPs,
ages and towns before it suppresses rows, and says what it cost."""

from __future__ import annotations

import random

import pytest

from statedata.privacy.kanonymity import enforce_k, smallest_group

TOWNS = ["Hartford", "West Hartford", "Bristol", "New Haven", "Hamden", "Canaan", "Norfolk"]


def _students(n: int, seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    return [
        {
            "person": f"X{i}",
            "birth_date": f"{rng.randint(1998, 2008)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "zip": f"06{rng.randint(0, 999):03d}",
            "town": rng.choice(TOWNS),
            "wages": rng.randint(0, 20000),
        }
        for i in range(n)
    ]


@pytest.mark.parametrize("k", [2, 5, 11])
def test_an_extract_meets_its_k_and_reports_the_cost(k: int) -> None:
    rows = _students(3000, seed=k)
    qis = {"birth_date": "date", "zip": "zip", "town": "town"}
    assert smallest_group(rows, list(qis)) == 1  # as drawn, nearly everyone is unique
    kept, report = enforce_k(rows, qis, k)
    assert smallest_group(kept, list(qis)) >= k
    assert report.smallest_group >= k and report.rows_in == 3000
    assert len(kept) == 3000 - report.rows_suppressed
    assert report.rows_suppressed < 3000 * 0.2  # generalizing did most of the work
    assert report.cells_generalized > 0 and report.generalized
    assert all(r["wages"] is not None for r in kept)  # other columns untouched


def test_generalization_steps_read_as_people_write_them() -> None:
    rows = [
        {"born": "2001-03-04", "zip": "06103", "town": "Hartford", "age": "37"},
        {"born": "2001-11-20", "zip": "06117", "town": "West Hartford", "age": "33"},
    ]
    kept, report = enforce_k(
        rows, {"born": "date", "zip": "zip", "town": "town", "age": "age"}, k=2
    )
    assert len(kept) == 2 and report.rows_suppressed == 0
    assert {r["born"] for r in kept} == {"2001"} and {r["zip"] for r in kept} == {"061**"}
    assert {r["town"] for r in kept} == {"Capitol Planning Region"}


def test_bad_settings_are_named() -> None:
    with pytest.raises(ValueError, match="k: 1 is below 2"):
        enforce_k([], {"zip": "zip"}, 1)
    with pytest.raises(ValueError, match="'color' is not date"):
        enforce_k([], {"eyes": "color"}, 3)
