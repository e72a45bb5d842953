"""JSON API of the common data elements: the registry, and standardizing values on request."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from statedata.standards import service
from statedata.standards.service import MAX_VALUES

router = APIRouter(prefix="/api/v1", tags=["standards"])


@router.get("/standards")
def read_registry() -> list[dict[str, Any]]:
    """Every common data element: its standard, the columns a load adds, and worked examples."""
    return service.registry()


@router.get("/standards/{key}")
def read_element(key: str) -> dict[str, Any]:
    return service.element_out(service.get_element(key))


@router.post("/standards/{key}/standardize")
def standardize(
    key: str,
    values: Annotated[list[str | int | float | None], Body(embed=True, max_length=MAX_VALUES)],
) -> dict[str, Any]:
    """Standardize up to 1,000 values (``{"values": [...]}``): each one's standard form, or
    the flag saying why it has none, and its parts."""
    return {"element": key, "results": service.standardize_values(key, values)}
