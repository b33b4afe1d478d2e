"""``cxpulse churn fit|score|report``: churn risk models over the workspace or a user's file.

Registered by :mod:`cxpulse.cli.app` (``register(app)``). Library errors are cxpulse errors,
which the app's command group turns into one message and exit code 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer
from rich.console import Console

from cxpulse.cli import render
from cxpulse.cli.options import Format, FormatOpt, WorkspaceOpt
from cxpulse.errors import ConfigError
from cxpulse.settings import default_location
from cxpulse.workspace import Workspace

out = Console(soft_wrap=True, width=200, markup=False)


FileOpt = Annotated[
    Path | None,
    typer.Option(
        "--file", help="Customer table (CSV/Parquet/JSON lines) instead of the workspace."
    ),
]
IdOpt = Annotated[str, typer.Option("--id-column", help="With --file: the customer id column.")]
LabelOpt = Annotated[
    str,
    typer.Option(
        "--label-column",
        help="With --file: the churn column, 1/0, yes/no, true/false or churned/active "
        "(blank = to score).",
    ),
]
ModelOpt = Annotated[str, typer.Option("--model", help="gbm or logistic.")]
HorizonOpt = Annotated[int, typer.Option(help="Churn horizon in days.")]

churn_app = typer.Typer(help="Churn risk: rules, models, backtest, drivers, survival.")


def _data(ws: Workspace, file: Path | None, id_column: str, label_column: str, horizon: int) -> Any:
    from cxpulse.churn.scoring import file_data, workspace_data

    if file is not None:
        return file_data(file, id_column=id_column, label_column=label_column)
    return workspace_data(ws, horizon_days=horizon)


TITLES = {
    "churn_drivers": "Churn drivers (permutation importance: AUC lost when shuffled)",
    "churn_drivers_by_family": "Churn drivers by family",
    "rules": "Rules (churn rate of the customers each selects, and lift)",
    "nps_drivers": "NPS drivers (Johnson's relative weights)",
    "kaplan_meier": "Kaplan-Meier retention by segment (%)",
    "cox": "Cox model of time to churn",
    "revenue_at_risk": "Revenue at risk",
}
COUNTS = ("customers", "churned", "rows", "folds", "bin")
"""Columns that count things: printed as whole numbers, however pandas typed them."""


def _cell(column: str, value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "not reached" if column == "median_days" else "-"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        return str(value)
    if column in COUNTS or isinstance(value, (int, np.integer)):
        return f"{round(float(value)):,}"
    if column == "mrr" or column.endswith("_mrr"):
        return f"{float(value):,.2f}"  # money
    if column.endswith(("%", "_share")):
        return f"{float(value):,.1f}"  # percentages
    return f"{float(value):,.3f}"


def _show(title: str, df: pd.DataFrame) -> None:
    out.print(title, style="bold")
    shown = pd.DataFrame({c: [_cell(str(c), v) for v in df[c]] for c in df.columns})
    out.print(shown.to_string(index=False), highlight=False)
    out.print()


def _columns(lines: list[str]) -> None:
    out.print("Columns read", style="bold")
    for line in lines:
        out.print(f"  {line}", highlight=False)
    out.print()


@churn_app.command("fit")
def fit(
    file: FileOpt = None,
    id_column: IdOpt = "customer_id",
    label_column: LabelOpt = "churned",
    horizon_days: HorizonOpt = 90,
    backtest_as_of: Annotated[
        str | None, typer.Option("--backtest", help="Also train as of this day and test after.")
    ] = None,
    format_: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
) -> None:
    """Fit both models; show cross-validated AUC against the majority class, the calibration
    and the rules with their lift. With --file, no workspace is needed."""
    from cxpulse.churn.rules import evaluate_columns, evaluate_rules
    from cxpulse.churn.scoring import backtest, comparison, file_data, fit_both

    bt = None
    columns: list[str] | None = None
    if file is not None:
        if backtest_as_of:
            raise ConfigError("--backtest needs the workspace's dated data, not --file")
        data = file_data(file, id_column=id_column, label_column=label_column)
        models = fit_both(data, refit=False)
        encoding = models["logistic"].encoding_
        columns = encoding.describe()
        labelled = data.frame[data.frame[data.label].notna()]
        rules = evaluate_columns(labelled, encoding, data.label).head(15)
    else:
        with Workspace.open(workspace or default_location()) as ws:
            data = _data(ws, None, id_column, label_column, horizon_days)
            models = fit_both(data, refit=False)
            rules = evaluate_rules(data.frame[data.frame[data.label].notna()], label=data.label)
            if backtest_as_of:
                bt = [
                    backtest(ws, backtest_as_of, kind=k, horizon_days=horizon_days)
                    for k in ("logistic", "gbm")
                ]
    summary = comparison(models)
    if format_ is Format.json:
        payload: dict[str, Any] = {"models": render.frame_records(summary)}
        payload["calibration"] = {
            k: render.frame_records(m.calibration_) for k, m in models.items()
        }
        payload["rules"] = render.frame_records(rules)
        if columns is not None:
            enc = models["logistic"].encoding_
            payload["columns"] = {
                "numeric": enc.numeric,
                "categorical": enc.categorical,
                "left_out": enc.left_out,
                "notes": enc.notes,
            }
        if bt is not None:
            payload["backtest"] = bt
        out.print_json(render.to_json(payload))
        return
    if columns is not None:
        _columns(columns)
    _show("Cross-validated AUC", summary)
    for kind, m in models.items():
        _show(f"Calibration of {kind} (deciles of predicted risk, %)", m.calibration_)
    _show(TITLES["rules"], rules[["rule", "customers", "churn_rate", "ci_low", "ci_high", "lift"]])
    if bt is not None:
        _show("Backtest", pd.DataFrame(bt))


@churn_app.command("score")
def score(
    file: FileOpt = None,
    id_column: IdOpt = "customer_id",
    label_column: LabelOpt = "churned",
    model: ModelOpt = "gbm",
    horizon_days: HorizonOpt = 90,
    top: Annotated[int, typer.Option(help="Customers shown, highest risk first.")] = 10,
    format_: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
) -> None:
    """Fit, then write each customer's risk and top reasons into the churn_scores table."""
    from cxpulse.churn.model import ChurnModel
    from cxpulse.churn.scoring import score_rows, score_workspace, write_scores

    if model not in ("gbm", "logistic"):
        raise ConfigError(f"--model must be gbm or logistic, not {model!r}")
    with Workspace.open(workspace or default_location()) as ws:
        data = _data(ws, file, id_column, label_column, horizon_days)
        mask = data.frame[data.label].notna().to_numpy()
        fitted = ChurnModel(model).fit(  # type: ignore[arg-type]
            data.frame[mask], data.features, data.label, groups=data.ids.to_numpy()[mask]
        )
        if file is None:
            scores = score_workspace(ws, fitted)
        else:
            unlabelled = data.frame[data.frame[data.label].isna()]
            scores = score_rows(fitted, unlabelled if len(unlabelled) else data.frame)
        written = write_scores(ws, scores)
    if format_ is Format.json:
        out.print_json(
            render.to_json({"written": written, "top": render.frame_records(scores.head(top))})
        )
        return
    out.print(f"Wrote {written:,} churn scores ({model}, CV AUC {fitted.cv_auc_mean_:.3f}).")
    shown = scores.head(top).assign(risk=100 * scores["risk"].head(top))
    shown = shown.rename(columns={"risk": "risk %"})
    _show("Highest risk", shown[["customer_id", "risk %", "top_reasons"]])


