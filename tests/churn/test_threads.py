"""The churn fits run side by side, each held to one OpenMP and one BLAS thread, and the
process's own settings come back afterwards."""

from __future__ import annotations

import threading

from threadpoolctl import threadpool_info  # type: ignore[import-untyped]

from cxpulse.churn import threads


def _threads_here() -> dict[str, int]:
    """The thread count of each thread pool library as seen from the calling thread."""
    seen: dict[str, int] = {}
    for lib in threadpool_info():
        seen[lib["user_api"]] = max(seen.get(lib["user_api"], 0), lib["num_threads"])
    return seen


def test_every_task_runs_on_one_openmp_and_one_blas_thread() -> None:
    import sklearn.ensemble  # noqa: F401  (loads scikit-learn's OpenMP runtime)

    before = _threads_here()
    assert "openmp" in before and "blas" in before
    seen = threads.run([_threads_here] * 4, max_workers=2)
    assert seen == [{"openmp": 1, "blas": 1}] * 4
    assert _threads_here() == before  # restored for the rest of the process


def test_tasks_run_on_several_threads_and_results_keep_their_order() -> None:
    names = threads.run([lambda i=i: (i, threading.current_thread().name) for i in range(6)])
    assert [i for i, _ in names] == list(range(6))
    if threads.workers() > 1:
        assert all(n.startswith("churn-fit") for _, n in names)
    assert threads.run([lambda: 1], max_workers=1) == [1]
