"""The person index: loading sources into it, re-running it, and stewards' decisions.

A load standardizes a source's records, keeps the new and changed ones, scores only those
(against the index and among themselves; pairs of records already in the index keep their
scores), and regroups only the persons they touch. Persons keep their IDs by
``stable_ids.reconcile``; every change is written to the person history. Decisions ("same
person", "not the same") are kept and bind every later regrouping.

The first load trains the model on what it loads; ``retrain`` makes a new version from the
whole index, and ``rerun`` scores every pair again with the current version.
"""

from __future__ import annotations

from statedata.linkage.index.decisions import decide, record_key, undo_decision
from statedata.linkage.index.loading import load, rerun
from statedata.linkage.index.lookup import person_history, persons_by_record, resolve_person
from statedata.linkage.index.records import (
    MATCH_THRESHOLD,
    IncomingRecord,
    fingerprint,
    incoming,
    index_table,
)
from statedata.linkage.index.scoring import current_model, retrain

__all__ = [
    "MATCH_THRESHOLD",
    "IncomingRecord",
    "current_model",
    "decide",
    "fingerprint",
    "incoming",
    "index_table",
    "load",
    "person_history",
    "persons_by_record",
    "record_key",
    "rerun",
    "resolve_person",
    "retrain",
    "undo_decision",
]
