"""``cxpulse staffing`` and ``cxpulse support ...``: thin commands over the support library.

Registered by :mod:`cxpulse.cli.app` (``register(app)``); this module does not import the app
module, so importing it first cannot create an import cycle. Errors are cxpulse errors, which
the app's command group turns into one message.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer
from rich import box
from rich.console import Console
from rich.table import Table

from cxpulse.cli import render
from cxpulse.cli.options import Format, FormatOpt, WorkspaceOpt
from cxpulse.cli.options import open_workspace as _open
from cxpulse.csvout import frame_csv
from cxpulse.errors import ConfigError
from cxpulse.metrics.selection import parse_filters as _filters

out = Console(soft_wrap=True, markup=False)
err = Console(stderr=True, soft_wrap=True, markup=False)


FilterOpt = Annotated[
    list[str] | None,
    typer.Option("--filter", help="Keep tickets where column=value (a,b for several)."),
]
AsOfOpt = Annotated[
    str | None, typer.Option(help="Study the data up to this day (default: the last ticket).")
]

support_app = typer.Typer(help="Support analyses: negative interactions, churn, categories.")


def _cell(value: Any) -> str:
    if value is None or value is pd.NaT:
        return "-"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def emit(df: pd.DataFrame, format_: Format, title: str, caption: str | None = None) -> None:
    """Print a small result as a table, JSON records or CSV."""
    if format_ is Format.json:
        out.print_json(render.to_json(render.frame_records(df)))
        return
    if format_ is Format.csv:
        sys.stdout.write(frame_csv(df))
        return
    # a head rule only, no cell borders: the wider results still fit an 80-column terminal
    table = Table(
        title=title,
        title_justify="left",
        caption=caption,
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    for col in df.columns:
        numeric = pd.api.types.is_numeric_dtype(df[col]) and not pd.api.types.is_bool_dtype(df[col])
        table.add_column(str(col), justify="right" if numeric else "left", no_wrap=True)
    for row in df.itertuples(index=False):
        table.add_row(*[_cell(v) for v in row])
    render.print_table(out, table)


SHORT = {
    "interval_start": "interval",
    "traffic": "erlangs",
    "scheduled": "sched.",
    "service_level": "SL %",
    "asa_seconds": "ASA s",
    "occupancy": "occ. %",
    "negative_interactions": "negatives",
    "negative_sentiment": "sentiment",
    "low_csat": "low CSAT",
    "last_at": "last",
}


# -- cxpulse staffing -------------------------------------------------------------------------
def staffing(
    interval: Annotated[str, typer.Option(help="Interval length: 15min, 30min, 1h.")] = "30min",
    service_level: Annotated[
        str, typer.Option(help="Target: PERCENT/SECONDS, e.g. 80/20 = 80 % within 20 s.")
    ] = "80/20",
    aht: Annotated[
        float | None,
        typer.Option(help="Average handle time in seconds (default: measured on the tickets)."),
    ] = None,
    from_: Annotated[str | None, typer.Option("--from", help="First day measured.")] = None,
    to: Annotated[str | None, typer.Option(help="Last day measured (default: 6 days on).")] = None,
    forecast_week: Annotated[
        str | None, typer.Option(help="Forecast an ISO week, e.g. 2026-W48, from earlier years.")
    ] = None,
    volume_file: Annotated[
        Path | None, typer.Option(help="CSV of interval_start,contacts (e.g. from a phone system).")
    ] = None,
    shrinkage: Annotated[float, typer.Option(help="Share of paid time off the phones.")] = 0.30,
    max_occupancy: Annotated[float, typer.Option(help="Cap on the time agents are busy.")] = 0.85,
    filter_: FilterOpt = None,
    format_: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
) -> None:
    """Agents needed per interval (Erlang C) for measured or forecast contact volumes."""
    from cxpulse import staffing as erlang

    target = erlang.ServiceTarget.parse(service_level)
    volumes, aht_used, notes = _volumes_and_aht(
        workspace, interval, aht, from_, to, forecast_week, volume_file, _filters(filter_)
    )
    seconds = _interval_seconds(interval)
    df = erlang.plan(
        volumes, aht_used, seconds, target, max_occupancy=max_occupancy, shrinkage=shrinkage
    )
    if format_ is not Format.table:
        emit(df, format_, "")
        return
    busy = df[df["contacts"] > 0].drop(columns="p_wait").rename(columns=SHORT)
    caption = "\n".join(
        [
            f"Erlang C: {target.share * 100:g} % answered within {target.seconds:g} s, AHT "
            f"{aht_used:,.0f} s, max occupancy {max_occupancy * 100:g} %, shrinkage "
            f"{shrinkage * 100:g} %. Intervals without contacts ({len(df) - len(busy)}) are "
            "not listed (0 agents).",
            *notes,
        ]
    )
    emit(busy, format_, f"Agents needed per {interval} interval", caption)


def _interval_seconds(interval: str) -> int:
    from cxpulse.metrics.workload import parse_interval

    return parse_interval(interval)


def _volumes_and_aht(
    workspace: str | None,
    interval: str,
    aht: float | None,
    from_: str | None,
    to: str | None,
    week: str | None,
    volume_file: Path | None,
    filters: dict[str, Any],
) -> tuple[pd.DataFrame, float, list[str]]:
    """Contacts per interval from one source (file, forecast or measured) and the AHT to use."""
    from datetime import timedelta

    from cxpulse.metrics import workload
    from cxpulse.metrics.periods import parse_day

    sources = sum(x is not None for x in (volume_file, week, from_))
    if sources != 1:
        raise ConfigError(
            "give one source of volumes: --from DAY [--to DAY] (measured on the tickets), "
            "--forecast-week 2026-W48 (same week of earlier years), or --volume-file FILE"
        )
    if volume_file is not None:
        if aht is None:
            raise ConfigError("with --volume-file, give the handle time: --aht SECONDS")
        volumes = workload.read_volumes(volume_file, _interval_seconds(interval))
        return volumes, aht, [f"Volumes from {volume_file}."]
    notes: list[str] = []
    with _open(workspace) as ws:
        if week is not None:
            forecast = workload.forecast_week(ws, week, interval=interval, filters=filters)
            volumes = forecast.volumes
            notes.append(
                f"Forecast of {week}: same week of {', '.join(map(str, forecast.years))}, "
                f"each scaled by the year-on-year growth; {'; '.join(forecast.notes)}."
            )
            first, last = None, None  # AHT over all the data
        else:
            first = parse_day(from_, "--from")
            if first is None:
                raise ConfigError("--from takes a day, YYYY-MM-DD")
            last = parse_day(to, "--to") or first + timedelta(days=6)
            volumes = workload.measured_volumes(ws, first, last, interval=interval, filters=filters)
            notes.append(f"Contacts measured on the tickets from {first} to {last}.")
        if aht is None:
            aht, n = workload.measured_aht(ws, first, last, filters)
            notes.append(f"AHT measured: mean handle time of {n:,} contacts.")
    return volumes, aht, notes


# -- cxpulse support ... ----------------------------------------------------------------------
@support_app.command("negatives")
def negatives_cmd(
    window: Annotated[int, typer.Option(help="Rolling window in days.")] = 90,
    top: Annotated[int, typer.Option(help="Customers shown (table only).")] = 20,
    as_of: AsOfOpt = None,
    format_: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
) -> None:
    """Customers with the most negative interactions in the window before --as-of."""
    from cxpulse.metrics.negatives import negative_interactions

    with _open(workspace) as ws:
        df = negative_interactions(ws, as_of=as_of, window_days=window)
    shown = df.head(top).rename(columns=SHORT) if format_ is Format.table else df
    caption = (
        f"{len(df):,} customers with at least one (negative sentiment, an escalation or a CSAT "
        "below the satisfied boxes)"
    )
    emit(shown, format_, f"Negative interactions in the {window} days before", caption)


@support_app.command("churn-curve")
def churn_curve_cmd(
    window: Annotated[int, typer.Option(help="Days in which negatives are counted.")] = 90,
    horizon: Annotated[int, typer.Option(help="Days after which churn is looked for.")] = 90,
    max_count: Annotated[int, typer.Option(help="Last bucket (shown as N+).")] = 8,
    as_of: AsOfOpt = None,
    format_: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
) -> None:
    """Churn rate by the number of negative interactions within --window days."""
    from cxpulse.metrics.negatives import churn_by_negatives, steepest_jump

    with _open(workspace) as ws:
        df = churn_by_negatives(
            ws, window_days=window, horizon_days=horizon, max_count=max_count, as_of=as_of
        )
    title = f"Churn within {horizon} days by negative interactions in {window} days"
    emit(df.drop(columns="k"), format_, title, steepest_jump(df))


@support_app.command("categories")
def categories_cmd(
    by: Annotated[str, typer.Option(help="Period: day, week, month, quarter, year.")] = "month",
    top: Annotated[int, typer.Option(help="Categories per period.")] = 5,
    from_: Annotated[str | None, typer.Option("--from", help="First day.")] = None,
    to: Annotated[str | None, typer.Option(help="Last day (included).")] = None,
    filter_: FilterOpt = None,
    format_: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
) -> None:
    """The most frequent ticket categories of each period."""
    from cxpulse.metrics.issues import top_categories

    with _open(workspace) as ws:
        df = top_categories(ws, by=by, top=top, start=from_, end=to, filters=_filters(filter_))
    if format_ is Format.table:  # the headings say what each number counts
        df = df.rename(columns={"share": "share %", "change": f"tickets vs previous {by}"})
    emit(df, format_, f"Top {top} ticket categories by {by}")


@support_app.command("category-churn")
def category_churn_cmd(
    horizon: Annotated[int, typer.Option(help="Days after the ticket.")] = 90,
    min_customers: Annotated[int, typer.Option(help="Hide smaller categories.")] = 30,
    as_of: AsOfOpt = None,
    format_: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
) -> None:
    """Which ticket categories are followed by churn most often."""
    from cxpulse.metrics.issues import churn_after_category

    with _open(workspace) as ws:
        df = churn_after_category(
            ws, horizon_days=horizon, as_of=as_of, min_customers=min_customers
        )
    title = f"Customers churning within {horizon} days after a ticket of each category"
    caption = "churn_rate and its Wilson interval in %; lift = churn_rate / rate after any ticket"
    emit(df, format_, title, caption)


def register(app: typer.Typer) -> None:
    """Add ``staffing`` and the ``support`` group to the cxpulse command."""
    app.command("staffing")(staffing)
    app.add_typer(support_app, name="support")
