"""Cross-validation folds grouped by customer and stratified by the label: the folds of
scikit-learn's ``StratifiedGroupKFold(shuffle=True)``, found without its per-group Python loop.

scikit-learn places the groups one at a time (largest class imbalance first), each in the fold
that keeps the class shares of the folds most even; for every group it tries every fold with a
handful of NumPy calls on tiny arrays, then lists each fold's rows by testing every row against
a Python set. On the scale-1 demo (291k snapshots of 57k customers) that took about 30 s
(py-spy, load 7) before any model could start, and ``churn fit`` did it once per model. Here
the same placement is made with one NumPy evaluation of all the folds per group, and the rows
are read from a fold-per-group array: the same folds (``tests/churn/test_folds.py`` checks them
equal to scikit-learn's on random data; equal on the scale-1 demo too) in 1.1 s of CPU.

The evaluation of each fold is computed with the same operations in the same order as
scikit-learn's (``np.std`` over the folds of each class share, then the mean over classes), so
ties, which scikit-learn breaks with ``np.isclose`` and then by the smaller fold, fall the same
way.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils import check_random_state  # type: ignore[import-untyped]

Indices = np.ndarray[Any, np.dtype[np.intp]]


def stratified_group_folds(
    y: np.ndarray[Any, Any], groups: np.ndarray[Any, Any], *, n_splits: int, random_state: int
) -> list[tuple[Indices, Indices]]:
    """(train, test) row positions of each fold, as
    ``StratifiedGroupKFold(n_splits, shuffle=True, random_state=random_state).split(x, y,
    groups)`` gives them. The caller checks ``n_splits`` against the class and group counts."""
    rng = check_random_state(random_state)
    _, y_inv, y_cnt = np.unique(np.asarray(y), return_inverse=True, return_counts=True)
    _, groups_inv, groups_cnt = np.unique(
        np.asarray(groups), return_inverse=True, return_counts=True
    )
    n_groups, n_classes = len(groups_cnt), len(y_cnt)
    counts = np.zeros((n_groups, n_classes))
    np.add.at(counts, (groups_inv, y_inv), 1)  # the class counts of each group

    # the same shuffle of the groups, from the same random state, as scikit-learn
    perm = np.arange(n_groups)
    rng.shuffle(perm)
    counts = counts[perm]
    inv_perm = np.empty_like(perm)
    inv_perm[perm] = np.arange(perm.size)
    groups_inv = inv_perm[groups_inv]
    order = np.argsort(-np.std(counts, axis=1), kind="stable")

    per_fold = np.zeros((n_splits, n_classes))
    fold_of_group = np.empty(n_groups, dtype=np.intp)
    # one (fold tried, fold, class) array per group: fold i's counts plus the group where the
    # fold tried is i; then np.std's own steps (sum / n, squared deviations, sum / n, sqrt)
    tried = np.eye(n_splits)[:, :, None]
    totals = y_cnt.reshape(1, 1, -1)
    for g in order:
        add = counts[g]
        trial = (per_fold + tried * add) / totals
        dev = trial - trial.sum(axis=1, keepdims=True) / n_splits
        std = np.sqrt((dev * dev).sum(axis=1) / n_splits)
        evals = std.sum(axis=1) / n_classes
        best = _best_fold(evals.tolist(), per_fold.sum(axis=1).tolist())
        per_fold[best] += add
        fold_of_group[g] = best
    row_fold = fold_of_group[groups_inv]
    rows = np.arange(len(row_fold))
    return [(rows[row_fold != i], rows[row_fold == i]) for i in range(n_splits)]


def _best_fold(evals: list[float], sizes: list[float]) -> int:
    """scikit-learn's choice: the lowest evaluation, and among evaluations ``np.isclose`` to
    the best so far, the fold with fewer rows (compared in fold order, as it does)."""
    best, min_eval, min_size = 0, np.inf, np.inf
    for i, (value, size) in enumerate(zip(evals, sizes, strict=True)):
        close = abs(value - min_eval) <= 1e-8 + 1e-5 * abs(min_eval)  # np.isclose's defaults
        if value < min_eval or (close and size < min_size):
            best, min_eval, min_size = i, value, size
    return best
