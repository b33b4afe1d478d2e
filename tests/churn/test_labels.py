"""Labelled snapshots: every date's rows labelled in one query, as each date alone."""

from __future__ import annotations

import numpy as np

from cxpulse import Workspace
from cxpulse.churn.features import customer_features
from cxpulse.churn.labels import LABEL, at_risk, label, snapshot_dates, training_frame
from cxpulse.metrics.negatives import data_end


def test_one_query_labels_each_date_as_it_alone(demo: Workspace) -> None:
    end = data_end(demo)
    dates = snapshot_dates(end, count=3)
    frame = training_frame(demo, dates=dates)
    assert frame.index.duplicated().any()  # a customer at several dates: labels by position
    for d in dates:
        rows = at_risk(customer_features(demo, d))
        alone = label(demo, rows, horizon_days=90, known_until=end)
        got = frame[frame["as_of"] == d]
        assert list(got.index) == list(rows.index)
        np.testing.assert_array_equal(got[LABEL].to_numpy(), alone.to_numpy())
    assert 0 < frame[LABEL].mean() < 1
