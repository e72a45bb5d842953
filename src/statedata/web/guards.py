"""Checks every request passes before a route sees it, for input no route can be trusted to
refuse by itself: an integer parameter past what a database column holds (SQLite raises an
overflow on it), text in a JSON body that is not Unicode (an unpaired surrogate such as
``\\ud800``, which nothing can encode to UTF-8), and the NUL character ``\\u0000``, which
PostgreSQL's text cannot hold. Each is refused with 422 naming where it is."""

from __future__ import annotations

import json
from typing import Any, get_args

from fastapi import Depends, Request
from fastapi.routing import APIRoute

from statedata.core.errors import InvalidInput

LARGEST = 2**63 - 1  # a signed 64-bit column, SQLite's and PostgreSQL's bigint


def _declared_integers(request: Request) -> list[tuple[str, str]]:
    """(where, name) of the route's integer path and query parameters."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return []
    dependant = route.dependant
    found = []
    for where, params in (("path", dependant.path_params), ("query", dependant.query_params)):
        for param in params:
            annotation = param.field_info.annotation
            if annotation is int or int in get_args(annotation):  # int, or int | None
                found.append((where, param.alias))
    return found


def _check_integers(request: Request) -> None:
    for where, name in _declared_integers(request):
        raw = (request.path_params if where == "path" else request.query_params).get(name)
        if raw is None:
            continue
        text = str(raw).strip().lstrip("+-")
        if text.isdigit() and len(text) > 18 and not -LARGEST - 1 <= int(str(raw)) <= LARGEST:
            raise InvalidInput(
                f"{name}: {str(raw)[:40]} is too large (at most {LARGEST:,}).", field=name
            )


def _unholdable(text: str) -> str | None:
    """What in ``text`` no database can keep, in words (None when it can all be kept)."""
    if "\x00" in text:
        return "the NUL character (\\u0000), which a database cannot keep in text"
    if any("\ud800" <= c <= "\udfff" for c in text):
        return "an unpaired surrogate (\\ud800 to \\udfff), which is not a character"
    return None


def _first_unholdable(value: Any, path: str) -> tuple[str, str] | None:
    """The JSON path of the first string (key or value) with text no database can keep, and
    what it holds."""
    if isinstance(value, str):
        found = _unholdable(value)
        return (path, found) if found else None
    if isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{key}" if path else str(key)
            hit = _first_unholdable(key, path) or _first_unholdable(item, inner)
            if hit is not None:
                return hit
    if isinstance(value, list):
        for n, item in enumerate(value):
            hit = _first_unholdable(item, f"{path}[{n}]")
            if hit is not None:
                return hit
    return None


async def _check_json_text(request: Request) -> None:
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    if "json" not in request.headers.get("content-type", ""):
        return
    body = await request.body()
    lowered = body.lower()
    # only an escape can write a surrogate or a NUL into JSON
    if b"\\ud" not in lowered and b"\\u0000" not in lowered:
        return
    try:
        parsed = json.loads(body)
    except ValueError:
        return  # the route's own parsing says what is wrong with it
    hit = _first_unholdable(parsed, "")
    if hit is not None:
        where, what = hit
        raise InvalidInput(
            f"{where or 'body'}: the text holds {what}; send the text as UTF-8 without it.",
            field=where or "body",
        )


async def check_input(request: Request) -> None:
    """Refuse input no route can hold (see the module's text)."""
    _check_integers(request)
    await _check_json_text(request)


InputChecked = Depends(check_input)
