"""``cxpulse churn fit|score|report``: churn risk models over the workspace or a user's file.

Registered by :mod:`cxpulse.cli.app` (``register(app)``). Library errors are cxpulse errors,
which the app's command group turns into one message and exit code 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console

from cxpulse.cli import render
from cxpulse.cli.options import Format, FormatOpt, WorkspaceOpt
from cxpulse.errors import ConfigError
from cxpulse.workspace import Workspace, default_location

out = Console(soft_wrap=True, width=200, markup=False)


FileOpt = Annotated[
    Path | None,
    typer.Option(
        "--file", help="Customer table (CSV/Parquet/JSON lines) instead of the workspace."
    ),
]
IdOpt = Annotated[str, typer.Option("--id-column", help="With --file: the customer id column.")]
LabelOpt = Annotated[
    str, typer.Option("--label-column", help="With --file: the 0/1 churn column (empty = score).")
]
ModelOpt = Annotated[str, typer.Option("--model", help="gbm or logistic.")]
HorizonOpt = Annotated[int, typer.Option(help="Churn horizon in days.")]

churn_app = typer.Typer(help="Churn risk: rules, models, backtest, drivers, survival.")


def _data(ws: Workspace, file: Path | None, id_column: str, label_column: str, horizon: int) -> Any:
    from cxpulse.churn.scoring import file_data, workspace_data

    if file is not None:
        return file_data(file, id_column=id_column, label_column=label_column)
    return workspace_data(ws, horizon_days=horizon)


def _show(title: str, df: pd.DataFrame) -> None:
    out.print(title, style="bold")
    out.print(df.to_string(index=False, float_format=lambda v: f"{v:,.3f}"))
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
    and the rules with their lift."""
    from cxpulse.churn.rules import evaluate_rules
    from cxpulse.churn.scoring import backtest, comparison, fit_both

    with Workspace.open(workspace or default_location()) as ws:
        data = _data(ws, file, id_column, label_column, horizon_days)
        models = fit_both(data)
        rules = (
            evaluate_rules(data.frame[data.frame[data.label].notna()], label=data.label)
            if file is None
            else None
        )
        bt = None
        if backtest_as_of:
            if file is not None:
                raise ConfigError("--backtest needs the workspace's dated data, not --file")
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
        if rules is not None:
            payload["rules"] = render.frame_records(rules)
        if bt is not None:
            payload["backtest"] = bt
        out.print_json(render.to_json(payload))
        return
    _show("Cross-validated AUC", summary)
    for kind, m in models.items():
        _show(f"Calibration of {kind} (deciles of predicted risk, %)", m.calibration_)
    if rules is not None:
        _show("Rules", rules[["rule", "customers", "churn_rate", "ci_low", "ci_high", "lift"]])
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
    _show("Highest risk", scores.head(top)[["customer_id", "risk", "top_reasons"]])


@churn_app.command("report")
def report(
    as_of: Annotated[
        str | None,
        typer.Option(help="Day of the landmark (default: 180 days before the last data)."),
    ] = None,
    segment: Annotated[str, typer.Option(help="Column splitting the survival curves.")] = "segment",
    format_: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
) -> None:
    """Drivers of churn and NPS, survival by segment, a Cox model and revenue at risk."""
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
    if format_ is Format.json:
        payload: dict[str, Any] = {k: render.frame_records(v) for k, v in parts.items()}
        payload.update(nps_r2=r2, nps_customers=n, landmark=f"{landmark:%Y-%m-%d}")
        out.print_json(render.to_json(payload))
        return
    for name, df in parts.items():
        _show(name.replace("_", " ").capitalize(), df)
    out.print(f"NPS key drivers: R2 {r2:.3f} on {n:,} customers (Johnson's relative weights).")


def _stored_scores(ws: Workspace) -> pd.DataFrame | None:
    from cxpulse.store.migrations import CHURN_SCORES_TABLE

    df: pd.DataFrame = ws.store.table(CHURN_SCORES_TABLE).execute()
    return df if len(df) else None


def register(app: typer.Typer) -> None:
    """Add the ``churn`` group to the main app."""
    app.add_typer(churn_app, name="churn")
