"""``cxpulse pages`` (problem pages) and ``cxpulse cx-index ...``: thin commands over the library.

Registered by :mod:`cxpulse.cli.app` (``register(app)``); this module does not import the app
module, so importing it first cannot create an import cycle. Library errors are cxpulse
errors, which the app's command group turns into one message.
"""

from __future__ import annotations

import sys
from datetime import date
from enum import StrEnum
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from cxpulse.cli import render
from cxpulse.cli.options import Format, FormatOpt, WorkspaceOpt
from cxpulse.cli.options import open_workspace as _open
from cxpulse.csvout import frame_csv
from cxpulse.errors import ConfigError
from cxpulse.metrics import cx_weights as cw
from cxpulse.metrics.periods import GRAINS, parse_day
from cxpulse.metrics.selection import parse_filters as _filters

out = Console(soft_wrap=True, markup=False)
err = Console(stderr=True, soft_wrap=True, markup=False)


class Rate(StrEnum):
    exit = "exit"
    bounce = "bounce"


FromOpt = Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")]
ToOpt = Annotated[str | None, typer.Option("--to", help="Last day (included), YYYY-MM-DD.")]
FilterOpt = Annotated[
    list[str] | None,
    typer.Option("--filter", help="Keep rows where column=value (a,b for several)."),
]

cx_app = typer.Typer(help="The CX index: values, components and versioned weights.")


def pages(
    rate: Annotated[Rate, typer.Option("--rate", help="Rank by exit rate or bounce rate.")] = (
        Rate.exit
    ),
    variant: Annotated[
        str | None, typer.Option(help="Variant of the rate, e.g. single_page for bounce.")
    ] = None,
    min_views: Annotated[
        int | None,
        typer.Option(help="Fewest views (landing sessions for bounce) to flag a page [min_n]."),
    ] = None,
    margin: Annotated[
        float, typer.Option(help="Points the interval's low end must clear the site rate by.")
    ] = 5.0,
    top: Annotated[int, typer.Option(help="Pages shown in the table (0: all).")] = 15,
    from_: FromOpt = None,
    to: ToOpt = None,
    filter_: FilterOpt = None,
    format_: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
) -> None:
    """Problem pages: exit or bounce rate abnormally high for their traffic, worst first."""
    from cxpulse.metrics.pages import problem_pages

    with _open(workspace) as ws:
        report = problem_pages(
            ws,
            metric=f"{rate.value}_rate",
            variant=variant,
            start=from_,
            end=to,
            min_views=min_views,
            margin=margin,
            filters=_filters(filter_),
        )
    if format_ is Format.json:
        out.print_json(render.to_json(report.to_dict()))
        return
    if format_ is Format.csv:
        sys.stdout.write(frame_csv(report.pages))
        return
    if report.pages.empty:
        out.print("No page views in this range.")
        return
    shown = report.pages.head(top) if top > 0 else report.pages
    table = Table(
        title=f"Problem pages by {rate.value} rate (site: {render.fmt(report.site_rate)} %)",
        title_justify="left",
    )
    for col, justify in (("rank", "right"), ("page", "left"), ("views", "right"),
                         ("rate %", "right"), ("interval", "right"), ("excess", "right"),
                         ("p", "right")):  # fmt: skip
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for r in shown.to_dict("records"):
        table.add_row(
            str(r["rank"] or ""),
            str(r["page"]),
            f"{r['views']:,}",
            render.fmt(r["rate"]),
            f"{render.fmt(r['ci_low'])}-{render.fmt(r['ci_high'])}",
            render.signed(r["excess"]),
            f"{r['p_value']:.2g}",
        )
    render.print_table(out, table)
    flagged = len(report.flagged)
    out.print(
        f"{flagged} page{'s' if flagged != 1 else ''} flagged: at least "
        f"{report.min_views} views and the interval's low end more than "
        f"{report.margin:g} points above the site rate. {report.definition}",
        style="dim",
        highlight=False,
    )


