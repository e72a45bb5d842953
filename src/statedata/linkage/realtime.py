"""Real-time match: one person's attributes in, the index's likeliest persons out.

Nothing is generated per request. A ``Matcher`` is built once per model version: Splink writes
the scoring SQL once (for a query table against a candidates table, with term frequencies
supplied as columns), and the term frequencies of the index's values are read once. A request
then standardizes the attributes, finds candidates through the database's blocking-key indexes
(the same keys a batch run blocks on), and runs the prepared SQL over those few rows in an
in-process DuckDB.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from statedata.core.errors import Conflict, InvalidInput
from statedata.linkage.attributes import ATTRIBUTES
from statedata.linkage.blocking import BIRTH_YEAR
from statedata.linkage.models import LinkageModel, LinkageRun, PersonRecord
from statedata.linkage.prepare import RawSource, standardized_records, with_comparison_columns
from statedata.storage import duck

MAX_CANDIDATES = 2000  # records scored per request; a name as common as JOHN SMITH stays bounded
QUERY, CANDIDATES = "statedata_query", "statedata_candidates"


@dataclass(frozen=True)
class Level:
    comparison: str
    level: int  # Splink's gamma: -1 is missing on one side, higher is more alike
    label: str
    weight: float  # log2 Bayes factor, term frequency included


@dataclass(frozen=True)
class Candidate:
    person_id: str
    source: str
    record_id: str
    probability: float
    match_weight: float
    levels: list[Level]


def _column(part: str) -> Any:
    # the year is not stored: the database finds the rest of the key by its index, then this
    if part == BIRTH_YEAR:
        return func.substr(PersonRecord.date_of_birth, 1, 4)
    return getattr(PersonRecord, part)


def _small_queries() -> duckdb.DuckDBPyConnection:
    # A request scores a few rows: one thread plans and runs that faster than several.
    return duck.connect(threads=1)


@dataclass(frozen=True)
class LevelWeight:
    label: str
    match_weight: float  # log2(m/u)
    tf_column: str | None = None  # a term-frequency adjustment, as Splink makes it
    tf_weight: float = 1.0
    tf_log2_u: float = 0.0  # log2 of u at the comparison's exact level
    tf_minimum_u: float = 0.0


@dataclass
class Matcher:
    model_id: int
    model_version: int
    index_run: int  # the last run it saw: a newer one means rebuilding
    attributes: list[str]
    keys: list[tuple[str, ...]]  # the model's blocking keys
    sql: str  # the comparison levels (gamma) of the query against each candidate
    prior: float  # log2 of the prior odds of a match
    weights: dict[str, dict[int, LevelWeight]]  # comparison -> gamma -> its weight
    tf: dict[str, dict[str, float]]  # term-frequency column -> value -> share
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _db: duckdb.DuckDBPyConnection = field(default_factory=lambda: _small_queries(), repr=False)

    def standardized(self, raw: Mapping[str, str | None]) -> pa.Table:
        given = checked_attributes(raw)
        values: dict[str, list[str | None] | None] = {
            a: given.get(a, [None]) for a in self.attributes
        }
        table = standardized_records([("query", RawSource(["query"], values))], self.attributes)
        return table.set_column(0, "unique_id", pa.array([0], pa.int64()))

    def candidates(self, session: Session, query: dict[str, Any]) -> list[Any]:
        conditions = []
        for key in self.keys:
            if all(query.get(a) for a in key):
                conditions.append(and_(*(_column(a) == query[a] for a in key)))
        if query.get("first_name") and query.get("last_name"):
            conditions.append(
                and_(
                    PersonRecord.first_name == query["last_name"],
                    PersonRecord.last_name == query["first_name"],
                )
            )
        if not conditions:
            return []
        columns = [
            PersonRecord.id,
            PersonRecord.person_id,
            PersonRecord.source,
            PersonRecord.record_id,
            *(getattr(PersonRecord, a) for a in self.attributes),
        ]
        return list(session.execute(select(*columns).where(or_(*conditions)).limit(MAX_CANDIDATES)))

    def match(
        self, session: Session, raw: Mapping[str, str | None], limit: int = 10
    ) -> list[Candidate]:
        """The likeliest persons for ``raw`` attributes, best first, with how each compared."""
        if not 1 <= limit <= 100:
            raise InvalidInput(f"limit: {limit} is not between 1 and 100.")
        query = self.standardized(raw)
        first = {name: query.column(name)[0].as_py() for name in query.column_names}
        rows = self.candidates(session, first)
        if not rows:
            return []
        batch: dict[str, list[object]] = {
            "unique_id": [r[0] for r in rows],
            "source_dataset": [r[2] for r in rows],
            "record_id": [r[3] for r in rows],
        }
        for n, attribute in enumerate(self.attributes, start=4):
            batch[attribute] = [r[n] for r in rows]
        found = with_comparison_columns(batch)
        query_table = query.select(found.column_names).cast(found.schema)
        where = {r[0]: (r[1], r[2], r[3]) for r in rows}  # person, source, record id
        with self._lock:
            self._db.register(QUERY, query_table)
            self._db.register(CANDIDATES, found)
            gammas = self._db.execute(self.sql).fetchall()
            self._db.unregister(QUERY)
            self._db.unregister(CANDIDATES)
        return self._ranked(first, found, gammas, where, limit)

    def tf_weight(self, level: LevelWeight, left: Any, right: Any) -> float:
        # Splink's adjustment: a common value (SMITH) agrees less tellingly than a rare one.
        shares = self.tf.get(level.tf_column or "", {})
        found = [shares[v] for v in (left, right) if v is not None and v in shares]
        if not found:
            return 0.0
        share = max(*found, level.tf_minimum_u)
        return level.tf_weight * (level.tf_log2_u - math.log2(share))

    def _ranked(
        self,
        query: dict[str, Any],
        found: pa.Table,
        gammas: list[tuple[Any, ...]],
        where: dict[int, tuple[str | None, str, str]],
        limit: int,
    ) -> list[Candidate]:
        comparisons = list(self.weights)
        candidates = found.to_pydict()
        row_of = {uid: n for n, uid in enumerate(candidates["unique_id"])}
        best: dict[str, Candidate] = {}
        for row in gammas:
            person, source, record_id = where[row[0]]
            if person is None:
                continue
            n = row_of[row[0]]
            total = self.prior
            levels = []
            for comparison, gamma in zip(comparisons, row[1:], strict=True):
                level = self.weights[comparison][gamma]
                weight = level.match_weight
                if level.tf_column is not None:
                    weight += self.tf_weight(
                        level, query.get(level.tf_column), candidates[level.tf_column][n]
                    )
                total += weight
                levels.append(Level(comparison, gamma, level.label, round(weight, 3)))
            probability = 2**total / (1 + 2**total)
            if person in best and best[person].probability >= probability:
                continue
            best[person] = Candidate(person, source, record_id, probability, total, levels)
        return sorted(best.values(), key=lambda c: (-c.probability, c.person_id))[:limit]


def _tf_tables(session: Session, columns: list[str]) -> dict[str, dict[str, float]]:
    """Each term-frequency column's share of each value among the index's records that have one."""
    found: dict[str, dict[str, float]] = {}
    for column in columns:
        if column == "full_name":
            value = PersonRecord.first_name + " " + PersonRecord.last_name
            present = and_(
                PersonRecord.first_name.is_not(None), PersonRecord.last_name.is_not(None)
            )
        else:
            value = getattr(PersonRecord, column)
            present = value.is_not(None)
        counts = list(session.execute(select(value, func.count()).where(present).group_by(value)))
        total = sum(c for _, c in counts) or 1
        found[column] = {v: c / total for v, c in counts if v is not None}
    return found


def _compiled(model: LinkageModel) -> tuple[str, float, dict[str, dict[int, LevelWeight]]]:
    """The levels' SQL and each level's weight, read once from the trained model."""
    from splink.internals.settings_creator import SettingsCreator

    from statedata.linkage.engine import ported

    settings = SettingsCreator.from_path_or_dict(
        ported(model.settings, model.attributes, "duckdb", [tuple(k) for k in model.blocking])
    ).get_settings("duckdb")
    weights: dict[str, dict[int, LevelWeight]] = {}
    cases = []
    columns: set[str] = set()
    for comparison in settings.comparisons:
        levels = comparison.comparison_levels
        name = comparison.output_column_name
        cases.append(comparison._case_statement)
        columns.update(c.input_name for c in comparison._input_columns_used_by_case_statement)
        weights[name] = {}
        for level in levels:
            gamma = level.comparison_vector_value
            if level.is_null_level:
                weights[name][gamma] = LevelWeight("missing on one side", 0.0)
                continue
            # A level never seen in training carries no weight.
            weight = level._match_weight if level._match_weight is not None else 0.0
            tf = level._tf_adjustment_input_column
            if tf is not None and level._has_tf_adjustments and not level._is_else_level:
                weights[name][gamma] = LevelWeight(
                    level.label_for_charts,
                    weight,
                    tf.input_name,
                    level._tf_adjustment_weight,
                    math.log2(level._u_probability_corresponding_to_exact_match(levels)),
                    level._tf_minimum_u_value,
                )
            else:
                weights[name][gamma] = LevelWeight(level.label_for_charts, weight)
    pairs = ", ".join(f"q.{c} AS {c}_l, c.{c} AS {c}_r" for c in sorted(columns))
    # the model's own level conditions over our two registered tables; no request value in it
    sql = (
        f"SELECT unique_id, {', '.join(cases)} FROM "  # noqa: S608
        f"(SELECT c.unique_id, {pairs} FROM {QUERY} q CROSS JOIN {CANDIDATES} c)"
    )
    chance = settings._probability_two_random_records_match
    return sql, math.log2(chance / (1 - chance)), weights


_matchers: dict[str, Matcher] = {}
_build_lock = threading.Lock()


def checked_attributes(raw: Mapping[str, str | None]) -> dict[str, list[str | None]]:
    """A query's attributes, trimmed, each as a one-value column; refused by name when one is not
    a person attribute or none holds a value (before any index is looked at)."""
    unknown = sorted(set(raw) - set(ATTRIBUTES))
    if unknown:
        raise InvalidInput(
            f"{', '.join(unknown)}: not a person attribute; the attributes are "
            f"{', '.join(ATTRIBUTES)}."
        )
    given = {a: [v.strip() if isinstance(v, str) and v.strip() else None]
             for a, v in raw.items()}  # fmt: skip
    if not any(v[0] for v in given.values()):
        raise InvalidInput("no attributes given: send at least a name, a date of birth or an ID.")
    return given


def matcher(session: Session, model: LinkageModel | None = None) -> Matcher:
    """The matcher for the current model and index, built once and rebuilt after a load."""
    if model is None:
        model = session.scalar(select(LinkageModel).order_by(LinkageModel.version.desc()).limit(1))
    if model is None:
        raise Conflict("the person index is empty: load a source first.")
    last_run = session.scalar(select(func.max(LinkageRun.id))) or 0
    key = str(session.get_bind().engine.url)
    with _build_lock:
        found = _matchers.get(key)
        if found is not None and found.model_id == model.id and found.index_run == last_run:
            return found
        sql, prior, weights = _compiled(model)
        tf_columns = sorted(
            {w.tf_column for levels in weights.values() for w in levels.values() if w.tf_column}
        )
        built = Matcher(
            model_id=model.id,
            model_version=model.version,
            index_run=last_run,
            attributes=list(model.attributes),
            keys=[tuple(key) for key in model.blocking],
            sql=sql,
            prior=prior,
            weights=weights,
            tf=_tf_tables(session, tf_columns),
        )
        _matchers[key] = built
        return built
