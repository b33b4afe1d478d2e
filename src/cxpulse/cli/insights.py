"""``cxpulse insights``: what changed in a period, ranked, in English or French, each finding
with its evidence (Why: the themes that rose and quotes; Cost: the customers behind it;
Events: the annotations of the period) and the negatives→churn link at the end; as a table,
exactly the JSON that ``GET /api/v1/insights`` answers, or Markdown to paste in a note.

Registered by :mod:`cxpulse.cli.app` (``register(app)``). Library errors (an unfinished
period, an unknown metric) are cxpulse errors, which the app turns into one line.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from cxpulse.cli import render
from cxpulse.cli.options import WorkspaceOpt
from cxpulse.cli.options import open_workspace as _open

out = Console(soft_wrap=True, markup=False)


class InsightsFormat(StrEnum):
    table = "table"
    json = "json"
    md = "md"


class Compare(StrEnum):
    previous = "previous"
    year = "year"
    baseline = "baseline"


class Lang(StrEnum):
    en = "en"
    fr = "fr"


def insights(
    period: Annotated[
        str | None,
        typer.Option(
            help="The period, e.g. 2025-11 (default: the last complete one).", show_default=False
        ),
    ] = None,
    by: Annotated[
        str | None,
        typer.Option(
            help="Period grain: day, week, month, quarter, year (default: the "
            "period's, else month).",
            show_default=False,
        ),
    ] = None,
    compare: Annotated[
        Compare,
        typer.Option(
            help="Compare with the previous period, the same one a year before, or each "
            "metric's expected band from its history (baseline: totals only)."
        ),
    ] = Compare.previous,
    metric: Annotated[
        list[str] | None,
        typer.Option(
            help="A metric to look at (repeatable; default: the scorecard's).", show_default=False
        ),
    ] = None,
    format_: Annotated[
        InsightsFormat, typer.Option("--format", "-f", help="Output format.")
    ] = InsightsFormat.table,
    lang: Annotated[Lang, typer.Option(help="Language of the sentences.")] = Lang.en,
    as_of: Annotated[
        str | None,
        typer.Option(help="The day it is made as of (default: today, local).", show_default=False),
    ] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """What changed significantly in a period, ranked, with why and what it costs.

    Every metric overall and by segment; under each worsening the themes that rose in the
    comments (with quotes), the customers behind it and their MRR, and the period's events."""
    from cxpulse.insights.run import insights as run

    with _open(workspace) as ws:
        result = run(
            ws, period=period, by=by, compare=compare.value, metrics=metric or None, as_of=as_of
        )
        confidence = ws.settings.confidence
    data = result.to_dict(lang.value)
    if format_ is InsightsFormat.json:
        out.print_json(render.to_json(data))
    elif format_ is InsightsFormat.md:
        out.print(markdown(data, lang.value), highlight=False)
    else:
        out.print(data["headline"], highlight=False)
        if data["findings"]:
            render.print_table(out, table(data, lang.value, confidence))
        _link(data, lang.value)
        _skipped(data, lang.value)


HEADERS = {
    "en": ("#", "Finding", "q", "Caveats and where it comes from"),
    "fr": ("#", "Constat", "q", "Réserves et origine"),
}
SKIPPED = {"en": "Not tested: ", "fr": "Non testés\u202f: "}
# what each line of a finding's evidence is, as the reader sees it
PARTS = {
    "why": {"en": "Why: ", "fr": "Pourquoi\u202f: "},
    "quote": {"en": "  ", "fr": "  "},
    "cost": {"en": "Cost: ", "fr": "Coût\u202f: "},
    "event": {"en": "Events: ", "fr": "Événements\u202f: "},
}
LINK = {"en": "Experience and churn: ", "fr": "Expérience et attrition\u202f: "}


def table(data: dict[str, Any], lang: str, confidence: float) -> Table:
    t = Table(box=box.SIMPLE_HEAD, show_lines=False)
    for i, head in enumerate(HEADERS[lang]):
        t.add_column(head, justify="right" if i in (0, 2) else "left", overflow="fold")
    for rank, f in enumerate(data["findings"], start=1):
        notes = [c["text"] for c in f["caveats"]] + _origins(f, lang)
        headline = "\n".join([f["headline"], *evidence_lines(f, lang)])
        t.add_row(str(rank), headline, _q(f["q_value"], lang)[2:], "\n".join(notes))
    return t


def evidence_lines(finding: dict[str, Any], lang: str) -> list[str]:
    """A finding's evidence as lines: "Why: ...", its quotes indented, "Cost: ...",
    "Events: ..."."""
    return [PARTS[e["part"]][lang] + e["text"] for e in finding.get("evidence_lines", [])]


def _link(data: dict[str, Any], lang: str) -> None:
    if data.get("negatives_link"):
        out.print(LINK[lang] + data["negatives_link"]["headline"][lang], highlight=False)


def _origins(finding: dict[str, Any], lang: str) -> list[str]:
    """Where a total's change comes from: the top segment of its first two decompositions."""
    from cxpulse.insights.explain import origin

    found = (origin(ev, lang) for ev in finding["evidence"][:2])
    return [line for line in found if line]


def _q(q: float | None, lang: str) -> str:
    from cxpulse.insights.findings import p_text

    return f"q {p_text(q, lang)}"


def _skipped(data: dict[str, Any], lang: str) -> None:
    if data["skipped"]:
        listed = "; ".join(f"{m}: {why}" for m, why in data["skipped"].items())
        out.print(f"{SKIPPED[lang]}{listed}", highlight=False)


def markdown(data: dict[str, Any], lang: str) -> str:
    """The findings as a Markdown list, each with its caveats and the segment it comes from."""
    lines = [f"**{data['headline']}**", ""]
    for rank, f in enumerate(data["findings"], start=1):
        q = f" ({_q(f['q_value'], lang)})" if f["q_value"] is not None else ""
        lines.append(f"{rank}. {f['headline']}{q}")
        lines += [f"   - {c['text']}" for c in f["caveats"]]
        lines += [f"   - {o}" for o in _origins(f, lang)]
        for e in f.get("evidence_lines", []):
            indent = "     - " if e["part"] == "quote" else "   - "
            label = "" if e["part"] == "quote" else PARTS[e["part"]][lang]
            lines.append(f"{indent}{label}{e['text']}")
    if data.get("negatives_link"):
        lines += ["", LINK[lang] + data["negatives_link"]["headline"][lang]]
    if data["skipped"]:
        lines += [
            "",
            f"_{SKIPPED[lang]}" + "; ".join(f"{m}: {w}" for m, w in data["skipped"].items()) + "_",
        ]
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    """Add ``insights`` to the cxpulse command."""
    app.command()(insights)
