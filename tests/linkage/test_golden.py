"""The golden record: each attribute's surviving value by its rule, with where it came from."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from statedata.core.errors import InvalidInput
from statedata.linkage.golden import DEFAULT_RULES, SourceRecord, golden_record, rules_from


def _record(source: str, rid: str, day: int, **raw: str | None) -> SourceRecord:
    standardized = {k: (v.upper().strip() if v else None) for k, v in raw.items()}
    return SourceRecord(source, rid, raw, standardized, datetime(2026, 1, day, tzinfo=UTC))


RECORDS = [
    _record("dss", "1", 1, first_name="Maria", last_name="Lopez", address="1 Elm St",
            date_of_birth="1984-02-09", ssn=None),
    _record("dmv", "2", 5, first_name="MARIA ", last_name="Lopez-Diaz", address="9 Oak Ave",
            date_of_birth="1984-09-02", ssn="212-55-8841"),
    _record("births", "3", 3, first_name="Marie", last_name="Lopez", address=None,
            date_of_birth="1984-02-09", ssn=None),
]  # fmt: skip


def test_default_rules_choose_and_say_where_from() -> None:
    golden = golden_record(RECORDS)
    first = golden["first_name"]
    # "Maria" and "MARIA " agree once standardized: two of three
    assert (first.value, first.rule, first.agreeing, first.of) == ("MARIA", "most_frequent", 2, 3)
    assert (first.source, first.record_id) == ("dmv", "2")  # of the agreeing records, the newest
    assert golden["last_name"].value == "Lopez-Diaz"  # most recent: a married name
    assert (golden["address"].value, golden["address"].source) == ("9 Oak Ave", "dmv")
    assert golden["ssn"].value == "212-55-8841"  # the only one: missing never wins
    assert "phone" not in golden


def test_source_priority_puts_the_registry_first_and_the_rest_by_agreement() -> None:
    golden = golden_record(RECORDS, DEFAULT_RULES, ["births"])
    assert (golden["date_of_birth"].value, golden["date_of_birth"].source) == (
        "1984-02-09",
        "births",
    )
    unlisted = golden_record(RECORDS, DEFAULT_RULES, ["sde"])
    assert unlisted["date_of_birth"].value == "1984-02-09"  # two of three agree


def test_configured_rules_override_the_defaults_and_bad_ones_are_named() -> None:
    rules = rules_from({"address": "most_frequent", "first_name": "most_recent"})
    golden = golden_record(RECORDS, rules)
    assert golden["first_name"].value == "MARIA"
    with pytest.raises(InvalidInput, match="'adress' is not a person attribute"):
        rules_from({"adress": "most_recent"})
    with pytest.raises(InvalidInput, match="address='newest' is not a rule"):
        rules_from({"address": "newest"})