@churn_app.command("report")
def report(
    file: FileOpt = None,
    id_column: IdOpt = "customer_id",
    label_column: LabelOpt = "churned",
    as_of: Annotated[
        str | None,
        typer.Option(help="Day of the landmark (default: 180 days before the last data)."),
    ] = None,
    segment: Annotated[str, typer.Option(help="Column splitting the survival curves.")] = "segment",
    format_: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
) -> None:
    """Drivers of churn and NPS, survival by segment, a Cox model and revenue at risk; with
    --file, the drivers and rules of that table (survival and NPS need the workspace's dated
    data)."""
    if file is not None:
        parts = _file_report(file, id_column, label_column)
        extra: dict[str, Any] = {}
    else:
        parts, extra = _workspace_report(workspace, as_of, segment)
    if format_ is Format.json:
        payload: dict[str, Any] = {k: render.frame_records(v) for k, v in parts.items()}
        payload.update(extra)
        notes = {k: v.attrs["note"] for k, v in parts.items() if v.attrs.get("note")}
        if notes:
            payload["notes"] = notes
        out.print_json(render.to_json(payload))
        return
    for name, df in parts.items():
        _show(TITLES[name], df)
        if df.attrs.get("note"):
            out.print(str(df.attrs["note"]), style="yellow", highlight=False)
    if extra:
        out.print(
            f"NPS key drivers: R2 {extra['nps_r2']:.3f} on {extra['nps_customers']:,} customers "
            "(Johnson's relative weights).",
            highlight=False,
        )
    else:
        out.print("Survival, NPS drivers and revenue at risk need the workspace's dated data.")


