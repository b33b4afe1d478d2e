"""How the churn models use the machine's cores: several fits at once, each on one thread.

A churn fit is a handful of independent model fits (the cross-validation folds of each model,
then the final one). They run side by side on :func:`workers` Python threads, and each fit is
held to one OpenMP thread (scikit-learn's gradient boosting) and one BLAS thread (the
logistic regression's solver): the fits release the GIL in their compiled loops, so two of them
fill two cores with no synchronisation between them.

Measured on the 2-core machine (scale-1 demo, 240k training rows x 27 features, one
``HistGradientBoostingClassifier`` of 200 rounds; load average 6-10 from other jobs):
one OpenMP thread 24 s wall (7.8 s CPU), two OpenMP threads 170 s wall (51 s CPU): OpenMP's
threads meet at a barrier after every histogram and spin there while the other is descheduled,
so a second thread inside a fit turns into waiting on a loaded machine (on a quiet one it was
1.68x faster). Two fits side by side on one thread each have nothing to wait for: the ten
fits of ``churn fit`` took 314 s wall on two workers against 480 s on one, the same 70 s of
CPU (``benchmarks/churn_fit.py``, load 12). The logistic regression on 2 BLAS threads was
slower too (9.7 s against 7.4 s wall): its matrix-vector products are too small to split.
(On a saturated machine the kernel's autogroup scheduler shares the CPU between sessions, so
a process gains little from a second thread there; CPU seconds are what it can save.)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

T = TypeVar("T")


def workers() -> int:
    """The cores this process may use (its CPU affinity, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _one_thread(task: Callable[[], T]) -> T:
    # OpenMP's thread count is a per-thread setting: it must be set in the thread that fits
    # (a new thread starts from the process default, all cores)
    with threadpool_limits(limits=1, user_api="openmp"):
        return task()


def run(tasks: Sequence[Callable[[], T]], *, max_workers: int | None = None) -> list[T]:
    """The results of ``tasks`` in order, run on up to ``max_workers`` threads (default
    :func:`workers`), each with one OpenMP thread and BLAS on one thread."""
    n = min(max_workers or workers(), len(tasks))
    # BLAS's thread count is one per process: set here, once, around all the tasks
    with threadpool_limits(limits=1, user_api="blas"):
        if n <= 1:
            return [_one_thread(t) for t in tasks]
        with ThreadPoolExecutor(n, thread_name_prefix="churn-fit") as pool:
            return list(pool.map(_one_thread, tasks))
