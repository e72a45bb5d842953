"""Repeated refusals as one audit event per caller, action and window.

The audit log records every refusal, and it is append-only, so a caller refused over and over
(a script hammering an admin endpoint, a password guesser) would grow it without bound. The
first refusal of a caller for an action in a window is written as it happens; the rest of that
window are counted, and written as one event with their number, first and last moment and the
first few resources they named, when the window has closed (at the next refusal from anyone, on
the app's flush thread, and when the app stops). The log stays complete (every refusal is in a
count) and grows by at most two rows per caller, action and window.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

WINDOW_SECONDS = 60.0
LISTED_RESOURCES = 10


@dataclass
class Repeats:
    """The refusals of one caller for one action after the first, in one window."""

    user_id: int | None
    username: str
    client_ip: str | None
    action: str
    resource_type: str
    opened: float  # on the windows' clock
    count: int = 0
    first_at: datetime | None = None
    last_at: datetime | None = None
    resources: list[str] = field(default_factory=list)


class RefusalWindows:
    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] | None = None,
        seconds: float = WINDOW_SECONDS,
    ) -> None:
        from statedata.core.db import utcnow

        self._clock = clock
        self._now = now or utcnow
        self._seconds = seconds
        self._open: dict[tuple[int | None, str | None, str], Repeats] = {}
        self._ended: list[Repeats] = []  # closed with refusals counted, not written yet
        self._lock = threading.Lock()

    def admit(
        self,
        *,
        user_id: int | None,
        username: str,
        client_ip: str | None,
        action: str,
        resource_type: str,
        resource_id: str,
    ) -> bool:
        """Whether to write this refusal now (the first of its window); else it is counted."""
        # an anonymous caller is its address; a signed-in one is the person, wherever they are
        key = (user_id, client_ip if user_id is None else None, action)
        moment = self._clock()
        with self._lock:
            window = self._open.get(key)
            if window is None or moment - window.opened >= self._seconds:
                if window is not None and window.count:
                    self._ended.append(window)
                self._open[key] = Repeats(
                    user_id, username, client_ip, action, resource_type, opened=moment
                )
                return True
            now = self._now()
            window.count += 1
            window.first_at = window.first_at or now
            window.last_at = now
            listed = window.resources
            if resource_id and len(listed) < LISTED_RESOURCES and resource_id not in listed:
                listed.append(resource_id)
            return False

    def closed(self, *, everything: bool = False) -> list[Repeats]:
        """The windows that have closed with refusals counted (every one with ``everything``),
        taken out to be written."""
        moment = self._clock()
        with self._lock:
            taken, self._ended = self._ended, []
            for key, window in list(self._open.items()):
                if everything or moment - window.opened >= self._seconds:
                    del self._open[key]
                    if window.count:
                        taken.append(window)
        return taken
