"""The ``cxpulse`` command: a thin shell over the library.

Every command opens a :class:`~cxpulse.workspace.Workspace` and calls one library function;
library errors become one line on stderr and exit code 1, never a traceback.

Start-up: this module imports no library code (no Ibis, pandas, NumPy, SciPy or DuckDB). The
command groups live in their own modules (each adds its commands with ``register(app)``) and are
imported only when one of their commands runs; ``cxpulse --help`` lists them from
:data:`COMMANDS` without importing them.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from cxpulse import redact
from cxpulse.cli import render
from cxpulse.cli.options import Format, FormatOpt, WorkspaceOpt
from cxpulse.cli.options import open_workspace as _open
from cxpulse.errors import ConfigError, CxpulseError
from cxpulse.settings import default_location

# plain lines stay whole for logs and grep; no Rich markup, so text holding brackets (an
# install hint such as cxpulse[spark], a file name) prints as it is: styles are given as style=
DEMO_FILE = "cxpulse-demo.duckdb"
out = Console(soft_wrap=True, markup=False)
err = Console(stderr=True, soft_wrap=True, markup=False)


@dataclass(frozen=True)
class Lazy:
    """A command defined in ``cxpulse.cli.<module>``, imported when it runs."""

    module: str
    summary: str  # the first paragraph of its help: its line in `cxpulse --help`


# Every command in the order `cxpulse --help` lists them. None: defined on `app` itself (here;
# `serve` in cxpulse.main, which the console script runs). A summary that no longer matches
# the command's help fails tests/cli/test_app.py.
COMMANDS: dict[str, Lazy | None] = {
    "init": None,
    "import": Lazy(
        "importing",
        "Import a file into a canonical table. Re-importing the same file changes nothing.",
    ),
    "metric": Lazy(
        "metric", "Compute one metric by period and segment, with intervals and changes."
    ),
    "metrics": Lazy("metric", "List every metric with its definition and variants."),
    "forecast": Lazy(
        "forecast",
        "A metric's next periods with prediction intervals, backtested against baselines.",
    ),
    "scorecard": Lazy(
        "metric", "The CX scorecard: last complete period, previous, change, interval, target."
    ),
    "demo": None,
    "tables": None,
    "staffing": Lazy(
        "support",
        "Agents needed per interval (Erlang C) for measured or forecast contact volumes.",
    ),
    "revenue": Lazy(
        "revenue",
        "Subscription summary of the last complete month, with the annual equivalents\n"
        "(ARR = 12 x MRR, annual churn = 1 - (1 - monthly churn)^12) and the MRR bridge.",
    ),
    "cohorts": Lazy(
        "revenue",
        "Retention of signup cohorts (first paid subscription), period by period, in %.",
    ),
    "insights": Lazy(
        "insights",
        "What changed significantly in a period, ranked, with why and what it costs.",
    ),
    "pages": Lazy(
        "web", "Problem pages: exit or bounce rate abnormally high for their traffic, worst first."
    ),
    "why": Lazy(
        "surveys",
        "Why was (or wasn't) this customer asked for feedback, and when can they be asked next.",
    ),
    "worker": Lazy(
        "automations",
        "Sync sources; run surveys, rules, digests, insights and the outbox every --interval s.",
    ),
    "report": Lazy(
        "report", "A report (the dashboard's pages: scorecard, feedback, revenue, support...)."
    ),
    "serve": None,
    "config": None,
    "support": Lazy("support", "Support analyses: negative interactions, churn, categories."),
    "clv": Lazy("revenue", "Customer lifetime value from orders (BG/NBD + Gamma-Gamma)."),
    "cx-index": Lazy("web", "The CX index: values, components and versioned weights."),
    "text": Lazy("text", "Sentiment and themes of comments, ticket subjects and mentions."),
    "surveys": Lazy("surveys", "Surveys asked at the right moment, within one fatigue budget."),
    "events": Lazy("surveys", "Named customer events that trigger surveys and rules."),
    "churn": Lazy("churn", "Churn risk: rules, models, backtest, drivers, survival."),
    "rules": Lazy("automations", "Automation rules: a condition and the actions it triggers."),
    "digests": Lazy("digests", "Scheduled digests by email and chat webhooks."),
    "sources": Lazy("sources", "Live sources: connectors that keep the workspace current."),
    "cases": Lazy("automations", "Follow-up cases: open -> acknowledged -> contacted -> resolved."),
    "user": Lazy("server", "Users of the web app: admin, analyst or agent."),
    "token": Lazy("server", "API tokens for machines (read, ingest, admin)."),
    "parquet": Lazy(
        "parquet",
        "A whole workspace as a folder of Parquet files (one per table), e.g. for Spark.",
    ),
    "customer": Lazy("customers", "One customer: search, timeline, GDPR export and erasure."),
    "annotate": Lazy(
        "annotations",
        "Record an event (outage, release, price change, campaign) to read the metrics against.",
    ),
    "annotations": Lazy(
        "annotations", "Events the metrics are read against: list them, or remove one by id."
    ),
    "impact": Lazy(
        "annotations",
        "Before and after an annotated event: each metric over equal windows, with intervals.",
    ),
}


@cache
def load(module: str) -> dict[str, Any]:
    """The commands ``cxpulse.cli.<module>`` adds with its ``register(app)``, by name."""
    holder = typer.Typer()
    import_module(f"cxpulse.cli.{module}").register(holder)
    return dict(typer.main.get_group(holder).commands)


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


class _Root(_Group):
    """The cxpulse command: imports a command's module when the command runs (or shows its own
    help); its own help lists every command from :data:`COMMANDS` without importing any."""

    _listing = False  # True while the help is written: lazy commands stand in by their summary

    def list_commands(self, ctx: Any) -> list[str]:
        known = [name for name, lazy in COMMANDS.items() if lazy or name in self.commands]
        return known + [name for name in self.commands if name not in COMMANDS]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        lazy = COMMANDS.get(cmd_name)
        if cmd_name in self.commands or lazy is None:
            return super().get_command(ctx, cmd_name)
        if self._listing:
            return typer.core.TyperCommand(cmd_name, help=lazy.summary)
        return load(lazy.module)[cmd_name]

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


app = typer.Typer(
    cls=_Root,
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
    from cxpulse.workspace import Workspace

    location = path or workspace or default_location()
    settings = {"timezone": timezone} if timezone else {}
    with Workspace.init(location, **settings) as ws:
        out.print(f"Workspace ready: {ws.store.location} (time zone {ws.settings.timezone})")


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
    from cxpulse.cli.metric import print_scorecard
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
    print_scorecard(card, format_, confidence)
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
    from cxpulse import schema

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
        from cxpulse.store.faults import storage_error

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
