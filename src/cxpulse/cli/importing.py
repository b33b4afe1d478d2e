"""``cxpulse import``: a file into a canonical table (CSV, Parquet, JSON lines, Excel).

Registered by :mod:`cxpulse.cli.app` (``register(app)``); this module does not import the app
module. Library errors are cxpulse errors, which the app's command group prints as one line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from cxpulse import schema
from cxpulse.cli.options import WorkspaceOpt
from cxpulse.cli.options import open_workspace as _open
from cxpulse.errors import ConfigError
from cxpulse.ingest.presets import PRESETS

out = Console(soft_wrap=True, markup=False)
err = Console(stderr=True, soft_wrap=True, markup=False)


def _either(names: list[str]) -> str:
    """``a, b or c``: the choices of an option, for its help."""
    return " or ".join(filter(None, [", ".join(names[:-1]), *names[-1:]]))


def import_(
    file: Annotated[
        Path, typer.Argument(help="CSV, Parquet, JSON-lines or Excel (.xlsx, .xls, .ods) file.")
    ],
    table: Annotated[
        str | None,
        typer.Option(
            "--table",
            "-t",
            help=f"Canonical table: {', '.join(schema.TABLES)} (with --preset: the preset's).",
        ),
    ] = None,
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", "-m", help="Rename a column: their_col=our_col (repeatable)."),
    ] = None,
    mapping: Annotated[
        Path | None, typer.Option(help="Saved mapping file (YAML or JSON: their_col: our_col).")
    ] = None,
    on_error: Annotated[
        str,
        typer.Option(
            help="fail: refuse the whole file if a row is bad. skip: import the good rows "
            "and write the bad ones with reasons to --rejects.",
        ),
    ] = "fail",
    rejects: Annotated[
        Path | None, typer.Option(help="Where --on-error skip writes bad rows.")
    ] = None,
    source: Annotated[
        str | None, typer.Option(help="Source recorded on each row (default: the file name).")
    ] = None,
    preset: Annotated[
        str | None,
        typer.Option(
            help=f"A vendor's export: {_either(PRESETS.builtins().names())} (maps its "
            "columns into the preset's table; --map still wins)."
        ),
    ] = None,
    sheet: Annotated[
        str | None, typer.Option(help="Excel: the sheet to read (default: the first).")
    ] = None,
    separator: Annotated[
        str | None,
        typer.Option(
            help="CSV: the column separator, one character, tab, or whitespace (columns "
            "aligned with spaces). Default: guessed from the first line."
        ),
    ] = None,
    header: Annotated[
        bool,
        typer.Option(
            "--header/--no-header", help="Whether the first line names the columns (CSV, Excel)."
        ),
    ] = True,
    columns_: Annotated[
        str | None,
        typer.Option(
            "--columns",
            help="Names of the file's columns in order, comma-separated: for a file without a "
            "header, or instead of its header.",
        ),
    ] = None,
    date_format: Annotated[
        str | None,
        typer.Option(help="Read every date with this format, e.g. %Y%m%d for 19970101."),
    ] = None,
    generate_id: Annotated[
        bool,
        typer.Option(
            "--generate-id",
            help="Make the table's key for a file without one, from each row's content: "
            "the same file gives the same keys, so a re-import still changes nothing.",
        ),
    ] = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Import a file into a canonical table. Re-importing the same file changes nothing."""
    from cxpulse.ingest import load_mapping, parse_map_options
    from cxpulse.ingest.readers import ReadOptions

    if on_error not in ("fail", "skip"):
        raise ConfigError(f"--on-error takes fail or skip, not {on_error!r}")
    if table is None and not preset:
        raise ConfigError(
            f"say which table the file fills: --table {' | '.join(schema.TABLES)}, "
            "or --preset for a vendor's export"
        )
    if table is not None and table not in schema.TABLES:
        schema.table(table)  # raises the list of tables
    columns: dict[str, str] = {}
    if mapping:
        columns.update(load_mapping(mapping))
    columns.update(parse_map_options(map_ or []))
    with _open(workspace) as ws:
        report = ws.import_file(
            file,
            table,
            mapping=columns,
            on_error="skip" if on_error == "skip" else "fail",
            rejects_path=rejects,
            source=source,
            preset=preset,  # --map and --mapping override the preset's choices
            progress=lambda line: err.print(line, style="dim", highlight=False),
            read=ReadOptions(
                separator=separator,
                header=header,
                columns=tuple(c.strip() for c in columns_.split(",")) if columns_ else (),
                sheet=sheet,
            ),
            date_format=date_format,
            generate_id=generate_id,
        )
    out.print(report.summary(), highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``import`` to the main app."""
    app.command("import")(import_)
