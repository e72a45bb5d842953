"""The dataset page's table: rows filtered, searched, sorted and paged by plain query-string
parameters, so its links and forms work without JavaScript.

Everything is translated into SoQL and run by :mod:`statedata.query.rows`, so the page obeys the
same allow-list, masking, time limit and row cap as the API, and the API examples on the page are
the very query the table shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from statedata.core.errors import BadQuery
from statedata.query.reading import Reading
from statedata.query.rows import RowsPage, RowsRequest, query_rows
from statedata.query.soql import SoqlRequest, literal_value
from statedata.storage.quoting import string_literal

# The operators a filter row offers, with the words the page shows for them.
OPERATORS: dict[str, str] = {
    "eq": "is",
    "ne": "is not",
    "lt": "is less than",
    "le": "is at most",
    "gt": "is more than",
    "ge": "is at least",
    "contains": "contains",
    "starts": "starts with",
    "null": "is empty",
    "notnull": "is not empty",
}
COMPARE = {"eq": "=", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
WITHOUT_VALUE = frozenset({"null", "notnull"})
TEXT_ONLY = frozenset({"contains", "starts"})
PAGE_SIZES = (10, 25, 100)
DEFAULT_PAGE_SIZE = 25
MAX_FILTERS = 20


def soql_name(name: str) -> str:
    """A column as SoQL spells it: in backticks, so any name is read as exactly that name."""
    return "`" + name.replace("`", "``") + "`"


def soql_text(value: str) -> str:
    """A SoQL string literal (SoQL quotes strings as SQL does)."""
    return string_literal(value)


@dataclass(frozen=True)
class Filter:
    column: str
    op: str
    value: str = ""

    @property
    def words(self) -> str:
        shown = "" if self.op in WITHOUT_VALUE else f" {self.value!r}"
        return f"{self.column} {OPERATORS[self.op]}{shown}"

    def soql(self) -> str:
        name = soql_name(self.column)
        if self.op == "null":
            return f"{name} IS NULL"
        if self.op == "notnull":
            return f"{name} IS NOT NULL"
        if self.op == "contains":  # case ignored, and the value is text, never a LIKE pattern
            return f"contains(upper({name}), {soql_text(self.value.upper())})"
        if self.op == "starts":
            return f"starts_with({name}, {soql_text(self.value)})"
        return f"{name} {COMPARE[self.op]} {soql_text(self.value)}"


@dataclass(frozen=True)
class TableView:
    """What the explorer's table shows: filters, a search, one sort column, and a page."""

    filters: tuple[Filter, ...] = ()
    q: str = ""
    sort: str = ""
    descending: bool = False
    page: int = 1
    size: int = DEFAULT_PAGE_SIZE

    def params(self) -> list[tuple[str, str]]:
        """The view as query-string pairs, in a fixed order (so equal views have equal links)."""
        pairs: list[tuple[str, str]] = []
        for f in self.filters:
            pairs += [("fc", f.column), ("fo", f.op), ("fv", f.value)]
        if self.q:
            pairs.append(("q", self.q))
        if self.sort:
            pairs.append(("sort", ("-" if self.descending else "") + self.sort))
        if self.size != DEFAULT_PAGE_SIZE:
            pairs.append(("size", str(self.size)))
        if self.page != 1:
            pairs.append(("page", str(self.page)))
        return pairs

    def link(self, path: str, **changes: Any) -> str:
        """A link to this view with ``changes`` applied; a new filter or sort starts at page 1."""
        if changes and "page" not in changes:
            changes["page"] = 1
        view = replace(self, **changes)
        query = urlencode(view.params())
        return f"{path}?{query}#explore" if query else f"{path}#explore"

    def without(self, index: int, path: str) -> str:
        kept = self.filters[:index] + self.filters[index + 1 :]
        return self.link(path, filters=kept)

    def sorted_by(self, column: str, path: str) -> str:
        """The header's link: sort by the column, or flip the direction when it is the sort."""
        descending = not self.descending if self.sort == column else False
        return self.link(path, sort=column, descending=descending)

    def where(self) -> str:
        return " AND ".join(f"({f.soql()})" for f in self.filters)

    def api_params(self) -> dict[str, str]:
        """The view as data API parameters (``$where``, ``$q``, ``$order``), without paging."""
        soql = self.soql()
        found = {"$where": soql.where, "$q": soql.q, "$order": soql.order}
        return {k: v for k, v in found.items() if v}

    def soql(self) -> SoqlRequest:
        order = (
            f"{soql_name(self.sort)} {'DESC' if self.descending else 'ASC'}" if self.sort else ""
        )
        return SoqlRequest(where=self.where(), order=order, q=self.q)


