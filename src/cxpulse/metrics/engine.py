"""Run a metric: one Ibis query per call, grouped by period and segments, then statistics.

The query returns one row of sufficient statistics per (period, segment...) group (for most
variants aggregated per UTC bucket first, then per local period: :mod:`.buckets`); values,
intervals, the change on the previous calendar period and its significance are computed here
on that small result. Nothing row-level leaves the database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cxpulse.errors import QueryError
from cxpulse.metrics import buckets, periods, stats
from cxpulse.metrics.selection import apply_filters, as_list, attach_segments
from cxpulse.metrics.spec import (
    REGISTRY,
    STAT_COLUMNS,
    MetricSpec,
    PeriodContext,
    Registry,
    Table,
    Variant,
)

if TYPE_CHECKING:
    from cxpulse.context import Context

OUTPUT_COLUMNS = (
    "period",
    "period_start",
    "value",
    "ci_low",
    "ci_high",
    "n",
    "change",
    "significant",
    "low_n",
    "partial",
    "metric",
    "variant",
    "definition",
)
FIXED_ZONES = {"UTC", "Etc/UTC", "GMT", "Etc/GMT", "Z"}


def compute(
    ws: Context,
    name: str,
    by: str = "month",
    segment: str | Sequence[str] | None = None,
    variant: str | None = None,
    start: date | str | None = None,
    end: date | str | None = None,
    filters: Mapping[str, Any] | None = None,
    registry: Registry = REGISTRY,
    compare: str = "previous",
    as_of: date | str | None = None,
) -> pd.DataFrame:
    """Compute metric ``name`` by period ``by`` and ``segment`` columns.

    ``start`` and ``end`` are local calendar days, both included. ``filters`` maps a column to
    a value or a list of accepted values. Segment and filter columns are looked up in the
    metric's table first, then in ``customers`` (write ``customer.language`` to force the
    customer's column when both have one). ``compare``: what ``change`` and ``significant``
    compare each period with: the ``previous`` period, or the same period a ``year`` before
    (for weeks and days, 52 weeks or 364 days before: the same weekdays). The periods compared
    with are read even when they begin before ``start``.

    A period that is not over by ``as_of`` (a local day, default today) or that the range cuts
    (``start`` inside it, ``end`` before its last day) is marked ``partial``: its value covers
    only part of the period, so it is neither compared (``change`` empty, never
    ``significant``) nor used as the period another one is compared with.
    """
    variants = {name: variant} if variant is not None else None
    return compute_many(
        ws, [name], by, segment, variants, start, end, filters, registry, compare, as_of
    )[name]


def compute_many(
    ws: Context,
    names: Sequence[str],
    by: str = "month",
    segment: str | Sequence[str] | None = None,
    variants: Mapping[str, str] | None = None,
    start: date | str | None = None,
    end: date | str | None = None,
    filters: Mapping[str, Any] | None = None,
    registry: Registry = REGISTRY,
    compare: str = "previous",
    as_of: date | str | None = None,
) -> dict[str, pd.DataFrame]:
    """:func:`compute` for each metric of ``names`` (``variants``: a variant per name, else
    the default), over the same periods, segments, filters and range; the same results.

    The metrics read together: those whose rows come from the same table by the same time
    column and whose statistics merge per bucket are computed in ONE query (the survey
    metrics: one bounds lookup, one compilation and one round trip instead of three; on
    DuckDB the scans of a table run in one pipeline), the others one query each."""
    chosen = {n: registry.get(n) for n in dict.fromkeys(names)}
    picked = {n: (spec, spec.variant((variants or {}).get(n))) for n, spec in chosen.items()}
    grain = periods.check_grain(by)
    segments = as_list(segment)
    start_d = periods.parse_day(start, "start")
    end_d = periods.parse_day(end, "end")
    if start_d and end_d and end_d < start_d:
        raise QueryError(f"the range ends ({end_d}) before it starts ({start_d})")
    if compare not in COMPARISONS:
        raise QueryError(f"compare with {compare!r}? Use {' or '.join(COMPARISONS)}.")
    lag = _lag(grain, compare)
    filters = dict(filters or {})
    metrics = list(picked.values())

    def read(a: date | None, b: date | None) -> list[pd.DataFrame | None]:
        return aggregate_many(ws, metrics, grain, segments, filters, a, b)

    first = periods.floor_date(start_d, grain) if start_d and grain != "all" else None
    if first is None:
        found = read(start_d, end_d)
    else:
        # also the whole periods before start that the first ones are compared with; a range
        # starting on a period boundary reads them in the same query, one starting inside a
        # period reads them apart, so that period is still cut at start, as asked
        earlier = periods.shift(first, grain, -lag)
        if start_d == first:
            found = read(earlier, end_d)
        else:
            found = read(start_d, end_d)
            priors = read(earlier, first - timedelta(days=1))
            found = [
                pd.concat([prior, got], ignore_index=True)
                if got is not None and prior is not None and not prior.empty
                else got
                for got, prior in zip(found, priors, strict=True)
            ]
    today = periods.parse_day(as_of, "as_of") or datetime.now(ws.settings.zone).date()
    covered = Coverage(start_d, end_d, today)
    out = {}
    for (name, (spec, var)), stats_ in zip(picked.items(), found, strict=True):
        if stats_ is None:
            out[name] = _empty(segments)
            continue
        df = finish(
            stats_, spec, var, grain, segments, ws.settings.confidence, ws.settings.min_n,
            lag, covered,
        )  # fmt: skip
        if first is not None:
            df = df[df["period_start"] >= first].reset_index(drop=True)
            if df.empty:
                df = _empty(segments)
        out[name] = df
    return out


COMPARISONS = ("previous", "year")


@dataclass(frozen=True)
class Coverage:
    """The local days a result covers: ``start``..``end`` as asked (None: unbounded), and
    ``today``, the last day with data that can be complete (periods ending after it are not
    over yet)."""

    start: date | None
    end: date | None
    today: date

    def partial(self, first: date, grain: periods.Grain) -> bool:
        """Whether the period starting on ``first`` is only partly covered."""
        if grain == "all":
            return False
        last = periods.shift(first, grain, 1) - timedelta(days=1)
        # only the period holding start or end is cut: the earlier periods that the first ones
        # are compared with are read whole
        cut_at_start = self.start is not None and first < self.start <= last
        cut_at_end = self.end is not None and first <= self.end < last
        # a period is over once its last day is before today (today itself is still running)
        return cut_at_start or cut_at_end or last >= self.today


def _lag(grain: periods.Grain, compare: str) -> int:
    """How many periods back the compared period is."""
    if compare == "previous":
        return 1
    return {"day": 364, "week": 52, "month": 12, "quarter": 4, "year": 1}.get(grain, 1)


def aggregate_stats(
    ws: Context,
    spec: MetricSpec,
    var: Variant,
    grain: periods.Grain,
    segments: list[str],
    filters: dict[str, Any],
    start_d: date | None,
    end_d: date | None,
    bucket_first: bool = True,
) -> pd.DataFrame | None:
    """The per-period (and segment) statistics of the range, or None when it has no data.

    ``bucket_first``: aggregate per UTC bucket first where the statistics allow it
    (:mod:`cxpulse.metrics.buckets`; same result, fewer rows shifted to local time); False
    takes the row path (to compare the two)."""
    if var.periodic is not None:
        ctx = period_context(ws, spec, grain, segments, filters, start_d, end_d,
                             var.customer_columns)  # fmt: skip
        if ctx is None:
            return None
        periodic: pd.DataFrame = var.periodic(ctx).execute()
        return periodic
    found = _rows(ws, spec, var, segments, filters, start_d, end_d)
    if found is None:  # nothing in range
        return None
    t, spans = found
    assert var.aggregate is not None  # Variant checks it has aggregate or periodic
    # per UTC bucket first when the statistics merge (an hour, or 30 or 15 minutes where the
    # zone's offsets need it): the zone's offset is then applied to the buckets, not every row
    query = None
    if bucket_first:
        query = buckets.aggregate(t, spec.time_column, var.aggregate, segments, spans, grain)
    if query is None:
        query = var.aggregate(_with_period(t, spec, spans, grain), ["_period", *segments])
    aggregated: pd.DataFrame = query.execute()
    return aggregated


def aggregate_many(
    ws: Context,
    metrics: Sequence[tuple[MetricSpec, Variant]],
    grain: periods.Grain,
    segments: list[str],
    filters: dict[str, Any],
    start_d: date | None,
    end_d: date | None,
) -> list[pd.DataFrame | None]:
    """:func:`aggregate_stats` of each (metric, variant), in order: the same frames, read
    together where they can be. Row-based variants of one table and time column share the
    zone's offsets (one bounds lookup) and, where each aggregates bucket-first, one query:
    their per-period statistics stacked (``UNION ALL``) with a tag, split here. Every other
    variant is read alone."""
    out: list[pd.DataFrame | None] = [None] * len(metrics)
    alone = set(range(len(metrics)))
    same_rows: dict[tuple[str, str], list[int]] = {}
    for i, (spec, var) in enumerate(metrics):
        if var.aggregate is not None:
            same_rows.setdefault((spec.table, spec.time_column), []).append(i)
    for members in same_rows.values():
        if len(members) < 2:
            continue
        rows = {i: _selected(ws, *metrics[i], segments, filters, start_d, end_d) for i in members}
        spans = _spans(ws, metrics[members[0]][0], start_d, end_d)
        if spans is None:  # their table is empty: None for each, as alone
            alone -= set(members)
            continue
        queries = {}
        for i, t in rows.items():
            spec, var = metrics[i]
            assert var.aggregate is not None
            query = buckets.aggregate(t, spec.time_column, var.aggregate, segments, spans, grain)
            if query is not None:
                queries[i] = query
        together = _execute_together(queries) if len(queries) > 1 else None
        for i, df in (together or {}).items():
            out[i] = df
            alone.discard(i)
    for i in sorted(alone):
        spec, var = metrics[i]
        out[i] = aggregate_stats(ws, spec, var, grain, segments, filters, start_d, end_d)
    return out


_TAG = "_metric_index"


def _execute_together(queries: Mapping[int, Table]) -> dict[int, pd.DataFrame] | None:
    """Run per-period aggregates in one query and split the result by key, each frame with
    its own columns, in its own order and types; None when they cannot be stacked (a column
    of two types, or a statistic one lacks that is not a number)."""
    import ibis

    columns: dict[str, Any] = {}
    for query in queries.values():
        for col, dtype in query.schema().items():
            if columns.setdefault(col, dtype) != dtype:
                return None
    padded = {c for c in columns if any(c not in q.columns for q in queries.values())}
    if any(not columns[c].is_numeric() for c in padded):
        return None

    # a statistic a query lacks is a typed 0, not NULL: a NULL would turn an integer column
    # into floats when read into pandas, and the frames must be those read alone
    def tagged(i: int, q: Table) -> Table:
        own = {c: q[c] if c in q.columns else ibis.literal(0).cast(t) for c, t in columns.items()}
        return q.select(**{_TAG: ibis.literal(i, "int64")}, **own)

    stacked = ibis.union(*(tagged(i, q) for i, q in queries.items()), distinct=False)
    df: pd.DataFrame = stacked.execute()
    tags = df[_TAG].to_numpy()
    return {
        i: df.loc[tags == i, list(q.columns)].reset_index(drop=True) for i, q in queries.items()
    }


def prepared(
    ws: Context,
    spec: MetricSpec,
    var: Variant,
    grain: periods.Grain,
    segments: list[str],
    filters: Mapping[str, Any],
    start_d: date | None,
    end_d: date | None,
) -> Table | None:
    """The rows a row-based variant aggregates, with ``_period`` and the segment columns
    (None when the range has no rows)."""
    found = _rows(ws, spec, var, segments, filters, start_d, end_d)
    if found is None:
        return None
    t, spans = found
    return _with_period(t, spec, spans, grain)


def _with_period(
    t: Table, spec: MetricSpec, spans: list[periods.OffsetSpan], grain: periods.Grain
) -> Table:
    """The rows with the local ``_period`` each falls in (the zone's offset applied to every
    row)."""
    local = periods.local_time(t[spec.time_column], spans)
    return t.mutate(_period=periods.period_start(local, grain))


def _rows(
    ws: Context,
    spec: MetricSpec,
    var: Variant,
    segments: list[str],
    filters: Mapping[str, Any],
    start_d: date | None,
    end_d: date | None,
) -> tuple[Table, list[periods.OffsetSpan]] | None:
    """The rows a row-based variant aggregates, with the segment columns, and the zone's
    offsets over their range (None when the metric's table is empty)."""
    t = _selected(ws, spec, var, segments, filters, start_d, end_d)
    spans = _spans(ws, spec, start_d, end_d)
    if spans is None:
        return None
    return t, spans


def _selected(
    ws: Context,
    spec: MetricSpec,
    var: Variant,
    segments: list[str],
    filters: Mapping[str, Any],
    start_d: date | None,
    end_d: date | None,
) -> Table:
    """The rows a row-based variant aggregates, with the segment columns named as asked."""
    t, names = attach_segments(
        ws, ws.table(spec.table), spec, [*segments, *filters], var.customer_columns
    )
    t = apply_filters(t, {names[c]: v for c, v in filters.items()})
    ts_col = spec.time_column
    zone = ws.settings.zone
    if start_d:
        t = t.filter(t[ts_col] >= periods.local_midnight_utc(start_d, zone))
    if end_d:
        t = t.filter(t[ts_col] < periods.local_midnight_utc(end_d + timedelta(days=1), zone))

    t = var.prepare(t, ws)
    return t.rename({seg: names[seg] for seg in segments if seg != names[seg]})


def period_context(
    ws: Context,
    spec: MetricSpec,
    grain: periods.Grain,
    segments: list[str],
    filters: Mapping[str, Any],
    start: date | None,
    end: date | None,
    customer_columns: tuple[str, ...] = (),
) -> PeriodContext | None:
    """The periods to evaluate and how to attach segments and filters, for calendar-defined
    metrics and for functions built on them (None when the metric's table is empty).

    Without ``start``/``end`` the range runs over the metric's time column, in local days.
    """
    zone = ws.settings.zone
    if start is None or end is None:
        t = ws.table(spec.table)
        bounds = t.aggregate(lo=t[spec.time_column].min(), hi=t[spec.time_column].max()).execute()
        lo_v, hi_v = bounds["lo"].iloc[0], bounds["hi"].iloc[0]
        if pd.isna(lo_v):
            return None
        start = start or local_day(lo_v, zone)
        end = end or local_day(hi_v, zone)
    if end < start:
        raise QueryError(f"the range ends ({end}) before the first {spec.table} row ({start})")
    spans = periods.offset_spans(
        zone,
        periods.local_midnight_utc(start, zone),
        periods.local_midnight_utc(end + timedelta(days=1), zone),
    )
    wanted = [*segments, *filters]

    def attach(t: Table) -> Table:
        joined, names = attach_segments(ws, t, spec, wanted, customer_columns)
        joined = apply_filters(joined, {names[c]: v for c, v in filters.items()})
        return joined.rename({seg: names[seg] for seg in segments if seg != names[seg]})

    return PeriodContext(
        tables=ws,
        grain=grain,
        periods=period_table(start, end, grain, zone),
        frame=_as_executed(period_frame(start, end, grain, zone)),
        segments=segments,
        attach=attach,
        period_of=lambda ts: periods.period_start(periods.local_time(ts, spans), grain),
    )


def local_day(utc: Any, zone: Any) -> date:
    return datetime.fromtimestamp(pd.Timestamp(utc).timestamp(), tz=zone).date()


def period_table(start: date, end: date, grain: periods.Grain, zone: Any) -> Table:
    """An Ibis memtable of the periods touching ``start``..``end`` (local days, inclusive)."""
    import ibis

    return ibis.memtable(
        period_frame(start, end, grain, zone),
        schema=ibis.schema({"_period": "date", "_start": "timestamp", "_end": "timestamp"}),
    )


def _as_executed(frame: pd.DataFrame) -> pd.DataFrame:
    # the periods as executing their memtable gives them: _period a timestamp, not a date
    return frame.assign(_period=pd.to_datetime(frame["_period"]))


def period_frame(start: date, end: date, grain: periods.Grain, zone: Any) -> pd.DataFrame:
    """The periods touching ``start``..``end`` (local days, inclusive) as a DataFrame:
    ``_period``, ``_start`` and ``_end`` (naive-UTC instants, end excluded)."""
    if grain == "all":
        firsts = [start]
        bounds = [(start, end + timedelta(days=1))]
    else:
        firsts = []
        p = periods.floor_date(start, grain)
        while p <= end:
            firsts.append(p)
            p = periods.shift(p, grain, 1)
        bounds = [(f, periods.shift(f, grain, 1)) for f in firsts]
    return pd.DataFrame(
        {
            "_period": [
                periods.floor_date(f, grain) if grain != "all" else date(1970, 1, 1) for f in firsts
            ],
            "_start": [periods.local_midnight_utc(a, zone) for a, _ in bounds],
            "_end": [periods.local_midnight_utc(b, zone) for _, b in bounds],
        }
    )


def _spans(
    ws: Context, spec: MetricSpec, start: date | None, end: date | None
) -> list[periods.OffsetSpan] | None:
    """Offset spans of the workspace zone over the range queried (None when the metric's
    table is empty). An open end reaches the table's first or last row: the bounds of a
    stored column, which DuckDB answers from its statistics without a scan, rather than those
    of the filtered rows (a scan of its own); spans over a wider range are just as exact."""
    zone = ws.settings.zone
    if ws.settings.timezone in FIXED_ZONES:
        return [periods.OffsetSpan(datetime(1970, 1, 1), timedelta(0))]
    lo = periods.local_midnight_utc(start, zone) if start else None
    hi = periods.local_midnight_utc(end + timedelta(days=1), zone) if end else None
    if lo is None or hi is None:
        t = ws.table(spec.table)
        ts = t[spec.time_column]
        # Arrow, not pandas: one row does not need the DataFrame conversion (~10 ms)
        bounds = t.aggregate(lo=ts.min(), hi=ts.max()).to_pyarrow()
        lo_v, hi_v = bounds["lo"][0].as_py(), bounds["hi"][0].as_py()
        if lo_v is None:
            return None
        lo = lo or pd.Timestamp(lo_v).to_pydatetime()
        hi = hi or pd.Timestamp(hi_v).to_pydatetime()
    return periods.offset_spans(zone, lo, hi)


def _empty(segments: list[str]) -> pd.DataFrame:
    cols = ["period", "period_start", *segments, *OUTPUT_COLUMNS[2:]]
    return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})


