"""Errors as ``application/problem+json`` for the API and as pages for people.

A person asking for a page that needs sign-in is sent to the sign-in page; an API client gets a
401 with ``WWW-Authenticate``. Unexpected errors are logged with their traceback and shown as a
plain 500 that leaks nothing.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from statedata.core.errors import Forbidden, NotAuthenticated, StatedataError, TooManyRequests
from statedata.core.text_fields import friendly_pattern_message
from statedata.web.templating import flash, render

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"
TITLES = {
    400: "Bad request",
    401: "Sign-in required",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    422: "Invalid input",
    429: "Too many requests",
    500: "Server error",
}


def shown_in_form(exc: StatedataError) -> bool:
    """Errors a form shows again beside the fields; access errors go to the error page."""
    return exc.status < 500 and not isinstance(exc, NotAuthenticated | Forbidden)


def flash_form_error(request: Request, session: Session, exc: StatedataError) -> None:
    """Keep a form's error for the page the browser goes back to, undoing the change it
    interrupted; an access error goes on to the error page instead."""
    if not shown_in_form(exc):
        raise exc
    session.rollback()
    flash(request, exc.detail)


def wants_json(request: Request) -> bool:
    if request.url.path.startswith(("/api/", "/resource/")):
        return True
    accept = request.headers.get("accept", "")
    return "json" in accept and "text/html" not in accept


def problem(request: Request, status: int, detail: str, **extra: object) -> JSONResponse:
    """An RFC 9457 problem document."""
    body = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
    headers = {"WWW-Authenticate": 'Bearer realm="statedata"'} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def error_page(request: Request, status: int, detail: str) -> Response:
    if status == 401 and request.method == "GET":
        return RedirectResponse(f"/login?next={quote(str(request.url.path))}", status_code=303)
    return render(
        request,
        "error.html",
        {"status": status, "detail": detail, "heading": TITLES.get(status, "Error")},
        title=TITLES.get(status, "Error"),
        status_code=status,
    )


def respond(request: Request, status: int, detail: str, **extra: object) -> Response:
    return (
        problem(request, status, detail, **extra)
        if wants_json(request)
        else error_page(request, status, detail)
    )


async def handle_domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StatedataError)
    response = respond(request, exc.status, exc.detail, **exc.located())
    if isinstance(exc, TooManyRequests):
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


async def handle_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "Error")
    if exc.status_code == 404:
        detail = f"Nothing is published at {request.url.path}."
    response = respond(request, exc.status_code, detail)
    for name, value in (exc.headers or {}).items():  # a 405's Allow, a 401's WWW-Authenticate
        response.headers.setdefault(name, value)
    return response


def _message(error: dict[str, Any]) -> str:
    """A validation error in words that name the value sent and what would do: the trimmed-length
    patterns of request bodies as what they ask, a model's own ``ValueError`` as it is written,
    pydantic's own words for the rest."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    sent = error.get("input")
    shown = repr(sent if not isinstance(sent, str) else sent[:80])
    scalar = isinstance(sent, str | int | float) and not isinstance(sent, bool)
    if kind == "string_pattern_mismatch":
        said = friendly_pattern_message(str(ctx.get("pattern", "")))
        if said:
            return said
    words = {
        "missing": "is required",
        "extra_forbidden": "is not a field this request takes",
        "list_type": "must be a list",
        "dict_type": "must be an object",
        "model_type": "must be an object",
        "string_type": "must be text",
        "bool_type": "must be true or false",
        "too_short": f"give at least {ctx.get('min_length')}",
        "too_long": f"give at most {ctx.get('max_length', 0):,}",
        "string_too_long": f"at most {ctx.get('max_length', 0):,} characters",
    }
    if kind in words:
        return words[kind]
    if scalar:
        by_value = {
            "literal_error": f"{shown} is not a choice; use {ctx.get('expected')}",
            "enum": f"{shown} is not a choice; use {ctx.get('expected')}",
            "int_parsing": f"{shown} is not a whole number",
            "int_type": f"{shown} is not a whole number",
            "int_from_float": f"{shown} is not a whole number",
            "float_parsing": f"{shown} is not a number",
            "date_from_datetime_parsing": f"{shown} is not a date (YYYY-MM-DD)",
            "date_parsing": f"{shown} is not a date (YYYY-MM-DD)",
            "date_type": f"{shown} is not a date (YYYY-MM-DD)",
            "greater_than_equal": f"{shown} is less than {ctx.get('ge')}",
            "greater_than": f"{shown} is not more than {ctx.get('gt')}",
            "less_than_equal": f"{shown} is more than {ctx.get('le')}",
            "less_than": f"{shown} is not less than {ctx.get('lt')}",
        }
        if kind in by_value:
            return by_value[kind]
    return str(error["msg"]).removeprefix("Value error, ")


def _where(location: tuple[Any, ...] | list[Any]) -> str:
    """Where a problem is: a body's field by its own path (``items[0].dataset``), a parameter
    by where it was sent (``query.limit``)."""
    parts = list(location)
    if parts[:1] == ["body"] and len(parts) > 1:
        parts = parts[1:]
    where = ""
    for part in parts:
        where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
    return where


async def handle_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = [
        {"field": _where(error["loc"]), "message": _message(error)} for error in exc.errors()
    ]
    detail = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
    # the first parameter named, as the domain's own errors name theirs (``field``)
    first = list(exc.errors()[0]["loc"]) if problems else []
    named = first[1:] if first[:1] and first[0] in ("query", "path", "body", "header") else first
    extra = {"field": _where(named)} if named else {}
    return respond(request, 422, detail, errors=problems, **extra)


async def handle_unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return respond(
        request,
        500,
        "Something went wrong on our side. It has been logged; please try again later.",
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StatedataError, handle_domain_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(Exception, handle_unexpected_error)
