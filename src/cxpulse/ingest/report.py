"""What an import tells the user: the report of a finished import, the message of a refused one,
and the rejects file of rows left out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cxpulse.csvout import frame_csv
from cxpulse.errors import Problem

SHOWN_PROBLEMS = 10


class RowProblem(Problem):
    """A problem located by row (Parquet) or record (a JSON array) instead of by line."""

    __slots__ = ("word",)

    def __init__(
        self, file: str, line: int, column: str, value: object, rule: str, word: str = "row"
    ) -> None:
        super().__init__(file, line, column, value, rule)
        self.word = word

    def __str__(self) -> str:
        return super().__str__().replace(f", line {self.line},", f", {self.word} {self.line},", 1)


def _rows(n: int) -> str:
    return f"{n:,} row" + ("" if n == 1 else "s")


@dataclass(frozen=True)
class ImportReport:
    """The outcome of one import. ``rows_read`` (the file's rows) = new + updated +
    unchanged + rejected + left out."""

    table: str
    file: Path
    rows_read: int
    rows_new: int
    rows_updated: int
    rows_unchanged: int
    rows_rejected: int
    rejects_path: Path | None = None
    ignored_columns: tuple[str, ...] = ()
    """Columns of the file that match no column of the table (after the mapping)."""
    problems: tuple[Problem, ...] = field(default=(), repr=False, compare=False)
    """Why rows were rejected (with ``on_error="skip"``)."""
    encoding: str | None = None
    delimiter: str | None = None
    notes: tuple[str, ...] = ()
    """How ambiguous values were read, one line each (e.g. the day/month order of dates)."""
    rows_left_out: int = 0
    """Rows a preset leaves out by design (a Shopify order's further line items, an unrated
    ticket), neither imported nor rejected."""

    def summary(self) -> str:
        text = (
            f"{self.file.name} -> {self.table}: {_rows(self.rows_read)} read, "
            f"{self.rows_new:,} new, {self.rows_updated:,} updated, "
            f"{self.rows_unchanged:,} unchanged, {self.rows_rejected:,} rejected"
        )
        if self.rows_left_out:
            text += f", {self.rows_left_out:,} left out by the preset"
        if self.rejects_path is not None:
            text += f" (written to {self.rejects_path})"
        if self.ignored_columns:
            text += "; ignored columns: " + ", ".join(self.ignored_columns)
        return text + "." + "".join(f"\n  {note}." for note in self.notes)


def rejection_message(label: str, problems: Sequence[Problem], rejects_path: Path) -> str:
    """Why a file was refused, what is wrong where, and the two ways forward."""
    lines = len({p.line for p in problems})
    head = (
        f"{label} was not imported: {len(problems):,} "
        f"problem{'s' if len(problems) != 1 else ''} in {_rows(lines)}; nothing was written."
    )
    shown = [f"  {p}" for p in problems[:SHOWN_PROBLEMS]]
    if len(problems) > SHOWN_PROBLEMS:
        shown.append(f"  ... and {len(problems) - SHOWN_PROBLEMS:,} more.")
    advice = (
        "Fix the file and import it again, or use --on-error skip to import the good rows "
        f"and write the rejected ones, with the reason, to {rejects_path}."
    )
    return "\n".join([head, *shown, advice])


def reason(problem: Problem) -> str:
    """A problem without its file and line, for the ``reason`` column of a rejects file."""
    value = problem.value
    shown = "(empty)" if value is None or value == "" else repr(value)
    return f"{problem.where()}: {shown} - {problem.rule}"


def default_rejects_path(path: Path) -> Path:
    """``responses.csv`` -> ``responses.rejects.csv`` beside it (also for ``.csv.gz``)."""
    name = path.name[:-3] if path.name.lower().endswith(".gz") else path.name
    return path.with_name(f"{Path(name).stem}.rejects.csv")


def write_rejects(
    path: Path, frame: pd.DataFrame, lines: Sequence[int], problems: Sequence[Problem]
) -> int:
    """Write the rejected rows of ``frame`` (the file's own columns, as read) with their
    ``line`` and ``reason``; return how many rows were written."""
    reasons: dict[int, list[str]] = {}
    for problem in problems:
        reasons.setdefault(problem.line, []).append(reason(problem))
    line_of_row = np.asarray(lines, dtype=np.int64)
    in_frame = np.isin(line_of_row, np.fromiter(reasons, dtype=np.int64, count=len(reasons)))
    rejected = frame[in_frame].astype(object).copy()
    line_name = "line" if "line" not in frame.columns else "cxpulse_line"
    reason_name = "reason" if "reason" not in frame.columns else "cxpulse_reason"
    rejected[line_name] = line_of_row[in_frame]
    # Records that could not be read at all (bad JSON, too many fields) have no columns.
    unread = sorted(set(reasons) - set(line_of_row[in_frame].tolist()))
    if unread:
        rejected = pd.concat([rejected, pd.DataFrame({line_name: unread})], ignore_index=True)
    rejected[reason_name] = ["; ".join(reasons[int(n)]) for n in rejected[line_name]]
    rejected = rejected.sort_values(line_name, kind="stable")
    path.parent.mkdir(parents=True, exist_ok=True)
    frame_csv(rejected, path)  # a rejected value is the file's text: it may be a formula
    return len(rejected)
