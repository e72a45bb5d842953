"""SoQL clauses read by sqlglot: one expression (or list) per clause, its errors named by the
clause, the token and its character position, parsed trees kept for repeated queries."""

from __future__ import annotations

from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from statedata.core.errors import BadQuery

MAX_CLAUSE_CHARS = 4_000
# SoQL spells identifiers with backticks and strings with single quotes, as MySQL does.
DIALECT = "mysql"


@lru_cache(maxsize=1024)
def _statements(source: str) -> tuple[exp.Expr, ...]:
    """Parsed statements, kept for repeated queries (the emitter only reads the trees)."""
    return tuple(p for p in sqlglot.parse(source, read=DIALECT) if p is not None)


def parse_clause(clause: str, text: str, wrapper: str) -> tuple[exp.Expr, int]:
    """Parse ``text`` inside ``wrapper`` (its ``{}``); returns the tree and the wrapper's prefix."""
    if len(text) > MAX_CLAUSE_CHARS:
        raise BadQuery(f"{clause}: is {len(text)} characters; the limit is {MAX_CLAUSE_CHARS}.")
    prefix = wrapper.index("{}")
    source = wrapper.replace("{}", text)
    try:
        statements = _statements(source)
    except ParseError as exc:
        raise BadQuery(_parse_error(clause, exc, source, prefix)) from None
    except RecursionError:
        raise BadQuery(f"{clause}: nests too deeply.") from None
    except Exception as exc:  # the tokenizer raises several kinds; all are bad input
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise BadQuery(f"{clause}: could not be read ({message}).") from None
    if len(statements) != 1:
        raise BadQuery(f"{clause}: must be one expression, not {len(statements)} statements.")
    return statements[0], prefix


def _parse_error(clause: str, exc: ParseError, source: str, prefix: int) -> str:
    first = exc.errors[0] if exc.errors else {}
    line, col = first.get("line"), first.get("col")
    highlight = str(first.get("highlight") or "")
    description = str(first.get("description") or "unexpected text").split(" for <")[0]
    if isinstance(line, int) and isinstance(col, int):
        lines = source.split("\n")
        offset = sum(len(x) + 1 for x in lines[: line - 1]) + col - len(highlight)
        position = max(offset - prefix + 1, 1)
        near = f" {highlight!r}" if highlight.strip() else " the end"
        return f"{clause}: cannot read{near} at character {position} ({description})."
    return f"{clause}: {description}."


def parse_list(clause: str, text: str, keyword: str) -> tuple[list[exp.Expr], int]:
    tree, prefix = parse_clause(clause, text, f"SELECT 1 {keyword} {{}}")
    if not isinstance(tree, exp.Select):
        raise BadQuery(f"{clause}: could not be read as a list.")
    node = tree.args.get({"GROUP BY": "group", "ORDER BY": "order"}[keyword])
    extra = [k for k, v in tree.args.items() if v and k not in ("expressions", "group", "order")]
    if node is None or extra:
        raise BadQuery(f"{clause}: {text!r} is not a list of {keyword.split()[0].lower()} terms.")
    return list(node.expressions), prefix
