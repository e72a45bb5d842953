"""SoQL (Socrata's query language) read by sqlglot and written out as DuckDB SQL from an allow-list.

Each clause is parsed on its own, then walked by :class:`_Emitter`, which writes SQL only for the
node types and functions it knows; anything else is refused with the clause, the token and its
position. Column names are checked against the version's columns and quoted; every literal becomes a
bound parameter, so nothing a client sends is ever pasted into SQL.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlglot import exp

from statedata.core.errors import BadQuery, StatedataError
from statedata.query.geo import GeoColumns, within_circle_sql
from statedata.query.soql_parsing import DIALECT, parse_clause, parse_list
from statedata.storage.duck import sql_type
from statedata.storage.quoting import quoted
from statedata.storage.schema import Column

MAX_DEPTH = 60
AGGREGATES: dict[type[exp.Expr], str] = {
    exp.Count: "count",
    exp.Sum: "sum",
    exp.Avg: "avg",
    exp.Min: "min",
    exp.Max: "max",
}
COMPARISONS: dict[type[exp.Expr], str] = {
    exp.EQ: "=",
    exp.NEQ: "<>",
    exp.GT: ">",
    exp.GTE: ">=",
    exp.LT: "<",
    exp.LTE: "<=",
}
ARITHMETIC: dict[type[exp.Expr], str] = {
    exp.Add: "+",
    exp.Sub: "-",
    exp.Mul: "*",
    exp.Div: "/",
}
DATE_TRUNCS = {"date_trunc_y": "year", "date_trunc_ym": "month", "date_trunc_ymd": "day"}
NUMERIC = re.compile(r"^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|FLOAT|DOUBLE|DECIMAL)")
TEMPORAL = ("DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE")


NOT_A_FUNCTION = (
    "is not a SoQL function here (functions: count, sum, avg, min, max, upper, lower, "
    "date_trunc_y, date_trunc_ym, date_trunc_ymd, starts_with, contains, within_circle)"
)
# The arguments each node may carry; anything else set on a node is refused, not ignored.
PLAIN_ARGUMENTS = frozenset({"this", "expression", "expressions"})
ARGUMENTS: dict[type[exp.Expr], frozenset[str]] = {
    exp.Column: frozenset({"this", "table"}),
    exp.Literal: frozenset({"this", "is_string"}),
    exp.Like: frozenset({"this", "expression", "negate"}),
    exp.Between: frozenset({"this", "low", "high"}),
    exp.In: frozenset({"this", "expressions"}),
    exp.Count: frozenset({"this", "expressions", "big_int"}),
    exp.Anonymous: frozenset({"this", "expressions"}),
}


@dataclass
class SoqlRequest:
    """The SoQL parameters of one request, as sent."""

    select: str = ""
    where: str = ""
    order: str = ""
    group: str = ""
    having: str = ""
    q: str = ""
    filters: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OrderTerm:
    sql: str
    descending: bool
    column: Column | None  # set when the term is a plain column (keyset paging needs its type)


@dataclass
class CompiledQuery:
    """SQL fragments with their parameters, in the order they appear in the statement."""

    select: list[tuple[str, str]]  # (expression SQL, output name)
    select_params: list[Any]
    where: str
    where_params: list[Any]
    group: str
    group_params: list[Any]
    having: str
    having_params: list[Any]
    order: list[OrderTerm]
    order_params: list[Any]
    aggregated: bool

    @property
    def output_names(self) -> list[str]:
        return [name for _, name in self.select]


def literal_value(literal: str, column_type: str, report: Callable[[str], StatedataError]) -> Any:
    """A string literal as the Python value of a column's type, so a bad date or number is named."""
    try:
        if column_type.startswith(TEMPORAL[1]):
            return datetime.fromisoformat(literal.replace("Z", "+00:00"))
        if column_type == "DATE":
            return (
                datetime.fromisoformat(literal)
                if "T" in literal or " " in literal.strip()
                else date.fromisoformat(literal)
            )
        if NUMERIC.match(column_type):
            return float(literal) if column_type in ("DOUBLE", "FLOAT") else Decimal(literal)
        if column_type == "BOOLEAN":
            lowered = literal.strip().lower()
            if lowered not in ("true", "false"):
                raise ValueError(literal)
            return lowered == "true"
    except (ValueError, InvalidOperation):
        raise report(f"{literal!r} is not a {column_type.lower()} value") from None
    return literal


