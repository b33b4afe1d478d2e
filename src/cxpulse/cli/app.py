"""The ``cxpulse`` command: a thin shell over the library.

Every command opens a :class:`~cxpulse.workspace.Workspace` and calls one library function;
library errors become one line on stderr and exit code 1, never a traceback.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from cxpulse import redact, schema
from cxpulse.cli import importing, render
from cxpulse.cli.options import Format, FormatOpt, WorkspaceOpt
from cxpulse.cli.options import open_workspace as _open
from cxpulse.cli.parquet import Backend, BackendOpt, ParquetOpt, SparkMasterOpt, open_backend
from cxpulse.csvout import frame_csv
from cxpulse.errors import ConfigError, CxpulseError
from cxpulse.metrics.periods import GRAINS
from cxpulse.metrics.selection import parse_filters as _filters
from cxpulse.settings import Settings
from cxpulse.store.faults import storage_error
from cxpulse.workspace import Workspace, default_location

# plain lines stay whole for logs and grep; no Rich markup, so text holding brackets (an
# install hint such as cxpulse[spark], a file name) prints as it is: styles are given as style=
DEMO_FILE = "cxpulse-demo.duckdb"
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
err = Console(stderr=True, soft_wrap=True, markup=False)


class _Group(typer.core.TyperGroup):
    """Turns cxpulse errors into a message and exit code 1 (also under CliRunner)."""

    def invoke(self, ctx: Any) -> Any:  # Typer vendors click; its Context type is private
        try:
            return super().invoke(ctx)
        except CxpulseError as exc:
            render.error(err, str(exc))
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            err.print("Interrupted; nothing half-written was kept.")
            raise typer.Exit(130) from None


app = typer.Typer(
    cls=_Group,
    help="cxpulse: customer-experience metrics on one timeline.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
config_app = typer.Typer(cls=_Group, help="Show or change workspace settings.")
app.add_typer(config_app, name="config")


@app.command()
def init(
    path: Annotated[
        str | None, typer.Argument(help="Where to create the workspace file.", show_default=False)
    ] = None,
    timezone: Annotated[
        str | None, typer.Option(help="Time zone of calendar periods, e.g. Europe/Paris.")
    ] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Create a workspace (or upgrade an existing one to the current schema)."""
    location = path or workspace or default_location()
    settings = {"timezone": timezone} if timezone else {}
    with Workspace.init(location, **settings) as ws:
        out.print(f"Workspace ready: {ws.store.location} (time zone {ws.settings.timezone})")


importing.register(app)  # second in --help: after init, a user imports


@app.command()
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


@app.command()
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


@app.command()
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
    _print_scorecard(card, format_, confidence)


def _print_scorecard(card: Any, format_: Format, confidence: float) -> None:
    if format_ is Format.json:
        out.print_json(render.to_json(card.to_dict()))
    elif format_ is Format.csv:
        sys.stdout.write(frame_csv(card.to_frame()))
    else:
        render.print_table(out, render.scorecard_table(card, confidence))


@app.command()
def demo(
    # --workspace as every other command, but never read from CXPULSE_WORKSPACE: that names
    # the user's own workspace, and the demo belongs in a file of its own
    path: Annotated[
        str,
        typer.Option(
            "--path",
            "--workspace",
            "-p",
            "-w",
            help="Demo workspace file or database URL, replaced if it is a demo "
            "(CXPULSE_WORKSPACE is not read here: it names your own workspace).",
        ),
    ] = DEMO_FILE,
    scale: Annotated[
        float, typer.Option(help="Size: 1 = about 100k customers and 10M web events.")
    ] = 0.05,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same data.")] = 7,
    end: Annotated[
        str | None,
        typer.Option(help="First day after the 24 months of data (default: this month's 1st)."),
    ] = None,
    format_: FormatOpt = Format.table,
) -> None:
    """Create a demo workspace of a synthetic company and print its scorecard."""
    from cxpulse.demo import create_demo

    if scale <= 0:
        raise ConfigError("--scale must be above 0 (e.g. 0.05, 1, 10)")
    end_day = date.fromisoformat(end) if end else None
    started = time.perf_counter()
    # a database URL (postgresql://...) as it is, anything else a file path
    with create_demo(
        path if "://" in path else Path(path), scale=scale, seed=seed, end=end_day
    ) as ws:
        counts = ws.counts()
        summary = ", ".join(f"{n:,} {t}" for t, n in counts.items())
        err.print(
            f"Demo workspace {ws.store.location} written in "
            f"{time.perf_counter() - started:.1f} s: {summary}.",
            highlight=False,
        )
        as_of = end_day or date.today().replace(day=1)
        card = ws.scorecard(as_of=as_of)
        confidence = ws.settings.confidence
    _print_scorecard(card, format_, confidence)
    if format_ is Format.table:
        shown = redact.connection(path)  # a URL's password is never printed
        err.print(
            f"Explore it: cxpulse metric nps --segment touchpoint -w {shown}  "
            f"(or export CXPULSE_WORKSPACE={shown})",
            highlight=False,
        )


