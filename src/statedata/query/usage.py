"""Usage counts per dataset: page views, downloads and API calls, tallied, saved in batches.

A request adds one to a tally: the process's own, or with Redis one that every server process
shares. A process writes what is tallied every ``FLUSH_SECONDS`` (and when it stops, and before
anyone reads the counts), one row per dataset, day and kind. A process that dies loses at most
that many seconds of its own counts (none with Redis), which these measures can bear; a request
never waits on a database write for them.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from statedata.core.config import Settings
from statedata.core.db import unit_of_work, utcnow
from statedata.core.limits import MemoryTally, Tally
from statedata.query.models import DatasetUsage

log = logging.getLogger(__name__)
KINDS = ("page_view", "download", "api")
FLUSH_SECONDS = 15.0


class UsageCounter:
    """Counts gathered until they are flushed to the database: in the process, or with Redis in
    one tally every server process adds to (``core.limits``), so that each process's readers
    are counted whichever process saves them."""

    def __init__(self, session_factory: sessionmaker[Session], tally: Tally | None = None) -> None:
        self._session_factory = session_factory
        self._tally = tally if tally is not None else MemoryTally()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, dataset_id: int, kind: str) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown usage kind {kind!r}")
        self._tally.add(f"{dataset_id}|{utcnow().date().isoformat()}|{kind}")

    def pending(self, dataset_id: int) -> dict[tuple[date, str], int]:
        """Counts of one dataset not saved yet, so a reader sees them without a write of its own
        (a write from inside a request could wait on that request's own transaction)."""
        found: dict[tuple[date, str], int] = {}
        for key, count in self._tally.pending(f"{dataset_id}|").items():
            _, day, kind = key.split("|")
            found[(date.fromisoformat(day), kind)] = count
        return found

    def flush(self) -> int:
        """Write the counts gathered so far; returns how many rows it touched."""
        pending = self._tally.take()
        if not pending:
            return 0
        try:
            with unit_of_work(self._session_factory) as session:
                for key, count in pending.items():
                    dataset_id, day, kind = key.split("|")
                    _add_count(session, int(dataset_id), date.fromisoformat(day), kind, count)
        except Exception:
            self._tally.give_back(pending)  # keep them for the next try rather than lose them
            raise
        return len(pending)

    def start(self) -> None:
        """Flush every ``FLUSH_SECONDS`` in a background thread until :meth:`stop`."""

        def loop() -> None:
            while not self._stop.wait(FLUSH_SECONDS):
                try:
                    self.flush()
                except Exception:  # the counts stay pending; the next round tries again
                    log.warning("usage counts could not be saved yet", exc_info=True)

        self._thread = threading.Thread(target=loop, name="usage-flush", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.flush()


_counters: dict[tuple[str, str], UsageCounter] = {}
_counters_lock = threading.Lock()


def _instance(settings: Settings) -> tuple[str, str]:
    return (str(settings.home), settings.resolved_database_url)


def register_counter(settings: Settings, counter: UsageCounter) -> UsageCounter:
    """Make ``counter`` the one the instance's reads count into (the web app's, while it runs)."""
    with _counters_lock:
        _counters[_instance(settings)] = counter
    return counter


def unregister_counter(settings: Settings, counter: UsageCounter) -> None:
    with _counters_lock:
        if _counters.get(_instance(settings)) is counter:
            del _counters[_instance(settings)]


def count_use(settings: Settings, dataset_id: int, kind: str) -> None:
    """Count one use of a dataset in the instance's counter; a process without one (a command,
    a worker) serves no readers, so there is nothing to count."""
    with _counters_lock:
        counter = _counters.get(_instance(settings))
    if counter is not None:
        counter.add(dataset_id, kind)


def _add_count(session: Session, dataset_id: int, day: date, kind: str, count: int) -> None:
    changed = session.execute(
        update(DatasetUsage)
        .where(
            DatasetUsage.dataset_id == dataset_id,
            DatasetUsage.usage_date == day,
            DatasetUsage.kind == kind,
        )
        .values(count=DatasetUsage.count + count)
    )
    if getattr(changed, "rowcount", 0) == 0:
        session.add(DatasetUsage(dataset_id=dataset_id, usage_date=day, kind=kind, count=count))
        session.flush()


def usage_summary(
    session: Session,
    *,
    dataset_id: int,
    days: int = 30,
    pending: dict[tuple[date, str], int] | None = None,
) -> dict[str, Any]:
    """Totals of each kind, all time and over the last ``days`` days, and the daily series;
    ``pending`` adds the counts a :class:`UsageCounter` holds but has not saved yet."""
    since = utcnow().date() - timedelta(days=days - 1)
    counts: Counter[tuple[date, str]] = Counter(pending or {})
    for row in session.scalars(select(DatasetUsage).where(DatasetUsage.dataset_id == dataset_id)):
        counts[(row.usage_date, row.kind)] += row.count
    totals = dict.fromkeys(KINDS, 0)
    recent = dict.fromkeys(KINDS, 0)
    daily = []
    for (day, kind), count in sorted(counts.items()):
        totals[kind] += count
        if day >= since:
            recent[kind] += count
            daily.append({"date": day.isoformat(), "kind": kind, "count": count})
    return {"total": totals, f"last_{days}_days": recent, "daily": daily}
