"""``cxpulse text ...``: sentiment and themes of comments, tickets and mentions.

Registered by :mod:`cxpulse.cli.app` (``register(app)``); this module does not import the app
module. Library errors are cxpulse errors, which the app's command group turns into one line.
"""

from __future__ import annotations

import sys
import time
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cxpulse.cli import render
from cxpulse.cli.options import Format, FormatOpt, WorkspaceOpt
from cxpulse.cli.options import open_workspace as _open
from cxpulse.csvout import frame_csv
from cxpulse.errors import ConfigError
from cxpulse.metrics.periods import GRAINS

out = Console(soft_wrap=True, markup=False)
err = Console(stderr=True, soft_wrap=True, markup=False)
text_app = typer.Typer(help="Sentiment and themes of comments, ticket subjects and mentions.")


TablesOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--table", "-t", help="survey_responses, tickets or mentions (repeatable; default all)."
    ),
]
TaxonomyOpt = Annotated[
    str | None,
    typer.Option(
        help="Your copy of the theme taxonomy (YAML); default: the workspace's theme_taxonomy "
        "setting, else the built-in one."
    ),
]


def _tables(items: list[str] | None) -> tuple[str, ...]:
    from cxpulse.text.annotate import DEFAULT_TABLES

    return tuple(t for item in items or [] for t in item.split(",") if t) or DEFAULT_TABLES


def _analyzers(items: list[str] | None) -> dict[str, str]:
    chosen: dict[str, str] = {}
    for item in items or []:
        lang, sep, name = item.partition("=")
        if not sep or not name:
            raise ConfigError(
                f"--analyzer takes LANG=NAME, e.g. fr=sklearn:model.joblib; got {item!r}"
            )
        chosen[lang.strip()] = name.strip()
    return chosen


def _emit(
    df: pd.DataFrame, format_: Format, title: str, empty: str, percent: tuple[str, ...] = ()
) -> None:
    """Print ``df``; the ``percent`` columns (percentages, as every share cxpulse reports) say
    so in their heading and get one decimal, other numbers three."""
    if format_ is Format.json:
        out.print_json(render.to_json(render.frame_records(df)))
    elif format_ is Format.csv:
        sys.stdout.write(frame_csv(df))
    elif df.empty:
        out.print(empty)
    else:
        table = Table(title=title, title_justify="left")
        for col in df.columns:
            table.add_column(
                f"{col} %" if col in percent else str(col),
                justify="right" if df[col].dtype.kind in "fi" else "left",
            )
        digits = [1 if col in percent else 3 for col in df.columns]
        for row in df.itertuples(index=False):
            table.add_row(
                *(
                    render.fmt(v, d) if isinstance(v, float) else str(v)
                    for v, d in zip(row, digits, strict=True)
                )
            )
        render.print_table(out, table)