@app.command("tables")
def tables_(
    name: Annotated[str | None, typer.Argument(help="Show one table's columns.")] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Also the tables cxpulse writes itself.")
    ] = False,
    format_: FormatOpt = Format.table,
) -> None:
    """Describe the canonical tables' columns (what `import` accepts); --all: every table.

    The operational tables are the ones cxpulse writes itself (surveys, automations, accounts,
    scores); they are listed only with --all, after the canonical ones, as reference.
    """
    chosen: list[schema.Table | schema.OperationalTable]
    if name:
        chosen = [schema.any_table(name)]
    else:
        chosen = [*schema.TABLES.values(), *(schema.OPERATIONAL.values() if all_ else ())]
    rows = [
        {
            "table": t.name,
            "group": "canonical" if isinstance(t, schema.Table) else "operational",
            "column": c.name,
            "type": c.kind,
            "required": c.required,
            "key": c.name == t.key,
            "doc": str(c.doc)
            + (f" One of: {', '.join(c.choices)}." if c.choices else "")
            + (f" At least {c.min:g}." if c.min is not None else "")
            + (f" At most {c.max:g}." if c.max is not None else ""),
        }
        for t in chosen
        for c in t.columns
    ]
    if format_ is Format.json:
        out.print_json(render.to_json(rows))
        return
    from rich.table import Table

    for t in chosen:
        group = "" if isinstance(t, schema.Table) else " (operational)"
        table = Table(title=f"{t.name}{group}: {t.doc}", title_justify="left")
        for col in ("column", "type", "required", "doc"):
            table.add_column(col)
        for r in rows:
            if r["table"] == t.name:
                req = "key" if r["key"] else ("yes" if r["required"] else "")
                table.add_row(str(r["column"]), str(r["type"]), req, str(r["doc"]))
        render.print_table(out, table)


@config_app.command("show")
def config_show(workspace: WorkspaceOpt = None) -> None:
    """Show the workspace settings."""
    with _open(workspace) as ws:
        for row in ws.settings.to_rows():
            out.print(f"{row['key']} = {row['value']}", highlight=False)


@config_app.command("set")
def config_set(
    key: Annotated[
        str, typer.Argument(help="timezone, min_n, confidence, dayfirst, targets.nps...")
    ],
    value: Annotated[str, typer.Argument(help="New value.")],
    workspace: WorkspaceOpt = None,
) -> None:
    """Change one setting, e.g. `cxpulse config set timezone Europe/Paris`."""
    with _open(workspace) as ws:
        ws.set_setting(key, value)
        out.print(f"{key} set.")


# -- command groups defined in their own modules (each module: `register(app)`) -------------
from cxpulse.cli import (  # noqa: E402  (they register on the app defined above)
    automations,
    churn,
    customers,
    parquet,
    report,
    revenue,
    server,
    support,
    surveys,
    text,
    web,
)

for _group in (
    support,
    revenue,
    web,
    text,
    surveys,
    churn,
    automations,
    server,
    parquet,
    report,
    customers,
):
    _group.register(app)


def main() -> None:
    try:
        app()
    except CxpulseError as exc:  # raised outside a command (e.g. while parsing)
        render.error(err, str(exc))
        sys.exit(1)
    except Exception as exc:
        if os.environ.get("CXPULSE_DEBUG"):
            raise
        # a failure about the file or the disk raised outside a workspace block
        explained = storage_error(exc, None)
        if explained is not None:
            render.error(err, str(explained))
            sys.exit(1)
        render.error(
            err,
            f"({type(exc).__name__}: {exc}). This is a bug in cxpulse; please report it. "
            "Set CXPULSE_DEBUG=1 to see the traceback.",
            label="Unexpected error",
        )
        sys.exit(2)
