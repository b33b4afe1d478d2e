"""ChurnModel: a scikit-learn classifier of churn with cross-validated AUC, calibration and
per-customer reasons.

``kind="logistic"`` (the explainable baseline: median imputation, :mod:`cxpulse.churn.impute`;
standardisation, one-hot categories, L2 logistic regression) or ``kind="gbm"`` (histogram
gradient boosting, which handles missing values itself and splits categories natively,
scikit-learn's ``categorical_features``, so one split can group several values; on the demo's
features: the same AUC as one-hot, each boosting round ~1.3x faster). How each column
is read (number, category, left out) and each category's code are decided once on the whole
table by :func:`cxpulse.churn.encoding.encode`, before cross-validation; both models take
:meth:`~cxpulse.churn.encoding.Encoding.codes`. Cross-validation uses stratified
folds, grouped by customer when ``groups`` is given, so one customer's snapshots never sit on
both sides. The folds and the final fit run side by side, one thread each
(:mod:`cxpulse.churn.threads`); ``refit=False`` skips the final fit when only the
cross-validated evaluation is wanted (``churn fit``: 10 fits instead of 12).

Reasons: per scored row, the features that raise its risk the most above the baseline, by
contributions that add up to the model output (:mod:`cxpulse.churn.contributions`), in plain
words (:mod:`cxpulse.churn.phrases`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer  # type: ignore[import-untyped]
from sklearn.ensemble import HistGradientBoostingClassifier  # type: ignore[import-untyped]
from sklearn.impute import SimpleImputer  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
from sklearn.metrics import roc_auc_score  # type: ignore[import-untyped]
from sklearn.model_selection import StratifiedKFold  # type: ignore[import-untyped]
from sklearn.pipeline import Pipeline, make_pipeline  # type: ignore[import-untyped]
from sklearn.preprocessing import (  # type: ignore[import-untyped]
    OneHotEncoder,
    StandardScaler,
)
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from cxpulse.churn import contributions, threads
from cxpulse.churn.encoding import Encoding, encode
from cxpulse.churn.errors import ChurnDataError
from cxpulse.churn.folds import stratified_group_folds
from cxpulse.churn.impute import MedianImputer
from cxpulse.churn.label_values import label_values
from cxpulse.churn.phrases import phrase
from cxpulse.errors import QueryError
from cxpulse.models.errors import NotFittedError

Kind = Literal["logistic", "gbm"]
Fitted = tuple[Pipeline, np.ndarray[Any, np.dtype[np.float64]] | None]
"""A fitted pipeline and its risk on the fold's held-out rows (None for the final fit)."""
Fold = tuple[np.ndarray[Any, np.dtype[np.intp]], np.ndarray[Any, np.dtype[np.intp]]]
"""A fold's training and held-out row positions."""
KINDS: tuple[Kind, ...] = ("logistic", "gbm")
MISSING_CODE = -1.0
"""The logistic model's code for a missing category (its own one-hot column)."""
ROUNDS = 70
"""Boosting rounds of the gradient-boosting model (see :meth:`ChurnModel._pipeline`)."""
RATE = 0.1
"""Its learning rate."""
MIN_POINTS = 0.5
"""Contributions below this many percentage points of risk are not given as reasons."""


def check_label(y: pd.Series, name: str) -> np.ndarray[Any, np.dtype[np.int64]]:
    """The label as 0/1, or a ChurnDataError saying what is wrong with it."""
    values = label_values(y, name)
    if values.isna().any():
        raise ChurnDataError(f"label column {name!r} has {int(values.isna().sum()):,} blank rows")
    classes = set(values.astype(int))
    if len(classes) < 2:
        raise ChurnDataError(
            f"label column {name!r} has only the class {classes.pop()}: a model needs customers "
            "who churned and customers who stayed; widen the dates or check the column"
        )
    out: np.ndarray[Any, np.dtype[np.int64]] = np.asarray(values, dtype=np.int64)
    return out


