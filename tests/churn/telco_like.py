"""A small Telco-shaped customer table built in the test (the real sample is not ours to ship):
an id-like text column, a Yes/No label, a numeric column with blank cells and a contract whose
most common value is the riskiest."""

from __future__ import annotations

import numpy as np
import pandas as pd


def telco_like(n: int = 800, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    contract = rng.choice(["Month-to-month", "One year", "Two year"], n, p=[0.55, 0.25, 0.2])
    tenure = rng.integers(1, 72, n)
    charges = rng.uniform(20, 110, n).round(2)
    total = [f"{t * c:.2f}" for t, c in zip(tenure, charges, strict=True)]
    for i in range(0, n, 80):  # blank cells, as in the real sample's TotalCharges
        total[i] = " "
    p = 0.04 + 0.4 * (contract == "Month-to-month") + 0.2 * (tenure < 12)
    churn = np.where(rng.random(n) < p, "Yes", "No")
    return pd.DataFrame(
        {
            "customerID": [f"{i:04d}-{rng.integers(10**5):05d}" for i in range(n)],
            "Contract": contract,
            "tenure": tenure,
            "MonthlyCharges": charges,
            "TotalCharges": total,
            "Churn": churn,
        }
    )
