"""Each customer's real drivers: per-feature contributions to the model's log-odds of churn,
against a baseline, that add up exactly to the model output.

- Logistic regression: ``coef x (z - mean z)`` summed over the encoded columns of each feature
  (``z`` the imputed, scaled or one-hot value); baseline = the log-odds at the mean encoded row.
  Exact.
- Histogram gradient boosting: SHAP values by path-dependent TreeSHAP (Lundberg, Erion and Lee
  2018), computed exactly over scikit-learn's fitted trees; baseline = the mean raw score over the
  training rows (by node counts). ``shap`` would do this too, but pulls numba and llvmlite
  (about 150 MB) into the core install for one function; the trees here are small (15 leaves),
  so the exact formula per leaf is cheap: with the features ``F`` on a leaf's path, the cover
  share ``z_j`` of the leaf along feature ``j``'s splits and ``o_j`` = 1 when the customer
  follows them, the leaf adds to feature ``i`` in ``F``
  ``value x sum over S in F-{i} of |S|!(|F|-|S|-1)!/|F|! x prod_S o_j x prod_(F-S-{i}) z_j x
  (o_i - z_i)``, evaluated once per pattern of ``o`` that occurs.

Replacing a feature by its most common value (the method before) could never name a risky value
that is also the most common (a month-to-month contract, 55 % of Telco's customers); a
contribution against the mean does.

Contributions are log-odds; :func:`to_points` shares the customer's distance from the baseline
risk (in percentage points) among the features in proportion to them, so the points add up to
``risk - baseline risk``.
"""

from __future__ import annotations

from math import factorial
from typing import Any

import numpy as np

Array = np.ndarray[Any, Any]


def logistic(
    coef: Array, intercept: float, z: Array, z_mean: Array, groups: list[slice]
) -> tuple[float, Array]:
    """Baseline log-odds and the (rows x features) contributions; ``groups[k]`` is the slice of
    encoded columns of feature ``k``."""
    parts = (z - z_mean) * coef
    out = np.column_stack([parts[:, g].sum(axis=1) for g in groups])
    return float(intercept + z_mean @ coef), out


def gradient_boosting(clf: Any, x: Array) -> tuple[float, Array]:
    """Baseline raw score and the (rows x columns of ``x``) TreeSHAP values of a fitted binary
    ``HistGradientBoostingClassifier``; ``x`` is the matrix the classifier takes."""
    # _predictors and _baseline_prediction are scikit-learn's fitted trees (stable since 0.21;
    # a test checks that the values add up to decision_function, so a change shows at once)
    order = np.arange(x.shape[1])
    pre = getattr(clf, "_preprocessor", None)
    if pre is not None:  # with categorical features, the trees see them first, re-encoded
        x = np.asarray(pre.transform(x), dtype=float)
        order = _input_columns(pre, len(order))
    phi = np.zeros(x.shape, dtype=float)
    base = float(np.ravel(clf._baseline_prediction)[0])
    for trees in clf._predictors:
        tree = trees[0]
        base += _tree(tree.nodes, tree.raw_left_cat_bitsets, x, phi)
    out = np.zeros_like(phi)
    out[:, order] = phi
    return base, out


def _input_columns(pre: Any, n: int) -> Array:
    """For each column out of a fitted ColumnTransformer, the input column it came from."""
    order = np.full(n, -1)
    for name, _, cols in pre.transformers_:
        span = pre.output_indices_[name]
        picked = np.flatnonzero(cols) if np.asarray(cols).dtype == bool else np.asarray(cols)
        order[span] = picked[: span.stop - span.start]
    return order


