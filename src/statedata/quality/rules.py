"""Quality rules as data: one registered class per rule type, saved as ``{"type": ..., **params}``.

A rule says what a good row (or a good version) looks like. Row rules give a SQL condition that
is true for a row that breaks them, so every row rule of a version is counted in one aggregate
pass; version rules (uniqueness, freshness, row-count change, drift) give aggregates measured in
that same pass and judge the measurements. Rules never raise on data: they yield findings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, dataclass, field
from datetime import date
from typing import Any, ClassVar, Literal

from statedata.core.errors import InvalidInput
from statedata.storage.schema import Column

Severity = Literal["error", "warning"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning")


@dataclass(frozen=True)
class Fragment:
    """SQL with the parameters it binds, in order."""

    sql: str
    params: tuple[Any, ...] = ()


@dataclass(frozen=True)
class PreviousVersion:
    """What the version before the checked one measured (row-count change and drift)."""

    rows: int
    measures: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckContext:
    """What rules may look at besides the rows: the columns, the day, the previous version."""

    columns: dict[str, Column]
    today: date
    previous: PreviousVersion | None = None
    # a referenced dataset's column as a one-column relation the check may read
    reference: Callable[[str, str], str] | None = None


@dataclass(frozen=True)
class Judgement:
    """A version rule's verdict on its measurements."""

    violations: int
    detail: str = ""


class Rule:
    """Base of every rule type; subclasses are dataclasses registered with :func:`rule_type`."""

    type: ClassVar[str]
    label: ClassVar[str]  # how the rule type is named on pages
    # True: the rule counts offending rows; False: it judges the version as a whole (pass/fail)
    counts_rows: ClassVar[bool] = True
    severity: Severity

    def check_columns(self, columns: dict[str, Column]) -> None:
        """Refuse a rule naming a column the data does not have."""
        for name in self.column_names():
            if name not in columns:
                known = ", ".join(columns) or "none"
                raise InvalidInput(
                    f"rule {self.type}: no column is named {name!r}; columns: {known}."
                )

    def column_names(self) -> list[str]:
        column = getattr(self, "column", None)
        return [column] if isinstance(column, str) else []

    def row_violation(self, context: CheckContext) -> Fragment | None:
        """A condition true for each row that breaks the rule (None: not a row rule)."""
        return None

    def measures(self, context: CheckContext) -> dict[str, Fragment]:
        """Aggregates this rule needs from the pass, by name (a version rule)."""
        return {}

    def judge(self, measured: dict[str, Any], context: CheckContext) -> Judgement:
        """The verdict of a version rule on its measurements."""
        raise NotImplementedError

    def remember(self, measured: dict[str, Any]) -> dict[str, Any] | None:
        """What of this version's measurements the next version's check compares with."""
        return None

    def key(self) -> str:
        """Where :meth:`remember` keeps its measurements between versions."""
        return f"{self.type}:{','.join(self.column_names())}"

    def duplicate_key(self) -> list[str] | None:
        """Columns whose repeated values break the rule (unique, primary key): samples are the
        rows that repeat an earlier row's key. Such a rule measures their number as ``repeats``."""
        return None

    def describe(self) -> str:
        raise NotImplementedError

    def as_dict(self) -> dict[str, Any]:
        params = {k: v for k, v in vars(self).items() if v is not None}
        return {"type": self.type, **params}


RULE_TYPES: dict[str, type[Rule]] = {}


def rule_type(cls: type[Rule]) -> type[Rule]:
    """Register a rule class under its ``type``."""
    RULE_TYPES[cls.type] = cls
    return cls


def rule_types() -> dict[str, type[Rule]]:
    """Every registered rule type by its ``type`` string."""
    import statedata.quality.checks  # noqa: F401 (the checks import this module)

    return RULE_TYPES


