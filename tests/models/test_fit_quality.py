from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cxpulse.errors import ConfigError
from cxpulse.models import BetaGeo, ModelInputError, holdout_comparison, rfm_summary


@pytest.fixture(scope="module")
def summary(cdnow_transactions: pd.DataFrame) -> pd.DataFrame:
    return rfm_summary(
        cdnow_transactions,
        "customer_id",
        "date",
        "value",
        calibration_end="1997-09-30",
        holdout_end="1998-06-30",
    )


@pytest.fixture(scope="module")
def model(summary: pd.DataFrame) -> BetaGeo:
    return BetaGeo().fit(summary)


def test_totals_and_buckets(model: BetaGeo, summary: pd.DataFrame) -> None:
    result = holdout_comparison(model, summary)
    assert result.customers == 2357 and result.duration == 39
    assert result.actual_total == summary["frequency_holdout"].sum()
    predicted = model.predict(39, summary["frequency"], summary["recency"], summary["T"]).sum()
    assert result.predicted_total == pytest.approx(predicted)
    table = result.by_frequency
    assert list(table.index) == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert table["customers"].sum() == 2357
    assert table["actual_total"].sum() == pytest.approx(result.actual_total)
    assert table["predicted_total"].sum() == pytest.approx(result.predicted_total)
    # the model tracks the ordering of buyers: more past purchases, more future ones
    assert np.all(np.diff(table["predicted"].to_numpy()) > 0)
    # and the aggregate within 15 % on this well-known data set
    assert abs(result.relative_error) < 0.15


def test_outputs_for_the_cli(model: BetaGeo, summary: pd.DataFrame) -> None:
    result = holdout_comparison(model, summary, max_frequency=3)
    data = result.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert [row["frequency"] for row in data["by_frequency"]] == ["0", "1", "2", "3+"]
    text = str(result)
    assert "3+" in text and "2,357 customers" in text


def test_needs_the_holdout_columns(model: BetaGeo, summary: pd.DataFrame) -> None:
    with pytest.raises(ModelInputError, match="frequency_holdout"):
        holdout_comparison(model, summary.drop(columns="frequency_holdout"))
    with pytest.raises(ConfigError, match="max_frequency"):
        holdout_comparison(model, summary, max_frequency=0)
