"""The API's description says what it answers when things go wrong: every operation declares
the errors any route can give (RFC 9457 problem documents as ``application/problem+json``), in
place of the framework's default 422 shape, which the API never sends."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from statedata.web.errors import PROBLEM_JSON, TITLES
from statedata.web.guards import LARGEST

ERRORS = {
    "400": "The request cannot be read as asked (a SoQL clause, a parameter).",
    "401": "Sign in or send a token.",
    "403": "The actor may not do this.",
    "404": "Nothing is there, or nothing the actor may see.",
    "409": "The thing is not in a state that allows it.",
    "413": "The body is larger than the instance accepts.",
    "422": "A value is not valid; the problem names the field (and the row and column).",
    "429": "Too many requests; Retry-After says when to try again.",
}
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "field": {"type": "string"},
        "row": {"type": "integer"},
        "column": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
    "additionalProperties": True,
}


def with_declared_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with every operation declaring the problem responses."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    problem = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for parameter in operation.get("parameters", []):
                _bound_integers(parameter.get("schema", {}))
            for code, description in ERRORS.items():
                operation["responses"][code] = {
                    "description": f"{TITLES.get(int(code), 'Error')}: {description}",
                    "content": problem,
                }
    return schema


def _bound_integers(schema: dict[str, Any]) -> None:
    """An integer parameter holds what a 64-bit column does (``web.guards`` refuses more)."""
    for option in [schema, *schema.get("anyOf", [])]:
        if option.get("type") == "integer":
            option.setdefault("maximum", LARGEST)
            option.setdefault("minimum", -LARGEST - 1)


def install_openapi(app: FastAPI) -> None:
    def described() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_declared_errors(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                )
            )
        return app.openapi_schema

    app.openapi = described  # type: ignore[method-assign]
