from __future__ import annotations

import threading
from collections.abc import Callable

from cxpulse.web.cache import ResultCache


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


# -- soft and hard invalidations, results computed from stale values ---------------------------
def test_soft_invalidation_serves_even_quick_entries_stale_while_one_refresh_runs() -> None:
    from concurrent.futures import ThreadPoolExecutor

    calls: list[str] = []
    with ThreadPoolExecutor(max_workers=1) as pool:
        cache = ResultCache(refresher=pool, slow_seconds=60)  # every entry here is quick
        assert cache.get_or_compute("k", lambda: "v1") == "v1"
        cache.invalidate(soft=True)  # e.g. a survey answer arrived
        started, release = threading.Event(), threading.Event()

        def v2() -> str:
            calls.append("v2")
            started.set()
            release.wait(10)
            return "v2"

        assert cache.get_or_compute("k", v2) == "v1"  # not recomputed in front of the viewer
        assert started.wait(10)
        assert cache.get_or_compute("k", v2) == "v1"  # still refreshing: no second refresh
        release.set()
    assert calls == ["v2"]
    assert cache.get_or_compute("k", lambda: "v3") == "v2" and cache.is_fresh("k")


def test_a_hard_invalidation_recomputes_quick_entries_whatever_soft_ones_surround_it() -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        cache = ResultCache(refresher=pool, slow_seconds=60)
        cache.get_or_compute("a", lambda: "a1")
        cache.get_or_compute("b", lambda: "b1")
        cache.invalidate(soft=True)
        cache.invalidate()  # the user's own change, after an answer streamed in
        assert cache.get_or_compute("a", lambda: "a2") == "a2"
        cache.invalidate(soft=True)  # an answer after the user's change
        assert cache.get_or_compute("b", lambda: "b2") == "b2"  # the user's change shows
        assert cache.stale_hits == 0


def test_without_a_refresher_a_soft_invalidation_recomputes() -> None:
    cache = ResultCache()
    cache.get_or_compute("k", lambda: 1)
    cache.invalidate(soft=True)
    assert cache.get_or_compute("k", lambda: 2) == 2


def test_a_page_computed_from_a_stale_metric_is_stored_stale() -> None:
    """The page's outer entry is recomputed (quick) while its inner metric (slow) is served
    stale and refreshed: the page must not be kept as fresh with the old number."""
    from concurrent.futures import ThreadPoolExecutor

    clock = Clock()
    data = {"v": 1}
    refreshing, release = threading.Event(), threading.Event()

    def inner() -> int:
        if clock.t > 0:  # the refresh after the write: hold it until the page is computed
            refreshing.set()
            release.wait(10)
        clock.t += 5  # slow
        return data["v"]

    with ThreadPoolExecutor(max_workers=1) as pool:
        cache = ResultCache(refresher=pool, slow_seconds=2, clock=clock)

        def outer() -> tuple[str, int]:
            return ("page", cache.get_or_compute("inner", inner))

        assert cache.get_or_compute("inner", inner) == 1  # warmed by its JSON twin
        assert cache.get_or_compute("outer", outer) == ("page", 1)  # quick: inner was a hit
        data["v"] = 2
        cache.invalidate()  # a write
        assert cache.get_or_compute("outer", outer) == ("page", 1)  # inner served stale
        assert refreshing.wait(10)
        assert not cache.is_fresh("outer")  # computed from a stale value: stored stale
        release.set()
    assert cache.is_fresh("inner")
    assert cache.get_or_compute("outer", outer) == ("page", 2)  # the next view recomputes it
    assert cache.is_fresh("outer")


def test_staleness_passes_through_nested_entries_and_keeps_its_kind() -> None:
    """After a soft invalidation, a page first computed from a stale metric (through an
    intermediate entry) is stale too, and, a soft change, is then served while refreshed."""
    from concurrent.futures import ThreadPoolExecutor

    clock = Clock()

    def metric() -> str:
        clock.t += 5  # slow
        return f"m{cache.version}"

    with ThreadPoolExecutor(max_workers=1) as pool:
        cache = ResultCache(refresher=pool, slow_seconds=2, clock=clock)
        cache.get_or_compute("metric", metric)
        cache.invalidate(soft=True)

        def block() -> str:
            return "block:" + cache.get_or_compute("metric", metric)

        def page() -> str:
            return "page:" + cache.get_or_compute("block", block)

        assert cache.get_or_compute("page", page) == "page:block:m0"  # first view: computed
        pool.submit(lambda: None).result()  # the metric's refresh is done
        assert not cache.is_fresh("block") and not cache.is_fresh("page")
        stale_hits = cache.stale_hits
        assert cache.get_or_compute("page", page) == "page:block:m0"  # soft: served stale...
        assert cache.stale_hits == stale_hits + 1
    assert cache.get_or_compute("page", page) == "page:block:m1"  # ...while refreshed
    assert cache.is_fresh("page")