def finish(
    agg: pd.DataFrame,
    spec: MetricSpec,
    var: Variant,
    grain: periods.Grain,
    segments: list[str],
    confidence: float,
    min_n: int,
    lag: int = 1,
    covered: Coverage | None = None,
) -> pd.DataFrame:
    """Values, intervals and changes from per-group statistics; each period is compared with
    the one ``lag`` periods before (1: the previous period). Periods ``covered`` only partly
    are flagged ``partial`` and not compared."""
    if agg.empty:
        return _empty(segments)
    if var.single_scale and "scale_lo" in agg:
        mixed = agg[agg["scale_lo"] != agg["scale_hi"]]
        if not mixed.empty:
            when = ", ".join(
                sorted({periods.label(pd.Timestamp(p).date(), grain) for p in mixed["_period"]})
            )
            raise QueryError(
                f"{spec.name} ({var.name}) would average answers given on different scales "
                f"(in {when}). Filter one scale, e.g. --filter scale_max=7, or use the default "
                "variant, which counts boxes per scale."
            )
    df = agg.copy()
    df["period_start"] = [pd.Timestamp(p).date() for p in df.pop("_period")]
    for seg in segments:
        df[seg] = df[seg].astype(object).where(df[seg].notna(), "(none)")
    df = df.sort_values([*segments, "period_start"], kind="stable").reset_index(drop=True)

    value, low, high = estimate(df, var, confidence)
    df["value"], df["ci_low"], df["ci_high"] = value, low, high

    # the compared calendar period of the same segment, if it has data
    prev_key = [periods.shift(d, grain, -lag) for d in df["period_start"]]
    stat_cols = list(STAT_COLUMNS[var.kind])
    previous = df[[*segments, "period_start", "value", *stat_cols]].rename(
        columns={"period_start": "_prev_start", "value": "_prev_value"}
        | {c: f"_prev_{c}" for c in stat_cols}
    )
    df["_prev_start"] = prev_key
    df = df.merge(previous, on=[*segments, "_prev_start"], how="left")
    if covered is not None:
        df["partial"] = [covered.partial(d, grain) for d in df["period_start"]]
        prev_partial = np.array([covered.partial(d, grain) for d in df["_prev_start"]], bool)
        # a part of a period compared with a whole one (or the reverse) is not a change
        df.loc[df["partial"].to_numpy(bool) | prev_partial, "_prev_value"] = np.nan
    else:
        df["partial"] = False
    if grain == "all":
        df["_prev_value"] = np.nan
    df["change"] = df["value"] - df["_prev_value"]
    has_prev = df["_prev_value"].notna().to_numpy()
    df["significant"] = has_prev & _significant(df, var, stat_cols, confidence)
    df["n"] = df["n"].astype("int64")
    df["low_n"] = df["n"] < min_n
    df["period"] = [periods.label(d, grain) for d in df["period_start"]]
    df["metric"] = spec.name
    df["variant"] = var.name
    df["definition"] = f"{spec.name} ({var.name}): {var.definition}"
    columns = ["period", "period_start", *segments, *OUTPUT_COLUMNS[2:]]
    return df[columns]