def _whole(name: str, text: str, low: int, high: int) -> int:
    try:
        number = int(text)
    except ValueError:
        raise BadQuery(f"{name}: {text!r} is not a whole number.") from None
    if not low <= number <= high:
        raise BadQuery(f"{name}: {number} must be between {low:,} and {high:,}.")
    return number


def table_view(
    pairs: Iterable[tuple[str, str]], *, types: dict[str, str], masked: frozenset[str]
) -> TableView:
    """The view the query string asks for; a bad part is a :class:`BadQuery` that names it.

    ``fc``, ``fo`` and ``fv`` come in threes, one per filter, so a plain form can add a filter
    while keeping the others as hidden fields. A three with no column is the empty "add a filter"
    row and is skipped.
    """
    given: dict[str, list[str]] = {}
    for name, value in pairs:
        given.setdefault(name, []).append(value)
    columns, ops, values = given.get("fc", []), given.get("fo", []), given.get("fv", [])
    if not len(columns) == len(ops) == len(values):
        raise BadQuery(
            "filters: each filter needs a column (fc), an operator (fo) and a value (fv)."
        )
    filters: list[Filter] = []
    for number, (column, op, value) in enumerate(zip(columns, ops, values, strict=True), start=1):
        if not column:
            continue
        where = f"filter {number}"
        if column not in types:
            raise BadQuery(f"{where}: {column!r} is not a column of this dataset.")
        if column in masked:
            raise BadQuery(f"{where}: {column!r} is masked for you and cannot be filtered on.")
        if op not in OPERATORS:
            raise BadQuery(f"{where}: {op!r} is not an operator (one of {', '.join(OPERATORS)}).")
        if op in TEXT_ONLY and types[column] != "VARCHAR":
            raise BadQuery(
                f"{where}: {OPERATORS[op]!r} works on text; {column!r} is {types[column]}."
            )
        if op not in WITHOUT_VALUE and value == "":
            raise BadQuery(f"{where}: give a value for {column!r} {OPERATORS[op]}.")
        if op in COMPARE:  # named here, in the page's words, rather than as a $where position
            prefix = f"{where}: {column}"
            literal_value(value, types[column], lambda m: BadQuery(f"{prefix}: {m}."))  # noqa: B023 (called at once)
        filters.append(Filter(column, op, "" if op in WITHOUT_VALUE else value))
    if len(filters) > MAX_FILTERS:
        raise BadQuery(f"filters: at most {MAX_FILTERS} filters at a time.")
    sort_text = (given.get("sort") or [""])[-1]
    descending = sort_text.startswith("-")
    sort = sort_text.removeprefix("-")
    if sort and sort not in types:
        raise BadQuery(f"sort: {sort!r} is not a column of this dataset.")
    if sort in masked:
        raise BadQuery(f"sort: {sort!r} is masked for you and cannot be sorted on.")
    size = _whole("size", (given.get("size") or [str(DEFAULT_PAGE_SIZE)])[-1], 1, max(PAGE_SIZES))
    page = _whole("page", (given.get("page") or ["1"])[-1], 1, 10_000_000)
    return TableView(
        filters=tuple(filters),
        q=(given.get("q") or [""])[-1].strip(),
        sort=sort,
        descending=descending,
        page=page,
        size=size,
    )


@dataclass
class TablePage:
    view: TableView
    page: RowsPage
    pages: int

    @property
    def first_row(self) -> int:
        return (self.view.page - 1) * self.view.size + 1 if self.page.rows else 0

    @property
    def last_row(self) -> int:
        return self.first_row + len(self.page.rows) - 1 if self.page.rows else 0


def table_page(target: Reading, view: TableView) -> TablePage:
    """The rows of one page of the view, with the number of pages."""
    request = RowsRequest(soql=view.soql(), limit=view.size, offset=(view.page - 1) * view.size)
    page = query_rows(target, request)
    total = page.total or 0
    return TablePage(view=view, page=page, pages=max(1, -(-total // view.size)))
