"""The feedback page: NPS/CSAT/CES trends, the distribution of scores, and the verbatims.

Filters (score range, scale, question type, touchpoint, language, sentiment, dates) narrow the
verbatims; touchpoint, language and dates also narrow the trends and the distribution. A click
on a trend point adds ``period`` (and the metric as ``type``): the verbatims and the
distribution then show that period only, the trends keep their range. The CSV export takes
the same query string and writes the rows the page shows, from the same cached result.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from cxpulse.accounts.users import Permission
from cxpulse.csvout import rows_csv
from cxpulse.errors import QueryError
from cxpulse.metrics import feedback as fb
from cxpulse.metrics import periods
from cxpulse.records import frame_records
from cxpulse.text.sentiment import LABELS
from cxpulse.text.verbatims import has_annotations, verbatims
from cxpulse.web.pages.families import (
    GRAINS,
    FromParam,
    Range,
    ToParam,
    header,
    metric_block,
    page_range,
)
from cxpulse.web.render import page
from cxpulse.web.security import Principal, require
from cxpulse.web.state import WebState, get_state

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(require(Permission.read))]
State = Annotated[WebState, Depends(get_state)]
METRICS = ("nps", "csat", "ces")
PAGE_SIZE = 50
CSV_COLUMNS = (
    "responded_at",
    "question_type",
    "score",
    "scale_max",
    "touchpoint",
    "language",
    "channel",
    "sentiment",
    "label",
    "comment",
    "response_id",
    "customer_id",
)


@dataclass(frozen=True)
class Options:
    """Everything the page's data depends on: the cache key, and the query string of the page,
    its JSON twin and its CSV export."""

    by: str = "month"
    from_: str | None = None
    to: str | None = None
    touchpoint: tuple[str, ...] = ()
    language: tuple[str, ...] = ()
    type: str | None = None
    score_min: int | None = None
    score_max: int | None = None
    scale: int | None = None
    sentiment: str | None = None
    comments: str = "with"
    period: str | None = None
    page: int = 1
    size: int = PAGE_SIZE

    def params(self, *, page: int | None = None, drop: tuple[str, ...] = ()) -> str:
        values: list[tuple[str, Any]] = []
        for key, value in asdict(self).items():
            name = "from" if key == "from_" else key
            if name in drop or value is None or value == () or value == "":
                continue
            if key == "page":
                value = page or value
                if value == 1:
                    continue
            if (key, value) in {("by", "month"), ("comments", "with"), ("size", PAGE_SIZE)}:
                continue
            if isinstance(value, tuple):
                values += [(name, v) for v in value]
            else:
                values.append((name, value))
        return urlencode(values)


def _int(raw: str | None, what: str) -> int | None:
    if raw is None or raw.strip() == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise QueryError(f"{what} must be a whole number, not {raw!r}") from None


def _scale(raw: str | None) -> int | None:
    # the distribution chart names its series "1-7": the scale's top is what filters
    return _int(raw.rsplit("-", 1)[-1] if raw else raw, "scale")


def options(
    by: str = "month",
    from_: FromParam = None,
    to: ToParam = None,
    touchpoint: Annotated[list[str] | None, Query(description="touchpoint(s)")] = None,
    language: Annotated[list[str] | None, Query(description="language(s), e.g. en")] = None,
    type: Annotated[str | None, Query(description="nps, csat or ces")] = None,
    score_min: Annotated[str | None, Query(description="lowest score shown")] = None,
    score_max: Annotated[str | None, Query(description="highest score shown")] = None,
    score: Annotated[str | None, Query(description="one score (sets min and max)")] = None,
    scale: Annotated[str | None, Query(description="top of the scale, e.g. 7 or 1-7")] = None,
    sentiment: Annotated[str | None, Query(description=", ".join(LABELS))] = None,
    comments: Annotated[str, Query(description="with (a comment) or all responses")] = "with",
    period: Annotated[
        str | None, Query(description="one period of the grain, e.g. 2026-10")
    ] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    size: Annotated[int, Query(ge=1, le=1000)] = PAGE_SIZE,
) -> Options:
    """The page's query string, checked (a user mistake is a 400 naming the field)."""
    if type and type not in METRICS:
        raise QueryError(f"type is one of {', '.join(METRICS)}, not {type!r}")
    if comments not in {"with", "all"}:
        raise QueryError(f"comments is 'with' or 'all', not {comments!r}")
    if sentiment and sentiment not in LABELS:
        raise QueryError(f"sentiment is one of {', '.join(LABELS)}, not {sentiment!r}")
    low, high = _int(score_min, "score_min"), _int(score_max, "score_max")
    if score not in (None, ""):
        low = high = _int(score, "score")
    if period:
        fb.period_bounds(period)  # a bad label fails now, with its message
    return Options(
        by=by,
        from_=from_ or None,
        to=to or None,
        touchpoint=tuple(v for v in touchpoint or () if v),
        language=tuple(v for v in language or () if v),
        type=type or None,
        score_min=low,
        score_max=high,
        scale=_scale(scale),
        sentiment=sentiment or None,
        comments=comments,
        period=period or None,
        page=page,
        size=size,
    )


