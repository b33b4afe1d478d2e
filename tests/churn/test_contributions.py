"""Reasons are contributions against a baseline that add up to the model output, and they can
name a risky value that is also the most common one."""

from __future__ import annotations

from itertools import combinations
from math import factorial
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.ensemble import HistGradientBoostingClassifier  # type: ignore[import-untyped]

from cxpulse.churn import contributions
from cxpulse.churn.model import ChurnModel
from tests.churn.telco_like import telco_like

FEATURES = ["customerID", "Contract", "tenure", "MonthlyCharges", "TotalCharges"]


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return telco_like().set_index("customerID", drop=False)


@pytest.fixture(scope="module", params=["logistic", "gbm"])
def model(request: pytest.FixtureRequest, data: pd.DataFrame) -> ChurnModel:
    return ChurnModel(request.param, n_splits=3).fit(data, FEATURES, "Churn")


def test_contributions_add_up_to_the_model_output(model: ChurnModel, data: pd.DataFrame) -> None:
    base, parts = model.contributions(data)
    raw = model.pipeline_.decision_function(model._x(data))
    tolerance = 1e-9 if model.kind == "logistic" else 1e-6  # logistic: exact
    assert np.abs(base + parts.sum(axis=1).to_numpy() - raw).max() < tolerance
    base_risk, points = model.risk_points(data)
    risk = 100 * model.predict_risk(data)
    assert np.abs(base_risk + points.sum(axis=1).to_numpy() - risk).max() < 1e-6


def test_the_most_common_risky_value_is_a_reason(model: ChurnModel, data: pd.DataFrame) -> None:
    assert (data["Contract"] == "Month-to-month").mean() > 0.5
    reasons = model.reasons(data)
    monthly = data["Contract"].to_numpy() == "Month-to-month"
    named = np.array(["Contract Month-to-month: +" in r for r in reasons])
    assert named[monthly].mean() > 0.9 and not named[~monthly].any()
    assert "customerID" not in " ".join(reasons)  # the id is left out, not a reason


def _expected(nodes: Any, bitsets: Any, row: np.ndarray, known: set[int], i: int = 0) -> float:
    """Path-dependent E[f | x_S] of one tree, by recursion (the definition TreeSHAP follows)."""
    node = nodes[i]
    if node["is_leaf"]:
        return float(node["value"])
    f = int(node["feature_idx"])
    left, right = int(node["left"]), int(node["right"])
    if f in known:
        goes = contributions._goes_left(node, bitsets, row[None, :])[0]
        return _expected(nodes, bitsets, row, known, left if goes else right)
    share = float(nodes[left]["count"]) / float(node["count"])
    return share * _expected(nodes, bitsets, row, known, left) + (1 - share) * _expected(
        nodes, bitsets, row, known, right
    )


def test_tree_shap_matches_shapley_values_by_enumeration() -> None:
    rng = np.random.default_rng(3)
    x = np.column_stack([rng.normal(size=300), rng.integers(0, 4, 300), rng.normal(size=300)])
    x[::17, 0] = np.nan
    y = ((x[:, 1] == 2) | (np.nan_to_num(x[:, 0]) > 0.5) ^ (x[:, 2] > 0)).astype(int)
    clf = HistGradientBoostingClassifier(
        max_iter=5, max_leaf_nodes=6, categorical_features=[False, True, False], random_state=0
    ).fit(x, y)
    base, phi = contributions.gradient_boosting(clf, x[:6])
    inner = clf._preprocessor.transform(x[:6])  # the trees' own column order
    order = contributions._input_columns(clf._preprocessor, 3)
    m = 3
    for r in range(6):
        exact = np.zeros(m)
        for tree in (t[0] for t in clf._predictors):
            for i in range(m):
                rest = [j for j in range(m) if j != i]
                for size in range(m):
                    w = factorial(size) * factorial(m - size - 1) / factorial(m)
                    for s in combinations(rest, size):
                        with_i = _expected(tree.nodes, tree.raw_left_cat_bitsets, inner[r], {*s, i})
                        without = _expected(tree.nodes, tree.raw_left_cat_bitsets, inner[r], set(s))
                        exact[order[i]] += w * (with_i - without)
        assert phi[r] == pytest.approx(exact, abs=1e-12)
    assert base + phi.sum(axis=1) == pytest.approx(clf.decision_function(x[:6]))


@given(
    base=st.floats(-6, 6),
    parts=st.lists(st.lists(st.floats(-4, 4), min_size=3, max_size=3), min_size=1, max_size=20),
)
def test_points_add_up_to_the_risk_and_keep_each_sign(
    base: float, parts: list[list[float]]
) -> None:
    logits = np.array(parts)
    base_risk, points = contributions.to_points(base, logits)
    risk = 100 / (1 + np.exp(-(base + logits.sum(axis=1))))
    assert np.allclose(base_risk + points.sum(axis=1), risk, atol=1e-9)
    assert np.all(np.sign(points[np.abs(logits) > 1e-6]) == np.sign(logits[np.abs(logits) > 1e-6]))
