"""Revenue at risk: the MRR of detractors and of high-risk customers."""

from __future__ import annotations

import pandas as pd

HIGH_RISK = 0.3
"""The churn risk from which a customer counts as high risk (here and in the insights)."""


def revenue_at_risk(
    features: pd.DataFrame, scores: pd.DataFrame | None = None, *, high_risk: float = HIGH_RISK
) -> pd.DataFrame:
    """Rows: all paying, detractors (last NPS 0-6), high risk (risk >= ``high_risk``), both;
    columns group, customers, mrr, mrr_share (%). ``features`` is indexed by customer_id;
    ``scores`` has customer_id and risk.

    Without scores the risk rows are empty (NaN), not 0: nobody has been scored yet, which is
    not the same as nobody being at risk. ``attrs["note"]`` then says how to score them."""
    paying = features[features["mrr"] > 0]
    total = float(paying["mrr"].sum())
    detractor = paying["nps_last"] <= 6
    risky = pd.Series(False, index=paying.index)
    if scores is not None and len(scores):
        risk = scores.set_index("customer_id")["risk"].reindex(paying.index)
        risky = risk >= high_risk
    groups = {
        "all paying customers": pd.Series(True, index=paying.index),
        "detractors": detractor,
        f"high risk (>= {high_risk:.0%})": risky,
        "detractors at high risk": detractor & risky,
    }
    scored = scores is not None and len(scores) > 0
    rows: list[dict[str, object]] = []
    for name, hit in groups.items():
        if not scored and "risk" in name:
            rows.append({"group": name, "customers": None, "mrr": None, "mrr_share": None})
            continue
        mrr = float(paying.loc[hit.fillna(False), "mrr"].sum())
        rows.append(
            {
                "group": name,
                "customers": int(hit.fillna(False).sum()),
                "mrr": mrr,
                "mrr_share": 100 * mrr / total if total else float("nan"),
            }
        )
    frame = pd.DataFrame(rows)
    if not scored:
        frame.attrs["note"] = NO_SCORES
    return frame


NO_SCORES = (
    "No churn scores yet, so nobody is counted at high risk: run `cxpulse churn fit` then "
    "`cxpulse churn score` (again after new data) to score the customers."
)
