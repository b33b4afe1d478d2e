"""Time to churn: Kaplan-Meier retention by segment and a Cox model with experience covariates
(lifelines), from a landmark: the customers paying at ``as_of``, their features as of then,
followed until churn (:func:`cxpulse.metrics.negatives.churn_events`) or the end of the data.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter, KaplanMeierFitter  # type: ignore[import-untyped]

from cxpulse.churn.errors import ChurnDataError
from cxpulse.churn.features import customer_features
from cxpulse.churn.labels import at_risk
from cxpulse.metrics.negatives import churn_events, data_end
from cxpulse.workspace import Workspace

COVARIATES = (
    "negatives_90d",
    "tickets_90d",
    "reopens_90d",
    "csat_last",
    "ces_last",
    "nps_last",
    "web_days_30d",
    "mrr",
)


def durations(ws: Workspace, as_of: datetime) -> pd.DataFrame:
    """Features of the customers paying at ``as_of`` with ``days`` (to churn or to the end of
    the data) and ``churned`` (1 = churn seen)."""
    rows = at_risk(customer_features(ws, as_of))
    end = data_end(ws)
    ev = churn_events(ws, as_of=end)
    ev = ev.filter(ev.churned_at > as_of).group_by("customer_id").aggregate(at=ev.churned_at.min())
    first = ev.execute().set_index("customer_id")["at"]
    at = pd.to_datetime(first.reindex(rows.index))
    stop = at.fillna(pd.Timestamp(end))
    return rows.assign(
        days=(stop - pd.Timestamp(as_of)).dt.total_seconds() / 86400.0,
        churned=at.notna().astype(int),
    )


def kaplan_meier(
    data: pd.DataFrame, by: str, *, at_days: tuple[int, ...] = (30, 90, 180)
) -> pd.DataFrame:
    """Per group of ``by``: customers, churned, retention (%) at ``at_days`` and the median
    days to churn (missing, "not reached", while more than half remain)."""
    if by not in data:
        raise ChurnDataError(f"no column {by!r} to split the survival curves by")
    rows = []
    for group, part in data.groupby(data[by].astype(str)):
        km = KaplanMeierFitter().fit(part["days"], part["churned"])
        row: dict[str, Any] = {
            by: group,
            "customers": len(part),
            "churned": int(part.churned.sum()),
        }
        for d in at_days:
            row[f"retained_{d}d"] = 100 * float(km.survival_function_at_times(d).iloc[0])
        median = float(km.median_survival_time_)
        row["median_days"] = median if np.isfinite(median) else float("nan")
        rows.append(row)
    return pd.DataFrame(rows)


def cox(data: pd.DataFrame, covariates: tuple[str, ...] = COVARIATES) -> pd.DataFrame:
    """Cox proportional hazards of time to churn: covariate, coef, hazard_ratio, ci_low,
    ci_high (of the ratio), p_value. Missing scores are filled with the median."""
    cols = [c for c in covariates if c in data and data[c].notna().any()]
    frame = data[[*cols, "days", "churned"]].copy()
    frame[cols] = frame[cols].fillna(frame[cols].median())
    if frame["churned"].sum() < 5:
        raise ChurnDataError("fewer than 5 churns after as_of: too few for a Cox model")
    fit = CoxPHFitter(penalizer=0.01).fit(frame, duration_col="days", event_col="churned")
    s = fit.summary
    return pd.DataFrame(
        {
            "covariate": s.index,
            "coef": s["coef"].to_numpy(),
            "hazard_ratio": s["exp(coef)"].to_numpy(),
            "ci_low": s["exp(coef) lower 95%"].to_numpy(),
            "ci_high": s["exp(coef) upper 95%"].to_numpy(),
            "p_value": s["p"].to_numpy(),
        }
    )
