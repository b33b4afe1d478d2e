"""What every command group shares: the workspace and format options, opening the workspace,
and --filter parsing. One definition, so every command reads them the same way."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from cxpulse.errors import ConfigError
from cxpulse.workspace import ENV_VAR, Workspace, default_location


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


def open_workspace(workspace: str | None) -> Workspace:
    ws = Workspace.open(workspace or default_location())
    if ws.store.read_only:  # said once, on open; a write later is refused with the reason
        typer.echo(f"Note: {ws.store.location} is open read-only ({ws.store.read_only}).", err=True)
    return ws


def parse_filters(items: list[str] | None) -> dict[str, Any]:
    """``col=value`` (``col=a,b`` for several values) into the engine's filters mapping."""
    filters: dict[str, Any] = {}
    for item in items or []:
        col, sep, value = item.partition("=")
        if not sep or not col.strip():
            raise ConfigError(f"--filter takes column=value, e.g. channel=email; got {item!r}")
        values = [v.strip() for v in value.split(",")]
        filters[col.strip()] = values if len(values) > 1 else values[0]
    return filters
