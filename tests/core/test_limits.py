"""Rolling limits: bursts up to the limit, then one event per share of the window; in the process
on an injectable clock, and in Redis shared by every process."""

from __future__ import annotations

import pytest

from statedata.core.limits import MemoryBuckets, RedisBuckets
from tests.servers import redis_server


class Clock:
    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _buckets(start: float = 0.0) -> tuple[MemoryBuckets, Clock]:
    clock = Clock(start)
    return MemoryBuckets(clock), clock


def test_a_burst_up_to_the_limit_passes_and_the_next_event_waits_its_share_of_the_window() -> None:
    buckets, clock = _buckets(100.0)
    assert [buckets.take("ip:a", 3, 60) for _ in range(3)] == [None, None, None]
    assert buckets.take("ip:a", 3, 60) == 20
    clock.now = 110.5
    assert buckets.take("ip:a", 3, 60) == 10
    clock.now = 120.0
    assert buckets.take("ip:a", 3, 60) is None
    assert buckets.take("ip:a", 3, 60) == 20


@pytest.mark.parametrize("start", [59.0, 59.999, 60.0, 0.5])
def test_where_a_burst_falls_in_the_clock_minute_does_not_matter(start: float) -> None:
    # A fixed clock-minute window would let six requests through from 59.0 to 60.0.
    buckets, clock = _buckets(start)
    answers = []
    for i in range(6):
        clock.now = start + i * 0.2
        answers.append(buckets.take("ip:a", 3, 60))
    assert answers[:3] == [None, None, None]
    assert all(wait is not None and wait > 0 for wait in answers[3:])


def test_refused_events_are_not_counted_and_keys_are_kept_apart() -> None:
    buckets, clock = _buckets()
    assert buckets.take("ip:a", 2, 60) is None
    assert buckets.take("ip:a", 2, 60) is None
    clock.now = 1.0
    for _ in range(50):
        assert buckets.take("ip:a", 2, 60) == 29
    assert buckets.take("ip:b", 2, 60) is None
    clock.now = 30.0
    assert buckets.take("ip:a", 2, 60) is None


def test_an_idle_key_gets_the_whole_burst_back_but_no_more() -> None:
    buckets, clock = _buckets()
    assert buckets.take("k", 3, 60) is None
    clock.now = 3600.0
    assert [buckets.take("k", 3, 60) for _ in range(4)] == [None, None, None, 20]


def test_a_peek_says_whether_an_event_would_pass_without_counting_it() -> None:
    buckets, _ = _buckets()
    assert [buckets.take("k", 2, 60, peek=True) for _ in range(5)] == [None] * 5
    buckets.take("k", 2, 60)
    buckets.take("k", 2, 60)
    assert buckets.take("k", 2, 60, peek=True) == 30
    buckets.clear("k")
    assert buckets.take("k", 2, 60, peek=True) is None


@pytest.mark.redis
def test_redis_buckets_count_every_process_against_one_limit() -> None:
    with redis_server() as url:
        first, second = RedisBuckets(url), RedisBuckets(url)  # two processes' clients
        answers = [b.take("ip:a", 4, 60) for b in (first, second, first, second, first)]
        assert answers[:4] == [None] * 4
        assert answers[4] is not None and 1 <= answers[4] <= 15
        assert second.take("ip:b", 4, 60) is None
        assert first.take("ip:a", 4, 60, peek=True) is not None
        first.clear("ip:a")
        assert second.take("ip:a", 4, 60) is None