@dataclass
class Prepared:
    """The rows as every model of one :func:`fit_models` call reads them: the encoding
    decided on them, the encoded features, the 0/1 label and the groups; the folds of each
    (``n_splits``, ``random_state``) are found once, on first use (:meth:`folds`)."""

    encoding: Encoding
    x: pd.DataFrame
    y: np.ndarray[Any, np.dtype[np.int64]]
    label: str
    groups: np.ndarray[Any, Any] | None
    _folds: dict[tuple[int, int], list[Fold]] = field(default_factory=dict)

    @classmethod
    def of(cls, df: pd.DataFrame, features: Sequence[str], label: str, groups: Any) -> Prepared:
        """Check the data and decide the encoding (ChurnDataError when it cannot be used)."""
        missing = [c for c in [*features, label] if c not in df]
        if missing:
            raise ChurnDataError(f"columns missing from the data: {', '.join(missing)}")
        y = check_label(df[label], label)
        enc = encode(df, features)
        if not enc.features:
            raise ChurnDataError("no feature column is left to learn from (see the notes)")
        kept = None if groups is None else np.asarray(groups)
        return cls(enc, enc.codes(df), y, label, kept)

    def folds(self, n_splits: int, random_state: int) -> list[Fold]:
        """(train, test) row positions of each fold: stratified by the label, grouped when
        there are groups (one customer's snapshots never on both sides)."""
        key = (n_splits, random_state)
        if key not in self._folds:
            n = min(n_splits, int(np.bincount(self.y).min()))
            if n < 2:
                raise ChurnDataError("need at least 2 rows of each class for cross-validation")
            if self.groups is not None:
                if len(np.unique(self.groups)) < n:
                    raise ChurnDataError(f"need at least {n} customers for {n} folds")
                got = stratified_group_folds(
                    self.y, self.groups, n_splits=n, random_state=random_state
                )
            else:
                splitter = StratifiedKFold(n, shuffle=True, random_state=random_state)
                got = list(splitter.split(self.x, self.y))
            self._folds[key] = got
        return self._folds[key]


