"""The public page of the registry of common data elements, with a form to try a value."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from statedata.standards import service
from statedata.standards.registry import ELEMENTS, element
from statedata.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/standards", response_class=HTMLResponse)
def registry_page(
    request: Request,
    element_key: Annotated[str, Query(alias="element")] = "",
    value: str = "",
) -> Response:
    tried = None
    error = None
    if element_key or value:
        found = element(element_key)
        if found is None:
            error = f"element: choose one of the elements listed ({element_key!r} is not one)."
        elif len(value) > 500:
            error = "value: at most 500 characters."
        else:
            tried = service.result_out(found, value)
    return render(
        request,
        "standards.html",
        {
            "elements": service.registry(),
            "choices": [(e.key, e.label) for e in ELEMENTS],
            "tried": tried,
            "tried_element": element_key,
            "tried_value": value,
            "error": error,
        },
        title="Common data elements",
        json_url="/api/v1/standards",
        status_code=400 if error else 200,
    )