def test_a_request_that_asks_for_fresh_results_gets_no_stale_one() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from cxpulse.web.cache import FRESH

    with ThreadPoolExecutor(max_workers=1) as pool:
        cache = ResultCache(refresher=pool, slow_seconds=0)  # every entry counts as slow
        assert cache.get_or_compute("k", lambda: "v1") == "v1"
        cache.invalidate()
        token = FRESH.set(True)  # what Cache-Control: no-cache sets for a request
        try:
            assert cache.get_or_compute("k", lambda: "v2") == "v2"  # computed in front
        finally:
            FRESH.reset(token)
        assert cache.is_fresh("k") and cache.stale_hits == 0


def test_no_cache_header_reads_ones_own_write(app: object) -> None:
    from fastapi.testclient import TestClient

    from tests.web.conftest import login

    state = app.state.cx  # type: ignore[attr-defined]
    state.cache.slow_seconds = 0  # every result counts as slow: served stale after a change
    client = login(TestClient(app), "analyst")  # type: ignore[arg-type]
    first = client.get("/api/v1/metrics/nps").json()["rows"]
    state.cache.invalidate()  # as an import through the API would
    stale = state.cache.stale_hits
    client.get("/api/v1/metrics/nps")
    assert state.cache.stale_hits == stale + 1  # served while it refreshes
    state.cache.invalidate()
    fresh = client.get("/api/v1/metrics/nps", headers={"Cache-Control": "no-cache"})
    assert fresh.json()["rows"] == first and state.cache.stale_hits == stale + 1


def test_a_result_being_computed_is_waited_for_not_computed_again() -> None:
    # the warm-up computing the home page while its first viewer asks for it
    cache = ResultCache()
    started, release = threading.Event(), threading.Event()
    calls: list[str] = []

    def slow() -> str:
        calls.append("slow")
        started.set()
        release.wait(10)
        return "page"

    results: list[str] = []
    first = threading.Thread(target=lambda: results.append(cache.get_or_compute("k", slow)))
    first.start()
    assert started.wait(10)
    second = threading.Thread(
        target=lambda: results.append(cache.get_or_compute("k", lambda: "again"))
    )
    second.start()
    second.join(0.2)
    assert second.is_alive()  # waiting for the first computation, not computing its own
    release.set()
    first.join(10)
    second.join(10)
    assert results == ["page", "page"] and calls == ["slow"]
    assert (cache.misses, cache.hits) == (1, 1)


def test_a_failed_computation_lets_the_waiting_request_compute() -> None:
    cache = ResultCache()
    started, release = threading.Event(), threading.Event()

    def failing() -> str:
        started.set()
        release.wait(10)
        raise RuntimeError("boom")

    errors: list[Exception] = []

    def first_view() -> None:
        try:
            cache.get_or_compute("k", failing)
        except RuntimeError as exc:
            errors.append(exc)

    first = threading.Thread(target=first_view)
    first.start()
    assert started.wait(10)
    results: list[str] = []
    second = threading.Thread(
        target=lambda: results.append(cache.get_or_compute("k", lambda: "ok"))
    )
    second.start()
    release.set()
    first.join(10)
    second.join(10)
    assert len(errors) == 1 and results == ["ok"]


def test_background_refreshes_run_newest_first() -> None:
    # after an import every page is stale: the one viewed last is refreshed first
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        cache = ResultCache(refresher=pool, slow_seconds=0)
        for key in ("a", "b", "c"):
            cache.get_or_compute(key, lambda: "old")
        cache.invalidate()
        busy = threading.Event()
        pool.submit(busy.wait, 10)  # the refresher is busy with an earlier refresh
        order: list[str] = []

        def recompute(key: str) -> Callable[[], str]:
            def run() -> str:
                order.append(key)
                return "new"

            return run

        for key in ("a", "b", "c", "a"):  # "a" viewed again last
            assert cache.get_or_compute(key, recompute(key)) == "old"
        busy.set()
    assert order == ["a", "c", "b"]


def test_a_purge_drops_every_entry_even_slow_ones_and_keeps_nothing_read_before_it() -> None:
    # an erasure: a slow entry would be served stale after a hard invalidation, with the
    # erased customer's answers in it
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        cache = ResultCache(refresher=pool, slow_seconds=0)  # every entry counts as slow
        assert cache.get_or_compute("k", lambda: "with them") == "with them"
        cache.invalidate(purge=True)
        assert cache.get_or_compute("k", lambda: "without them") == "without them"
        assert cache.stale_hits == 0

        def read_before_the_erasure_landed() -> str:
            cache.invalidate(purge=True)  # the erasure commits while this computes
            return "with them"

        # its caller gets it (it asked before the erasure); no later view does
        assert cache.get_or_compute("j", read_before_the_erasure_landed) == "with them"
        assert cache.get_or_compute("j", lambda: "without them") == "without them"
