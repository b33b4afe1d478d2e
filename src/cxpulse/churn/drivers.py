"""Which experiences drive churn, and which drive NPS.

- Churn drivers: permutation importance (drop of ROC AUC when a feature is shuffled) of a
  fitted :class:`ChurnModel` on held-out customers, ``n_repeats`` shuffles; the interval is the
  2.5-97.5 percentile of the repeats (shuffle noise only, not refit noise). Features are also
  summed by family (touchpoint scores, support outcomes, web behaviour...).
- NPS key drivers: OLS of each customer's last NPS score on their mean touchpoint scores (CSAT
  and CES by touchpoint, on 0-1, 1 = good), with standard errors and p-values, and **Johnson's
  relative weights** (1990s; the share of R^2 each touchpoint carries, correlated drivers
  handled through an orthogonal approximation), which sum to R^2.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import ibis
import numpy as np
import pandas as pd
from scipy import stats as sps
from sklearn.inspection import permutation_importance  # type: ignore[import-untyped]
from sklearn.model_selection import GroupShuffleSplit  # type: ignore[import-untyped]
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from cxpulse.churn.errors import ChurnDataError
from cxpulse.churn.features import FAMILIES, AsOf, _norm
from cxpulse.churn.model import ChurnModel, Kind, check_label
from cxpulse.workspace import Workspace


def churn_drivers(
    frame: pd.DataFrame,
    features: list[str],
    label: str,
    *,
    kind: Kind = "logistic",
    n_repeats: int = 10,
    test_size: float = 0.3,
    random_state: int = 0,
) -> pd.DataFrame:
    """feature, family, importance (AUC drop), low, high; largest first."""
    split = GroupShuffleSplit(n_splits=1, test_size=test_size, random_state=random_state)
    train, test = next(split.split(frame, groups=frame.index.to_numpy()))
    model = ChurnModel(kind, n_splits=3).fit(
        frame.iloc[train], features, label, groups=frame.index[train].to_numpy()
    )
    x = model._x(frame.iloc[test])
    y = check_label(frame[label].iloc[test], label)
    with threadpool_limits(1):
        got = permutation_importance(
            model.pipeline_,
            x,
            y,
            scoring="roc_auc",
            n_repeats=n_repeats,
            random_state=random_state,
        )
    out = pd.DataFrame(
        {
            "feature": model.features_,
            "family": [FAMILIES.get(f, "other") for f in model.features_],
            "importance": got.importances_mean,
            "low": np.percentile(got.importances, 2.5, axis=1),
            "high": np.percentile(got.importances, 97.5, axis=1),
        }
    )
    return out.sort_values("importance", ascending=False).reset_index(drop=True)


def by_family(drivers: pd.DataFrame) -> pd.DataFrame:
    sums: pd.Series = drivers.groupby("family")["importance"].sum()
    out = sums.sort_values(ascending=False).reset_index()
    return out


def touchpoint_scores(ws: Workspace, as_of: datetime) -> pd.DataFrame:
    """Per customer: nps (last NPS score) and the mean 0-1 score of each CSAT/CES touchpoint."""
    r = AsOf(ws, as_of).table("survey_responses")
    r = r.filter(r.customer_id.notnull() & r.score.notnull())
    nps = r.filter(r.question_type == "nps")
    last = nps.group_by("customer_id").aggregate(nps=nps.score.argmax(nps.responded_at))
    tp = r.filter(r.question_type.isin(["csat", "ces"]) & r.touchpoint.notnull())
    tp = tp.mutate(driver=tp.question_type + ibis.literal(":") + tp.touchpoint, x=_norm(tp))
    means = tp.group_by(["customer_id", "driver"]).aggregate(x=tp.x.mean()).execute()
    wide = means.pivot(index="customer_id", columns="driver", values="x")
    nps_last: pd.DataFrame = last.execute().set_index("customer_id")
    return nps_last.join(wide, how="inner")


def relative_weights(x: np.ndarray[Any, Any], y: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Johnson's relative weights of the columns of ``x`` for ``y`` (they sum to R^2)."""
    rxx = np.corrcoef(x, rowvar=False)
    rxy = np.array([np.corrcoef(x[:, j], y)[0, 1] for j in range(x.shape[1])])
    vals, vecs = np.linalg.eigh(rxx)
    lam = vecs @ np.diag(np.sqrt(np.clip(vals, 0, None))) @ vecs.T
    beta = np.linalg.solve(lam, rxy)
    weights: np.ndarray[Any, Any] = (lam**2) @ (beta**2)
    return weights


def nps_drivers(
    ws: Workspace, as_of: datetime, *, min_coverage: float = 0.2, min_customers: int = 30
) -> tuple[pd.DataFrame, float, int]:
    """Key-driver table (driver, coverage, coef, se, p_value, weight, weight_share) of the last
    NPS on touchpoint scores, with R^2 and the customers used. Touchpoints answered by fewer
    than ``min_coverage`` of NPS respondents are left out; a customer needs at least one of the
    kept touchpoints, and the touchpoints they did not rate take the touchpoint's mean (so the
    coefficients are shrunk toward 0 where coverage is low; ``coverage`` says how much)."""
    scores = touchpoint_scores(ws, as_of)
    cover = scores.drop(columns="nps").notna().mean()
    keep = [c for c in cover.index if cover[c] >= min_coverage]
    data = scores[["nps", *keep]]
    data = data[data[keep].notna().any(axis=1)]
    data = data.fillna(data[keep].mean())
    if not keep or len(data) < max(min_customers, len(keep) + 2):
        raise ChurnDataError(
            f"too few customers with an NPS score and touchpoint scores ({len(data)}); "
            "lower min_coverage or collect more answers"
        )
    x = data[keep].to_numpy(dtype=float)
    y = data["nps"].to_numpy(dtype=float)
    design = np.column_stack([np.ones(len(x)), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    dof = len(y) - design.shape[1]
    sigma2 = float(resid @ resid) / dof
    se = np.sqrt(np.diag(sigma2 * np.linalg.pinv(design.T @ design)))
    p = 2 * sps.t.sf(np.abs(coef / se), dof)
    r2 = 1 - float(resid @ resid) / float(((y - y.mean()) ** 2).sum())
    w = relative_weights(x, y)
    out = pd.DataFrame(
        {
            "driver": keep,
            "coverage": [float(cover[k]) for k in keep],
            "coef": coef[1:],
            "se": se[1:],
            "p_value": p[1:],
            "weight": w,
            "weight_share": w / w.sum() if w.sum() > 0 else np.nan,
        }
    )
    return out.sort_values("weight", ascending=False).reset_index(drop=True), r2, len(y)
