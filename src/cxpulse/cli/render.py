"""Turn library results into terminal tables, JSON or CSV."""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd
from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from cxpulse.metrics.scorecard import Scorecard
from cxpulse.records import clean as _clean
from cxpulse.records import frame_records as frame_records


def to_json(payload: Any) -> str:
    return json.dumps(payload, indent=2, ensure_ascii=False, default=_clean)


def fmt(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def signed(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:+,.{digits}f}"


def level(confidence: float) -> str:
    """0.95 -> "95 %": the workspace's confidence setting, not a fixed 95."""
    return f"{confidence * 100:g} %"


def metric_table(
    df: pd.DataFrame,
    segments: list[str],
    title: str,
    *,
    confidence: float = 0.95,
    compare: str = "previous",
) -> Table:
    table = Table(title=title, title_justify="left")
    for col in ["period", *segments]:
        table.add_column(col)
    change = "change on a year before" if compare == "year" else "change"
    for col in ("value", f"{level(confidence)} interval", "n", change):
        table.add_column(col, justify="right")
    table.add_column("note")
    for row in df.to_dict("records"):
        note = []
        if row["significant"]:
            note.append("significant change")
        if row["low_n"]:
            note.append("few answers")
        table.add_row(
            row["period"],
            *[str(row[s]) for s in segments],
            fmt(row["value"]),
            "-" if _missing(row["ci_low"]) else f"{fmt(row['ci_low'])} to {fmt(row['ci_high'])}",
            f"{row['n']:,}",
            signed(row["change"]) + (" *" if row["significant"] else ""),
            ", ".join(note),
        )
    return table


UNITS = {"points": "", "%": "%", "hours": " h", "seconds": " s", "days": " d"}


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def scorecard_table(card: Scorecard, confidence: float = 0.95) -> Table:
    """Fits 80 columns: benchmarks go in the caption, one line per metric."""
    benchmarks = [
        f"{r.metric}: {r.benchmark} ({r.benchmark_source})" for r in card.rows if r.benchmark
    ]
    shown = {r.period for r in card.rows if r.period}
    one_period = len(shown) == 1  # the usual case: then the period goes in the title
    title = f"CX scorecard by {card.by}, complete periods before {card.as_of.isoformat()}"
    if one_period:
        title = f"CX scorecard for {shown.pop()} (change on the previous {card.by})"
    table = Table(
        title=title,
        title_justify="left",
        caption=f"* significant change at {level(confidence)}.  Benchmarks: "
        + "; ".join(benchmarks),
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    table.add_column("metric", overflow="fold")
    if not one_period:
        table.add_column("period", no_wrap=True)
    for col in ("last", "prev", "change", f"{level(confidence)} CI", "n", "target"):
        table.add_column(col, justify="right", no_wrap=True)
    for r in card.rows:
        unit = UNITS.get(r.unit, f" {r.unit}")
        moved = signed(r.change) + (" *" if r.significant else "")
        change: str | Text = moved
        if r.change is not None and r.significant:
            good = (r.change > 0) == r.higher_is_better
            change = Text(moved, style="green" if good else "red")
        target = fmt(r.target, 0) if r.target is not None else "-"
        if r.meets_target is not None:
            target += " ✓" if r.meets_target else " ✗"
        period = [] if one_period else [r.period or "no data"]
        table.add_row(
            r.metric,
            *period,
            fmt(r.value) + (unit if r.value is not None else ""),
            fmt(r.previous),
            change,
            f"{fmt(r.ci_low)}..{fmt(r.ci_high)}" if r.ci_low is not None else "-",
            f"{r.n:,}" + (" few" if r.low_n else ""),
            target,
        )
    return table


WIDEST = 240  # a table wider than this wraps its text cells instead


def error(console: Console, message: str, label: str = "Error:") -> None:
    """One error line: ``label`` in bold red, then ``message`` exactly as written (never read
    as Rich markup, so "pip install 'cxpulse[spark]'" keeps its extra)."""
    console.print(Text.assemble((label, "bold red"), " ", message), highlight=False)


def print_table(console: Console, table: Table) -> None:
    """Print ``table`` whole: in a narrow terminal Rich would cut numbers to "1…"; a line the
    terminal wraps is still readable, and a pipe gets every character."""
    width = console.width
    roomy = console.options.update_width(WIDEST)
    # the minimum: every cell's longest word whole (text still wraps inside its column)
    needed = min(Measurement.get(console, roomy, table).minimum, WIDEST)
    if needed <= width:
        console.print(table)
        return
    console.width = needed
    try:
        console.print(table)
    finally:
        console.width = width
