"""Applying elements to columns at load time: each tagged column gets ``<column>_std``,
``<column>_flag`` and its element's parts beside it; the raw column is kept as it came.

Values are standardized once per distinct value in a batch (and the standardizers cache across
batches), so a column of repeated towns or addresses costs little more than its distinct values.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from statedata.core.errors import InvalidInput
from statedata.standards.registry import Element, element, elements_by_key


@dataclass(frozen=True)
class Tagged:
    """A column and the element it holds."""

    column: str
    element: Element

    @property
    def added(self) -> list[str]:
        """The columns a load adds for it, in order."""
        return [
            f"{self.column}_std",
            f"{self.column}_flag",
            *(f"{self.column}_{part}" for part in self.element.parts),
        ]


def tagged_columns(dictionary: Sequence[Mapping[str, Any]], names: Sequence[str]) -> list[Tagged]:
    """The columns of ``names`` that the dictionary tags with an element (unknown tags are
    refused when the dictionary is saved, so they are ignored here)."""
    present = set(names)
    tagged = []
    for field in dictionary:
        found = element(str(field.get("standardElement") or ""))
        if found is not None and field.get("name") in present:
            tagged.append(Tagged(str(field["name"]), found))
    return tagged


def checked_element(key: str, where: str) -> str:
    """``key`` when it names an element ("" for none); an error naming ``where`` otherwise."""
    if key and element(key) is None:
        raise InvalidInput(
            f"{where}: {key!r} is not a common data element; one of {', '.join(elements_by_key())}."
        )
    return key


def _standardized_columns(values: pa.Array | pa.ChunkedArray, tagged: Tagged) -> list[pa.Array]:
    text = pc.cast(values, pa.string()) if not pa.types.is_string(values.type) else values
    encoded = pc.dictionary_encode(text)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    distinct = encoded.dictionary.to_pylist()
    results = [tagged.element.standardize(value) for value in distinct]
    indices = encoded.indices
    columns = [
        pa.array([r.standardized for r in results], pa.string()).take(indices),
        pa.array([r.flag or None for r in results], pa.string()).take(indices),
    ]
    for part in tagged.element.parts:
        found = pa.array([r.parts.get(part) for r in results], pa.string())
        columns.append(found.take(indices))
    return columns


def added_schema(schema: pa.Schema, tagged: Sequence[Tagged]) -> pa.Schema:
    """``schema`` with the added columns (a column already named so is replaced)."""
    added = {name for t in tagged for name in t.added}
    fields = [f for f in schema if f.name not in added]
    fields += [pa.field(name, pa.string()) for t in tagged for name in t.added]
    return pa.schema(fields)


def standardize_batch(batch: pa.RecordBatch, tagged: Sequence[Tagged]) -> pa.RecordBatch:
    """``batch`` with each tagged column's standard form, flag and parts added after it all."""
    added = {name for t in tagged for name in t.added}
    names = [n for n in batch.schema.names if n not in added]
    arrays = [batch.column(n) for n in names]
    for t in tagged:
        made = _standardized_columns(batch.column(t.column), t)
        names.extend(t.added)
        arrays.extend(made)
    return pa.RecordBatch.from_arrays(arrays, names=names)


def standardized_reader(
    batches: pa.RecordBatchReader, tagged: Sequence[Tagged]
) -> pa.RecordBatchReader:
    """``batches`` standardized as they pass (nothing is held beyond the current batch)."""
    if not tagged:
        return batches

    def standardizing() -> Iterator[pa.RecordBatch]:
        for batch in batches:
            yield standardize_batch(batch, tagged)

    return pa.RecordBatchReader.from_batches(added_schema(batches.schema, tagged), standardizing())


def with_inherited_pii(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The dictionary with each tagged column's personal-information category given to the
    columns standardized from it (``ssn_std`` is as personal as ``ssn``), where they have none."""
    by_name = {f["name"]: f for f in fields}
    changed = [dict(f) for f in fields]
    index = {f["name"]: i for i, f in enumerate(changed)}
    for tagged in tagged_columns(fields, list(by_name)):
        category = by_name[tagged.column].get("piiCategory") or "none"
        if category == "none":
            continue
        for name in tagged.added:
            if name in index and (changed[index[name]].get("piiCategory") or "none") == "none":
                changed[index[name]]["piiCategory"] = category
    return changed
