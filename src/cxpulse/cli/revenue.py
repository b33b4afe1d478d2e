"""``cxpulse revenue``, ``cxpulse cohorts`` and ``cxpulse clv fit|score``: thin commands over the
revenue metrics and the CLV models.

Registered by :mod:`cxpulse.cli.app` (``register(app)``); this module does not import the app
module, so there is no import cycle. Library errors are cxpulse errors, which the app's command
group turns into one message and exit code 1.
"""

from __future__ import annotations

import math
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich import box
from rich.console import Console
from rich.table import Table

from cxpulse.cli import render
from cxpulse.cli.options import Format, FormatOpt, WorkspaceOpt
from cxpulse.cli.options import open_workspace as _open
from cxpulse.csvout import frame_csv
from cxpulse.metrics.money import currency_of
from cxpulse.metrics.selection import parse_filters as _filters
from cxpulse.metrics.spec import COUNT_UNITS, REGISTRY
from cxpulse.workspace import Workspace

out = Console(soft_wrap=True, markup=False)
err = Console(stderr=True, soft_wrap=True, markup=False)


FileOpt = Annotated[
    Path | None,
    typer.Option("--file", help="Orders from this CSV/Parquet/JSON-lines file instead."),
]
MapOpt = Annotated[
    list[str] | None,
    typer.Option("--map", "-m", help="With --file: their_col=our_col (repeatable)."),
]
MonthsOpt = Annotated[int, typer.Option(help="CLV horizon in months.")]
DiscountOpt = Annotated[float, typer.Option(help="Monthly discount rate (0.01 = 1 %).")]
HoldoutOpt = Annotated[
    int | None, typer.Option(help="Holdout length in days (default: a quarter of the span).")
]
CalibrationEndOpt = Annotated[
    str | None,
    typer.Option(
        "--calibration-end", help="Last day of the calibration period (instead of --holdout-days)."
    ),
]

clv_app = typer.Typer(help="Customer lifetime value from orders (BG/NBD + Gamma-Gamma).")


# -- cohorts -----------------------------------------------------------------------------------
def cohorts(
    by: Annotated[str, typer.Option(help="Cohort period: week, month, quarter or year.")] = "month",
    periods: Annotated[int, typer.Option(help="Periods followed after the cohort's own.")] = 12,
    kind: Annotated[str, typer.Option(help="logo (customers) or revenue (MRR).")] = "logo",
    from_: Annotated[str | None, typer.Option("--from", help="First cohort day.")] = None,
    to: Annotated[str | None, typer.Option(help="Last day observed, YYYY-MM-DD.")] = None,
    filter_: Annotated[
        list[str] | None, typer.Option("--filter", help="Keep subscriptions where column=value.")
    ] = None,
    format_: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
) -> None:
    """Retention of signup cohorts (first paid subscription), period by period, in %."""
    from cxpulse.metrics.cohorts import cohort_table

    with _open(workspace) as ws:
        table = cohort_table(ws, by, periods, start=from_, end=to, filters=_filters(filter_))
    matrix = table.matrix(kind)  # checks kind before anything is printed
    if format_ is Format.json:
        out.print_json(render.to_json(table.to_dict()))
    elif format_ is Format.csv:
        sys.stdout.write(frame_csv(table.long))
    elif matrix.empty:
        out.print("No subscriptions in this range.")
    else:
        what = "customers still active" if kind == "logo" else "MRR kept, % of starting MRR"
        grid = Table(
            title=f"Cohorts by {by}: {what} k {by}s later",
            title_justify="left",
            box=box.SIMPLE_HEAD,
            caption="- = not observed yet. Cohort = period of the first paid subscription.",
            caption_justify="left",
        )
        grid.add_column("cohort", no_wrap=True)
        grid.add_column("customers" if kind == "logo" else "start MRR", justify="right")
        for k in range(periods):
            grid.add_column(str(k), justify="right")
        for cohort, row in matrix.iterrows():
            size = f"{int(row['customers']):,}" if kind == "logo" else f"{row['start_mrr']:,.0f}"
            grid.add_row(str(cohort), size, *(render.fmt(float(row[k])) for k in range(periods)))
        render.print_table(out, grid)


