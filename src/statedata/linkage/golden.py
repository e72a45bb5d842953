"""The golden record: one value per attribute for a person, chosen from their records by rules,
each with the record it came from.

Rules (per attribute, by configuration):

- ``most_frequent``: the value most of the person's records agree on (compared in standardized
  form, so "Jon Smith" and "JON SMITH" agree); a tie goes to the most recent;
- ``most_recent``: the value of the record loaded or changed last (where someone lives now);
- ``source_priority``: the value of the first source in the configured order that has one
  (the birth registry's date of birth before a license's); sources not listed come after, most
  frequent first.

A missing value never wins over a present one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from statedata.core.config import Settings
from statedata.core.errors import InvalidInput
from statedata.linkage.attributes import ATTRIBUTES

RULES = ("most_frequent", "most_recent", "source_priority")

DEFAULT_RULES: dict[str, str] = {
    "first_name": "most_frequent",
    "middle_name": "most_frequent",
    "last_name": "most_recent",  # a married name replaces a birth name
    "suffix": "most_frequent",
    "date_of_birth": "source_priority",
    "sex": "most_frequent",
    "ssn": "source_priority",
    "identifier": "most_frequent",
    "address": "most_recent",
    "town": "most_recent",
    "zip": "most_recent",
    "phone": "most_recent",
    "email": "most_recent",
}


@dataclass(frozen=True)
class SourceRecord:
    source: str
    record_id: str
    raw: Mapping[str, str | None]
    standardized: Mapping[str, str | None]
    changed_at: datetime


@dataclass(frozen=True)
class Survivor:
    attribute: str
    value: str  # as the chosen record holds it (trimmed)
    standardized: str | None
    source: str
    record_id: str
    rule: str
    agreeing: int  # how many of the person's records have this value
    of: int  # how many have a value at all


def rules_from(configured: Mapping[str, str]) -> dict[str, str]:
    """The default rules with the configured ones over them; a bad name is refused by name."""
    rules = dict(DEFAULT_RULES)
    for attribute, rule in configured.items():
        if attribute not in ATTRIBUTES:
            raise InvalidInput(
                f"linkage_survivorship: {attribute!r} is not a person attribute "
                f"({', '.join(ATTRIBUTES)})."
            )
        if rule not in RULES:
            raise InvalidInput(
                f"linkage_survivorship: {attribute}={rule!r} is not a rule ({', '.join(RULES)})."
            )
        rules[attribute] = rule
    return rules


def check_survivorship(settings: Settings) -> None:
    """The configured survivorship rules name attributes and rules that exist."""
    rules_from(settings.linkage_survivorship)


def golden_record(
    records: Sequence[SourceRecord],
    rules: Mapping[str, str] | None = None,
    source_priority: Sequence[str] = (),
) -> dict[str, Survivor]:
    """Each attribute some record has, with its surviving value and where it came from."""
    chosen = rules or DEFAULT_RULES
    golden: dict[str, Survivor] = {}
    for attribute in ATTRIBUTES:
        having = [r for r in records if (r.raw.get(attribute) or "").strip()]
        if not having:
            continue
        key = {id(r): r.standardized.get(attribute) or r.raw[attribute] for r in having}
        counts = Counter(key.values())
        rule = chosen.get(attribute, "most_frequent")

        def recency(record: SourceRecord) -> tuple[datetime, str, str]:
            return (record.changed_at, record.source, record.record_id)

        if rule == "most_recent":
            winner = max(having, key=recency)
        elif rule == "source_priority":
            rank = {source: n for n, source in enumerate(source_priority)}
            winner = min(
                having,
                key=lambda r: (
                    rank.get(r.source, len(rank)),
                    -counts[key[id(r)]],
                    -recency(r)[0].timestamp(),
                ),
            )
        else:
            winner = max(having, key=lambda r: (counts[key[id(r)]], recency(r)))
        value = winner.raw[attribute]
        assert value is not None
        golden[attribute] = Survivor(
            attribute=attribute,
            value=value.strip(),
            standardized=winner.standardized.get(attribute),
            source=winner.source,
            record_id=winner.record_id,
            rule=rule,
            agreeing=counts[key[id(winner)]],
            of=len(having),
        )
    return golden
