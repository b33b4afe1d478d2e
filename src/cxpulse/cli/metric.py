"""``cxpulse metric``, ``cxpulse metrics`` and ``cxpulse scorecard``: metrics by period and
segment, the list of metrics, and the scorecard, from the workspace or a running server (--via).

Registered by :mod:`cxpulse.cli.app` (``register(app)``), which imports this module only when
one of these commands runs; this module does not import the app module.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.console import Console

from cxpulse.cli import render
from cxpulse.cli.options import Format, FormatOpt, WorkspaceOpt
from cxpulse.cli.parquet import Backend, BackendOpt, ParquetOpt, SparkMasterOpt, open_backend
from cxpulse.csvout import frame_csv
from cxpulse.metrics.periods import GRAINS
from cxpulse.metrics.selection import parse_filters as _filters
from cxpulse.settings import Settings

# the API does not say the server's confidence level: --via labels intervals with the default
DEFAULT_CONFIDENCE = Settings().confidence
ViaOpt = Annotated[
    str | None,
    typer.Option(
        help="Ask a running `cxpulse serve` at this URL (e.g. http://127.0.0.1:8000) instead of "
        "opening the workspace, which the server holds; API token in CXPULSE_TOKEN.",
        show_default=False,
    ),
]
out = Console(soft_wrap=True, markup=False)


def metric(
    name: Annotated[str, typer.Argument(help="Metric name; `cxpulse metrics` lists them.")],
    by: Annotated[str, typer.Option(help=f"Period: {', '.join(GRAINS)}.")] = "month",
    segment: Annotated[
        list[str] | None,
        typer.Option(help="Split by a column (repeatable), e.g. touchpoint, customer.segment."),
    ] = None,
    variant: Annotated[str | None, typer.Option(help="Named variant of the definition.")] = None,
    from_: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
    to: Annotated[str | None, typer.Option(help="Last day (included), YYYY-MM-DD.")] = None,
    filter_: Annotated[
        list[str] | None,
        typer.Option("--filter", help="Keep rows where column=value (a,b for several)."),
    ] = None,
    compare: Annotated[
        str,
        typer.Option(help="Change against the previous period, or the same period a year before."),
    ] = "previous",
    format_: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
    backend: BackendOpt = Backend.duckdb,
    parquet: ParquetOpt = None,
    spark_master: SparkMasterOpt = None,
    via: ViaOpt = None,
) -> None:
    """Compute one metric by period and segment, with intervals and changes."""
    segments = [s for item in segment or [] for s in item.split(",") if s]
    filters = _filters(filter_ or [])
    if via:
        from cxpulse.cli import client

        df = client.metric(
            via, name, by=by, segments=segments, variant=variant, start=from_, end=to,
            filters=filter_ or [], compare=compare,
        )  # fmt: skip
        confidence = DEFAULT_CONFIDENCE
    else:
        with open_backend(workspace, backend, parquet, spark_master) as ws:
            df = ws.metric(
                name,
                by=by,
                segment=segments,
                variant=variant,
                start=from_,
                end=to,
                filters=filters,
                compare=compare,
            )
            confidence = ws.settings.confidence
    if format_ is Format.json:
        out.print_json(render.to_json(render.frame_records(df)))
    elif format_ is Format.csv:
        sys.stdout.write(frame_csv(df))
    elif df.empty:
        out.print(f"No data for {name} in this range.")
    else:
        from cxpulse.metrics import REGISTRY

        unit = REGISTRY.get(name).unit
        title = f"{name} by {by} ({render.short_unit(unit)})" if unit else f"{name} by {by}"
        table = render.metric_table(df, segments, title, confidence=confidence,
                                    compare=compare, unit=unit)  # fmt: skip
        render.print_table(out, table)
        out.print(df["definition"].iloc[0], style="dim", highlight=False)


def metrics(format_: FormatOpt = Format.table) -> None:
    """List every metric with its definition and variants."""
    from cxpulse.metrics import REGISTRY

    rows = [
        {
            "metric": spec.name,
            "label": spec.label,
            "table": spec.table,
            "unit": spec.unit,
            "variant": var.name,
            "definition": var.definition,
            "benchmark": f"{spec.benchmark.text} ({spec.benchmark.source})"
            if spec.benchmark and var.name == "default"
            else None,
        }
        for spec in REGISTRY
        for var in spec.variants.values()
    ]
    if format_ is Format.json:
        out.print_json(render.to_json(rows))
        return
    if format_ is Format.csv:
        import pandas as pd

        sys.stdout.write(frame_csv(pd.DataFrame(rows)))
        return
    from rich.table import Table

    table = Table(title="Metrics", show_lines=True, title_justify="left")
    for col in ("metric", "variant", "definition"):
        table.add_column(col)
    for r in rows:
        definition = str(r["definition"])
        if r["benchmark"]:
            definition += f"\nBenchmark: {r['benchmark']}"
        table.add_row(
            str(r["metric"]) if r["variant"] == "default" else "", str(r["variant"]), definition
        )
    render.print_table(out, table)


def scorecard(
    by: Annotated[str, typer.Option(help=f"Period: {', '.join(GRAINS)}.")] = "month",
    as_of: Annotated[
        str | None, typer.Option(help="Score periods that ended before this day (default today).")
    ] = None,
    format_: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
    backend: BackendOpt = Backend.duckdb,
    parquet: ParquetOpt = None,
    spark_master: SparkMasterOpt = None,
    via: ViaOpt = None,
) -> None:
    """The CX scorecard: last complete period, previous, change, interval, target."""
    if via:
        from cxpulse.cli import client

        card = client.scorecard(via, by=by, as_of=as_of)
        confidence = DEFAULT_CONFIDENCE
    else:
        with open_backend(workspace, backend, parquet, spark_master) as ws:
            card = ws.scorecard(by=by, as_of=as_of)
            confidence = ws.settings.confidence
    print_scorecard(card, format_, confidence)


def print_scorecard(card: Any, format_: Format, confidence: float) -> None:
    if format_ is Format.json:
        out.print_json(render.to_json(card.to_dict()))
    elif format_ is Format.csv:
        sys.stdout.write(frame_csv(card.to_frame()))
    else:
        render.print_table(out, render.scorecard_table(card, confidence))


def register(app: typer.Typer) -> None:
    """Add ``metric``, ``metrics`` and ``scorecard`` to the cxpulse command."""
    app.command()(metric)
    app.command()(metrics)
    app.command()(scorecard)