class ChurnModel:
    """Churn classifier; settings in the constructor, ``fit(df, features, label)``."""

    def __init__(
        self,
        kind: Kind = "gbm",
        *,
        n_splits: int = 5,
        random_state: int = 0,
        bins: int = 10,
        refit: bool = True,
    ) -> None:
        """``refit=False``: cross-validate only (AUC, out-of-fold risk, calibration), without
        the final fit on all rows that scoring and reasons need."""
        if kind not in KINDS:
            raise QueryError(f"model kind {kind!r} is unknown; use one of {', '.join(KINDS)}")
        self.kind = kind
        self.n_splits = n_splits
        self.random_state = random_state
        self.bins = bins
        self.refit = refit

    # -- building --------------------------------------------------------------------------
    def _pipeline(self, enc: Encoding) -> Pipeline:
        # the input is enc.codes(): numbers, then category codes (NaN = missing)
        if self.kind == "logistic":
            # one transformer per category, so each feature's encoded columns are known
            # (output_indices_) and its contributions can be summed; missing is a value (-1)
            parts: list[tuple[str, Any, list[str]]] = [
                (
                    "num",
                    make_pipeline(MedianImputer(), StandardScaler()),
                    enc.numeric,
                )
            ]
            for k, c in enumerate(enc.categorical):
                missing = SimpleImputer(strategy="constant", fill_value=MISSING_CODE)
                onehot = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
                parts.append((f"cat{k}", make_pipeline(missing, onehot), [c]))
            clf: Any = LogisticRegression(C=1.0, max_iter=2000)
        else:
            # the codes go in as they are: the trees split categories natively
            # (categorical_features) and send missing values their own way. 70 rounds at a
            # rate of 0.1 (scikit-learn's default rate), chosen from the learning curves
            # (cross-validated AUC by round, 5 grouped folds) on the scale-1 demo and the Telco
            # sample; rounds are the fit's cost. Scale 1 at rounds 40/60/70/80/100: 0.7058,
            # 0.7093, 0.7100, 0.7103, 0.7105 (200 rounds at 0.05: 0.7113); Telco: 0.8492,
            # 0.8478, 0.8474, 0.8466, 0.8453 (it peaks at 30 and overfits after). A rate of 0.2
            # peaked lower on scale 1 (0.7085 at 40 rounds), 0.3 lower still (0.7081)
            parts = [("num", "passthrough", enc.numeric), ("cat", "passthrough", enc.categorical)]
            clf = HistGradientBoostingClassifier(
                max_iter=ROUNDS,
                learning_rate=RATE,
                max_leaf_nodes=15,
                l2_regularization=1.0,
                categorical_features=[False] * len(enc.numeric) + [True] * len(enc.categorical),
                random_state=self.random_state,
            )
        return Pipeline([("prep", ColumnTransformer(parts)), ("clf", clf)])

    def _x(self, df: pd.DataFrame) -> pd.DataFrame:
        return self.encoding_.codes(df)

    # -- fitting ---------------------------------------------------------------------------
    def fit(
        self,
        df: pd.DataFrame,
        features: Sequence[str],
        label: str,
        groups: pd.Series | np.ndarray[Any, Any] | None = None,
    ) -> ChurnModel:
        fit_models([self], df, features, label, groups)
        return self

    def _plan(self, data: Prepared) -> list[Callable[[], Fitted]]:
        """Take the shared inputs and return the fits to run (one per fold, each also
        predicting its held-out rows, then the final one when ``refit``); :meth:`_finish`
        takes their results."""
        self.encoding_ = data.encoding
        x, y = data.x, data.y
        self.features_ = self.encoding_.features
        self.label_ = data.label
        self.base_rate_ = float(y.mean())
        self.typical_ = {c: float(x[c].median()) for c in self.encoding_.numeric}
        self.y_ = y
        self._folds = data.folds(self.n_splits, self.random_state)
        self._data = (x, y)
        tasks = [self._fitter(x, y, train, test) for train, test in self._folds]
        if self.refit:
            tasks.append(self._fitter(x, y, np.arange(len(y)), None))
        return tasks

    def _fitter(
        self,
        x: pd.DataFrame,
        y: np.ndarray[Any, Any],
        rows: np.ndarray[Any, Any],
        test: np.ndarray[Any, Any] | None,
    ) -> Callable[[], Fitted]:
        def run() -> Fitted:
            # the rows are taken when the fit starts, so only the running fits hold a copy
            pipe = self._pipeline(self.encoding_).fit(x.iloc[rows], y[rows])
            risk = None if test is None else pipe.predict_proba(x.iloc[test])[:, 1]
            return pipe, risk

        return run

    def _finish(self, fitted: list[Fitted]) -> None:
        """Out-of-fold risk, AUC per fold and calibration from the fold fits; the final
        pipeline when ``refit``."""
        x, y = self._data
        oof = np.full(len(y), np.nan)
        aucs = []
        for (_, test), (_, risk) in zip(self._folds, fitted, strict=False):
            oof[test] = risk
            if len(set(y[test])) == 2:
                aucs.append(roc_auc_score(y[test], oof[test]))
        with threadpool_limits(1):
            if self.refit:
                self.pipeline_ = fitted[-1][0]
                z = np.asarray(self.pipeline_[0].transform(x), dtype=float)
                self._z_mean = z.mean(axis=0)
        del self._data, self._folds
        self.cv_auc_ = np.array(aucs)
        self.cv_auc_mean_ = float(np.mean(aucs))
        self.cv_auc_std_ = float(np.std(aucs))
        self.oof_risk_ = oof
        self.calibration_ = calibration_table(y, oof, bins=self.bins)

    # -- using -----------------------------------------------------------------------------
    def _check(self) -> None:
        if not hasattr(self, "pipeline_"):
            if hasattr(self, "cv_auc_"):
                raise NotFittedError("this model was cross-validated only (refit=False)")
            raise NotFittedError("call fit() before predict_risk() or reasons()")

    def predict_risk(self, df: pd.DataFrame) -> np.ndarray[Any, np.dtype[np.float64]]:
        self._check()
        with threadpool_limits(1):
            risk: np.ndarray[Any, np.dtype[np.float64]] = self.pipeline_.predict_proba(self._x(df))[
                :, 1
            ]
        return risk

    def contributions(self, df: pd.DataFrame) -> tuple[float, pd.DataFrame]:
        """The baseline log-odds and each row's contribution of each feature to the log-odds
        of churn; per row, baseline + contributions = the model's log-odds (logistic: exactly;
        gradient boosting: its raw score, to rounding)."""
        self._check()
        prep, clf = self.pipeline_[0], self.pipeline_[-1]
        with threadpool_limits(1):
            z = np.asarray(prep.transform(self._x(df)), dtype=float)
        if self.kind == "logistic":
            spans = prep.output_indices_
            first = spans["num"].start
            groups = [slice(first + k, first + k + 1) for k in range(len(self.encoding_.numeric))]
            groups += [spans[f"cat{k}"] for k in range(len(self.encoding_.categorical))]
            base, parts = contributions.logistic(
                clf.coef_[0], float(clf.intercept_[0]), z, self._z_mean, groups
            )
        else:
            base, parts = contributions.gradient_boosting(clf, z)
        return base, pd.DataFrame(parts, index=df.index, columns=self.features_)

    def risk_points(self, df: pd.DataFrame) -> tuple[float, pd.DataFrame]:
        """The baseline risk (%) and each feature's share of each row's distance from it, in
        percentage points (they add up to risk - baseline)."""
        base, parts = self.contributions(df)
        base_risk, points = contributions.to_points(base, parts.to_numpy())
        return base_risk, pd.DataFrame(points, index=df.index, columns=self.features_)

    def reasons(self, df: pd.DataFrame, *, top: int = 3) -> list[str]:
        """Per row, the ``top`` features raising its risk the most above the baseline, in
        plain words: "Contract Month-to-month: +18 points; tenure 1 (median 29): +9 points"."""
        _, points = self.risk_points(df)
        x = self.encoding_.frame(df)  # the values as the user wrote them
        values = {c: x[c].to_numpy() for c in self.features_}
        pts = points.to_numpy()
        best = np.argsort(-pts, axis=1)[:, :top]
        out = []
        for i, cols in enumerate(best):
            parts = []
            for j in cols:
                v = float(pts[i, j])
                if v < MIN_POINTS:
                    break
                c = self.features_[j]
                said = phrase(c, values[c][i], self.typical_.get(c))
                parts.append(f"{said}: +{v:.0f} point{'' if round(v) == 1 else 's'}")
            out.append("; ".join(parts))
        return out

    @property
    def summary(self) -> pd.DataFrame:
        """Cross-validated AUC of the model and of the majority-class baseline (0.5)."""
        if not hasattr(self, "cv_auc_"):
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


def fit_models(
    models: Sequence[ChurnModel],
    df: pd.DataFrame,
    features: Sequence[str],
    label: str,
    groups: pd.Series | np.ndarray[Any, Any] | None = None,
    *,
    max_workers: int | None = None,
) -> None:
    """Fit ``models`` on the same rows, all their fits (folds and final fits) side by side on
    up to ``max_workers`` threads (default: the cores, :mod:`cxpulse.churn.threads`): one pool
    for all, so a short fit fills a core while a long one runs, and the boosting fits, the
    longest, start first. The models share the encoding, the encoded rows and the folds
    (decided once, :class:`Prepared`)."""
    data = Prepared.of(df, features, label, groups)
    plans = [m._plan(data) for m in models]
    keys = [(i, k) for i, plan in enumerate(plans) for k in range(len(plan))]
    keys.sort(key=lambda ik: models[ik[0]].kind != "gbm")  # stable: folds keep their order
    fitted = threads.run([plans[i][k] for i, k in keys], max_workers=max_workers)
    done = dict(zip(keys, fitted, strict=True))
    for i, (m, plan) in enumerate(zip(models, plans, strict=True)):
        m._finish([done[i, k] for k in range(len(plan))])


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
