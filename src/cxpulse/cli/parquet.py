"""``cxpulse parquet export|import`` and the ``--backend spark --parquet DIR`` options of
``cxpulse metric`` and ``cxpulse scorecard``: thin commands over :mod:`cxpulse.store.parquet`
and :mod:`cxpulse.store.spark`.

Registered by :mod:`cxpulse.cli.app` (``register(app)``); this module does not import the app
module, so importing it first cannot create an import cycle.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from cxpulse.cli.options import WorkspaceOpt, open_workspace
from cxpulse.errors import ConfigError

if TYPE_CHECKING:  # imported when a Spark workspace is made: `parquet --help` loads no store
    from cxpulse.workspace import Workspace

out = Console(soft_wrap=True, markup=False)
err = Console(stderr=True, soft_wrap=True, markup=False)


class Backend(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


BackendOpt = Annotated[
    Backend,
    typer.Option(
        help="Where the metric runs: duckdb (the --workspace) or spark (the Parquet folder given "
        "with --parquet, read-only).",
    ),
]
ParquetOpt = Annotated[
    str | None,
    typer.Option(
        "--parquet",
        help="With --backend spark: the folder `cxpulse parquet export` wrote (a local path or "
        "a URL the cluster reads, e.g. s3a://bucket/cx).",
        show_default=False,
    ),
]
SparkMasterOpt = Annotated[
    str | None,
    typer.Option(
        "--spark-master",
        envvar="CXPULSE_SPARK_MASTER",
        help="With --backend spark: the cluster, e.g. spark://host:7077 (default local[*]).",
        show_default=False,
    ),
]


def open_backend(
    workspace: str | None, backend: Backend, parquet: str | None, master: str | None
) -> Workspace:
    """The workspace a metric command runs on: the DuckDB (or URL) workspace, or a read-only
    Spark workspace over a Parquet folder."""
    if backend is Backend.duckdb:
        if parquet or master:
            raise ConfigError("--parquet and --spark-master go with --backend spark")
        return open_workspace(workspace)
    if not parquet:
        raise ConfigError(
            "--backend spark reads a folder of Parquet files: add --parquet DIR (write one with "
            "`cxpulse parquet export DIR`)."
        )
    from cxpulse.store.spark import open_spark_store
    from cxpulse.workspace import Workspace

    store = open_spark_store(parquet, master=master)
    try:
        return Workspace(store)
    except BaseException:
        store.close()
        raise


parquet_app = typer.Typer(
    help="A whole workspace as a folder of Parquet files (one per table), e.g. for Spark."
)


@parquet_app.command("export")
def export(
    folder: Annotated[Path, typer.Argument(help="Folder to write <table>.parquet files into.")],
    workspace: WorkspaceOpt = None,
) -> None:
    """Write every canonical table and the settings as <table>.parquet files (UTC timestamps).

    Run metrics on them with `cxpulse metric NAME --backend spark --parquet FOLDER`.
    """
    from cxpulse.store.parquet import export_parquet

    with open_workspace(workspace) as ws:
        report = export_parquet(ws, folder)
    out.print(report.summary("Exported"), highlight=False)


@parquet_app.command("import")
def import_(
    folder: Annotated[Path, typer.Argument(help="Folder of <table>.parquet files.")],
    replace: Annotated[
        bool,
        typer.Option(help="Replace the tables' rows even if the workspace already holds data."),
    ] = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Load a folder written by `cxpulse parquet export` into a workspace (one transaction);
    a workspace file that does not exist yet is created.

    Each file replaces its table; the files are checked against the canonical columns first.
    To merge one file into existing rows, use `cxpulse import FILE --table T`.
    """
    from cxpulse.store.parquet import import_parquet

    with open_workspace(workspace, create=True) as ws:  # a new file is fine: it is filled
        report = import_parquet(ws, folder, replace=replace)
    out.print(report.summary("Imported"), highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(parquet_app, name="parquet")
