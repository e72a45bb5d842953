"""What agreements and requests both check of a part that names a dataset and its columns."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from statedata.catalog.datasets import find_dataset
from statedata.catalog.models import Dataset
from statedata.core.errors import InvalidInput, NotFound


def dataset_and_columns(
    session: Session, part: dict[str, Any], where: str, *, need_columns: bool
) -> tuple[Dataset, list[str]]:
    """The dataset a part names and its columns, each checked; errors start with ``where``."""
    ref = str(part.get("dataset", "")).strip()
    try:
        dataset = find_dataset(session, ref=ref)
    except NotFound:
        raise InvalidInput(f"{where}: no dataset is called {ref!r}.") from None
    columns = part.get("columns", [])
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise InvalidInput(f"{where}: columns are a list of column names.")
    if need_columns and not columns:
        raise InvalidInput(f"{where}: name the columns of {dataset.public_id} wanted.")
    known = [f["name"] for f in dataset.dictionary]
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise InvalidInput(
            f"{where}: {dataset.public_id} has no column {unknown[0]!r}; its columns are "
            f"{', '.join(known)}."
        )
    return dataset, list(dict.fromkeys(columns))
