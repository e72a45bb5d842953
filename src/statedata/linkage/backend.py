"""Where the person index's Splink work runs, chosen by configuration (no Splink import here,
so that choosing costs nothing)."""

from __future__ import annotations

from dataclasses import dataclass

from statedata.core.config import Settings


@dataclass(frozen=True)
class Backend:
    """DuckDB in this process, or Spark at ``spark_master``; the same model runs on both."""

    name: str = "duckdb"  # duckdb or spark; also the SQL dialect of our own levels
    spark_master: str = "local[2]"

    @classmethod
    def of(cls, settings: Settings) -> Backend:
        return cls(settings.linkage_backend, settings.linkage_spark_master)


DUCKDB = Backend()
