"""Which records are compared at all: candidate pairs agree on at least one of these keys.

Kept apart from the model (no Splink import) because the index's tables carry a database index
per key, so that the real-time match finds candidates by the same rules as a batch run.
"""

from __future__ import annotations

# Each leaves room for typos in the others; between them a true pair fails only if it
# disagrees on all (a name pair, a date, an identifier, a place).
BLOCKING_KEYS: list[tuple[str, ...]] = [
    ("ssn",),
    ("identifier",),
    ("first_name", "last_name"),
    ("last_name", "date_of_birth"),
    ("first_name", "date_of_birth"),
    ("date_of_birth", "zip"),
    ("last_name", "zip"),
    ("first_name", "zip"),
    ("address", "zip"),
    ("last_name", "town"),
    ("phone",),
    ("email",),
    ("address",),
    ("date_of_birth", "town"),
]

# Given and family names written in each other's place (also a candidate pair).
SWAPPED_NAMES = "l.first_name = r.last_name AND l.last_name = r.first_name"
