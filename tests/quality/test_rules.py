"""Rules saved as data: each type loads from ``{"type": ..., **params}`` and back, bad ones are named."""

from __future__ import annotations

import pytest

from statedata.core.errors import InvalidInput
from statedata.quality.rules import parse_rule, parse_rules, rule_types

GOOD = [
    {"type": "required", "column": "name"},
    {"type": "unique", "column": "id"},
    {"type": "primary_key", "columns": ["id", "town"]},
    {"type": "range", "column": "amount", "minimum": 0, "maximum": 100},
    {"type": "range", "column": "paid", "minimum": "2020-01-01"},
    {"type": "enum", "column": "category", "values": ["a", "b"]},
    {"type": "pattern", "column": "code", "pattern": "[A-Z]{2}[0-9]{2}"},
    {"type": "length", "column": "code", "maximum": 4},
    {"type": "type", "column": "day", "expected": "date"},
    {"type": "reference", "column": "town", "dataset": "abcd-1234", "to_column": "name"},
    {"type": "expression", "expression": "paid_date <= received_date"},
    {"type": "freshness", "column": "paid", "days": 31},
    {"type": "row_count", "max_change": 0.2},
    {"type": "drift", "column": "category", "max_change": 0.1, "severity": "warning"},
]


def test_every_rule_type_has_a_saved_example() -> None:
    assert {rule["type"] for rule in GOOD} == set(rule_types())


@pytest.mark.parametrize("saved", GOOD, ids=lambda saved: saved["type"])
def test_a_rule_round_trips_through_its_saved_form(saved: dict[str, object]) -> None:
    rule = parse_rule(saved)
    again = rule.as_dict()
    assert again["type"] == saved["type"]
    assert parse_rule(again) == rule
    assert rule.describe().endswith(".")
    assert again["severity"] in ("error", "warning")


BAD = [
    ("not a rule", "rules[0]: must be an object"),
    ({"type": "spotless"}, "rules[0].type: 'spotless' is not a rule type"),
    ({"column": "x"}, "rules[0].type: None is not a rule type"),
    ({"type": "required"}, "rules[0]: a required rule needs column"),
    ({"type": "required", "column": ""}, "rules[0].column: '' is not non-empty text"),
    ({"type": "required", "column": "x", "color": "red"}, "a required rule has no color"),
    ({"type": "required", "column": "x", "severity": "fatal"}, "rules[0].severity: 'fatal'"),
    ({"type": "range", "column": "x"}, "needs a minimum, a maximum or both"),
    ({"type": "range", "column": "x", "minimum": "soon"}, "rules[0].minimum: 'soon' must be"),
    ({"type": "range", "column": "x", "maximum": True}, "rules[0].maximum: True must be"),
    ({"type": "enum", "column": "x", "values": []}, "rules[0].values: [] is not a non-empty"),
    ({"type": "pattern", "column": "x", "pattern": "(unclosed"}, "is not a valid pattern"),
    ({"type": "length", "column": "x", "minimum": -1}, "rules[0].minimum: -1 is not a whole"),
    ({"type": "type", "column": "x", "expected": "colour"}, "rules[0].expected: 'colour'"),
    ({"type": "freshness", "column": "x", "days": 1.5}, "rules[0].days: 1.5 is not a whole"),
    ({"type": "drift", "column": "x", "max_change": 2}, "rules[0].max_change: 2 is not a share"),
    ({"type": "primary_key", "columns": "id"}, "rules[0].columns: 'id' is not a non-empty list"),
]


@pytest.mark.parametrize(("saved", "message"), BAD)
def test_a_bad_rule_is_refused_naming_what_is_wrong(saved: object, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_rules([saved])
    assert message in caught.value.detail


def test_rules_must_be_a_list() -> None:
    with pytest.raises(InvalidInput, match="rules: must be a list"):
        parse_rules({"type": "required"})