class _Emitter:
    """Writes DuckDB SQL for one parsed clause, refusing whatever is not on the allow-list."""

    def __init__(
        self,
        clause: str,
        columns: dict[str, Column],
        masked: frozenset[str],
        geo: GeoColumns | None,
        *,
        aggregates: bool,
        aliases: dict[str, exp.Expr] | None = None,
        inline_aliases: bool = False,
    ) -> None:
        self.clause = clause
        self.prefix = 0  # characters the clause was wrapped in before parsing
        self.columns = columns
        self.masked = masked
        self.geo = geo
        self.aggregates = aggregates
        self.aliases = aliases or {}
        self.inline_aliases = inline_aliases  # HAVING cannot name $select's aliases in DuckDB
        self.params: list[Any] = []
        self.used_aggregate = False

    # errors --------------------------------------------------------------------------------
    def _position(self, node: exp.Expr) -> int | None:
        for found in node.walk():
            start = found.meta.get("start") if found.meta else None
            if start is not None:
                return int(start) - self.prefix + 1
        return None

    def refuse(self, node: exp.Expr, why: str) -> BadQuery:
        token = node.sql(dialect=DIALECT)
        if len(token) > 60:
            token = token[:57] + "..."
        position = self._position(node)
        where = f" at character {position}" if position else ""
        return BadQuery(f"{self.clause}: {token!r}{where} {why}.")

    # the walk ------------------------------------------------------------------------------
    def emit(self, node: exp.Expr, depth: int = 0) -> str:
        if depth > MAX_DEPTH:
            raise self.refuse(node, "nests too deeply")
        allowed = ARGUMENTS.get(type(node), PLAIN_ARGUMENTS)
        extra = [
            k for k, v in node.args.items() if v not in (None, False, [], "") and k not in allowed
        ]
        if extra:  # a modifier this walk would otherwise ignore (ESCAPE, IGNORE NULLS, ...)
            raise self.refuse(node, f"uses {', '.join(extra)}, which SoQL here does not allow")
        deeper = depth + 1
        if isinstance(node, exp.Paren):
            return f"({self.emit(node.this, deeper)})"
        if isinstance(node, exp.Column):
            return self._column(node)[0]
        if isinstance(node, exp.Literal):
            return self._bind(self._plain_literal(node))
        if isinstance(node, exp.Boolean):
            return "TRUE" if node.this else "FALSE"
        if isinstance(node, exp.Null):
            return "NULL"
        if isinstance(node, exp.Neg):
            return f"(-{self.emit(node.this, deeper)})"
        if isinstance(node, exp.And | exp.Or):
            word = "AND" if isinstance(node, exp.And) else "OR"
            return f"({self.emit(node.this, deeper)} {word} {self.emit(node.expression, deeper)})"
        if isinstance(node, exp.Not):
            return f"(NOT {self.emit(node.this, deeper)})"
        if type(node) in COMPARISONS:
            return self._compare(node, COMPARISONS[type(node)], deeper)
        if type(node) in ARITHMETIC:
            left, right = self.emit(node.this, deeper), self.emit(node.expression, deeper)
            return f"({left} {ARITHMETIC[type(node)]} {right})"
        if isinstance(node, exp.In):
            return self._in(node, deeper)
        if isinstance(node, exp.Between):
            target = self.emit(node.this, deeper)
            low = self._operand(node.args["low"], node.this, deeper)
            high = self._operand(node.args["high"], node.this, deeper)
            return f"({target} BETWEEN {low} AND {high})"
        if isinstance(node, exp.Like):
            if not isinstance(node.expression, exp.Literal) or not node.expression.is_string:
                raise self.refuse(node, "needs a quoted pattern after LIKE")
            target = self.emit(node.this, deeper)
            word = "NOT LIKE" if node.args.get("negate") else "LIKE"
            return f"(CAST({target} AS VARCHAR) {word} {self._bind(node.expression.this)})"
        if isinstance(node, exp.Is):
            if not isinstance(node.expression, exp.Null):
                raise self.refuse(node, "may only be IS NULL or IS NOT NULL")
            return f"({self.emit(node.this, deeper)} IS NULL)"
        if isinstance(node, exp.StartsWith | exp.Contains):
            part = node.expression
            if not isinstance(part, exp.Literal) or not part.is_string:
                raise self.refuse(node, "needs quoted text as its second argument")
            target = self.emit(node.this, deeper)
            function = "starts_with" if isinstance(node, exp.StartsWith) else "contains"
            return f"{function}(CAST({target} AS VARCHAR), {self._bind(part.this)})"
        if isinstance(node, exp.Upper | exp.Lower):
            function = "upper" if isinstance(node, exp.Upper) else "lower"
            return f"{function}(CAST({self.emit(node.this, deeper)} AS VARCHAR))"
        if type(node) in AGGREGATES:
            return self._aggregate(node, deeper)
        if isinstance(node, exp.Anonymous):
            return self._function(node, deeper)
        if isinstance(node, exp.Func):
            raise self.refuse(node, NOT_A_FUNCTION)
        raise self.refuse(node, "is not something SoQL here allows")

    def _column(self, node: exp.Column) -> tuple[str, Column | None]:
        if node.table:
            raise self.refuse(node, "names a table; name only a column")
        name = node.name
        if name in self.aliases:
            target = self.aliases[name]
            if not self.inline_aliases:
                return quoted(name), None
            if not (isinstance(target, exp.Column) and target.name == name):
                return f"({self.emit(target)})", None
        if name not in self.columns:
            known = ", ".join(self.columns) or "none"
            raise self.refuse(node, f"is not a column of this dataset (columns: {known})")
        if name in self.masked:
            raise self.refuse(node, "is a masked column you may not query")
        return quoted(name), self.columns[name]

    def _plain_literal(self, node: exp.Literal) -> Any:
        if node.is_string:
            return node.this
        text = str(node.this)
        try:
            return int(text) if re.fullmatch(r"\d+", text) else float(text)
        except ValueError:
            raise self.refuse(node, "is not a number") from None

    def _bind(self, value: Any) -> str:
        self.params.append(value)
        return "?"

    def _operand(self, node: exp.Expr, partner: exp.Expr, depth: int) -> str:
        """SQL for ``node`` compared with ``partner``: a quoted literal takes the column's type."""
        if isinstance(node, exp.Literal) and node.is_string and isinstance(partner, exp.Column):
            _, column = self._column(partner)
            if column is not None:
                value = literal_value(
                    node.this, column.type, lambda why: self.refuse(node, f"is not valid: {why}")
                )
                return self._bind(value)
        return self.emit(node, depth)

    def _compare(self, node: exp.Expr, operator: str, depth: int) -> str:
        left = self._operand(node.this, node.expression, depth)
        right = self._operand(node.expression, node.this, depth)
        return f"({left} {operator} {right})"

    def _in(self, node: exp.In, depth: int) -> str:
        if node.args.get("query") or node.args.get("unnest") or node.args.get("field"):
            raise self.refuse(node, "may only list values")
        values = node.expressions
        if not values:
            raise self.refuse(node, "needs at least one value")
        target = self.emit(node.this, depth)
        listed = ", ".join(self._operand(v, node.this, depth) for v in values)
        return f"({target} IN ({listed}))"

    def _aggregate(self, node: exp.Expr, depth: int) -> str:
        name = AGGREGATES[type(node)]
        if not self.aggregates:
            raise self.refuse(node, f"is an aggregate; {self.clause} cannot use {name}()")
        if node.expressions:
            raise self.refuse(node, f"gives {name}() more than one argument")
        self.used_aggregate = True
        argument = node.this
        if isinstance(argument, exp.Star):
            if name != "count":
                raise self.refuse(node, f"{name}(*) is not allowed; name a column")
            return "count(*)"
        if isinstance(argument, exp.Distinct):
            if name != "count" or len(argument.expressions) != 1:
                raise self.refuse(node, "may use DISTINCT only as count(DISTINCT column)")
            return f"count(DISTINCT {self.emit(argument.expressions[0], depth)})"
        if argument is None:
            raise self.refuse(node, f"needs an argument for {name}()")
        inner = self.emit(argument, depth)
        # Two aggregates nested (sum(count(*))) is an error DuckDB would report less clearly.
        if any(type(n) in AGGREGATES for n in argument.walk()):
            raise self.refuse(node, "nests one aggregate inside another")
        return f"{name}({inner})"

    def _function(self, node: exp.Anonymous, depth: int) -> str:
        name = str(node.this).lower()
        arguments = node.expressions
        if name in DATE_TRUNCS:
            if len(arguments) != 1:
                raise self.refuse(node, f"{name}() takes one date column")
            inner = self.emit(arguments[0], depth)
            return f"date_trunc('{DATE_TRUNCS[name]}', CAST({inner} AS TIMESTAMP))"
        if name == "within_circle":
            return self._within_circle(node, arguments)
        raise self.refuse(node, NOT_A_FUNCTION)

    def _within_circle(self, node: exp.Anonymous, arguments: list[exp.Expr]) -> str:
        """``within_circle(location, lat, lon, metres)`` or ``within_circle(lat_col, lon_col, ...)``."""
        if len(arguments) == 5:
            latitude = self._column(_as_column(self, arguments[0]))[0]
            longitude = self._column(_as_column(self, arguments[1]))[0]
        elif len(arguments) == 4:
            if self.geo is None:
                raise self.refuse(
                    node, "needs latitude and longitude columns, which this dataset lacks"
                )
            latitude, longitude = quoted(self.geo.latitude), quoted(self.geo.longitude)
            if self.geo.latitude in self.masked or self.geo.longitude in self.masked:
                raise self.refuse(node, "uses masked coordinates you may not query")
        else:
            raise self.refuse(
                node,
                "takes (location, latitude, longitude, metres) or (lat column, lon column, ...)",
            )
        numbers = []
        for argument in arguments[-3:]:
            value = argument.this if isinstance(argument, exp.Neg) else argument
            if not isinstance(value, exp.Literal) or value.is_string:
                raise self.refuse(argument, "must be a number")
            number = float(self._plain_literal(value))
            numbers.append(-number if isinstance(argument, exp.Neg) else number)
        centre_lat, centre_lon, metres = numbers
        if not (-90 <= centre_lat <= 90 and -180 <= centre_lon <= 180 and metres >= 0):
            raise self.refuse(
                node, "needs a latitude in -90..90, a longitude in -180..180, metres >= 0"
            )
        sql, params = within_circle_sql(latitude, longitude, centre_lat, centre_lon, metres)
        self.params.extend(params)
        return sql


