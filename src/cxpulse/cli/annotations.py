"""``cxpulse annotate``, ``cxpulse annotations`` and ``cxpulse impact``: events (an outage, a
release, a price change) recorded next to the metrics, and what they did to them. Thin
commands over :mod:`cxpulse.insights.annotations` and :mod:`cxpulse.insights.impact`."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from cxpulse.cli import render
from cxpulse.cli.options import Format, FormatOpt, WorkspaceOpt, open_workspace
from cxpulse.errors import ConfigError

if TYPE_CHECKING:
    from cxpulse.insights.impact import Impact

out = Console(soft_wrap=True, markup=False)
annotations_app = typer.Typer(
    help="Events the metrics are read against: list them, or remove one by id.",
    invoke_without_command=True,
)
LANGS = ("en", "fr")

LangOpt = Annotated[str, typer.Option("--lang", help="Language of the sentences: en or fr.")]


def _now() -> datetime:
    from cxpulse.automations.worker import utc_now

    return utc_now()


def annotate(
    day: Annotated[str, typer.Argument(help="The day it started, YYYY-MM-DD (local).")],
    label: Annotated[str, typer.Argument(help="What happened, e.g. 'Carrier outage'.")],
    until: Annotated[
        str | None, typer.Option(help="The last day it lasted (included), for an episode.")
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", help="A tag, e.g. outage (repeat for several).")
    ] = None,
    author: Annotated[str, typer.Option(help="Who records it.")] = "cli",
    workspace: WorkspaceOpt = None,
) -> None:
    """Record an event (outage, release, price change, campaign) to read the metrics against."""
    from cxpulse.insights.annotations import add_annotation

    with open_workspace(workspace) as ws:
        made = add_annotation(
            ws, day, label, until=until, tags=tag or (), author=author, now=_now()
        )
    span = f"{made.day} to {made.until}" if made.until else f"{made.day}"
    out.print(
        f"Annotation {made.annotation_id}: {made.label} ({span}). Its impact: "
        f"cxpulse impact {made.annotation_id}",
        highlight=False,
    )


@annotations_app.callback()
def annotations_default(
    ctx: typer.Context, format_: FormatOpt = Format.table, workspace: WorkspaceOpt = None
) -> None:
    """Events the metrics are read against: list them, or remove one by id."""
    ctx.obj = workspace  # `cxpulse annotations -w FILE remove 3` as well as `... remove 3 -w`
    if ctx.invoked_subcommand is None:  # `cxpulse annotations` alone lists them
        ctx.invoke(annotations_list, ctx, format_=format_, workspace=workspace)


@annotations_app.command("list")
def annotations_list(
    ctx: typer.Context,
    start: Annotated[str | None, typer.Option("--from", help="Overlapping from this day.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Overlapping up to this day.")] = None,
    format_: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
) -> None:
    """The annotations, by day (those overlapping --from..--to)."""
    import pandas as pd

    from cxpulse.cli.support import emit
    from cxpulse.insights.annotations import annotations_between

    with open_workspace(workspace or ctx.obj) as ws:
        found = annotations_between(ws, start, end)
    rows = [a.to_dict() | {"tags": ",".join(a.tags)} for a in found]
    columns = ["id", "day", "until", "label", "tags", "author", "created_at"]
    if format_ is Format.table:  # the table fits 80 columns; JSON and CSV have every field
        columns = columns[:-1]
    emit(pd.DataFrame(rows, columns=columns), format_, "Annotations")


@annotations_app.command("remove")
def annotations_remove(
    ctx: typer.Context,
    annotation_id: Annotated[str, typer.Argument(help="The annotation's id.")],
    workspace: WorkspaceOpt = None,
) -> None:
    """Remove one annotation by id."""
    from cxpulse.insights.annotations import remove_annotation

    with open_workspace(workspace or ctx.obj) as ws:
        gone = remove_annotation(ws, annotation_id)
    out.print(f"Removed annotation {gone.annotation_id}: {gone.label} ({gone.day})")


def impact(
    name_or_id: Annotated[str, typer.Argument(help="The annotation's id or label.")],
    metric: Annotated[
        list[str] | None,
        typer.Option("--metric", help="A metric to compare (repeat); default: the scorecard's."),
    ] = None,
    days: Annotated[
        int | None,
        typer.Option(help="Days in each window (default: the event's span, else 28)."),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option(help="Take this day as today (default: today, local).")
    ] = None,
    lang: LangOpt = "en",
    format_: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
) -> None:
    """Before and after an annotated event: each metric over equal windows, with intervals."""
    from cxpulse.insights.impact import impact as compare

    if lang not in LANGS:
        raise ConfigError(f"--lang {lang!r}: use en or fr")
    if format_ is Format.csv:
        raise ConfigError("--format csv: impact is shown as a table or JSON")
    with open_workspace(workspace) as ws:
        found = compare(ws, name_or_id, metrics=metric, days=days, as_of=as_of)
    if format_ is Format.json:
        out.print_json(render.to_json(found.to_dict()))
        return
    print_impact(found, lang)


def print_impact(found: Impact, lang: str) -> None:
    b, a = found.before, found.after
    conf = render.level(found.confidence)
    # the sentence and the windows first: as a title it would widen the table past 80 columns
    out.print(found.headline(lang), highlight=False)
    out.print(f"before: {b.start}..{b.end}, after: {a.start}..{a.end}", highlight=False)
    table = Table(
        caption=f"* significant at {conf}",
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    # as the scorecard's table: one unit per row, for every number in it (a % changes by points)
    table.add_column("metric", overflow="fold")
    table.add_column("unit", no_wrap=True)
    for name in ("before", "after", "change", f"{conf} CI", "p", "n after"):
        table.add_column(name, justify="right", no_wrap=True)
    for r in found.rows:
        digits = render.digits_for(r.after.value, r.unit)
        interval = (
            f"{render.fmt(r.ci_low, digits)}..{render.fmt(r.ci_high, digits)}"
            if r.ci_low is not None
            else "-"
        )
        table.add_row(
            r.metric,
            render.short_unit(r.unit),
            render.fmt(r.before.value, digits),
            render.fmt(r.after.value, digits),
            render.signed(r.change, digits) + (" *" if r.significant else ""),
            interval,
            _p(r.p_value),
            f"{r.after.n:,}",
        )
    render.print_table(out, table)
    for caveat in found.caveats(lang):
        out.print(f"Note: {caveat}", highlight=False)
    for r in found.rows:
        out.print(f"- {r.headline(lang)}", highlight=False)


def _p(p: float | None) -> str:
    if p is None:
        return "-"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def register(app: typer.Typer) -> None:
    """Add ``annotate``, ``annotations`` and ``impact`` to the cxpulse command."""
    app.command()(annotate)
    app.add_typer(annotations_app, name="annotations")
    app.command()(impact)
