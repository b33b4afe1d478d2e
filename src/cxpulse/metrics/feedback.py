"""Survey responses as people read them: verbatims (the comments) with filters, the
distribution of scores, and the responses behind one point of a trend.

Sentiment comes from ``text_annotations`` when `cxpulse text score` has annotated the
comments; otherwise it is computed with :mod:`cxpulse.text` on the rows shown (a page), and a
sentiment *filter* analyses the distinct comments the other filters leave (up to
``max_texts`` of them; past that, annotate the workspace first).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import ibis
import pandas as pd

from cxpulse.errors import QueryError
from cxpulse.metrics import periods
from cxpulse.metrics.portable import strip
from cxpulse.schema import TEXT_ANNOTATIONS_TABLE
from cxpulse.text.sentiment import LABELS

if TYPE_CHECKING:
    from cxpulse.workspace import Workspace

NONE = "(none)"  # how a missing touchpoint or language is named in filters, as in segments
SCORED_TYPES = ("nps", "csat", "ces")
MAX_TEXTS = 20_000
COLUMNS = [
    "response_id",
    "customer_id",
    "responded_at",
    "question_type",
    "score",
    "scale_min",
    "scale_max",
    "touchpoint",
    "language",
    "channel",
    "comment",
    "sentiment",
    "label",
    "themes",
]


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
        if self.sentiment is not None and self.sentiment not in LABELS:
            raise QueryError(f"sentiment is one of {', '.join(LABELS)}, not {self.sentiment!r}")
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


@dataclass(frozen=True)
class Verbatims:
    total: int
    """Responses matching the filter (all pages)."""
    rows: pd.DataFrame
    """The page asked for, newest first: :data:`COLUMNS`; ``responded_at`` in local time."""
    sentiment_source: str
    """``annotations`` (text_annotations) or ``computed`` (analysed for this answer)."""


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


def filtered(ws: Workspace, f: ResponseFilter, *, scores: bool = True) -> Any:
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


def has_annotations(ws: Workspace) -> bool:
    """Whether `cxpulse text score` has annotated any survey comment."""
    ann = ws.store.table(TEXT_ANNOTATIONS_TABLE)
    return bool(ann.filter(ann.table_name == "survey_responses").count().execute() > 0)


def _annotations(ws: Workspace) -> Any:
    ann = ws.store.table(TEXT_ANNOTATIONS_TABLE)
    ann = ann.filter(ann.table_name == "survey_responses")
    return ann.select(_key=ann.row_key, sentiment=ann.sentiment, label=ann.label, themes=ann.themes)


def verbatims(
    ws: Workspace,
    f: ResponseFilter,
    *,
    limit: int | None = 50,
    offset: int = 0,
    annotated: bool | None = None,
    max_texts: int = MAX_TEXTS,
) -> Verbatims:
    """The responses ``f`` keeps, newest first: ``limit`` of them from ``offset`` (``None``:
    all), with their total and each comment's sentiment and themes."""
    if limit is not None and limit < 1:
        raise QueryError(f"a page holds at least one response, not {limit}")
    if offset < 0:
        raise QueryError(f"the offset cannot be negative ({offset})")
    annotated = has_annotations(ws) if annotated is None else annotated
    t = filtered(ws, f)
    if annotated:
        ann = _annotations(ws)
        t = t.left_join(ann, t.response_id == ann._key).drop("_key")
        if f.sentiment:
            t = t.filter(t.label == f.sentiment)
    elif f.sentiment:
        t = _keep_sentiment(t, f.sentiment, max_texts)
    total = int(t.count().execute())
    ordered = t.order_by([ibis.desc("responded_at"), "response_id"])
    if limit is not None:
        ordered = ordered.limit(limit, offset=offset)
    elif offset:
        ordered = ordered.limit(None, offset=offset)
    df: pd.DataFrame = ordered.execute()
    if not annotated:
        df = _analyse(df)
    df["responded_at"] = _local(df["responded_at"], ws)
    return Verbatims(
        total, df.reset_index(drop=True)[COLUMNS], "annotations" if annotated else "computed"
    )


def _local(utc: pd.Series, ws: Workspace) -> pd.Series:
    """Local times with their offset (``2026-10-30T15:05:00+01:00``): shown as the local
    clock, and the JSON API and the CSV export say which zone it is."""
    if utc.empty:
        return utc
    return pd.to_datetime(utc).dt.tz_localize("UTC").dt.tz_convert(ws.settings.zone)


def _analyse(df: pd.DataFrame) -> pd.DataFrame:
    """Sentiment, label and themes of the comments of ``df`` (the rows shown)."""
    from cxpulse.text.annotate import annotate_texts

    df = df.copy()
    df["sentiment"] = float("nan")
    df["label"] = None
    df["themes"] = None
    has_text = df["comment"].notna() & (df["comment"].astype(str).str.strip() != "")
    if has_text.any():
        rows = df[has_text]
        result = annotate_texts(list(rows["comment"]), list(rows["language"]))
        df.loc[has_text, "sentiment"] = result["sentiment"].to_numpy()
        df.loc[has_text, "label"] = result["label"].to_numpy()
        df.loc[has_text, "themes"] = [",".join(t) for t in result["themes"]]
    return df


def _keep_sentiment(t: Any, wanted: str, max_texts: int) -> Any:
    """Rows of ``t`` whose comment has the ``wanted`` sentiment, analysing each distinct
    (comment, language) once."""
    from cxpulse.text.annotate import annotate_texts

    distinct = t.filter(t.comment.notnull()).select("comment", "language").distinct()
    count = int(distinct.count().execute())
    if count > max_texts:
        raise QueryError(
            f"filtering {count:,} distinct comments by sentiment needs them annotated first: "
            "run `cxpulse text score --table survey_responses`, or narrow the other filters"
        )
    texts: pd.DataFrame = distinct.execute()
    result = annotate_texts(list(texts["comment"]), list(texts["language"]))
    keep = texts[(result["label"] == wanted).to_numpy()]
    m = ibis.memtable(
        pd.DataFrame({"_c": keep["comment"].astype(str), "_l": keep["language"].astype(object)}),
        schema=ibis.schema({"_c": "string", "_l": "string"}),
    )
    return t.semi_join(m, [t.comment == m._c, t.language.identical_to(m._l)])


def score_distribution(ws: Workspace, f: ResponseFilter) -> pd.DataFrame:
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


def distinct_values(ws: Workspace, column: str) -> list[str]:
    """The values of a survey_responses column, for filter choices (missing as ``(none)``)."""
    t = ws.table("survey_responses")
    values = t.select(v=t[column]).distinct().execute()["v"]
    return sorted(NONE if pd.isna(v) else str(v) for v in values)