def _as_column(emitter: _Emitter, node: exp.Expr) -> exp.Column:
    if not isinstance(node, exp.Column):
        raise emitter.refuse(node, "must be a column")
    return node


def _select_list(emitter: _Emitter, text: str) -> tuple[list[tuple[str, str]], dict[str, exp.Expr]]:
    """The select items as (SQL, output name), and each output name's expression."""
    tree, emitter.prefix = parse_clause("$select", text, "SELECT {}")
    extra = [k for k, v in tree.args.items() if v and k != "expressions"]
    if not isinstance(tree, exp.Select) or extra:
        raise BadQuery(f"$select: {text!r} must be a list of columns and expressions only.")
    chosen: list[tuple[str, str]] = []
    nodes: list[exp.Expr] = []
    for item in tree.expressions:
        if isinstance(item, exp.Star):
            for name in emitter.columns:
                if name not in emitter.masked:
                    chosen.append((quoted(name), name))
                    nodes.append(exp.column(name))
            continue
        alias = ""
        if isinstance(item, exp.Alias):
            alias, item = item.alias, item.this
        chosen.append((emitter.emit(item), alias or _default_name(item)))
        nodes.append(item)
    named = _unique_names(chosen)
    return named, {name: node for (_, name), node in zip(named, nodes, strict=True)}


