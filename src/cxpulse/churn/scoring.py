"""Fit, score and backtest churn models on a workspace or on a user's customer file, and write
risk scores into the ``churn_scores`` table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score  # type: ignore[import-untyped]

from cxpulse.churn.errors import ChurnDataError
from cxpulse.churn.features import FEATURES, customer_features
from cxpulse.churn.label_values import label_values
from cxpulse.churn.labels import LABEL, at_risk, label, training_frame
from cxpulse.churn.model import KINDS, ChurnModel, Kind, fit_models
from cxpulse.metrics.negatives import as_instant, data_end
from cxpulse.schema import CHURN_SCORES_SCHEMA, CHURN_SCORES_TABLE
from cxpulse.workspace import Workspace


@dataclass
class ChurnData:
    """Rows to learn from: ``frame`` (features + label), the feature names, the label name and
    the customer id of each row (for grouped folds)."""

    frame: pd.DataFrame
    features: list[str]
    label: str
    ids: pd.Series


def workspace_data(ws: Workspace, *, horizon_days: int = 90) -> ChurnData:
    frame = training_frame(ws, horizon_days=horizon_days)
    return ChurnData(frame, FEATURES, LABEL, pd.Series(frame.index, index=frame.index))


def read_table(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise ChurnDataError(f"no such file: {path}")
    name = path.name.lower()
    if name.endswith((".parquet", ".pq")):
        return pd.read_parquet(path)
    if name.endswith((".jsonl", ".ndjson")):
        return pd.read_json(path, lines=True)
    return pd.read_csv(path, sep=None, engine="python")


def file_data(path: Path, *, id_column: str, label_column: str) -> ChurnData:
    """A user's customer table: one row per customer, an id column, a label column (1/0,
    yes/no, true/false or churned/active; blank for the customers to score only) and any other
    columns as features (how each is read: :func:`cxpulse.churn.encoding.encode`)."""
    df = read_table(path)
    for col, what in ((id_column, "--id-column"), (label_column, "--label-column")):
        if col not in df:
            raise ChurnDataError(
                f"{path.name} has no column {col!r} ({what}); its columns are: "
                f"{', '.join(map(str, df.columns))}"
            )
    if df[id_column].duplicated().any():
        raise ChurnDataError(f"{path.name}: id column {id_column!r} repeats values")
    df = df.set_index(df[id_column].astype(str))
    df[label_column] = label_values(df[label_column], label_column)
    features = [c for c in df.columns if c not in (id_column, label_column)]
    if not features:
        raise ChurnDataError(f"{path.name} has no feature columns besides the id and the label")
    return ChurnData(df, features, label_column, pd.Series(df.index, index=df.index))


def fit_both(
    data: ChurnData, *, n_splits: int = 5, refit: bool = True, max_workers: int | None = None
) -> dict[str, ChurnModel]:
    """Both models side by side, fitted on the labelled rows (their fits share the cores:
    :func:`cxpulse.churn.model.fit_models`). ``refit=False`` when only the cross-validated
    evaluation is shown: the final fit of each model on all rows is then never used."""
    mask = data.frame[data.label].notna().to_numpy()
    labelled = data.frame[mask]
    groups = data.ids.to_numpy()[mask]
    models: dict[str, ChurnModel] = {
        k: ChurnModel(k, n_splits=n_splits, refit=refit) for k in KINDS
    }
    fit_models(
        list(models.values()), labelled, data.features, data.label, groups, max_workers=max_workers
    )
    return models


def comparison(models: dict[str, ChurnModel]) -> pd.DataFrame:
    rows = [m.summary.iloc[[0]] for m in models.values()]
    rows.append(next(iter(models.values())).summary.iloc[[1]])
    return pd.concat(rows).reset_index(drop=True)


def score_workspace(
    ws: Workspace, model: ChurnModel, *, as_of: datetime | None = None, top: int = 3
) -> pd.DataFrame:
    """Risk and reasons of the customers paying at ``as_of`` (default: the last data)."""
    at = as_of or data_end(ws)
    rows = at_risk(customer_features(ws, at))
    return _scored(model, rows, at, top)


def score_rows(model: ChurnModel, frame: pd.DataFrame, *, top: int = 3) -> pd.DataFrame:
    return _scored(model, frame, datetime.now(UTC).replace(tzinfo=None), top)


def _scored(model: ChurnModel, rows: pd.DataFrame, at: datetime, top: int) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "customer_id": rows.index.astype(str),
            "as_of": pd.Timestamp(at),
            "risk": model.predict_risk(rows) if len(rows) else np.array([]),
            "model": model.kind,
            "top_reasons": model.reasons(rows, top=top) if len(rows) else [],
        }
    )
    return out.sort_values("risk", ascending=False).reset_index(drop=True)


def write_scores(ws: Workspace, scores: pd.DataFrame) -> int:
    """Replace the ``churn_scores`` table with ``scores``; returns the rows written."""
    frame = scores.assign(scored_at=pd.Timestamp(datetime.now(UTC).replace(tzinfo=None)))
    frame = frame[list(CHURN_SCORES_SCHEMA)]
    table = ibis.memtable(frame, schema=ibis.schema(CHURN_SCORES_SCHEMA))
    with ws.store.transaction():
        ws.store.replace_all(CHURN_SCORES_TABLE, table)
    return len(frame)


def backtest(
    ws: Workspace,
    as_of: str | datetime,
    *,
    kind: Kind = "gbm",
    horizon_days: int = 90,
    snapshots: int = 6,
) -> dict[str, Any]:
    """Train as of D (features and churn known by D only), predict churn in the next
    ``horizon_days`` for the customers paying at D, and compare with what happened."""
    d = as_instant(as_of, ws)
    if d + timedelta(days=horizon_days) > data_end(ws):
        raise ChurnDataError(
            f"the backtest needs {horizon_days} days of data after {d:%Y-%m-%d}; choose an "
            "earlier date"
        )
    dates = [d - timedelta(days=horizon_days + 30 * i) for i in reversed(range(snapshots))]
    train = training_frame(ws, dates=dates, horizon_days=horizon_days, known_until=d)
    model = ChurnModel(kind).fit(train, FEATURES, LABEL, groups=train.index.to_numpy())
    test = at_risk(customer_features(ws, d))
    y = label(ws, test, horizon_days=horizon_days, known_until=d + timedelta(days=horizon_days))
    risk = model.predict_risk(test)
    top = risk >= np.quantile(risk, 0.9)
    return {
        "as_of": f"{d:%Y-%m-%d}",
        "model": kind,
        "train_rows": len(train),
        "customers": len(test),
        "churned": int(y.sum()),
        "churn_rate": float(y.mean()),
        "auc": float(roc_auc_score(y, risk)) if y.nunique() == 2 else float("nan"),
        "expected_churners": float(risk.sum()),
        "top_decile_churn_rate": float(y[top].mean()),
        "top_decile_lift": float(y[top].mean() / y.mean()) if y.mean() > 0 else float("nan"),
    }
