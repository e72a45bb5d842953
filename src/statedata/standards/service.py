"""What the registry page and API ask of the common data elements: each element described, and
values standardized on request (nothing is stored; anyone may ask)."""

from __future__ import annotations

from typing import Any

from statedata.core.errors import InvalidInput, NotFound
from statedata.standards.registry import ELEMENTS, Element, element

MAX_VALUES = 1_000  # values standardized in one request


def element_out(found: Element) -> dict[str, Any]:
    return {
        "key": found.key,
        "label": found.label,
        "standard": found.standard,
        "description": found.description,
        "columns_added": ["std", "flag", *found.parts],
        "pii_category": found.pii,
        "examples": [result_out(found, raw) for raw in found.examples],
    }


def result_out(found: Element, raw: object) -> dict[str, Any]:
    result = found.standardize(raw)
    return {
        "raw": raw,
        "standardized": result.standardized,
        "valid": result.ok,
        "flag": result.flag,
        "parts": result.parts,
    }


def registry() -> list[dict[str, Any]]:
    return [element_out(e) for e in ELEMENTS]


def get_element(key: str) -> Element:
    found = element(key)
    if found is None:
        known = ", ".join(e.key for e in ELEMENTS)
        raise NotFound(f"No common data element is called {key!r}; the elements are {known}.")
    return found


def standardize_values(key: str, values: Any) -> list[dict[str, Any]]:
    """Each of ``values`` standardized by the element ``key``; bad input names what is wrong."""
    found = get_element(key)
    if not isinstance(values, list):
        raise InvalidInput("values: must be a list of text values.")
    if len(values) > MAX_VALUES:
        raise InvalidInput(f"values: at most {MAX_VALUES:,} values in one request.")
    for position, value in enumerate(values):
        if value is not None and not isinstance(value, str | int | float):
            raise InvalidInput(f"values[{position}]: must be text, a number or null.")
    return [result_out(found, value) for value in values]
