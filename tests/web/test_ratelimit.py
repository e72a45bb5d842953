"""The rolling request limit: bursts up to the limit, then one request per share of the minute."""

from __future__ import annotations

import pytest

from statedata.web.ratelimit import RateLimiter


def test_a_burst_up_to_the_limit_passes_and_the_next_request_waits_its_share_of_the_minute() -> (
    None
):
    limiter = RateLimiter(anonymous_per_minute=3, token_per_minute=6)
    assert [limiter.hit("ip:a", 3, now=100.0) for _ in range(3)] == [None, None, None]
    assert limiter.hit("ip:a", 3, now=100.0) == 20
    assert limiter.hit("ip:a", 3, now=110.5) == 10
    assert limiter.hit("ip:a", 3, now=120.0) is None
    assert limiter.hit("ip:a", 3, now=120.0) == 20


@pytest.mark.parametrize("start", [59.0, 59.999, 60.0, 0.5])
def test_where_a_burst_falls_in_the_clock_minute_does_not_matter(start: float) -> None:
    # A fixed clock-minute window would let six requests through from 59.0 to 60.0.
    limiter = RateLimiter(3, 6)
    answers = [limiter.hit("ip:a", 3, now=start + i * 0.2) for i in range(6)]
    assert answers[:3] == [None, None, None]
    assert all(wait is not None and wait > 0 for wait in answers[3:])


def test_refused_requests_are_not_counted_and_callers_are_kept_apart() -> None:
    limiter = RateLimiter(2, 4)
    assert limiter.hit("ip:a", 2, now=0.0) is None
    assert limiter.hit("ip:a", 2, now=0.0) is None
    for _ in range(50):
        assert limiter.hit("ip:a", 2, now=1.0) == 29
    assert limiter.hit("ip:b", 2, now=1.0) is None
    assert limiter.hit("ip:a", 2, now=30.0) is None


def test_an_idle_caller_gets_the_whole_burst_back_but_no_more() -> None:
    limiter = RateLimiter(3, 6)
    assert limiter.hit("k", 3, now=0.0) is None
    answers = [limiter.hit("k", 3, now=3600.0) for _ in range(4)]
    assert answers == [None, None, None, 20]
