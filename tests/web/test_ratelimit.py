"""Token buckets per client: bursts, waits, refills; past the bucket limit only idle clients
are forgotten, so nobody's limit is reset."""

from __future__ import annotations

from cxpulse.web.ratelimit import RateLimiter
from tests.web.test_cache import Clock


def test_rate_limiter_bursts_then_waits_then_refills() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=2, burst=3, clock=clock)
    assert [limiter.allow("a") for _ in range(3)] == [0, 0, 0]
    assert limiter.allow("a") == 0.5
    assert limiter.allow("b") == 0  # per client
    clock.t = 0.5
    assert limiter.allow("a") == 0


def test_past_the_limit_only_idle_clients_are_forgotten() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=1, burst=3, clock=clock, max_buckets=4)
    for client in ("idle-1", "idle-2", "idle-3"):
        assert limiter.allow(client) == 0  # one request each, then nothing
    clock.t = 1
    assert [limiter.allow("busy") for _ in range(4)] == [0, 0, 0, 1]  # the burst is spent
    assert len(limiter) == 4
    clock.t = 1.5  # the idle clients have refilled (2 + 1.5 >= 3); busy has 0.5 token
    assert limiter.allow("new") == 0  # a fifth client: past the limit, idle buckets go
    assert len(limiter) == 2
    assert limiter.allow("busy") == 0.5  # still limited: not reset to a full burst
    assert limiter.allow("idle-1") == 0  # a forgotten client starts full, as if refilled


def test_when_no_client_is_idle_every_limit_holds_and_sweeps_stay_rare() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=1, burst=1, clock=clock, max_buckets=2)
    for client in ("a", "b", "c"):  # nobody refills: the clock does not move
        assert limiter.allow(client) == 0
    assert len(limiter) == 3  # nobody forgotten
    assert all(limiter.allow(client) == 1 for client in ("a", "b", "c"))
    # the next sweep waits until the table has doubled (6), not at every request
    for client in ("d", "e", "f"):
        limiter.allow(client)
    clock.t = 10  # now everyone is idle
    limiter.allow("g")  # 7 > 6: a sweep
    assert len(limiter) == 1


def test_refund_gives_back_one_request_never_more_than_the_burst() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=1, burst=2, clock=clock)
    assert [limiter.allow("a") for _ in range(2)] == [0, 0]
    limiter.refund("a")
    assert limiter.allow("a") == 0 and limiter.allow("a") == 1
    limiter.refund("a")
    limiter.refund("a")
    limiter.refund("a")
    assert [limiter.allow("a") for _ in range(3)] == [0, 0, 1]  # capped at the burst
    limiter.refund("unknown")  # nothing counted: nothing to give back
    assert len(limiter) == 1
