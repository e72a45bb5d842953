"""Splink behind plain functions: train a model, and score pairs with a trained one.

Records come in as an Arrow table of standardized records keyed by ``unique_id`` (see
``prepare``); pairs go out as an Arrow table with ``unique_id_l < unique_id_r``, the match
probability and weight, and the level each comparison reached (``gamma_<comparison>``). A
trained model is Splink's own settings dictionary, kept as it is so that any version can be
loaded again.
"""

from __future__ import annotations

import logging
import tempfile
import uuid
from functools import cache
from typing import Any

import pyarrow as pa
from splink import DuckDBAPI, Linker
from splink.internals.exceptions import EMTrainingException  # not re-exported by splink

from statedata.core.errors import InvalidInput
from statedata.linkage.backend import DUCKDB, Backend
from statedata.linkage.blocking import chosen_keys
from statedata.linkage.model import default_settings, deterministic_rules, training_rules
from statedata.storage import duck

log = logging.getLogger(__name__)

# Matches are rare among all pairs; a record-level recall of 0.7 for the strict rules is
# Splink's documented rule of thumb for data of ordinary quality.
DETERMINISTIC_RECALL = 0.7
CANDIDATE_FLOOR = 0.01  # pairs below this probability are not kept
U_SAMPLE_PAIRS = 1e6
EM_MAX_PAIRS = 1e6  # pairs an EM session samples down to: enough to learn m, bounded in time
M_FLOOR = 1e-5  # no level is taken to be impossible among matches: data has errors


def quiet_splink() -> None:
    # Its warnings (a level not seen in one training session) are about its own workings; the
    # caller reports what a person can act on.
    logging.getLogger("splink").setLevel(logging.ERROR)


def _train_by_em(linker: Linker, rule: Any) -> bool:
    """One EM session under ``rule``; a failed one leaves the model as it was (False).

    Splink 5.0 takes the comparisons a session does not train out of the linker's own model and
    puts the trained model back only on success; when a level's m underflows to 0 the session
    fails and the model is left without those comparisons. The model is kept aside and
    restored, and m values are kept off zero so that one session's certainty does not make the
    next session's arithmetic underflow.
    """
    settings = linker._settings_obj  # the one place that reaches into Splink
    kept = settings.core_model_settings.copy()  # type: ignore[no-untyped-call]
    try:
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, max_pairs=EM_MAX_PAIRS
        )
    except (ValueError, EMTrainingException) as exc:  # no pairs under the rule, or underflow
        settings.core_model_settings = kept
        sql = rule.get_blocking_rule("duckdb").blocking_rule_sql
        log.warning("training under %s skipped: %s", sql, exc)
        return False
    for comparison in settings.comparisons:
        for level in comparison.comparison_levels:
            if level.is_null_level:
                continue
            m = level._m_probability  # None and "not observed" stay
            if isinstance(m, float) and m < M_FLOOR:
                level.m_probability = M_FLOOR
    return True


_started: set[str] = set()


