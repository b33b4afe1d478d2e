"""How well a fitted model predicts the holdout period: predicted vs actual repeat purchases.

The standard check of Fader, Hardie & Lee (2005, figure 4 "conditional expectations"): fit on
the calibration period, predict each customer's repeat purchases over the holdout, and compare
with what they did, in total and by number of calibration purchases (0, 1, ..., 7+).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cxpulse.errors import ConfigError
from cxpulse.models._inputs import check, column, require_frame
from cxpulse.models.clv import TransactionModel


@dataclass(frozen=True)
class HoldoutComparison:
    """Predicted vs actual repeat purchases in the holdout period.

    ``by_frequency`` has one row per calibration frequency bucket ("0", "1", ..., "7+") with
    columns customers, actual and predicted (mean purchases per customer in the holdout),
    actual_total and predicted_total.
    """

    by_frequency: pd.DataFrame
    customers: int
    duration: float
    actual_total: float
    predicted_total: float

    @property
    def relative_error(self) -> float:
        """predicted_total / actual_total - 1 (NaN when nobody bought in the holdout)."""
        if self.actual_total == 0:
            return float("nan")
        return self.predicted_total / self.actual_total - 1.0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (for the CLI's --json and the web API)."""
        table = self.by_frequency
        rows = [
            {
                "frequency": str(label),
                "customers": int(table["customers"].iloc[i]),
                **{k: float(table[k].iloc[i]) for k in table.columns if k != "customers"},
            }
            for i, label in enumerate(table.index)
        ]
        return {
            "customers": self.customers,
            "duration": self.duration,
            "actual_total": self.actual_total,
            "predicted_total": self.predicted_total,
            "relative_error": None if self.actual_total == 0 else self.relative_error,
            "by_frequency": rows,
        }

    def __str__(self) -> str:
        table = self.by_frequency[["customers", "actual", "predicted"]].to_string(
            float_format=lambda v: f"{v:.3f}"
        )
        error = "n/a" if self.actual_total == 0 else f"{self.relative_error:+.1%}"
        return (
            f"Holdout of {self.duration:g} time units, {self.customers:,} customers: "
            f"{self.actual_total:,.0f} repeat purchases, {self.predicted_total:,.1f} predicted "
            f"({error}).\nMean per customer, by purchases in the calibration period:\n{table}"
        )


def holdout_comparison(
    model: TransactionModel,
    summary: pd.DataFrame,
    max_frequency: int = 7,
    frequency_col: str = "frequency",
    recency_col: str = "recency",
    T_col: str = "T",
    frequency_holdout_col: str = "frequency_holdout",
    duration_holdout_col: str = "duration_holdout",
) -> HoldoutComparison:
    """Compare a fitted model's holdout predictions with what customers did.

    ``summary`` is :func:`~cxpulse.models.rfm_summary` output with a holdout (``holdout_end``).
    """
    if isinstance(max_frequency, bool) or not isinstance(max_frequency, int) or max_frequency < 1:
        raise ConfigError(f"max_frequency must be an integer >= 1, got {max_frequency!r}")
    frame = require_frame(summary, "the summary table")
    x = column(frame, frequency_col, "number of repeat purchases")
    tx = column(frame, recency_col, "time from first to last purchase")
    age = column(frame, T_col, "time from first purchase to the end of the calibration period")
    actual = column(frame, frequency_holdout_col, "repeat purchases in the holdout period")
    duration = column(frame, duration_holdout_col, "length of the holdout period")
    check(frame, actual < 0, f"column {frequency_holdout_col!r} has negative values")
    predicted = model.conditional_expected_number_of_purchases_up_to_time(duration, x, tx, age)
    predicted = np.broadcast_to(np.asarray(predicted, dtype=float), x.shape)

    labels = pd.Index([str(k) for k in range(max_frequency)] + [f"{max_frequency}+"])
    bucket = pd.Categorical.from_codes(
        np.minimum(x, max_frequency).astype(np.int64).tolist(), categories=labels
    )
    grouped = pd.DataFrame({"bucket": bucket, "actual": actual, "predicted": predicted}).groupby(
        "bucket", observed=False
    )
    table = pd.DataFrame(
        {
            "customers": grouped.size().astype(np.int64),
            "actual": grouped["actual"].mean(),
            "predicted": grouped["predicted"].mean(),
            "actual_total": grouped["actual"].sum(),
            "predicted_total": grouped["predicted"].sum(),
        }
    )
    table.index = labels.rename("frequency")
    return HoldoutComparison(
        by_frequency=table,
        customers=len(frame),
        duration=float(np.max(duration)),
        actual_total=float(actual.sum()),
        predicted_total=float(predicted.sum()),
    )
