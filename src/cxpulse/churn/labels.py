"""Training rows: customer snapshots as of several dates, labelled with churn in the next days.

Churn is :func:`cxpulse.metrics.negatives.churn_events` ("last subscription ends"); a snapshot
counts when the customer pays for a subscription at ``as_of`` (a customer who asked to cancel
but is still in their paid term counts too; ``cancel_requested`` is kept in the frame but is no
model feature, so the model must find the experience that leads there). The label is churn
within ``horizon_days`` after ``as_of``, seen with data up to ``known_until`` only, so a backtest
trained as of D never learns from churn booked after D.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import ibis
import pandas as pd

from cxpulse.churn.features import customer_features
from cxpulse.errors import QueryError
from cxpulse.metrics.negatives import data_end, with_churn_after
from cxpulse.workspace import Workspace

LABEL = "churned"


def snapshot_dates(
    end: datetime, *, horizon_days: int = 90, count: int = 6, step_days: int = 30
) -> list[datetime]:
    """``count`` as-of dates ``step_days`` apart, the last one ``horizon_days`` before ``end``."""
    last = end - timedelta(days=horizon_days)
    return [last - timedelta(days=step_days * i) for i in reversed(range(count))]


def at_risk(features: pd.DataFrame) -> pd.DataFrame:
    """The snapshots that can churn: paying at as_of."""
    return features[features["active"]]


def label(
    ws: Workspace, rows: pd.DataFrame, *, horizon_days: int, known_until: datetime
) -> pd.Series:
    """1 when the customer of each row (index customer_id, column as_of) churned within
    ``horizon_days`` after as_of, from churn booked by ``known_until``."""
    if rows.empty:
        return pd.Series([], dtype="int64", name=LABEL)
    late = rows["as_of"].max() + pd.Timedelta(days=horizon_days)
    if late > pd.Timestamp(known_until):
        raise QueryError(
            f"the label window ends {late:%Y-%m-%d}, after the data known ({known_until:%Y-%m-%d});"
            f" choose an as_of at least {horizon_days} days before it"
        )
    anchors = pd.DataFrame({"customer_id": rows.index, "as_of": rows["as_of"].to_numpy()})
    mem = ibis.memtable(anchors)
    marked = with_churn_after(ws, mem, horizon_days=horizon_days, as_of=known_until, column="as_of")
    got = marked.execute()
    got["as_of"] = pd.to_datetime(got["as_of"])
    merged = anchors.merge(got, on=["customer_id", "as_of"], how="left")
    return pd.Series(
        merged["churned"].fillna(False).astype("int64").to_numpy(), index=rows.index, name=LABEL
    )


def training_frame(
    ws: Workspace,
    *,
    dates: Sequence[datetime] | None = None,
    horizon_days: int = 90,
    known_until: datetime | None = None,
) -> pd.DataFrame:
    """Labelled snapshots (index customer_id, column as_of, the features and ``churned``).

    Default dates: six monthly snapshots ending ``horizon_days`` before the last data."""
    end = known_until or data_end(ws)
    dates = list(dates) if dates is not None else snapshot_dates(end, horizon_days=horizon_days)
    out = pd.concat([at_risk(customer_features(ws, d)) for d in dates])
    if out.empty:
        raise QueryError("no paying customers at the snapshot dates; import subscriptions first")
    # every date's rows labelled in one query (the index repeats a customer across dates)
    out[LABEL] = label(ws, out, horizon_days=horizon_days, known_until=end).to_numpy()
    return out
