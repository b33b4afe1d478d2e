"""Survey comments as people read them (the verbatims): the responses a
:class:`~cxpulse.metrics.feedback.ResponseFilter` keeps, with each comment's sentiment and themes.

Sentiment comes from ``text_annotations`` when `cxpulse text score` has annotated the
comments; otherwise it is computed with :mod:`cxpulse.text` on the rows shown (a page), and a
sentiment *filter* analyses the distinct comments the other filters leave (up to
``max_texts`` of them; past that, annotate the workspace first). Here, in the text layer, since
it analyses text; the filters themselves are metrics (DESIGN.md, Layers).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ibis
import pandas as pd

from cxpulse.errors import QueryError
from cxpulse.metrics.feedback import ResponseFilter, filtered
from cxpulse.schema import TEXT_ANNOTATIONS_TABLE
from cxpulse.text.annotate import annotate_texts

if TYPE_CHECKING:
    from cxpulse.context import Context

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
class Verbatims:
    total: int
    """Responses matching the filter (all pages)."""
    rows: pd.DataFrame
    """The page asked for, newest first: :data:`COLUMNS`; ``responded_at`` in local time."""
    sentiment_source: str
    """``annotations`` (text_annotations) or ``computed`` (analysed for this answer)."""


def has_annotations(ws: Context) -> bool:
    """Whether `cxpulse text score` has annotated any survey comment."""
    ann = ws.store.table(TEXT_ANNOTATIONS_TABLE)
    return bool(ann.filter(ann.table_name == "survey_responses").count().execute() > 0)


def _annotations(ws: Context) -> Any:
    ann = ws.store.table(TEXT_ANNOTATIONS_TABLE)
    ann = ann.filter(ann.table_name == "survey_responses")
    return ann.select(_key=ann.row_key, sentiment=ann.sentiment, label=ann.label, themes=ann.themes)


def verbatims(
    ws: Context,
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


def _local(utc: pd.Series, ws: Context) -> pd.Series:
    """Local times with their offset (``2026-10-30T15:05:00+01:00``): shown as the local
    clock, and the JSON API and the CSV export say which zone it is."""
    if utc.empty:
        return utc
    return pd.to_datetime(utc).dt.tz_localize("UTC").dt.tz_convert(ws.settings.zone)


def _analyse(df: pd.DataFrame) -> pd.DataFrame:
    """Sentiment, label and themes of the comments of ``df`` (the rows shown)."""
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