@text_app.command("score")
def score(
    table: TablesOpt = None,
    analyzer: Annotated[
        list[str] | None,
        typer.Option(
            help="LANG=NAME: cxpulse-en, vader, cxpulse-fr, textblob-fr, sklearn:PATH or "
            "transformers:DIR (repeatable)."
        ),
    ] = None,
    taxonomy: TaxonomyOpt = None,
    only_new: Annotated[
        bool, typer.Option(help="Skip rows annotated from their current text (after an import).")
    ] = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Annotate texts with language, sentiment and themes (into table text_annotations)."""
    from cxpulse.text.annotate import score_workspace

    started = time.perf_counter()
    with _open(workspace) as ws:
        written = score_workspace(
            ws,
            _tables(table),
            analyzers=_analyzers(analyzer),
            taxonomy=taxonomy,
            only_new=only_new,
            progress=lambda line: err.print(line, style="dim", highlight=False),
        )
    total = sum(written.values())
    out.print(
        f"{total:,} texts annotated in {time.perf_counter() - started:.1f} s "
        f"({', '.join(f'{n:,} {t}' for t, n in written.items())}).",
        highlight=False,
    )


@text_app.command("themes")
def themes(
    by: Annotated[str, typer.Option(help=f"Period: {', '.join(GRAINS)}.")] = "month",
    table: TablesOpt = None,
    from_: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
    to: Annotated[str | None, typer.Option(help="Last day (included), YYYY-MM-DD.")] = None,
    by_table: Annotated[bool, typer.Option(help="One row per source table too.")] = False,
    format_: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
) -> None:
    """Volume and mean sentiment of each theme per period (run `cxpulse text score` first)."""
    from cxpulse.text.trends import theme_trends

    with _open(workspace) as ws:
        df = theme_trends(ws, by, tables=_tables(table), start=from_, end=to, by_table=by_table)
    shown = df.drop(columns=["period_start"]) if format_ is Format.table else df
    _emit(
        shown,
        format_,
        f"Themes by {by}",
        "No annotated texts: run `cxpulse text score`.",
        percent=("share", "negative_share"),
    )


@text_app.command("churn")
def churn(
    days: Annotated[int, typer.Option(help="Churn window after the comment, in days.")] = 90,
    table: TablesOpt = None,
    negative: Annotated[bool, typer.Option(help="Only comments labelled negative.")] = False,
    as_of: Annotated[
        str | None, typer.Option(help="End of the data, YYYY-MM-DD (default: last subscription).")
    ] = None,
    format_: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
) -> None:
    """Themes that precede churn: share of customers churning within DAYS after one."""
    from cxpulse.text.trends import themes_before_churn

    with _open(workspace) as ws:
        df = themes_before_churn(
            ws, days, tables=_tables(table), as_of=as_of, only_negative=negative
        )
    _emit(
        df,
        format_,
        f"Churn within {days} days after a comment",
        "No comments to measure.",
        percent=("share", "ci_low", "ci_high"),
    )


@text_app.command("discover")
def discover(
    clusters: Annotated[int, typer.Option(help="How many clusters to form.")] = 8,
    table: TablesOpt = None,
    taxonomy: TaxonomyOpt = None,
    examples: Annotated[int, typer.Option(help="Example comments per cluster.")] = 3,
    format_: FormatOpt = Format.table,
    workspace: WorkspaceOpt = None,
) -> None:
    """Cluster the texts that match no theme, to find topics the taxonomy lacks."""
    from cxpulse.text.annotate import SOURCES
    from cxpulse.text.discover import discover as find

    texts: list[str] = []
    with _open(workspace) as ws:
        for name in _tables(table):
            if name not in SOURCES:
                raise ConfigError(f"no text to analyse in {name}; use {', '.join(SOURCES)}")
            col = ws.table(name)[SOURCES[name].text]
            texts.extend(t for t in col.execute().tolist() if isinstance(t, str))
        chosen = taxonomy or ws.settings.theme_taxonomy or None
    found = find(texts, n_clusters=clusters, taxonomy=chosen, examples=examples)
    if format_ is not Format.table:
        df = pd.DataFrame([c.as_dict() for c in found])
        if format_ is Format.csv and not df.empty:
            df["top_terms"] = df["top_terms"].str.join(", ")
            df["examples"] = df["examples"].str.join(" | ")
        _emit(df, format_, "", "")
        return
    if not found:
        out.print("Every text matches a theme (or there are too few to cluster).")
        return
    for c in found:
        out.print(
            Text.assemble(
                (f"{c.id}.", "bold"),
                f" {c.size:,} texts ({c.share:.0f} % of unmatched): {', '.join(c.top_terms)}",
            ),
            highlight=False,
        )
        for example in c.examples:
            out.print(f"   « {example} »", highlight=False)


@text_app.command("evaluate")
def evaluate(
    analyzer: Annotated[
        list[str] | None, typer.Option(help="LANG=NAME to evaluate instead of the default.")
    ] = None,
    taxonomy: TaxonomyOpt = None,
) -> None:
    """Accuracy and macro-F1 on the labelled comments shipped with cxpulse, per language."""
    from cxpulse.text.evaluate import Part, evaluate_sentiment, evaluate_themes

    chosen = _analyzers(analyzer)
    for lang in ("en", "fr"):
        parts: tuple[tuple[Part, str], ...] = (("all", "all rows"), ("held_out", "held-out"))
        for part, label in parts:
            s = evaluate_sentiment(lang, chosen.get(lang), part=part)
            t = evaluate_themes(lang, taxonomy, part=part)
            out.print(
                f"{s.summary()}, {label}; themes precision {t.precision:.3f}, "
                f"recall {t.recall:.3f}",
                highlight=False,
            )
    out.print("Held-out rows: the odd rows, never looked at while tuning the shipped lexicons.")


def register(app: typer.Typer) -> None:
    """Add the ``text`` group to the cxpulse command."""
    app.add_typer(text_app, name="text")