@cache
def spark_session(master: str = "local[2]") -> Any:
    """A Spark session on this machine with Splink's similarity functions, listening on the
    loopback only; one per process, as Spark allows."""
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    session = (
        SparkSession.builder.master(master)
        .appName("statedata-linkage")
        .config("spark.jars", similarity_jar_location())
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.default.parallelism", "8")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    _started.add(master)
    session.sparkContext.setCheckpointDir(tempfile.mkdtemp(prefix="statedata-spark-"))
    return session


def _name(role: str) -> str:
    # A Spark session outlives a linker: each registered table gets a name of its own.
    return f"statedata_{role}_{uuid.uuid4().hex[:12]}"


def _api(backend: Backend) -> Any:
    if backend.name == "duckdb":
        return DuckDBAPI(connection=duck.connect())
    if backend.name == "spark":
        from splink.backends.spark import SparkAPI

        return SparkAPI(  # type: ignore[no-untyped-call]
            spark_session=spark_session(backend.spark_master), break_lineage_method="checkpoint"
        )
    raise InvalidInput(f"linkage backend: {backend.name!r} is not duckdb or spark.")


def stop_spark() -> None:
    """Stop the process's Spark session, if one was started."""
    if spark_session.cache_info().currsize:
        for master in list(_started):
            spark_session(master).stop()
        _started.clear()
        spark_session.cache_clear()


def trained_linker(
    records: pa.Table,
    attributes: list[str],
    backend: Backend = DUCKDB,
    keys: list[tuple[str, ...]] | None = None,
) -> Linker:
    """A linker over ``records`` with the default model for ``attributes``, trained on them:
    λ from strict rules, u from sampled pairs, m by EM under each training rule."""
    quiet_splink()
    api = _api(backend)
    table = api.register(records, table_name=_name("records"))
    # One table of every source: deduplicating it links across sources and within each.
    settings = default_settings(
        attributes,
        link_type="dedupe_only",
        dialect=backend.name,
        keys=keys if keys is not None else chosen_keys(records, attributes),
    )
    linker = Linker(table, settings, log_level=None)
    rules = deterministic_rules(attributes)
    if rules:
        linker.training.estimate_probability_two_random_records_match(
            rules, recall=DETERMINISTIC_RECALL
        )
    linker.training.estimate_u_using_random_sampling(max_pairs=U_SAMPLE_PAIRS, seed=1)
    trained = [_train_by_em(linker, rule) for rule in training_rules(attributes)]
    if not any(trained):
        raise InvalidInput(
            f"{records.num_rows:,} records hold too few likely pairs to learn from; load more "
            "records or another source first."
        )
    return linker


def model_of(linker: Linker) -> dict[str, Any]:
    return linker.misc.save_model_to_json()


def ported(
    model: dict[str, Any], attributes: list[str], dialect: str, keys: list[tuple[str, ...]]
) -> dict[str, Any]:
    """A trained model with its SQL written for another backend: the same comparisons, levels,
    m, u and λ; only the spelling of our own levels' functions and the rules changes."""
    fresh = default_settings(attributes, link_type="dedupe_only", dialect=dialect, keys=keys)
    target = fresh.create_settings_dict(dialect)
    copy = {
        **model,
        "blocking_rules_to_generate_predictions": target["blocking_rules_to_generate_predictions"],
    }
    copy["comparisons"] = []
    for trained, spelt in zip(model["comparisons"], target["comparisons"], strict=True):
        levels = [
            {**level, "sql_condition": new["sql_condition"]}
            for level, new in zip(
                trained["comparison_levels"], spelt["comparison_levels"], strict=True
            )
        ]
        copy["comparisons"].append({**trained, "comparison_levels": levels})
    return copy


def linker_for(
    records: pa.Table,
    model: dict[str, Any],
    attributes: list[str],
    keys: list[tuple[str, ...]],
    backend: Backend = DUCKDB,
) -> Linker:
    """A linker over ``records`` with a trained ``model`` (no training), on ``backend``."""
    quiet_splink()
    api = _api(backend)
    table = api.register(records, table_name=_name("records"))
    return Linker(table, ported(model, attributes, backend.name, keys), log_level=None)


def _arrow(predictions: Any) -> pa.Table:
    if predictions.db_api.sql_dialect.sql_dialect_str == "spark":
        return predictions.as_spark_dataframe().toArrow()
    return predictions.as_duckdbpyrelation().to_arrow_table()


def _pairs(predictions: Any) -> pa.Table:
    relation = duck.connect().from_arrow(_arrow(predictions))
    gammas = [c for c in relation.columns if c.startswith("gamma_")]
    ordered = (
        "least(unique_id_l, unique_id_r) AS unique_id_l, "
        "greatest(unique_id_l, unique_id_r) AS unique_id_r, "
        "match_probability, match_weight" + "".join(f", {g}" for g in gammas)
    )
    return relation.select(ordered).to_arrow_table()


def score_all(linker: Linker, floor: float = CANDIDATE_FLOOR) -> pa.Table:
    """Every candidate pair of the linker's records at or above ``floor``."""
    return _pairs(linker.inference.predict(threshold_match_probability=floor))


def score_new(
    linker: Linker, existing: pa.Table, new: pa.Table, floor: float = CANDIDATE_FLOOR
) -> pa.Table:
    """Pairs of ``new`` records with ``existing`` ones and with each other, leaving pairs of
    existing records alone (an incremental load does not re-score the population).

    The linker is over every record (existing and new), so that term frequencies are the
    whole index's.
    """
    api = linker._db_api
    for column in linker._settings_obj._term_frequency_columns:
        linker.table_management.compute_tf_table(column.name)
    left = api.register(existing, table_name=_name("existing"))
    right = api.register(new, table_name=_name("new"))
    between = _pairs(
        linker.inference.predict_between(left, right, threshold_match_probability=floor)
    )
    within = _pairs(linker.inference.predict_within(right, threshold_match_probability=floor))
    return pa.concat_tables([between, within.cast(between.schema)])
