"""Rolling limits per key (requests a minute per caller, failed sign-ins per account), kept in the
process or, when the instance's jobs go through Redis, in Redis so that every server process
behind a load balancer counts against one limit.

Each limit is a generic cell rate (a token bucket kept as one "theoretical arrival time" per
key): a burst of ``limit`` events, then one more every ``window / limit`` seconds. Fixed windows
would let a caller spend twice the limit across a boundary and make an answer depend on where
in the window a burst falls.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Protocol

from statedata.core.config import Settings

Clock = Callable[[], float]


class Buckets(Protocol):
    def take(self, key: str, limit: int, window: float, *, peek: bool = False) -> int | None:
        """Count one event against ``limit`` per ``window`` seconds; the whole seconds to wait
        when it is over the limit (the event is then not counted), else None. With ``peek``,
        only say whether one would be refused."""
        ...

    def clear(self, key: str) -> None: ...


def _wait(arrival: float, now: float, limit: int, window: float) -> tuple[float, int | None]:
    """(the key's next arrival time if an event is counted now, the wait if it may not be)."""
    interval = window / max(1, limit)
    arrival = max(arrival, now)
    early = arrival - now - (window - interval)
    if early > 0:
        return arrival, max(1, math.ceil(early))
    return arrival + interval, None


class MemoryBuckets:
    """The process's own buckets (the embedded default), on an injectable clock for tests."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._arrival: dict[str, float] = {}
        self._lock = threading.Lock()

    def take(self, key: str, limit: int, window: float, *, peek: bool = False) -> int | None:
        now = self._clock()
        with self._lock:
            if len(self._arrival) > 100_000:  # forget keys whose bucket has refilled
                self._arrival = {k: t for k, t in self._arrival.items() if t > now}
            following, wait = _wait(self._arrival.get(key, now), now, limit, window)
            if wait is None and not peek:
                self._arrival[key] = following
        return wait

    def clear(self, key: str) -> None:
        with self._lock:
            self._arrival.pop(key, None)


# The same arithmetic as _wait, run inside Redis so that reading and writing a key is one step
# and every process uses the Redis server's clock.
_TAKE = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
local limit = math.max(1, tonumber(ARGV[1]))
local window = tonumber(ARGV[2])
local peek = ARGV[3] == '1'
local interval = window / limit
local arrival = tonumber(redis.call('GET', KEYS[1]) or now)
if arrival < now then arrival = now end
local early = arrival - now - (window - interval)
if early > 0 then return math.max(1, math.ceil(early)) end
if not peek then
  redis.call('SET', KEYS[1], tostring(arrival + interval), 'PX', math.ceil(window * 1000) + 1000)
end
return -1
"""


class RedisBuckets:
    """Buckets every process shares, in Redis (keys expire once their bucket has refilled)."""

    def __init__(self, url: str, prefix: str = "statedata:limit:") -> None:
        import redis  # only instances that use Redis load it

        self._redis = redis.Redis.from_url(url)
        self._take = self._redis.register_script(_TAKE)
        self._prefix = prefix

    def take(self, key: str, limit: int, window: float, *, peek: bool = False) -> int | None:
        wait = int(self._take(keys=[self._prefix + key], args=[limit, window, int(peek)]))
        return None if wait < 0 else wait

    def clear(self, key: str) -> None:
        self._redis.delete(self._prefix + key)


def shared_store(settings: Settings) -> bool:
    """Whether the instance keeps counters in Redis (its jobs already go through it)."""
    return settings.jobs_backend == "redis"


def buckets_for(settings: Settings) -> Buckets:
    return RedisBuckets(settings.redis_url) if shared_store(settings) else MemoryBuckets()


class Tally(Protocol):
    """Counts gathered before they are saved (usage of datasets), in the process or in Redis."""

    def add(self, key: str, count: int = 1) -> None: ...

    def take(self) -> dict[str, int]:
        """Every count gathered, removed from the tally (to be saved)."""
        ...

    def give_back(self, counts: dict[str, int]) -> None:
        """Counts that could not be saved, for the next try."""
        ...

    def pending(self, prefix: str) -> dict[str, int]:
        """Counts not saved yet whose key starts with ``prefix``."""
        ...


class MemoryTally:
    def __init__(self) -> None:
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def add(self, key: str, count: int = 1) -> None:
        with self._lock:
            self._counts[key] = self._counts.get(key, 0) + count

    def take(self) -> dict[str, int]:
        with self._lock:
            taken, self._counts = self._counts, {}
        return taken

    def give_back(self, counts: dict[str, int]) -> None:
        for key, count in counts.items():
            self.add(key, count)

    def pending(self, prefix: str) -> dict[str, int]:
        with self._lock:
            return {k: n for k, n in self._counts.items() if k.startswith(prefix)}


# Take every count in one step: rename the hash away (nothing added meanwhile is lost: it starts
# a new hash), read it and delete it.
_TAKE_ALL = """
if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
redis.call('RENAME', KEYS[1], KEYS[2])
local all = redis.call('HGETALL', KEYS[2])
redis.call('DEL', KEYS[2])
return all
"""


class RedisTally:
    """One tally every server process adds to; whichever flushes first saves everyone's."""

    def __init__(self, url: str, name: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url)
        self._key = f"statedata:tally:{name}"
        self._take_all = self._redis.register_script(_TAKE_ALL)

    def add(self, key: str, count: int = 1) -> None:
        self._redis.hincrby(self._key, key, count)

    def take(self) -> dict[str, int]:
        flat = self._take_all(keys=[self._key, self._key + ":taking"])
        return {flat[n].decode(): int(flat[n + 1]) for n in range(0, len(flat), 2)}

    def give_back(self, counts: dict[str, int]) -> None:
        with self._redis.pipeline() as pipe:
            for key, count in counts.items():
                pipe.hincrby(self._key, key, count)
            pipe.execute()

    def pending(self, prefix: str) -> dict[str, int]:
        return {
            k.decode(): int(v)
            for k, v in self._redis.hscan_iter(self._key, match=prefix.replace("*", r"\*") + "*")
        }


def tally_for(settings: Settings, name: str) -> Tally:
    return RedisTally(settings.redis_url, name) if shared_store(settings) else MemoryTally()
