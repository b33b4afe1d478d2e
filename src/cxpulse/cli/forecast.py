"""``cxpulse forecast``: a metric's next periods with prediction intervals, and the backtest
that says whether to trust them.

Registered by :mod:`cxpulse.cli.app` (``register(app)``), which imports this module only when
the command runs; statsmodels is imported by the library only when a model is fitted.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from cxpulse.cli import render
from cxpulse.cli.options import Format, FormatOpt, WorkspaceOpt
from cxpulse.cli.options import open_workspace as _open

if TYPE_CHECKING:
    from cxpulse.models.forecast import Forecast

out = Console(soft_wrap=True, markup=False)
METHODS = {  # short: the table fits 80 columns
    "model": "model (ETS)",
    "naive": "last value",
    "seasonal_naive": "a cycle before",
}


def forecast(
    metric: Annotated[str, typer.Argument(help="Metric name, e.g. nps, csat, mrr, volume.")],
    periods: Annotated[int, typer.Option(help="How many periods to forecast (1 to 36).")] = 6,
    by: Annotated[str, typer.Option(help="Period: month, week, quarter, day or year.")] = "month",
    end: Annotated[
        str | None,
        typer.Option(
            help="Last day of history to use, YYYY-MM-DD (default today).", show_default=False
        ),
    ] = None,
    lang: Annotated[str, typer.Option(help="Language of the sentences: en or fr.")] = "en",
    format_: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
) -> None:
    """A metric's next periods with prediction intervals, backtested against baselines.

    Uses complete periods only. The model is exponential smoothing (statsmodels ETS); it is
    seasonal only when two full cycles remain before the backtest holdout, and the output says
    when the last value or last year's value forecast better in the backtest.
    """
    from cxpulse.models.forecast import forecast as run
    from cxpulse.models.forecast_text import check_language

    check_language(lang)
    with _open(workspace) as ws:
        result = run(ws, metric, by=by, periods=periods, end=end)
    if format_ is Format.json:
        out.print_json(render.to_json(result.to_dict()))
    elif format_ is Format.csv:
        import pandas as pd

        from cxpulse.csvout import frame_csv

        sys.stdout.write(frame_csv(pd.DataFrame(result.to_dict()["forecast"])))
    else:
        _print(result, lang)


def _print(f: Forecast, lang: str) -> None:
    digits = render.digits_for(f.last[1], f.unit)
    conf = f"{f.confidence * 100:g} %"
    unit = render.short_unit(f.unit)
    table = Table(
        title=f"{f.metric} forecast by {f.by} ({unit}), {conf} prediction interval",
        title_justify="left",
    )
    for col in ("period", "forecast", "low", "high"):
        table.add_column(col, justify="left" if col == "period" else "right")
    d = f.to_dict()
    for row in d["forecast"]:
        table.add_row(row["period"], *(f"{row[k]:,.{digits}f}" for k in ("value", "low", "high")))
    render.print_table(out, table)
    bt = d["backtest"]
    scores = Table(
        title=f"Backtest: 1 to {len(f.starts)} {f.by}s ahead from each of the last "
        f"{bt['holdout']} {f.by}s",
        title_justify="left",
    )
    for col in ("method", "MAE", "MASE", "forecasts", "in interval", "best"):
        scores.add_column(col, justify="left" if col == "method" else "right")
    for s in bt["scores"]:
        scores.add_row(
            METHODS[s["method"]],
            "-" if s["mae"] is None else f"{s['mae']:,.{digits + 1}f}",
            "-" if s["mase"] is None else f"{s['mase']:.2f}",
            str(s["errors"]),
            "-" if s["coverage"] is None else f"{s['coverage'] * 100:.0f} %",
            "yes" if s["method"] == bt["best"] else "",
        )
    render.print_table(out, scores)
    out.print(f.headline(lang), highlight=False)
    out.print(f.note(lang), style="dim", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``forecast`` to the cxpulse command."""
    app.command()(forecast)