def _default_name(node: exp.Expr) -> str:
    """Socrata's names for unnamed expressions: ``count``, ``sum_amount``, ``upper_town``."""
    if isinstance(node, exp.Column):
        return node.name
    words = []
    for part in node.walk():
        if type(part) in AGGREGATES:
            words.append(AGGREGATES[type(part)])
        elif isinstance(part, exp.Anonymous):
            words.append(str(part.this).lower())
        elif isinstance(part, exp.Upper | exp.Lower):
            words.append(type(part).__name__.lower())
        elif isinstance(part, exp.Column):
            words.append(part.name)
    return "_".join(words) or "expression"


def _unique_names(chosen: list[tuple[str, str]]) -> list[tuple[str, str]]:
    seen: dict[str, int] = {}
    named = []
    for sql, name in chosen:
        seen[name] = seen.get(name, 0) + 1
        named.append((sql, name if seen[name] == 1 else f"{name}_{seen[name]}"))
    return named


def compile_soql(
    request: SoqlRequest,
    columns: list[Column],
    *,
    masked: frozenset[str] = frozenset(),
    geo: GeoColumns | None = None,
) -> CompiledQuery:
    """The request as SQL fragments over a relation with ``columns``; raises :class:`BadQuery`."""
    by_name = {c.name: c for c in columns}

    def emitter(
        clause: str,
        *,
        aggregates: bool,
        aliases: dict[str, exp.Expr] | None = None,
        inline_aliases: bool = False,
    ) -> _Emitter:
        return _Emitter(
            clause,
            by_name,
            masked,
            geo,
            aggregates=aggregates,
            aliases=aliases,
            inline_aliases=inline_aliases,
        )

    selecting = emitter("$select", aggregates=True)
    if request.select.strip():
        select, select_nodes = _select_list(selecting, request.select)
    else:
        # Every column in its place; a masked one as a typed null, so no value leaves.
        select = [
            (f"CAST(NULL AS {sql_type(c.type)})" if c.name in masked else quoted(c.name), c.name)
            for c in columns
        ]
        select_nodes = {c.name: exp.column(c.name) for c in columns if c.name not in masked}
    if not select_nodes:
        raise BadQuery("$select: no columns are left to show.")

    filtering = emitter("$where", aggregates=False)
    conditions: list[str] = []
    if request.where.strip():
        tree, filtering.prefix = parse_clause("$where", request.where, "{}")
        conditions.append(filtering.emit(tree))
    for name, value in request.filters.items():
        conditions.append(_equality(filtering, name, value))
    if request.q.strip():
        conditions.append(_full_text(filtering, request.q))

    grouping = emitter("$group", aggregates=False)
    group_terms: list[str] = []
    if request.group.strip():
        terms, grouping.prefix = parse_list("$group", request.group, "GROUP BY")
        _refuse_constants("$group", terms)
        group_terms = [grouping.emit(t) for t in terms]

    having = emitter("$having", aggregates=True, aliases=select_nodes, inline_aliases=True)
    having_sql = ""
    if request.having.strip():
        if not group_terms and not selecting.used_aggregate:
            raise BadQuery("$having: needs $group or an aggregate in $select.")
        tree, having.prefix = parse_clause("$having", request.having, "{}")
        having_sql = having.emit(tree)

    aggregated = bool(group_terms) or selecting.used_aggregate
    ordering = emitter("$order", aggregates=aggregated, aliases=select_nodes)
    order: list[OrderTerm] = []
    if request.order.strip():
        terms, ordering.prefix = parse_list("$order", request.order, "ORDER BY")
        _refuse_constants("$order", terms)
        for term in terms:
            inner = term.this if isinstance(term, exp.Ordered) else term
            descending = bool(isinstance(term, exp.Ordered) and term.args.get("desc"))
            column = by_name.get(inner.name) if isinstance(inner, exp.Column) else None
            if column is not None and inner.name in ordering.aliases and aggregated:
                column = None
            order.append(OrderTerm(ordering.emit(inner), descending, column))

    return CompiledQuery(
        select=select,
        select_params=selecting.params,
        where=" AND ".join(conditions),
        where_params=filtering.params,
        group=", ".join(group_terms),
        group_params=grouping.params,
        having=having_sql,
        having_params=having.params,
        order=order,
        order_params=ordering.params,
        aggregated=aggregated,
    )


