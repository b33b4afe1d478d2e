"""ChurnModel: a scikit-learn classifier of churn with cross-validated AUC, calibration and
per-customer reasons.

``kind="logistic"`` (the explainable baseline: median imputation, standardisation, L2 logistic
regression) or ``kind="gbm"`` (histogram gradient boosting, which handles missing values
itself). Text columns are one-hot encoded. Cross-validation uses stratified folds, grouped by
customer when ``groups`` is given, so one customer's snapshots never sit on both sides.

Reasons: for each scored row, the features whose replacement by their typical training value
(median, or the most common category) lowers the predicted risk the most.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer  # type: ignore[import-untyped]
from sklearn.ensemble import HistGradientBoostingClassifier  # type: ignore[import-untyped]
from sklearn.impute import SimpleImputer  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
from sklearn.metrics import roc_auc_score  # type: ignore[import-untyped]
from sklearn.model_selection import (  # type: ignore[import-untyped]
    StratifiedGroupKFold,
    StratifiedKFold,
)
from sklearn.pipeline import Pipeline, make_pipeline  # type: ignore[import-untyped]
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # type: ignore[import-untyped]
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from cxpulse.errors import QueryError
from cxpulse.models.errors import NotFittedError

Kind = Literal["logistic", "gbm"]
KINDS: tuple[Kind, ...] = ("logistic", "gbm")


def check_label(y: pd.Series, name: str) -> np.ndarray[Any, np.dtype[np.int64]]:
    """The label as 0/1, or a ChurnDataError saying what is wrong with it."""
    from cxpulse.churn.errors import ChurnDataError

    values = pd.to_numeric(y.replace({True: 1, False: 0}), errors="coerce")
    bad = values.isna() | ~values.isin([0, 1])
    if bad.any():
        raise ChurnDataError(
            f"label column {name!r} must hold 0/1 or true/false; {int(bad.sum())} rows do not "
            f"(first: {y[bad].iloc[0]!r})"
        )
    classes = set(values.astype(int))
    if len(classes) < 2:
        raise ChurnDataError(
            f"label column {name!r} has only the class {classes.pop()}: a model needs customers "
            "who churned and customers who stayed; widen the dates or check the column"
        )
    out: np.ndarray[Any, np.dtype[np.int64]] = np.asarray(values, dtype=np.int64)
    return out


class ChurnModel:
    """Churn classifier; settings in the constructor, ``fit(df, features, label)``."""

    def __init__(
        self, kind: Kind = "gbm", *, n_splits: int = 5, random_state: int = 0, bins: int = 10
    ) -> None:
        if kind not in KINDS:
            raise QueryError(f"model kind {kind!r} is unknown; use one of {', '.join(KINDS)}")
        self.kind = kind
        self.n_splits = n_splits
        self.random_state = random_state
        self.bins = bins

    # -- building --------------------------------------------------------------------------
    def _pipeline(self, df: pd.DataFrame, features: Sequence[str]) -> Pipeline:
        text = [c for c in features if not pd.api.types.is_numeric_dtype(df[c])]
        numbers = [c for c in features if c not in text]
        onehot = make_pipeline(
            SimpleImputer(strategy="constant", fill_value="(none)"),
            OneHotEncoder(handle_unknown="ignore", sparse_output=False, max_categories=12),
        )
        if self.kind == "logistic":
            num: Any = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
            clf: Any = LogisticRegression(C=1.0, max_iter=2000)
        else:
            num = "passthrough"
            clf = HistGradientBoostingClassifier(
                max_iter=200,
                learning_rate=0.05,
                max_leaf_nodes=15,
                l2_regularization=1.0,
                random_state=self.random_state,
            )
        prep = ColumnTransformer([("num", num, numbers), ("text", onehot, text)])
        return Pipeline([("prep", prep), ("clf", clf)])

    @staticmethod
    def _x(df: pd.DataFrame, features: Sequence[str]) -> pd.DataFrame:
        x = df[list(features)].copy()
        for c in x.columns:
            if pd.api.types.is_bool_dtype(x[c]):
                x[c] = x[c].astype(float)
            elif not pd.api.types.is_numeric_dtype(x[c]):
                x[c] = [None if pd.isna(v) else v for v in x[c]]
        return x

    # -- fitting ---------------------------------------------------------------------------
    def fit(
        self,
        df: pd.DataFrame,
        features: Sequence[str],
        label: str,
        groups: pd.Series | np.ndarray[Any, Any] | None = None,
    ) -> ChurnModel:
        missing = [c for c in [*features, label] if c not in df]
        if missing:
            from cxpulse.churn.errors import ChurnDataError

            raise ChurnDataError(f"columns missing from the data: {', '.join(missing)}")
        y = check_label(df[label], label)
        x = self._x(df, features)
        self.features_ = list(features)
        self.label_ = label
        self.base_rate_ = float(y.mean())
        # one thread: on small data, OpenMP threads cost more than they save (10x here)
        with threadpool_limits(1):
            oof = self._cross_validate(x, y, groups, features)
            self.pipeline_ = self._pipeline(x, features).fit(x, y)
        self.oof_risk_ = oof
        self.typical_ = {
            c: (x[c].median() if pd.api.types.is_numeric_dtype(x[c]) else x[c].mode().iloc[0])
            for c in x.columns
        }
        self.calibration_ = calibration_table(y, oof, bins=self.bins)
        self.y_ = y
        return self

    def _cross_validate(
        self, x: pd.DataFrame, y: np.ndarray[Any, Any], groups: Any, features: Sequence[str]
    ) -> np.ndarray[Any, np.dtype[np.float64]]:
        n_splits = min(self.n_splits, int(np.bincount(y).min()))
        if n_splits < 2:
            from cxpulse.churn.errors import ChurnDataError

            raise ChurnDataError("need at least 2 rows of each class for cross-validation")
        if groups is not None:
            splitter: Any = StratifiedGroupKFold(
                n_splits, shuffle=True, random_state=self.random_state
            )
            splits = splitter.split(x, y, np.asarray(groups))
        else:
            splitter = StratifiedKFold(n_splits, shuffle=True, random_state=self.random_state)
            splits = splitter.split(x, y)
        oof = np.full(len(y), np.nan)
        aucs = []
        for train, test in splits:
            pipe = self._pipeline(x, features).fit(x.iloc[train], y[train])
            oof[test] = pipe.predict_proba(x.iloc[test])[:, 1]
            if len(set(y[test])) == 2:
                aucs.append(roc_auc_score(y[test], oof[test]))
        self.cv_auc_ = np.array(aucs)
        self.cv_auc_mean_ = float(np.mean(aucs))
        self.cv_auc_std_ = float(np.std(aucs))
        return oof

    # -- using -----------------------------------------------------------------------------
    def _check(self) -> None:
        if not hasattr(self, "pipeline_"):
            raise NotFittedError("call fit() before predict_risk() or reasons()")

    def predict_risk(self, df: pd.DataFrame) -> np.ndarray[Any, np.dtype[np.float64]]:
        self._check()
        with threadpool_limits(1):
            risk: np.ndarray[Any, np.dtype[np.float64]] = self.pipeline_.predict_proba(
                self._x(df, self.features_)
            )[:, 1]
        return risk

    def reasons(self, df: pd.DataFrame, *, top: int = 3) -> list[str]:
        """Per row, the ``top`` features pushing its risk up the most, e.g.
        "negatives_90d=4 (+0.31)", joined by "; "."""
        self._check()
        x = self._x(df, self.features_)
        base = self.predict_risk(x)
        drops = {}
        for c in self.features_:
            typical = x.copy()
            typical[c] = self.typical_[c]
            drops[c] = base - self.predict_risk(typical)
        d = pd.DataFrame(drops, index=x.index)
        out = []
        for i in range(len(d)):
            row = d.iloc[i].sort_values(ascending=False)
            row = row[row > 0.005].head(top)
            out.append("; ".join(f"{c}={_show(x[c].iloc[i])} (+{v:.2f})" for c, v in row.items()))
        return out

    @property
    def summary(self) -> pd.DataFrame:
        """Cross-validated AUC of the model and of the majority-class baseline (0.5)."""
        self._check()
        return pd.DataFrame(
            [
                {
                    "model": self.kind,
                    "cv_auc": self.cv_auc_mean_,
                    "cv_auc_std": self.cv_auc_std_,
                    "folds": len(self.cv_auc_),
                    "rows": len(self.y_),
                    "base_rate": self.base_rate_,
                },
                {
                    "model": "majority class",
                    "cv_auc": 0.5,
                    "cv_auc_std": 0.0,
                    "folds": len(self.cv_auc_),
                    "rows": len(self.y_),
                    "base_rate": self.base_rate_,
                },
            ]
        )


def _show(value: Any) -> str:
    if isinstance(value, float):
        return "missing" if np.isnan(value) else f"{value:g}"
    return str(value)


def calibration_table(
    y: np.ndarray[Any, Any], risk: np.ndarray[Any, Any], *, bins: int = 10
) -> pd.DataFrame:
    """Rows grouped by deciles (``bins`` quantiles) of predicted risk: bin, rows,
    predicted (mean risk, %), observed (churn rate, %)."""
    df = pd.DataFrame({"y": y, "risk": risk}).dropna()
    ranks = df["risk"].rank(method="first")
    df["bin"] = pd.qcut(ranks, q=min(bins, len(df)), labels=False) + 1
    out = df.groupby("bin").agg(
        rows=("y", "size"), predicted=("risk", "mean"), observed=("y", "mean")
    )
    out[["predicted", "observed"]] *= 100
    return out.reset_index()
