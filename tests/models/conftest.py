"""Shared data: the CDNOW sample and the donations data set, bundled in ``tests/models/data``
(copied from the `lifetimes` package, MIT: see its NOTICE), so the known-answer tests never
skip; the oracle tests that call lifetimes itself skip when it cannot be imported.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

DATASETS = Path(__file__).parent / "data"


def _read(name: str, **kwargs: object) -> pd.DataFrame:
    return pd.read_csv(DATASETS / name, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def cdnow() -> pd.DataFrame:
    """Fader-Hardie-Lee CDNOW summary: 2,357 customers, 39 weeks, x, t_x, T and mean spend."""
    data = _read("cdnow_customers_summary_with_transactions.csv", index_col=0)
    return data.rename(
        columns={"x": "frequency", "t_x": "recency", "zbar": "monetary_value"}
    ).rename_axis("customer_id")


@pytest.fixture(scope="session")
def cdnow_transactions() -> pd.DataFrame:
    """The raw CDNOW sample: one row per purchase, 1997-01-01 to 1998-06-30."""
    data = _read(
        "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "cds", "value"],
        dtype={"date": str},
    )
    data["date"] = pd.to_datetime(data["date"], format="%Y%m%d")
    return data


@pytest.fixture(scope="session")
def donations() -> pd.DataFrame:
    """Fader-Hardie-Shang donations: counts of donors per (x, t_x, n = 6) pattern."""
    return _read("donations.csv")


@pytest.fixture(scope="session")
def lifetimes():  # type: ignore[no-untyped-def]
    """The lifetimes package as a test oracle (skipped when it does not import)."""
    return pytest.importorskip("lifetimes")
