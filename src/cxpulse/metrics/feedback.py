"""Survey responses as people read them: the filters of the feedback page, the distribution
of scores, and the responses behind one point of a trend. The comments themselves, with their
sentiment, are :mod:`cxpulse.text.verbatims` (text analysis sits below the metrics).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import ibis
import pandas as pd

from cxpulse import schema
from cxpulse.errors import QueryError
from cxpulse.metrics import periods
from cxpulse.metrics.portable import strip

if TYPE_CHECKING:
    from cxpulse.context import Context

NONE = "(none)"  # how a missing touchpoint or language is named in filters, as in segments
SCORED_TYPES = ("nps", "csat", "ces")


@dataclass(frozen=True)
class ResponseFilter:
    """Which survey responses to show. Days are local (the workspace's zone), both included;
    ``(none)`` in ``touchpoints`` or ``languages`` matches a missing value."""

    start: date | None = None
    end: date | None = None
    touchpoints: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    question_types: tuple[str, ...] = ()
    score_min: int | None = None
    score_max: int | None = None
    scale_max: int | None = None
    sentiment: str | None = None
    with_comment: bool = True

    def __post_init__(self) -> None:
        labels = schema.SENTIMENT_LABELS
        if self.sentiment is not None and self.sentiment not in labels:
            raise QueryError(f"sentiment is one of {', '.join(labels)}, not {self.sentiment!r}")
        if self.start and self.end and self.end < self.start:
            raise QueryError(f"the range ends ({self.end}) before it starts ({self.start})")
        if (
            self.score_min is not None
            and self.score_max is not None
            and self.score_max < self.score_min
        ):
            raise QueryError(
                f"the lowest score ({self.score_min}) is above the highest ({self.score_max})"
            )


def label_grain(label: str) -> str:
    """The grain an engine period label is written in: 2026-10-05 day, 2026-W43 week, 2026-10
    month, 2026-Q3 quarter, 2026 year."""
    if "-W" in label:
        return "week"
    if "-Q" in label:
        return "quarter"
    return {1: "year", 2: "month", 3: "day"}.get(len(label.split("-")), "month")


def period_bounds(label: str, by: str | None = None) -> tuple[date, date]:
    """The first and last local day of the period an engine label names (2026-10, 2026-W43,
    2026-Q3, 2026, 2026-10-05); ``by`` defaults to the grain the label is written in."""
    by = by or label_grain(label)
    grain = periods.check_grain(by)
    try:
        if grain == "day":
            first = date.fromisoformat(label)
        elif grain == "week":
            year, week = label.split("-W")
            first = date.fromisocalendar(int(year), int(week), 1)
        elif grain == "month":
            year, month = label.split("-")
            first = date(int(year), int(month), 1)
        elif grain == "quarter":
            year, quarter = label.split("-Q")
            first = date(int(year), 3 * (int(quarter) - 1) + 1, 1)
        elif grain == "year":
            first = date(int(label), 1, 1)
        else:
            raise ValueError
    except ValueError:
        raise QueryError(f"{label!r} is not a {by} period (e.g. 2026-10 for a month)") from None
    return first, periods.shift(first, grain, 1) - timedelta(days=1)


def _isin(column: Any, values: tuple[str, ...]) -> Any:
    named = [v for v in values if v != NONE]
    test = column.isin(named) if named else ibis.literal(False)
    return test | column.isnull() if NONE in values else test


def filtered(ws: Context, f: ResponseFilter, *, scores: bool = True) -> Any:
    """The survey_responses rows ``f`` keeps (without the sentiment test); ``scores=False``
    leaves out the score and scale tests (for the distribution of scores)."""
    t = ws.table("survey_responses")
    zone = ws.settings.zone
    if f.start:
        t = t.filter(t.responded_at >= periods.local_midnight_utc(f.start, zone))
    if f.end:
        t = t.filter(t.responded_at < periods.local_midnight_utc(f.end + timedelta(days=1), zone))
    if f.touchpoints:
        t = t.filter(_isin(t.touchpoint, f.touchpoints))
    if f.languages:
        t = t.filter(_isin(t.language, f.languages))
    if f.question_types:
        t = t.filter(t.question_type.isin(list(f.question_types)))
    if scores:
        if f.score_min is not None:
            t = t.filter(t.score >= f.score_min)
        if f.score_max is not None:
            t = t.filter(t.score <= f.score_max)
        if f.scale_max is not None:
            t = t.filter(t.scale_max == f.scale_max)
    if f.with_comment:
        t = t.filter(t.comment.notnull() & (strip(t.comment) != ""))
    return t


def score_distribution(ws: Context, f: ResponseFilter) -> pd.DataFrame:
    """Responses per question type, scale and score (every response, with or without a
    comment; ``f``'s score and sentiment tests are ignored): question_type, scale_min,
    scale_max, score, responses."""
    t = filtered(ws, replace(f, with_comment=False), scores=False)
    t = t.filter(t.score.notnull() & t.question_type.isin(list(SCORED_TYPES)))
    agg = t.group_by(["question_type", "scale_min", "scale_max", "score"]).aggregate(
        responses=t.count().cast("int64")
    )
    df: pd.DataFrame = agg.order_by(["question_type", "scale_max", "score"]).execute()
    return df.reset_index(drop=True)


def distinct_values(ws: Context, column: str) -> list[str]:
    """The values of a survey_responses column, for filter choices (missing as ``(none)``)."""
    t = ws.table("survey_responses")
    values = t.select(v=t[column]).distinct().execute()["v"]
    return sorted(NONE if pd.isna(v) else str(v) for v in values)
