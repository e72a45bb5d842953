"""The rules a dataset's dictionary implies, plus the rules its steward added.

Table Schema constraints are promises about every row, so each becomes an error-level rule:
``required``, ``unique``, ``minimum``/``maximum``, ``minLength``/``maxLength``, ``pattern`` and
``enum`` on a field, and the ``primaryKey`` of the schema. Rules that a field's constraints cannot
say (references, expressions, freshness, row-count change, drift, or a warning instead of an
error) are kept beside the fields as the dataset's own rules.
"""

from __future__ import annotations

from typing import Any

from statedata.core.errors import InvalidInput
from statedata.quality.rules import Rule, parse_rule, parse_rules
from statedata.storage.schema import Column


def _constraint_rules(field: dict[str, Any]) -> list[dict[str, Any]]:
    name, constraints = field["name"], field.get("constraints") or {}
    found: list[dict[str, Any]] = []
    if constraints.get("required"):
        found.append({"type": "required", "column": name})
    if constraints.get("unique"):
        found.append({"type": "unique", "column": name})
    if "minimum" in constraints or "maximum" in constraints:
        bounds = {k: constraints[k] for k in ("minimum", "maximum") if k in constraints}
        found.append({"type": "range", "column": name, **bounds})
    if "minLength" in constraints or "maxLength" in constraints:
        lengths = {
            short: constraints[long]
            for short, long in (("minimum", "minLength"), ("maximum", "maxLength"))
            if long in constraints
        }
        found.append({"type": "length", "column": name, **lengths})
    if "pattern" in constraints:
        # Table Schema patterns match the whole value, as the pattern rule does.
        found.append({"type": "pattern", "column": name, "pattern": constraints["pattern"]})
    if "enum" in constraints:
        found.append({"type": "enum", "column": name, "values": constraints["enum"]})
    return found


def dictionary_rules(fields: list[dict[str, Any]], primary_key: list[str]) -> list[Rule]:
    """The error-level rules the fields' constraints and the primary key state."""
    rules = []
    for field in fields:
        for position, data in enumerate(_constraint_rules(field)):
            rules.append(parse_rule(data, f"fields[{field['name']}].constraints[{position}]"))
    if primary_key:
        rules.append(
            parse_rule({"type": "primary_key", "columns": list(primary_key)}, "primaryKey")
        )
    return rules


def dataset_rules(
    fields: list[dict[str, Any]], primary_key: list[str], own: list[dict[str, Any]]
) -> list[Rule]:
    """Every rule a version of the dataset is checked against: the dictionary's, then its own."""
    return dictionary_rules(fields, primary_key) + parse_rules(own, "rules")


def checked_own_rules(data: Any, fields: list[dict[str, Any]]) -> list[Rule]:
    """A steward's rules, each parsed and each fitting the columns the dictionary lists (with no
    data loaded yet, only parsed)."""
    rules = parse_rules(data, "rules")
    columns = {f["name"]: Column(f["name"], f.get("storageType", "VARCHAR")) for f in fields}
    for position, rule in enumerate(rules):
        if not columns:
            break
        try:
            rule.check_columns(columns)
        except InvalidInput as exc:
            raise InvalidInput(f"rules[{position}]: {exc.detail}") from None
    return rules
