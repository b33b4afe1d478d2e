"""The feedback report: NPS/CSAT/CES trends, the distribution of scores, and the verbatims.

Filters (score range, scale, question type, touchpoint, language, sentiment, dates) narrow the
verbatims; touchpoint, language and dates also narrow the trends and the distribution. A
``period`` (and the metric as ``type``: a click on a trend point) makes the verbatims and the
distribution show that period only; the trends keep their range.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlencode

from cxpulse.csvout import rows_csv
from cxpulse.errors import QueryError
from cxpulse.metrics import feedback as fb
from cxpulse.metrics import periods
from cxpulse.records import frame_records
from cxpulse.reports.base import BY, FROM, TO, Param, Params, Report, Table
from cxpulse.reports.blocks import header, metric_block, page_range, range_cards_table
from cxpulse.reports.context import ReportContext
from cxpulse.text.sentiment import LABELS
from cxpulse.text.verbatims import has_annotations, verbatims
from cxpulse.workspace import Workspace

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
    """Everything the report depends on: the cache key, and the query string of the page,
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


def _check(value: str | None, name: str, allowed: tuple[str, ...]) -> None:
    if value and value not in allowed:
        raise QueryError(f"{name} is one of {', '.join(allowed)}, not {value!r}")


def options(params: Params) -> Options:
    """The report's parameters, checked (a user mistake names the field)."""
    _check(params["type"], "type", METRICS)
    if params["comments"] not in {"with", "all"}:
        raise QueryError(f"comments is 'with' or 'all', not {params['comments']!r}")
    _check(params["sentiment"], "sentiment", LABELS)
    low, high = _int(params["score_min"], "score_min"), _int(params["score_max"], "score_max")
    if params["score"] not in (None, ""):
        low = high = _int(params["score"], "score")
    if params["period"]:
        fb.period_bounds(params["period"])  # a bad label fails now, with its message
    return Options(
        by=params["by"],
        from_=params["from"] or None,
        to=params["to"] or None,
        touchpoint=tuple(v for v in params["touchpoint"] if v),
        language=tuple(v for v in params["language"] if v),
        type=params["type"] or None,
        score_min=low,
        score_max=high,
        scale=_scale(params["scale"]),
        sentiment=params["sentiment"] or None,
        comments=params["comments"],
        period=params["period"] or None,
        page=params["page"],
        size=params["size"],
    )


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


def feedback_data(ctx: ReportContext, opts: Options) -> dict[str, Any]:
    """The report's data (not cached as a whole: :func:`cxpulse.reports.run` keeps it)."""
    rng = page_range(ctx, opts.by, opts.from_, opts.to)
    f = response_filter(opts)
    filters = tuple(
        f"{col}={','.join(v for v in vals if v != fb.NONE)}"
        for col, vals in (("touchpoint", opts.touchpoint), ("language", opts.language))
        if [v for v in vals if v != fb.NONE]
    )
    data = header(rng) | {"page": "feedback", "options": _options_json(opts)}
    data |= metric_block(ctx, METRICS, rng, filters)

    def read(ws: Workspace) -> dict[str, Any]:
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

    data |= ctx.cached(("feedback-responses", f, opts.page, opts.size), read)
    return data


def _options_json(opts: Options) -> dict[str, Any]:
    out = asdict(opts)
    out["from"] = out.pop("from_")
    return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}


def choices(ctx: ReportContext) -> dict[str, list[str]]:
    """The touchpoints and languages the filters offer."""

    def compute(ws: Workspace) -> dict[str, list[str]]:
        return {
            col: [v for v in fb.distinct_values(ws, col) if v != fb.NONE]
            for col in ("touchpoint", "language")
        }

    result: dict[str, list[str]] = ctx.cached(("feedback-choices",), compute)
    return result


def verbatims_csv(rows: list[dict[str, Any]]) -> str:
    return rows_csv(CSV_COLUMNS, ([row.get(c) for c in CSV_COLUMNS] for row in rows))


class Feedback(Report):
    name = "feedback"
    title = "Feedback"
    summary = "NPS/CSAT/CES trends, score distribution, verbatims"
    template = "feedback.html"
    params = (
        BY,
        FROM,
        TO,
        Param("touchpoint", "touchpoint(s)", (), many=True),
        Param("language", "language(s), e.g. en", (), many=True),
        Param("type", "nps, csat or ces", choices=METRICS),
        Param("score_min", "lowest score shown"),
        Param("score_max", "highest score shown"),
        Param("score", "one score (sets min and max)"),
        Param("scale", "top of the scale, e.g. 7 or 1-7"),
        Param("sentiment", ", ".join(LABELS), choices=LABELS),
        Param("comments", "with (a comment) or all responses", "with", choices=("with", "all")),
        Param("period", "one period of the grain, e.g. 2026-10"),
        Param("page", "page of verbatims", 1, type=int, ge=1, le=100_000),
        Param("size", "verbatims per page", PAGE_SIZE, type=int, ge=1, le=1000),
    )

    @classmethod
    def cache_key(cls, ctx: ReportContext, params: Params) -> Hashable:
        opts = options(params)
        return ("feedback", opts, page_range(ctx, opts.by, opts.from_, opts.to))

    @classmethod
    def build(cls, ctx: ReportContext, params: Params) -> dict[str, Any]:
        return feedback_data(ctx, options(params))

    @classmethod
    def tables(cls, data: dict[str, Any]) -> list[Table]:
        shown = data["verbatims"]
        verbatim = Table(
            f"Verbatims: page {shown['page']} of {shown['pages']} ({shown['total']} in all)",
            ("responded_at", "type", "score", "touchpoint", "sentiment", "comment"),
            [
                (
                    r.get("responded_at"),
                    r.get("question_type"),
                    r.get("score"),
                    r.get("touchpoint"),
                    r.get("label") or r.get("sentiment"),
                    r.get("comment"),
                )
                for r in shown["rows"]
            ],
        )
        return [range_cards_table(cls.title, data), verbatim]
