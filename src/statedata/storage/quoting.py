"""Names and strings written into SQL, quoted the one way every engine here reads them.

DuckDB and Delta Lake's merge predicates (DataFusion) both read a double-quoted identifier and a
single-quoted string with the quote doubled, so one pair of functions serves both. Values a person
sends are bound as parameters, never quoted into SQL; these are for names that were checked
against a schema and for the few literals a parameter cannot stand for (file paths in a view).
"""

from __future__ import annotations


def quoted(name: str) -> str:
    """An identifier read as exactly ``name``."""
    return '"' + name.replace('"', '""') + '"'


def string_literal(text: str) -> str:
    """A string literal read as exactly ``text``."""
    return "'" + text.replace("'", "''") + "'"