Opts = Annotated[Options, Depends(options)]


def response_filter(opts: Options) -> fb.ResponseFilter:
    start = periods.parse_day(opts.from_, "from")
    end = periods.parse_day(opts.to, "to")
    if opts.period:
        first, last = fb.period_bounds(opts.period)
        start, end = max(first, start) if start else first, min(last, end) if end else last
        if end < start:
            raise QueryError(f"period {opts.period} lies outside {opts.from_}..{opts.to}")
    return fb.ResponseFilter(
        start=start,
        end=end,
        touchpoints=opts.touchpoint,
        languages=opts.language,
        question_types=(opts.type,) if opts.type else (),
        score_min=opts.score_min,
        score_max=opts.score_max,
        scale_max=opts.scale,
        sentiment=opts.sentiment,
        with_comment=opts.comments == "with",
    )


def distribution_charts(df: Any) -> dict[str, dict[str, Any]]:
    """One ``bars`` chart per question type: scores on the axis, a series per scale."""
    charts: dict[str, dict[str, Any]] = {}
    for qtype in METRICS:
        rows = df[df["question_type"] == qtype]
        if rows.empty:
            continue
        low, high = int(rows["scale_min"].min()), int(rows["scale_max"].max())
        labels = list(range(low, high + 1))
        series = []
        for (smin, smax), part in rows.groupby(["scale_min", "scale_max"], sort=True):
            counts = dict(
                zip(part["score"].astype(int), part["responses"].astype(int), strict=True)
            )
            series.append({"name": f"{smin}-{smax}", "values": [counts.get(s) for s in labels]})
        charts[qtype] = {"labels": [str(s) for s in labels], "series": series}
    return charts


def feedback_data(state: WebState, opts: Options) -> dict[str, Any]:
    rng = page_range(state, opts.by, opts.from_, opts.to)
    f = response_filter(opts)

    def compute() -> dict[str, Any]:
        filters = tuple(
            f"{col}={','.join(v for v in vals if v != fb.NONE)}"
            for col, vals in (("touchpoint", opts.touchpoint), ("language", opts.language))
            if [v for v in vals if v != fb.NONE]
        )
        data = header(rng) | {"page": "feedback", "options": _options_json(opts)}
        data |= metric_block(state, METRICS, rng, filters)

        def read(ws: Any) -> dict[str, Any]:
            annotated = has_annotations(ws)
            shown = verbatims(
                ws, f, limit=opts.size, offset=(opts.page - 1) * opts.size, annotated=annotated
            )
            dist = fb.score_distribution(ws, f)
            return {
                "distribution_rows": frame_records(dist),
                "distribution": distribution_charts(dist),
                "verbatims": {
                    "total": shown.total,
                    "page": opts.page,
                    "size": opts.size,
                    "pages": max(1, -(-shown.total // opts.size)),
                    "sentiment_source": shown.sentiment_source,
                    "rows": frame_records(shown.rows),
                },
            }

        data |= state.cached(("feedback-responses", f, opts.page, opts.size), read)
        return data

    result: dict[str, Any] = state.cache.get_or_compute(("feedback", opts, rng), compute)
    return result


def _options_json(opts: Options) -> dict[str, Any]:
    out = asdict(opts)
    out["from"] = out.pop("from_")
    return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}


def choices(state: WebState) -> dict[str, list[str]]:
    def compute(ws: Any) -> dict[str, list[str]]:
        return {
            col: [v for v in fb.distinct_values(ws, col) if v != fb.NONE]
            for col in ("touchpoint", "language")
        }

    result: dict[str, list[str]] = state.cached(("feedback-choices",), compute)
    return result


def verbatims_csv(rows: list[dict[str, Any]]) -> str:
    return rows_csv(CSV_COLUMNS, ([row.get(c) for c in CSV_COLUMNS] for row in rows))


@router.get("/feedback", response_class=HTMLResponse)
def feedback_page(request: Request, principal: Reader, state: State, opts: Opts) -> Response:
    data = feedback_data(state, opts)
    rng: Range = page_range(state, opts.by, opts.from_, opts.to)
    base = opts.params(drop=("page", "period", "type", "score_min", "score_max", "scale"))
    return page(
        request,
        "feedback.html",
        principal,
        data=data,
        opts=opts,
        rng=rng,
        grains=GRAINS,
        labels=LABELS,
        metrics=METRICS,
        choices=choices(state),
        base=base,
        query=opts.params(),
        period_label=opts.period,
        json_url=f"/api/v1/dashboard/feedback?{opts.params()}",
    )


@router.get("/feedback/verbatims.csv")
def feedback_csv(principal: Reader, state: State, opts: Opts) -> Response:
    data = feedback_data(state, opts)
    body = verbatims_csv(data["verbatims"]["rows"])
    stamp = date.fromisoformat(data["as_of"]).isoformat()
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="verbatims-{stamp}.csv"'},
    )