@cx_app.command("show")
def cx_show(
    by: Annotated[str, typer.Option(help=f"Period: {', '.join(GRAINS)}.")] = "month",
    segment: Annotated[
        list[str] | None, typer.Option(help="Split by a customer column, e.g. customer.segment.")
    ] = None,
    from_: FromOpt = None,
    to: ToOpt = None,
    filter_: FilterOpt = None,
    format_: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
) -> None:
    """The CX index by period: each component, its weight and contribution; '*' marks a
    period where the weights version in effect changed (history recomputed with the current
    weights, 'then' = with the weights of the time)."""
    from cxpulse.metrics.cx_index import HALF, cx_index_report

    segments = [s for item in segment or [] for s in item.split(",") if s]
    with _open(workspace) as ws:
        report = cx_index_report(
            ws, by=by, start=from_, end=to, segment=segments, filters=_filters(filter_)
        )
    if format_ is Format.json:
        out.print_json(render.to_json(report.to_dict()))
        return
    if format_ is Format.csv:
        sys.stdout.write(frame_csv(report.frame))
        return
    _print_weights(report.weights)
    if report.frame.empty:
        out.print("No answers or tickets in this range.")
        return
    names = list(report.weights.weights)
    frame = report.frame
    changed_weights = (frame["cx_index_then"] - frame["cx_index"]).abs().fillna(1).gt(1e-9).any()
    table = Table(title=f"CX index by {by}", title_justify="left", box=box.SIMPLE_HEAD)
    heads = ["period", *segments, "index", *(["then"] if changed_weights else []), *names]
    for col in [*heads, "measured", "n", "weights", "note"]:
        table.add_column(col, justify="left" if col in ("period", *segments, "note") else "right")
    for r in frame.to_dict("records"):
        note = []
        if r.get("partial"):
            note.append("partial period")
        if r.get("low_n"):
            note.append("few answers")
        table.add_row(
            str(r["period"]),
            *[str(r[s]) for s in segments],
            render.fmt(r["cx_index"]),
            *([render.fmt(r["cx_index_then"])] if changed_weights else []),
            *[render.fmt(r[f"{c}_contribution"]) for c in names],
            f"{r['measured_weight']:.0%}",
            f"{r['n']:,}",
            f"v{r['weights_version']}" + (" *" if r["weights_changed"] else ""),
            ", ".join(note),
        )
    render.print_table(out, table)
    thin = frame[frame["measured_weight"] < HALF]
    if not thin.empty:
        err.print(
            f"Warning: in {len(thin)} of {len(frame)} periods less than half of the "
            f"weights had data ({', '.join(sorted(set(thin['missing'])))} missing): the index "
            "there is mostly the components that were measured.",
            style="yellow",
            highlight=False,
        )
    out.print(
        "Under each component: the points it adds to the index (its 0-100 value x its "
        "weight, renormalised over the components with data; '-' = no data); 'measured': the "
        "share of the weights with data. 'then': the "
        "index with the weights in effect at the time; * = the weights version changed."
        " --format json or csv for the component values.",
        style="dim",
        highlight=False,
    )


def _print_weights(version: cw.WeightsVersion) -> None:
    shown = ", ".join(f"{c} {w:.0%}" for c, w in version.weights.items())
    out.print(
        f"Weights v{version.version} ({version.preset}, from {version.effective_from}): {shown}",
        highlight=False,
    )


@cx_app.command("weights")
def cx_weights(format_: FormatOpt = Format.table, workspace: WorkspaceOpt = None) -> None:
    """Every weights version with the day it took effect; the last one is current."""
    with _open(workspace) as ws:
        versions = cw.history(ws.store)
    if format_ is not Format.table:
        rows = [v.to_dict() for v in versions]
        if format_ is Format.json:
            out.print_json(render.to_json(rows))
        else:
            import pandas as pd

            sys.stdout.write(frame_csv(pd.DataFrame(rows)))
        return
    table = Table(title="CX index weights", title_justify="left")
    for col in ("version", "from", "preset", "weights", "note"):
        table.add_column(col)
    for v in versions:
        weights = ", ".join(f"{c} {w:.0%}" for c, w in v.weights.items())
        table.add_row(f"v{v.version}", str(v.effective_from), v.preset, weights, v.note)
    render.print_table(out, table)
    presets = "; ".join(f"{name}: {doc}" for name, doc in cw.PRESET_DOCS.items())
    out.print(f"Presets - {presets}", style="dim", highlight=False)


@cx_app.command("set-weights")
def cx_set_weights(
    preset: Annotated[
        str | None, typer.Option(help=f"Start from a preset: {', '.join(cw.PRESETS)}.")
    ] = None,
    weight: Annotated[
        list[str] | None,
        typer.Option(help="component=weight (repeatable), e.g. nps=0.4; scaled to sum to 1."),
    ] = None,
    from_: Annotated[
        str | None, typer.Option("--from", help="Day the weights take effect (default today).")
    ] = None,
    note: Annotated[str, typer.Option(help="Why the weights changed.")] = "",
    workspace: WorkspaceOpt = None,
) -> None:
    """Store a new weights version; the whole history is recomputed with it."""
    weights: dict[str, float] = {}
    for item in weight or []:
        name, sep, value = item.partition("=")
        try:
            weights[name.strip()] = float(value.replace(",", "."))
        except ValueError:
            sep = ""
        if not sep or not name.strip():
            raise ConfigError(f"--weight takes component=number, e.g. nps=0.4; got {item!r}")
    day: date | None = parse_day(from_, "--from")
    with _open(workspace) as ws:
        version = cw.set_weights(
            ws.store, preset=preset, weights=weights or None, effective_from=day, note=note
        )
    _print_weights(version)


def register(app: typer.Typer) -> None:
    app.command("pages")(pages)
    app.add_typer(cx_app, name="cx-index")