def parse_rule(data: Any, where: str = "rule") -> Rule:
    """A rule from its saved form; the error names the rule and the parameter that is wrong."""
    if not isinstance(data, dict):
        raise InvalidInput(f"{where}: must be an object with a type.")
    kind = data.get("type")
    cls = rule_types().get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise InvalidInput(
            f"{where}.type: {kind!r} is not a rule type; use one of {', '.join(sorted(RULE_TYPES))}."
        )
    params = {k: v for k, v in data.items() if k != "type"}
    severity = params.setdefault("severity", "error")
    if severity not in SEVERITIES:
        raise InvalidInput(f"{where}.severity: {severity!r} must be error or warning.")
    fields = cls.__dataclass_fields__  # type: ignore[attr-defined]
    unknown = sorted(set(params) - set(fields))
    if unknown:
        raise InvalidInput(
            f"{where}: a {kind} rule has no {', '.join(unknown)}; it takes {', '.join(fields)}."
        )
    try:
        rule = cls(**params)
    except TypeError:
        missing = [
            n for n, f in fields.items() if n not in params and f.default is f.default_factory
        ]
        raise InvalidInput(f"{where}: a {kind} rule needs {', '.join(missing)}.") from None
    _check_params(rule, where)
    return rule


def _check_params(rule: Rule, where: str) -> None:
    for name, spec in rule.__dataclass_fields__.items():  # type: ignore[attr-defined]
        value = getattr(rule, name)
        if value is None:
            continue
        expected = spec.metadata.get("kind")
        if expected is None:
            continue
        ok = {
            "text": isinstance(value, str) and value.strip() != "",
            "number": isinstance(value, int | float) and not isinstance(value, bool),
            "count": isinstance(value, int) and not isinstance(value, bool) and value >= 0,
            "share": isinstance(value, int | float)
            and not isinstance(value, bool)
            and 0 <= value <= 1,
            "texts": isinstance(value, list)
            and bool(value)
            and all(isinstance(v, str) for v in value),
            "values": isinstance(value, list)
            and bool(value)
            and all(isinstance(v, str | int | float) for v in value),
        }[expected]
        if not ok:
            raise InvalidInput(f"{where}.{name}: {value!r} is not {KIND_WORDS[expected]}.")
    validate = getattr(rule, "validate", None)
    if validate is not None:
        validate(where)


KIND_WORDS = {
    "text": "non-empty text",
    "number": "a number",
    "count": "a whole number of zero or more",
    "share": "a share between 0 and 1",
    "texts": "a non-empty list of text",
    "values": "a non-empty list of values",
}


# Each parameter kind as JSON Schema, for the OpenAPI document of the rules a client may send.
KIND_SCHEMAS: dict[str, dict[str, Any]] = {
    "text": {"type": "string", "pattern": r"\S"},
    "number": {"type": "number"},
    "count": {"type": "integer", "minimum": 0},
    "share": {"type": "number", "minimum": 0, "maximum": 1},
    "texts": {"type": "array", "minItems": 1, "items": {"type": "string"}},
    "values": {"type": "array", "minItems": 1, "items": {"type": ["string", "number"]}},
}


def rule_schemas() -> list[dict[str, Any]]:
    """Every rule type's parameters as a JSON Schema object, read off the registered classes
    (a rule's checks that need its columns or its data are the service's)."""
    schemas = []
    for kind, cls in sorted(rule_types().items()):
        properties: dict[str, Any] = {"type": {"const": kind}}
        required = ["type"]
        for name, spec in cls.__dataclass_fields__.items():  # type: ignore[attr-defined]
            if name == "severity":
                properties[name] = {"enum": list(SEVERITIES)}
                continue
            schema = KIND_SCHEMAS.get(spec.metadata.get("kind", ""), {})
            if spec.default is MISSING and spec.default_factory is MISSING:
                required.append(name)
                properties[name] = schema
            else:  # an optional parameter may be left out or sent as null
                properties[name] = {"anyOf": [schema, {"type": "null"}]} if schema else {}
        schemas.append(
            {
                "type": "object",
                "title": cls.label,
                "properties": properties,
                "required": required,
                "additionalProperties": False,
            }
        )
    return schemas


def parse_rules(data: Any, where: str = "rules") -> list[Rule]:
    if not isinstance(data, list):
        raise InvalidInput(f"{where}: must be a list of rules.")
    return [parse_rule(item, f"{where}[{position}]") for position, item in enumerate(data)]