def _goes_left(node: Any, bitsets: Array, x: Array) -> Array:
    v = x[:, int(node["feature_idx"])]
    missing = np.isnan(v)
    if node["is_categorical"]:
        code = np.where(missing, 0, v).astype(np.int64)
        words = bitsets[int(node["bitset_idx"])].astype(np.int64)
        left = ((words[np.clip(code // 32, 0, 7)] >> (code % 32)) & 1).astype(bool)
        left &= (code >= 0) & (code < 256)
    else:
        left = v <= node["num_threshold"]
    return np.where(missing, bool(node["missing_go_to_left"]), left)


def _tree(nodes: Array, bitsets: Array, x: Array, phi: Array) -> float:
    """Add one tree's SHAP values to ``phi``; returns the tree's mean output."""
    left = {
        i: _goes_left(nodes[i], bitsets, x) for i in range(len(nodes)) if not nodes[i]["is_leaf"]
    }
    root = float(nodes[0]["count"])
    mean = 0.0
    stack: list[tuple[int, list[tuple[int, bool]]]] = [(0, [])]
    while stack:
        i, path = stack.pop()
        node = nodes[i]
        if not node["is_leaf"]:
            stack.append((int(node["left"]), [*path, (i, True)]))
            stack.append((int(node["right"]), [*path, (i, False)]))
            continue
        value = float(node["value"])
        mean += value * float(node["count"]) / root
        if path and value != 0.0:
            _leaf(nodes, path, i, value, left, phi)
    return mean


def _leaf(
    nodes: Array,
    path: list[tuple[int, bool]],
    leaf: int,
    value: float,
    left: dict[int, Array],
    phi: Array,
) -> None:
    feats: list[int] = []
    cover: dict[int, float] = {}
    follows: dict[int, Array] = {}
    steps = [*(p for p, _ in path[1:]), leaf]
    for (i, went_left), child in zip(path, steps, strict=True):
        f = int(nodes[i]["feature_idx"])
        share = float(nodes[child]["count"]) / float(nodes[i]["count"])
        ok = left[i] if went_left else ~left[i]
        if f in cover:
            cover[f] *= share
            follows[f] = follows[f] & ok
        else:
            feats.append(f)
            cover[f] = share
            follows[f] = ok
    d = len(feats)
    code = np.zeros(len(phi), dtype=np.int64)
    for k, f in enumerate(feats):
        code |= follows[f].astype(np.int64) << k
    # the patterns that occur, and each row's (a bincount: cheaper than np.unique's sort)
    patterns = np.flatnonzero(np.bincount(code, minlength=1 << d))
    lookup = np.zeros(1 << d, dtype=np.int64)
    lookup[patterns] = np.arange(len(patterns))
    rows = lookup[code]
    o = ((patterns[:, None] >> np.arange(d)) & 1).astype(float)  # patterns x d
    z = np.array([cover[f] for f in feats])
    weights = np.array([factorial(s) * factorial(d - s - 1) / factorial(d) for s in range(d)])
    for k, f in enumerate(feats):
        # coefficients of prod over j != k of (z_j + o_j t): entry s sums the subsets of size s
        poly = np.zeros((len(patterns), d))
        poly[:, 0] = 1.0
        for j in range(d):
            if j == k:
                continue
            shifted = np.zeros_like(poly)
            shifted[:, 1:] = poly[:, :-1] * o[:, [j]]
            poly = poly * z[j] + shifted
        table = value * (poly @ weights) * (o[:, k] - z[k])
        phi[:, f] += table[rows]


def to_points(base: float, contributions: Array) -> tuple[float, Array]:
    """Baseline risk (%) and the contributions in percentage points of risk: each row's
    ``risk - baseline risk`` shared in proportion to its log-odds contributions."""
    total = contributions.sum(axis=1)
    p0 = _sigmoid(base)
    p = _sigmoid(base + total)
    slope = p * (1 - p)  # the limit of (p - p0) / total as total -> 0
    safe = np.where(np.abs(total) > 1e-9, total, 1.0)
    scale = np.where(np.abs(total) > 1e-9, (p - p0) / safe, slope)
    return 100 * p0, 100 * contributions * scale[:, None]


def _sigmoid(v: Any) -> Any:
    return 1.0 / (1.0 + np.exp(-v))