# -- revenue summary ---------------------------------------------------------------------------
SUMMARY = (
    "mrr",
    "arr",
    "active_customers",
    "customer_churn_rate",
    "gross_mrr_churn_rate",
    "net_mrr_churn_rate",
    "nrr",
    "grr",
    "quick_ratio",
    "arpa",
    "ltv",
)


def revenue(
    as_of: Annotated[
        str | None, typer.Option(help="Summarise the month before this day (default: today).")
    ] = None,
    format_: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
) -> None:
    """Subscription summary of the last complete month, with the annual equivalents
    (ARR = 12 x MRR, annual churn = 1 - (1 - monthly churn)^12) and the MRR bridge."""
    from cxpulse.metrics.ltv import annual_churn_from_monthly
    from cxpulse.metrics.mrr import mrr_bridge

    with _open(workspace) as ws:
        today = date.fromisoformat(as_of) if as_of else datetime.now(ws.settings.zone).date()
        last = today.replace(day=1) - timedelta(days=1)
        first = last.replace(day=1)
        currency = currency_of(ws, ws.settings)
        rows: list[dict[str, Any]] = []
        for name in SUMMARY:
            df = ws.metric(name, start=first, end=last)
            value = float(df["value"].iloc[-1]) if not df.empty else math.nan
            unit = REGISTRY.get(name).unit
            rows.append({"metric": name, "value": value, "unit": _unit(unit, currency)})
            if name == "customer_churn_rate":
                annual = 100 * annual_churn_from_monthly(value / 100)
                rows.append({"metric": "annual_churn (1-(1-m)^12)", "value": annual, "unit": "%"})
        bridge = mrr_bridge(ws, start=first, end=last)
    month = first.strftime("%Y-%m")
    summary = pd.DataFrame(rows)
    if format_ is Format.json:
        payload: dict[str, Any] = {"period": month, "currency": currency or None}
        payload["metrics"] = render.frame_records(summary)
        payload["bridge"] = render.frame_records(bridge)
        out.print_json(render.to_json(payload))
        return
    if format_ is Format.csv:
        sys.stdout.write(frame_csv(summary.assign(period=month)))
        return
    table = Table(title=f"Subscriptions in {month}", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("unit")
    for r in rows:
        digits = 0 if r["unit"] in COUNT_UNITS else 2
        table.add_row(r["metric"], render.fmt(r["value"], digits), r["unit"])
    render.print_table(out, table)
    if not bridge.empty:
        b = bridge.iloc[-1]
        moves = " ".join(f"{m} {b[m]:+,.2f}" for m in ("new", "expansion", "reactivation"))
        moves += " " + " ".join(f"{m} {-b[m]:+,.2f}" for m in ("contraction", "churn"))
        money = f" ({currency} a month)" if currency else " (a month; currency unknown)"
        out.print(
            f"MRR bridge{money}: start {b['mrr_start']:,.2f} {moves} = end {b['mrr_end']:,.2f}"
        )
    if not currency:
        err.print(
            "Amounts are shown without a currency: the subscriptions carry none or several. "
            "Set it with `cxpulse config set currency EUR`.",
            style="dim",
            highlight=False,
        )


def _unit(unit: str, currency: str) -> str:
    """The unit a summary row is in: the currency code for money."""
    if unit == "currency":
        return currency or "(currency?)"
    return unit


# -- CLV ---------------------------------------------------------------------------------------
def _left_out(notes: tuple[str, ...]) -> None:
    if notes:
        out.print(f"Left out: {'; '.join(notes)}.", highlight=False)


def _fit(ws: Workspace, file: Path | None, map_: list[str] | None, **options: Any) -> Any:
    from cxpulse.ingest import parse_map_options
    from cxpulse.models.scoring import file_days, fit_clv, workspace_days

    days = file_days(file, ws, parse_map_options(map_ or [])) if file else workspace_days(ws)
    return fit_clv(days, gross_margin=ws.settings.gross_margin, **options)


@clv_app.command("fit")
def clv_fit(
    file: FileOpt = None,
    map_: MapOpt = None,
    months: MonthsOpt = 12,
    discount_rate: DiscountOpt = 0.01,
    holdout_days: HoldoutOpt = None,
    calibration_end: CalibrationEndOpt = None,
    top: Annotated[int, typer.Option(help="Customers shown, highest CLV first.")] = 10,
    format_: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
) -> None:
    """Fit the models on the orders: the parameters of the fit on all orders (which give the
    scores), those of the calibration fit checked on the holdout, and the top customers."""
    with _open(workspace) as ws:
        options = {
            "months": months,
            "discount_rate": discount_rate,
            "holdout_days": holdout_days,
            "calibration_end": calibration_end,
        }
        fit = _fit(ws, file, map_, **options)
    best = fit.scores.head(top).reset_index()
    if format_ is Format.json:
        payload = {
            "transactions": fit.transactions,
            "calibration_end": fit.calibration_end.isoformat(),
            "holdout_end": fit.holdout_end.isoformat(),
            "left_out": list(fit.left_out),
            "purchases": render.frame_records(fit.purchases.summary.reset_index()),
            "spend": render.frame_records(fit.spend.summary.reset_index()),
            "calibration_purchases": render.frame_records(
                fit.calibration_purchases.summary.reset_index()
            ),
            "holdout": fit.comparison.to_dict(),
            "top": render.frame_records(best),
        }
        out.print_json(render.to_json(payload))
        return
    if format_ is Format.csv:
        sys.stdout.write(frame_csv(fit.scores.reset_index()))
        return
    out.print(f"{fit.transactions:,} customer-days of orders; time unit: weeks.", highlight=False)
    _left_out(fit.left_out)
    out.print("\nFit on all the orders (these parameters give the scores)", style="bold")
    out.print("BG/NBD (purchases):", highlight=False)
    out.print(fit.purchases.summary.round(4).to_string(), highlight=False)
    out.print("Gamma-Gamma (spend per purchase):", highlight=False)
    out.print(fit.spend.summary.round(4).to_string(), highlight=False)
    out.print(
        f"\nCalibration fit, on the orders up to {fit.calibration_end}, checked on the "
        f"holdout to {fit.holdout_end}",
        style="bold",
    )
    out.print("BG/NBD (purchases):", highlight=False)
    out.print(fit.calibration_purchases.summary.round(4).to_string(), highlight=False)
    out.print(str(fit.comparison), highlight=False)
    out.print()
    table = Table(
        title=f"Top {len(best)} customers by predicted {fit.months}-month CLV (margin)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    for col in ("customer_id", "repeat buys", "P(alive)", "expected buys", "CLV"):
        table.add_column(col, justify="left" if col == "customer_id" else "right")
    for r in best.to_dict("records"):
        table.add_row(
            str(r["customer_id"]),
            f"{r['frequency']:.0f}",
            f"{r['probability_alive']:.2f}",
            f"{r['expected_purchases']:.1f}",
            f"{r['predicted_clv']:,.2f}",
        )
    render.print_table(out, table)


@clv_app.command("score")
def clv_score(
    file: FileOpt = None,
    map_: MapOpt = None,
    months: MonthsOpt = 12,
    discount_rate: DiscountOpt = 0.01,
    workspace: WorkspaceOpt = None,
) -> None:
    """Write each customer's predicted CLV into the workspace table clv_scores (replaced)."""
    from cxpulse.models.scoring import write_scores

    with _open(workspace) as ws:
        fit = _fit(ws, file, map_, months=months, discount_rate=discount_rate)
        written = write_scores(ws, fit)
    _left_out(fit.left_out)
    error = fit.comparison.relative_error
    shown = "n/a" if math.isnan(error) else f"{error:+.1%}"
    out.print(
        f"Scored {written:,} customers into clv_scores ({fit.months}-month CLV as margin; "
        f"holdout: predicted vs actual repeat purchases {shown}).",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add ``revenue``, ``cohorts`` and the ``clv`` group to the main app."""
    app.command()(revenue)
    app.command()(cohorts)
    app.add_typer(clv_app, name="clv")
