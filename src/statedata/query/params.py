"""Query-string parameters read into a :class:`RowsRequest`, with errors that name the parameter."""

from __future__ import annotations

from collections.abc import Iterable

from statedata.core.errors import BadQuery
from statedata.query.rows import RowsRequest
from statedata.query.soql import SoqlRequest

SOQL_CLAUSES = ("$select", "$where", "$order", "$group", "$having", "$q")
# Parameters that are not column filters: paging, version, app tokens, facet options.
RESERVED = frozenset(
    {
        "$limit",
        "$offset",
        "cursor",
        "version",
        "$$app_token",
        "app_token",
        "columns",
        "limit",
        "include_total",
        "$$exclude_system_fields",
        "$$version",
    }
)


def integer(name: str, text: str | None, *, default: int | None = None) -> int | None:
    if text is None or text == "":
        return default
    try:
        return int(text)
    except ValueError:
        raise BadQuery(f"{name}: {text!r} is not a whole number.") from None


def rows_request(pairs: Iterable[tuple[str, str]], *, include_total: bool = True) -> RowsRequest:
    """SoQL clauses, paging and ``column=value`` filters from the query string."""
    given: dict[str, str] = {}
    for name, value in pairs:
        if name in given:
            raise BadQuery(f"{name}: is given more than once; send it once.")
        given[name] = value
    for name in given:
        if name.startswith("$") and name not in SOQL_CLAUSES and name not in RESERVED:
            known = ", ".join((*SOQL_CLAUSES, "$limit", "$offset"))
            raise BadQuery(f"{name}: is not a SoQL parameter (parameters: {known}).")
    soql = SoqlRequest(
        select=given.get("$select", ""),
        where=given.get("$where", ""),
        order=given.get("$order", ""),
        group=given.get("$group", ""),
        having=given.get("$having", ""),
        q=given.get("$q", ""),
        filters={k: v for k, v in given.items() if not k.startswith("$") and k not in RESERVED},
    )
    total_text = given.get("include_total", "true").lower()
    if total_text not in ("true", "false"):
        raise BadQuery(f"include_total: {total_text!r} must be true or false.")
    return RowsRequest(
        soql=soql,
        limit=integer("$limit", given.get("$limit")),
        offset=integer("$offset", given.get("$offset"), default=0) or 0,
        cursor=given.get("cursor", ""),
        include_total=include_total and total_text == "true",
    )


def version_param(text: str | None) -> int | None:
    number = integer("version", text)
    if number is not None and number < 1:
        raise BadQuery(f"version: {number} must be 1 or more.")
    return number
