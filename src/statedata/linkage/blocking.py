"""Which records are compared at all: candidate pairs agree on at least one of these keys.

Kept apart from the model (no Splink import) because the index's tables carry a database index
per key, so that the real-time match finds candidates by the same rules as a batch run.

``birth_year`` is the year of the date of birth (derived, not stored): a full name alone is
shared by thousands in a million records (JOHN SMITH), so it blocks together with the year
or a place. Between them the keys keep over 99.8% of true pairs of the synthetic Connecticut
while scoring 30 times fewer pairs than names or places alone would.
"""

from __future__ import annotations

import pyarrow as pa

from statedata.storage import duck

BIRTH_YEAR = "birth_year"

# Each leaves room for typos in the others; between them a true pair fails only if it
# disagrees on all (a name pair, a date, an identifier, a place).
BLOCKING_KEYS: list[tuple[str, ...]] = [
    ("ssn",),
    ("identifier",),
    ("phone",),
    ("email",),
    ("first_name", "last_name", BIRTH_YEAR),
    ("first_name", "last_name", "zip"),
    ("first_name", "last_name", "town"),
    ("last_name", "date_of_birth"),
    ("first_name", "date_of_birth"),
    ("date_of_birth", "zip"),
    ("date_of_birth", "town"),
    ("last_name", "zip", BIRTH_YEAR),
    ("first_name", "zip", BIRTH_YEAR),
    ("last_name", "town", BIRTH_YEAR),
    ("address",),
]

# Looser keys, kept while the pairs they add stay within LOOSE_PAIRS_PER_RECORD per record:
# they find true pairs that lack a date of birth and differ in a place or a name (FEBRL's
# corruptions), and on a few hundred thousand records they are cheap; on a million records
# a full name or a family name in a ZIP is shared by thousands, and they are left out.
LOOSE_KEYS: list[tuple[str, ...]] = [
    ("last_name", "zip"),
    ("first_name", "last_name"),
    ("first_name", "zip"),
    ("last_name", "town"),
]
LOOSE_PAIRS_PER_RECORD = 5

# Given and family names written in each other's place (also a candidate pair).
SWAPPED_NAMES = "l.first_name = r.last_name AND l.last_name = r.first_name"


def chosen_keys(records: pa.Table, attributes: list[str]) -> list[tuple[str, ...]]:
    """The keys for these attributes and these records: every strict key, and each loose key
    whose pairs (counted, not formed) fit the budget."""
    chosen = set(attributes)
    keys = [key for key in BLOCKING_KEYS if needs(key) <= chosen]
    budget = LOOSE_PAIRS_PER_RECORD * max(records.num_rows, 1)
    connection = duck.connect()
    connection.register("records", records)
    for key in LOOSE_KEYS:
        if not needs(key) <= chosen:
            continue
        columns = ", ".join(key)
        present = " AND ".join(f"{c} IS NOT NULL" for c in key)
        row = connection.execute(
            f"SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM "  # noqa: S608 (our own column names)
            f"(SELECT count(*) AS n FROM records WHERE {present} GROUP BY {columns})"
        ).fetchone()
        if row is not None and row[0] <= budget:
            keys.append(key)
    connection.close()
    return keys


def needs(key: tuple[str, ...]) -> set[str]:
    """The mapped attributes a key needs."""
    return {"date_of_birth" if part == BIRTH_YEAR else part for part in key}


def indexed_columns(key: tuple[str, ...]) -> tuple[str, ...]:
    """The stored columns of a key, for its database index (the year is filtered after)."""
    return tuple(part for part in key if part != BIRTH_YEAR)


def database_indexes() -> list[tuple[str, ...]]:
    """One index per key's stored columns, leaving out any that another index begins with
    (an index on first and last name and ZIP serves first and last name too)."""
    keys = list(dict.fromkeys(indexed_columns(key) for key in BLOCKING_KEYS + LOOSE_KEYS))
    return [
        key
        for key in keys
        if key and not any(other != key and other[: len(key)] == key for other in keys)
    ]
