"""What every command group shares: the workspace and format options and opening the
workspace. One definition, so every command reads them the same way (--filter is parsed by
:func:`cxpulse.metrics.selection.parse_filters`, which the web API shares)."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from cxpulse.settings import ENV_VAR, default_location

if TYPE_CHECKING:  # imported when a command opens it: `cxpulse --help` loads no store
    from cxpulse.workspace import Workspace


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


WorkspaceOpt = Annotated[
    str | None,
    typer.Option(
        "--workspace",
        "-w",
        envvar=ENV_VAR,
        help="Workspace: a DuckDB file path or an Ibis URL. Default: ./cxpulse.duckdb.",
        show_default=False,
    ),
]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]


def open_workspace(workspace: str | None, *, create: bool = False) -> Workspace:
    """``create``: a file that does not exist yet becomes a new workspace (for commands that
    fill one, like `parquet import`); otherwise it is refused, so a typo makes nothing."""
    from cxpulse.workspace import Workspace

    ws = Workspace.open(workspace or default_location(), create=create)
    if ws.store.read_only:  # said once, on open; a write later is refused with the reason
        typer.echo(f"Note: {ws.store.location} is open read-only ({ws.store.read_only}).", err=True)
    return ws
