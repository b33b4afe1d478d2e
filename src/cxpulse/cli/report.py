"""``cxpulse report NAME``: any report of the registry (:data:`cxpulse.reports.REPORTS`) in
the terminal, as its headline tables or as exactly the JSON its web twin answers; ``cxpulse
report --list`` lists them with their parameters.

Registered by :mod:`cxpulse.cli.app` (``register(app)``). The report's parameters come from
the common options (``--from``, ``--to``, ``--by``, ``--segment``, ``--filter``,
``--metric``, ``--period``) or ``--set name=value``; one the report does not take is refused
with the ones it does. A program embedding the CLI may hand its own workspace (with reports
of its own registered) as the command's context object.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import quote

import typer
from rich import box
from rich.console import Console
from rich.table import Table as RichTable

from cxpulse.cli import render
from cxpulse.cli.options import WorkspaceOpt
from cxpulse.cli.options import open_workspace as _open
from cxpulse.errors import QueryError
from cxpulse.kinds import Registry
from cxpulse.metrics.periods import parse_day
from cxpulse.metrics.spec import REGISTRY as METRICS
from cxpulse.reports import REPORTS, Direct, Report, Table, run
from cxpulse.workspace import Workspace

out = Console(soft_wrap=True, markup=False)
TWIN = "/api/v1/reports/{}"  # the web app's JSON twin of a report


class ReportFormat(StrEnum):
    table = "table"
    json = "json"


def _opt(help: str, *names: str) -> Any:
    return typer.Option(*names, help=help, show_default=False)


Many = list[str] | None


@contextmanager
def _workspace(ctx: typer.Context, workspace: str | None) -> Iterator[Workspace]:
    if isinstance(ctx.obj, Workspace):  # handed in by the program that runs the CLI
        yield ctx.obj
        return
    with _open(workspace) as ws:
        yield ws


def report(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="The report (see --list).")] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the reports.")] = False,
    from_: Annotated[str | None, _opt("First day (local), ISO.", "--from")] = None,
    to: Annotated[str | None, _opt("Last day (local), ISO.", "--to")] = None,
    by: Annotated[str | None, _opt("Period grain (week, month, quarter, year).")] = None,
    segment: Annotated[str | None, _opt("Segment of a breakdown.")] = None,
    filter_: Annotated[Many, _opt("column=value or column=a,b (repeatable).", "--filter")] = None,
    metric: Annotated[Many, _opt("A metric (repeatable where the report takes several).")] = None,
    period: Annotated[str | None, _opt("One period, e.g. 2026-10.")] = None,
    set_: Annotated[Many, _opt("Any other parameter: name=value (repeatable).", "--set")] = None,
    as_of: Annotated[str | None, _opt("The day it is made as of (default: today, local).")] = None,
    format_: Annotated[ReportFormat, typer.Option("--format", "-f")] = ReportFormat.table,
    via: Annotated[
        str | None,
        _opt(
            "Ask a running `cxpulse serve` at this URL instead of opening the workspace, "
            "which the server holds (its built-in reports; API token in CXPULSE_TOKEN)."
        ),
    ] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """A report (the dashboard's pages: scorecard, feedback, revenue, support...)."""
    if list_ or name is None:
        _list(ctx, workspace, via, format_)
        return
    given = {"from": from_, "to": to, "by": by, "segment": segment, "period": period}
    raw: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
    raw |= {k: v for k, v in (("filter", filter_), ("metric", metric)) if v}
    raw |= _pairs(set_ or [])
    if via:
        chosen, data = _ask(via, name, raw, as_of)
    else:
        with _workspace(ctx, workspace) as ws:
            chosen = _report(ws.kinds[REPORTS], name)
            today = parse_day(as_of, "as_of")
            data = run(Direct(ws, today), chosen, _one_metric(chosen, raw))
    if format_ is ReportFormat.json:
        out.print_json(render.to_json(data))  # exactly what /api/v1/reports/NAME answers
        return
    for table in chosen.tables(data):
        render.print_table(out, rich_table(table))


def _report(reports: Registry[type[Report]], name: str) -> type[Report]:
    """The report called ``name``; a metric's name points to the report that shows one."""
    if name not in reports and name in METRICS.names():
        raise QueryError(
            f"{name} is a metric, not a report: `cxpulse report metric --metric {name}` "
            f"(or `cxpulse metric {name}`); reports: {', '.join(reports.names())}"
        )
    return reports.get(name)


def _ask(
    via: str, name: str, raw: dict[str, Any], as_of: str | None
) -> tuple[type[Report], dict[str, Any]]:
    """The report from the server at ``via``: the parameters are checked here first (a typo
    costs no request), the table is drawn by the built-in report of that name."""
    from cxpulse.cli import client

    if as_of:
        raise QueryError("--as-of needs the workspace: with --via the server's clock decides")
    chosen = _report(REPORTS.builtins(), name)
    raw = _one_metric(chosen, raw)
    chosen.parse(raw)
    pairs = [(k, str(x)) for k, v in raw.items() for x in (v if isinstance(v, list) else [v])]
    data: dict[str, Any] = client.get_json(via, TWIN.format(quote(name, safe="")), pairs)
    return chosen, data


def _pairs(items: list[str]) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise QueryError(f"--set takes name=value, not {item!r}")
        raw[key.strip()] = value
    return raw


def _one_metric(chosen: type[Report], raw: dict[str, Any]) -> dict[str, Any]:
    # --metric is repeatable; a report taking one metric takes the one given
    takes = {p.name: p for p in chosen.params}
    if "metric" in raw and "metric" in takes and not takes["metric"].many:
        if len(raw["metric"]) > 1:
            raise QueryError(f"the {chosen.name} report takes one --metric")
        raw["metric"] = raw["metric"][0]
    return raw


def _list(
    ctx: typer.Context, workspace: str | None, via: str | None, format_: ReportFormat
) -> None:
    """The workspace's reports (the built-in ones with --via)."""
    if via:
        _print_list(list(REPORTS.builtins()), format_)
        return
    with _workspace(ctx, workspace) as ws:
        _print_list(list(ws.kinds[REPORTS]), format_)


def _print_list(reports: list[type[Report]], format_: ReportFormat) -> None:
    if format_ is ReportFormat.json:
        listing = [
            {
                "name": r.name,
                "title": r.title,
                "summary": r.summary,
                "params": [
                    {"name": p.name, "help": p.help, "default": p.default, "choices": p.choices}
                    for p in r.params
                ],
            }
            for r in reports
        ]
        out.print_json(render.to_json(listing))
        return
    table = RichTable(title="Reports", title_justify="left", box=box.SIMPLE_HEAD)
    for col in ("name", "what it shows", "parameters"):
        table.add_column(col, overflow="fold")
    for r in reports:
        table.add_row(r.name, r.summary, ", ".join(p.name for p in r.params))
    render.print_table(out, table)


def cell(value: Any) -> str:
    """A report's value as text: numbers with one decimal, a (low, high) pair as low..high."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple):
        return "-" if value[0] is None else "..".join(cell(v) for v in value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, date):
        return value.isoformat()
    return render.fmt(value)


def rich_table(table: Table) -> RichTable:
    out_table = RichTable(
        title=table.title,
        title_justify="left",
        caption="\n".join(table.notes) or None,
        caption_justify="left",
        box=box.SIMPLE_HEAD,
    )
    for col in table.columns:
        out_table.add_column(col)
    for row in table.rows:
        out_table.add_row(*(cell(v) for v in row))
    return out_table


def register(app: typer.Typer) -> None:
    app.command("report")(report)
