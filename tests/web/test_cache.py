from __future__ import annotations

import threading

from cxpulse.web.cache import ResultCache
from cxpulse.web.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_cache_hits_expires_and_invalidates() -> None:
    clock = Clock()
    cache = ResultCache(ttl=10, clock=clock)
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert cache.get_or_compute("k", compute) == 1
    assert cache.get_or_compute("k", compute) == 1
    clock.t = 11
    assert cache.get_or_compute("k", compute) == 2  # expired
    cache.invalidate()
    assert cache.get_or_compute("k", compute) == 3  # a write happened


def test_result_computed_across_a_write_is_never_taken_as_fresh() -> None:
    cache = ResultCache()

    def compute_while_someone_writes() -> str:
        cache.invalidate()
        return "stale"

    assert cache.get_or_compute("k", compute_while_someone_writes) == "stale"
    assert not cache.is_fresh("k")
    assert cache.get_or_compute("k", lambda: "fresh") == "fresh"


def test_stale_entries_are_served_while_one_refresh_runs() -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        cache = ResultCache(refresher=pool, slow_seconds=0)
        assert cache.get_or_compute("k", lambda: "v1") == "v1"  # first view computes
        cache.invalidate()
        started, release = threading.Event(), threading.Event()

        def slow_v2() -> str:
            started.set()
            release.wait(10)
            return "v2"

        assert cache.get_or_compute("k", slow_v2) == "v1"  # stale, refresh scheduled
        assert started.wait(10)
        assert cache.get_or_compute("k", slow_v2) == "v1"  # still stale, no second refresh
        release.set()
    assert cache.get_or_compute("k", lambda: "v3") == "v2"
    assert cache.stale_hits == 2 and cache.is_fresh("k")


def test_nested_lookups_inside_a_refresh_are_recomputed() -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        cache = ResultCache(refresher=pool, slow_seconds=0)
        inner = iter(["in1", "in2"])

        def outer() -> str:
            return "out:" + cache.get_or_compute("inner", lambda: next(inner))

        assert cache.get_or_compute("outer", outer) == "out:in1"
        cache.invalidate()
        assert cache.get_or_compute("outer", outer) == "out:in1"  # stale while refreshing
    assert cache.get_or_compute("outer", outer) == "out:in2"  # the refresh saw fresh data


def test_rate_limiter_bursts_then_waits_then_refills() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=2, burst=3, clock=clock)
    assert [limiter.allow("a") for _ in range(3)] == [0, 0, 0]
    assert limiter.allow("a") == 0.5
    assert limiter.allow("b") == 0  # per client
    clock.t = 0.5
    assert limiter.allow("a") == 0


def test_age_counts_from_when_the_result_was_ready() -> None:
    clock = Clock()
    cache = ResultCache(ttl=10, clock=clock)

    def slow() -> str:
        clock.t += 60  # slower than the TTL
        return "done"

    assert cache.get_or_compute("k", slow) == "done"
    clock.t += 5
    assert cache.get_or_compute("k", lambda: "recomputed") == "done"


def test_cached_reads_do_not_hold_the_write_lock(app: object) -> None:
    """A long page computation runs on the thread's own cursor: writes can go on meanwhile."""
    import threading

    state = app.state.cx  # type: ignore[attr-defined]
    inside = threading.Event()
    release = threading.Event()
    got_lock: list[bool] = []

    def slow_read(ws: object) -> int:
        inside.set()
        release.wait(10)
        count: int = ws.store.table("survey_responses").count().execute()  # type: ignore[attr-defined]
        return count

    reader = threading.Thread(target=state.cached, args=(("slow",), slow_read))
    reader.start()
    assert inside.wait(10)
    got_lock.append(state.lock.acquire(timeout=1))
    state.lock.release()
    release.set()
    reader.join(10)
    assert got_lock == [True]
    assert state.cache.get_or_compute(("slow",), lambda: -1) > 0  # computed on the cursor


def test_quick_results_are_recomputed_so_users_see_their_own_change() -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        cache = ResultCache(refresher=pool, slow_seconds=60)
        assert cache.get_or_compute("k", lambda: "before") == "before"
        cache.invalidate()
        assert cache.get_or_compute("k", lambda: "after") == "after"


def test_warm_up_fills_the_cache_for_every_default_page(app: object) -> None:
    from cxpulse.web.warmup import default_views, warm

    state = app.state.cx  # type: ignore[attr-defined]
    took = warm(state)
    assert set(took) == {name for name, _ in default_views(state)}
    misses = state.cache.misses
    for _, compute in default_views(state):
        compute()
    assert state.cache.misses == misses  # every default view now comes from the cache