def _refuse_constants(clause: str, terms: list[exp.Expr]) -> None:
    """A term that reads no column (``$order=1``) would sort or group by a constant; say so
    rather than let the database guess (it reads a bare number as a position, or fails)."""
    for term in terms:
        inner = term.this if isinstance(term, exp.Ordered) else term
        if inner.find(exp.Column) is None and inner.find(exp.AggFunc) is None:
            raise BadQuery(
                f"{clause}: {inner.sql()!r} is a constant; name a column or an expression of one."
            )


def _equality(emitter: _Emitter, name: str, value: str) -> str:
    if name not in emitter.columns:
        known = ", ".join(emitter.columns)
        raise BadQuery(
            f"{name}: is not a column of this dataset or a $ parameter (columns: {known})."
        )
    if name in emitter.masked:
        raise BadQuery(f"{name}: is a masked column you may not query.")
    column = emitter.columns[name]

    def report(why: str) -> BadQuery:
        return BadQuery(f"{name}: {why}.")

    return f"({quoted(name)} = {emitter._bind(literal_value(value, column.type, report))})"


def _full_text(emitter: _Emitter, text: str) -> str:
    """``$q``: every word appears in some text column (case ignored)."""
    targets = [
        c.name
        for c in emitter.columns.values()
        if c.type == "VARCHAR" and c.name not in emitter.masked
    ]
    if not targets:
        raise BadQuery("$q: this dataset has no text columns to search.")
    words = [w for w in text.lower().split() if w][:20]
    matches = []
    for word in words:
        either = " OR ".join(
            f"contains(lower({quoted(t)}), {emitter._bind(word)})" for t in targets
        )
        matches.append(f"({either})")
    return "(" + " AND ".join(matches) + ")"
