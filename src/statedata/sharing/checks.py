"""What agreements and requests both check of a part that names a dataset and its columns."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from statedata.catalog.datasets import find_dataset
from statedata.catalog.models import Dataset
from statedata.catalog.versions import get_version
from statedata.core.errors import InvalidInput, NotFound, StatedataError
from statedata.query.soql import SoqlRequest, compile_soql
from statedata.storage.schema import Column


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


def row_condition(session: Session, dataset: Dataset, part: dict[str, Any], where: str) -> str:
    """A part's row condition (a SoQL ``$where`` over the dataset's columns), compiled once to
    be sure it can be applied; errors start with ``where`` and name the token."""
    condition = part.get("row_condition", "") or ""
    if not isinstance(condition, str) or len(condition) > 2000:
        raise InvalidInput(f"{where}: row_condition is a SoQL $where of at most 2,000 characters.")
    if condition.strip() and dataset.current_version > 0:
        version = get_version(session, dataset=dataset, number=None)
        columns = [Column(c["name"], c["type"]) for c in version.columns]
        try:
            compile_soql(SoqlRequest(where=condition), columns)
        except StatedataError as exc:
            raise InvalidInput(f"{where}: row_condition: {exc.detail}") from None
    return condition.strip()