def estimate(df: pd.DataFrame, var: Variant, confidence: float) -> tuple[Any, Any, Any]:
    m = var.multiplier
    if var.kind == "nps":
        point = stats.nps_point(df.n, df.p, df.d)
        low, high = stats.nps_interval(
            df.n, df.p, df.d, confidence=confidence, adjusted=var.interval != "wald"
        )
    elif var.kind == "share":
        point = stats.share_point(df.n, df.k)
        low, high = stats.wilson_interval(df.n, df.k, confidence=confidence)
    elif var.kind == "mean":
        point = stats.mean_point(df.n, df.s)
        # a mean of scores on one scale stays within it (the variant refuses mixed scales)
        bounded = "scale_hi" in df and "scale_floor" in df
        low, high = stats.t_interval(
            df.n,
            df.s,
            df.ss,
            confidence=confidence,
            lo=df.scale_floor.to_numpy(float) if bounded else None,
            hi=df.scale_hi.to_numpy(float) if bounded else None,
        )
    else:  # exact population figures: no sampling interval
        point = stats.ratio_point(df.num, df.den) if var.kind == "ratio" else df.v.to_numpy(float)
        low = high = np.full(len(df), np.nan)
    return point * m, low * m, high * m


def _significant(df: pd.DataFrame, var: Variant, stat_cols: list[str], confidence: float) -> Any:
    prev = [df[f"_prev_{c}"].fillna(0).to_numpy() for c in stat_cols]
    cur = [df[c].to_numpy() for c in stat_cols]
    if var.kind == "nps":
        return stats.nps_change_significant(*prev, *cur, confidence=confidence)
    if var.kind == "share":
        return stats.share_change_significant(*prev, *cur, confidence=confidence)
    if var.kind == "mean":
        return stats.mean_change_significant(*prev, *cur, confidence=confidence)
    return np.zeros(len(df), dtype=bool)  # no test for exact population figures