def _file_report(file: Path, id_column: str, label_column: str) -> dict[str, pd.DataFrame]:
    from cxpulse.churn import drivers
    from cxpulse.churn.encoding import encode
    from cxpulse.churn.rules import evaluate_columns
    from cxpulse.churn.scoring import file_data

    data = file_data(file, id_column=id_column, label_column=label_column)
    labelled = data.frame[data.frame[data.label].notna()]
    churn = drivers.churn_drivers(labelled, data.features, data.label)
    rules = evaluate_columns(labelled, encode(labelled, data.features), data.label)
    return {
        "churn_drivers": churn,
        "rules": rules[["rule", "customers", "churn_rate", "ci_low", "ci_high", "lift"]].head(15),
    }


def _workspace_report(
    workspace: str | None, as_of: str | None, segment: str
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    from cxpulse.churn import drivers, survival
    from cxpulse.churn.features import FEATURES, customer_features
    from cxpulse.churn.labels import LABEL, training_frame
    from cxpulse.churn.revenue_at_risk import revenue_at_risk
    from cxpulse.metrics.negatives import as_instant, data_end

    with Workspace.open(workspace or default_location()) as ws:
        end = data_end(ws)
        landmark = as_instant(as_of, ws) if as_of else end - pd.Timedelta(days=180)
        frame = training_frame(ws)
        churn = drivers.churn_drivers(frame, FEATURES, LABEL)
        kda, r2, n = drivers.nps_drivers(ws, end)
        surv = survival.durations(ws, landmark)
        km = survival.kaplan_meier(surv, segment)
        cox = survival.cox(surv)
        scores = _stored_scores(ws)
        rar = revenue_at_risk(customer_features(ws, end), scores)
    parts = {
        "churn_drivers": churn,
        "churn_drivers_by_family": drivers.by_family(churn),
        "nps_drivers": kda,
        "kaplan_meier": km,
        "cox": cox,
        "revenue_at_risk": rar,
    }
    return parts, {"nps_r2": r2, "nps_customers": n, "landmark": f"{landmark:%Y-%m-%d}"}


def _stored_scores(ws: Workspace) -> pd.DataFrame | None:
    from cxpulse.schema import CHURN_SCORES_TABLE

    df: pd.DataFrame = ws.store.table(CHURN_SCORES_TABLE).execute()
    return df if len(df) else None


def register(app: typer.Typer) -> None:
    """Add the ``churn`` group to the main app."""
    app.add_typer(churn_app, name="churn")
