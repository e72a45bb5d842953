"""The full-text index of the catalog: SQLite FTS5 on the embedded default, PostgreSQL text search
in production, behind one small interface.

Both keep one row per dataset in ``catalog_search`` (``dataset_id``, ``title``, ``body``): FTS5 as
a virtual table, PostgreSQL as a table with a weighted ``tsvector`` column and a GIN index (see the
migration). The row is rewritten whenever a dataset is flushed, so the index cannot drift from
the catalog whichever service changed it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, select, text
from sqlalchemy.orm import Session, UOWTransaction

from statedata.catalog.models import Dataset

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 12


def search_terms(query: str) -> list[str]:
    """The words of a query; everything else (quotes, operators, punctuation) is dropped, so no
    text a person types can be read as query syntax by either engine."""
    return [word.lower() for word in _WORD.findall(query)][:MAX_TERMS]


def document_of(dataset: Dataset, agency: str = "") -> tuple[str, str]:
    """(title, body) indexed for a dataset: body holds description, tags and the dictionary."""
    columns = " ".join(
        " ".join(str(f.get(key, "")) for key in ("name", "title", "description"))
        for f in dataset.dictionary
    )
    body = " ".join(
        [
            dataset.description,
            " ".join(dataset.tags),
            dataset.category,
            dataset.row_label,
            agency,
            columns.replace("_", " "),
        ]
    )
    return dataset.title, body


@dataclass(frozen=True)
class Match:
    """SQL that yields (dataset_id, score) for the datasets matching a query; higher scores first."""

    sql: str
    params: dict[str, Any]


def match_sql(dialect: str, terms: list[str]) -> Match:
    """The matching query for this database (terms come from :func:`search_terms`)."""
    if dialect == "sqlite":
        # Each term quoted and prefix-matched; bm25 is lower for better matches, so negate it.
        expression = " ".join(f'"{term}"*' for term in terms)
        return Match(
            "SELECT dataset_id, -bm25(catalog_search, 10.0, 1.0) AS score "
            "FROM catalog_search WHERE catalog_search MATCH :expression",
            {"expression": expression},
        )
    expression = " & ".join(f"{term}:*" for term in terms)
    return Match(
        "SELECT dataset_id, ts_rank(document, to_tsquery('english', :expression)) AS score "
        "FROM catalog_search WHERE document @@ to_tsquery('english', :expression)",
        {"expression": expression},
    )


def _write(session: Session, datasets: list[Dataset], removed: list[int]) -> None:
    connection = session.connection()
    for dataset_id in removed:
        connection.execute(
            text("DELETE FROM catalog_search WHERE dataset_id = :id"), {"id": dataset_id}
        )
    for dataset in datasets:
        # The agency's name is read on this connection: lazy-loading inside a flush is not allowed.
        agency = connection.execute(
            text("SELECT name FROM identity_agency WHERE id = :id"), {"id": dataset.agency_id}
        ).scalar()
        title, body = document_of(dataset, agency or "")
        connection.execute(
            text("DELETE FROM catalog_search WHERE dataset_id = :id"), {"id": dataset.id}
        )
        connection.execute(
            text(
                "INSERT INTO catalog_search (dataset_id, title, body) VALUES (:id, :title, :body)"
            ),
            {"id": dataset.id, "title": title, "body": body},
        )


def rebuild_search_index(session: Session) -> int:
    """Index every dataset again (after a restore, which loads rows without the ORM)."""
    session.execute(text("DELETE FROM catalog_search"))
    datasets = list(session.scalars(select(Dataset)))
    _write(session, datasets, [])
    return len(datasets)


_PENDING = "statedata.search_pending"


@event.listens_for(Session, "before_flush")
def _collect(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    changed = [
        obj
        for obj in (*session.new, *session.dirty)
        if isinstance(obj, Dataset) and (obj in session.new or session.is_modified(obj))
    ]
    removed = [obj.id for obj in session.deleted if isinstance(obj, Dataset)]
    if changed or removed:
        pending = session.info.setdefault(_PENDING, ([], []))
        pending[0].extend(changed)
        pending[1].extend(removed)


@event.listens_for(Session, "after_flush")
def _reindex(session: Session, _flush: UOWTransaction) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        changed, removed = pending
        _write(session, list({id(d): d for d in changed}.values()), removed)
