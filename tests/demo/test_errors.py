"""The keying mistakes never crash the generator, whatever the value."""

from __future__ import annotations

import random
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from statedata.demo import errors


@given(st.dates(min_value=date(1901, 1, 1), max_value=date(2098, 12, 31)), st.integers(0, 2**32))
def test_date_mistakes_always_give_a_real_date(value: date, seed: int) -> None:
    rng = random.Random(seed)

    shifted = errors.shift_date(value, rng)
    swapped = errors.swap_day_month(value)

    assert abs((shifted - value).days) <= 367
    assert {swapped.day, swapped.month} == {value.day, value.month}


@given(st.text(min_size=0, max_size=30), st.integers(0, 2**32))
def test_a_typo_changes_at_most_two_characters(value: str, seed: int) -> None:
    typed = errors.typo(value, random.Random(seed))

    assert abs(len(typed) - len(value)) <= 1


def test_nicknames_come_from_the_nickname_groups() -> None:
    rng = random.Random(3)

    assert errors.nickname("William", rng) in {
        "Bill",
        "Will",
        "Willy",
        "Billy",
        "Liam",
        "Wil",
        "Willie",
        "Wm",
    } | set(errors.nicknames_of("William"))
    assert errors.nickname("Xyzzy", rng) == "Xyzzy"


def test_transposed_ssn_keeps_its_digits() -> None:
    rng = random.Random(1)

    changed = errors.transpose_digits("123-45-6789", rng)

    assert sorted(changed.replace("-", "")) == sorted("123456789")
    assert changed != "123-45-6789"
