"""The API reference page, rendered on the server from the OpenAPI document.

It works without JavaScript and passes the same accessibility checks as every other page; the
machine-readable form is /api/v1/openapi.json, which the page links to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from statedata.web.templating import render

router = APIRouter(include_in_schema=False)
METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str
    required: bool
    type: str
    description: str


@dataclass
class Operation:
    method: str
    path: str
    summary: str
    description: str
    parameters: list[Parameter] = field(default_factory=list)
    body: str | None = None
    responses: list[tuple[str, str]] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        plain = (self.method.lower() + self.path).replace("{", "").replace("}", "")
        return plain.replace("/", "-")


def type_name(schema: dict[str, Any]) -> str:
    """A short readable type for a JSON schema: string, integer or null, list of TokenOut, ..."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " or ".join(type_name(option) for option in schema["anyOf"])
    if schema.get("type") == "array":
        return f"list of {type_name(schema.get('items', {}))}"
    return str(schema.get("type", "any"))


def describe_operations(spec: dict[str, Any]) -> list[Operation]:
    """Every operation of an OpenAPI document, in path order."""
    operations = []
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            if method not in item:
                continue
            raw = item[method]
            body_schema = (
                raw.get("requestBody", {})
                .get("content", {})
                .get("application/json", {})
                .get("schema")
            )
            operations.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    summary=raw.get("summary", ""),
                    description=raw.get("description", ""),
                    parameters=[
                        Parameter(
                            name=p["name"],
                            location=p["in"],
                            required=bool(p.get("required")),
                            type=type_name(p.get("schema", {})),
                            description=p.get("description", ""),
                        )
                        for p in raw.get("parameters", [])
                    ],
                    body=type_name(body_schema) if body_schema else None,
                    responses=[
                        (code, r.get("description", ""))
                        for code, r in raw.get("responses", {}).items()
                    ],
                )
            )
    return operations


@router.get("/api/v1/docs", response_class=HTMLResponse)
def api_reference(request: Request) -> Response:
    spec = request.app.openapi()
    context = {"operations": describe_operations(spec), "api_title": spec["info"]["title"]}
    return render(
        request,
        "api_reference.html",
        context,
        title="API reference",
        json_url="/api/v1/openapi.json",
    )
