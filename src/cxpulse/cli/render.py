"""Turn library results into terminal tables, JSON or CSV.

Imported by every command, `cxpulse --help` included: the library (pandas, the metrics) is
imported by the functions that use it.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    import pandas as pd

    from cxpulse.metrics.scorecard import Scorecard


def to_json(payload: Any) -> str:
    from cxpulse.records import clean

    return json.dumps(payload, indent=2, ensure_ascii=False, default=clean)


def frame_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``df`` as JSON-ready dicts (:func:`cxpulse.records.frame_records`)."""
    from cxpulse.records import frame_records as records

    return records(df)


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
    unit: str = "",
) -> Table:
    from cxpulse.metrics.spec import COUNT_UNITS

    table = Table(title=title, title_justify="left")
    digits = 0 if unit in COUNT_UNITS else 1
    for col in ["period", *segments]:
        table.add_column(col)
    change = "change on a year before" if compare == "year" else "change"
    for col in ("value", f"{level(confidence)} interval", "n", change):
        table.add_column(col, justify="right")
    table.add_column("note")
    for row in df.to_dict("records"):
        note = []
        if row.get("partial"):
            note.append("partial period")
        if row["significant"]:
            note.append("significant change")
        if row["low_n"]:
            note.append("few answers")
        table.add_row(
            row["period"],
            *[str(row[s]) for s in segments],
            fmt(row["value"], digits),
            "-" if _missing(row["ci_low"]) else f"{fmt(row['ci_low'])} to {fmt(row['ci_high'])}",
            f"{row['n']:,}",
            signed(row["change"], digits) + (" *" if row["significant"] else ""),
            ", ".join(note),
        )
    return table


UNITS = {"points": "", "%": "%", "hours": " h", "seconds": " s", "days": " d"}


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def with_unit(value: Any, unit: str, digits: int = 1) -> str:
    """A value with its unit, the same way in every column (``77.0%``, ``0.14 h``)."""
    if _missing(value):
        return "-"
    return fmt(value, digits) + UNITS.get(unit, f" {unit}")


SHORT_UNITS = {"points": "pts", "hours": "h", "seconds": "s", "days": "d", "stars": "★"}


def short_unit(unit: str) -> str:
    return SHORT_UNITS.get(unit, unit)


def digits_for(value: Any, unit: str) -> int:
    """Decimals to show: none for counts ("150 customers"), two for hours under one (0.02 h
    is a minute, 0.0 h would read as nothing), else one."""
    from cxpulse.metrics.spec import COUNT_UNITS

    if unit in COUNT_UNITS:
        return 0
    return 2 if unit == "hours" and not _missing(value) and abs(float(value)) < 1 else 1


MARK = "†"
"""Marks a row whose number needs its caveat (listed under the table) to be read right."""


def scorecard_table(card: Scorecard, confidence: float = 0.95) -> Table:
    """Fits 80 columns: benchmarks and caveats go in the caption, one line per metric (plus
    one per segment under support times, which are presented by channel: an all-channel
    median jumps between chat's minutes and email's hours as the mix moves)."""
    shown = {r.period for r in card.rows if r.period}
    one_period = len(shown) == 1  # the usual case: then the period goes in the title
    title = f"CX scorecard by {card.by}, complete periods before {card.as_of.isoformat()}"
    if one_period:
        title = f"CX scorecard for {shown.pop()} (change on the previous {card.by})"
    table = Table(
        title=title,
        title_justify="left",
        caption=_scorecard_caption(card, confidence),
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    table.add_column("metric", overflow="fold")
    if not one_period:
        table.add_column("period", no_wrap=True)
    # one unit per row, for every number in it (a % metric changes by points)
    table.add_column("unit", no_wrap=True)
    for col in ("last", "prev", "change", f"{level(confidence)} CI", "n", "target"):
        table.add_column(col, justify="right", no_wrap=True)
    for r in card.rows:
        table.add_row(*_scorecard_cells(r, one_period))
        for seg in _breakdown(r):
            table.add_row(*_segment_cells(seg, r.unit, one_period), style="dim")
    return table


def _scorecard_caption(card: Scorecard, confidence: float) -> str:
    benchmarks = [
        f"{r.metric}: {r.benchmark} ({r.benchmark_source})" for r in card.rows if r.benchmark
    ]
    caveats = [f"{MARK} {r.metric}: {c}" for r in card.rows for c in r.caveats]
    return "\n".join(
        [*caveats, f"* significant change at {level(confidence)}.  Benchmarks: "
         + "; ".join(benchmarks)]
    )  # fmt: skip


def _scorecard_cells(r: Any, one_period: bool) -> list[str | Text]:
    """One metric's row: its change green or red when significant, by whether it is good."""
    moved = signed(r.change, digits_for(r.change, r.unit))
    moved += " *" if r.significant else ""
    moved += f" {MARK}" if r.caveats else ""
    change: str | Text = moved
    if r.change is not None and r.significant:
        good = (r.change > 0) == r.higher_is_better
        change = Text(moved, style="green" if good else "red")
    target = fmt(r.target, 0) if r.target is not None else "-"
    if r.meets_target is not None:
        target += " ✓" if r.meets_target else " ✗"
    return [
        r.metric,
        *([] if one_period else [r.period or "no data"]),
        short_unit(r.unit),
        fmt(r.value, digits_for(r.value, r.unit)),
        fmt(r.previous, digits_for(r.previous, r.unit)),
        change,
        f"{fmt(r.ci_low)}..{fmt(r.ci_high)}" if r.ci_low is not None else "-",
        f"{r.n:,}" + (" few" if r.low_n else ""),
        target,
    ]


def _segment_cells(seg: dict[str, Any], unit: str, one_period: bool) -> list[str]:
    return [
        f"  {seg['segment']}",
        *([] if one_period else [""]),
        "",
        fmt(seg["value_after"], digits_for(seg["value_after"], unit)),
        fmt(seg["value_before"], digits_for(seg["value_before"], unit)),
        _segment_change(seg, unit),
        "",
        f"{seg['n_after']:,}",
        "",
    ]


def _breakdown(row: Any) -> list[dict[str, Any]]:
    """The segments shown under a scorecard row: support times always (they are presented
    by channel), any other metric when the mix moved its headline."""
    if not row.mix or not (row.unit in ("hours", "seconds") or row.caveats):
        return []
    segments: list[dict[str, Any]] = row.mix["segments"]
    return sorted(segments, key=lambda s: -s["n_after"])


def _segment_change(seg: dict[str, Any], unit: str) -> str:
    if seg["value_before"] is None or seg["value_after"] is None:
        return "-"
    change = seg["value_after"] - seg["value_before"]
    return signed(change, digits_for(change, unit))


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
