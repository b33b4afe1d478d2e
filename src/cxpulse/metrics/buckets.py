"""Bucket-first evaluation: aggregate rows per UTC bucket, then the buckets per local period.

A period is a span of local time, so the row path shifts every row by its zone's offset (a
CASE over the offset changes) before truncating it. When a variant's statistics merge across
groups (counts and sums add up, minimums and maximums take theirs), the same result comes from
aggregating each UTC bucket first and shifting only the buckets: two years hold 17,520 hours
against millions of rows. A bucket must never straddle a local midnight, so its size is the
coarsest of an hour, 30 and 15 minutes on whose grid the zone's offsets and their changes fall
over the range queried (:func:`grid`): an hour for Paris or New York, 30 minutes for India,
15 for Nepal. Every zone in use keeps the 15-minute grid; one that does not (or a fixed
offset, where the row path needs no CASE at all) keeps the row path.

Which variants merge is read from their Ibis expression (:func:`merges`), not declared: a
variant is bucketed only when its aggregate is one group-by over the rows it is given, each
statistic a count, sum, minimum or maximum of a row-level expression. Anything else (a median,
a distinct count, an average per account first, a window) keeps the row path.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, time, timedelta
from typing import Literal

import ibis
import ibis.expr.operations as ops
from ibis.common.graph import Graph

from cxpulse.metrics import periods
from cxpulse.metrics.spec import Table

GRIDS = (timedelta(hours=1), timedelta(minutes=30), timedelta(minutes=15))
"""Bucket sizes, coarsest first: fewer buckets are cheaper to group and to shift."""
Merge = Literal["sum", "min", "max"]

_REDUCTIONS: dict[type[ops.Reduction], Merge] = {
    ops.CountStar: "sum",
    ops.Count: "sum",
    ops.Sum: "sum",
    ops.Min: "min",
    ops.Max: "max",
}
# relations that only keep, drop or derive columns of rows, one row at a time
_ROW_LEVEL = (ops.Project, ops.Filter, ops.DropColumns, ops.DropNull, ops.FillNull)


def aggregate(
    t: Table,
    ts_col: str,
    aggregate: Callable[[Table, list[str]], Table],
    segments: Sequence[str],
    spans: list[periods.OffsetSpan],
    grain: periods.Grain,
) -> Table | None:
    """``aggregate`` per (``_period``, segments) of ``t`` computed bucket-first, or None when
    the row path is the one to take (the statistics do not merge, the zone has one offset or
    leaves the 15-minute grid)."""
    step = grid(spans)
    if step is None or grain == "all" or not t[ts_col].type().is_timestamp():
        return None
    ts = t[ts_col]
    parts = int(timedelta(hours=1) / step)
    # one key per bucket where the hour is one: two keys cost a dearer group-by
    keys = {"_hour": ts.truncate("h")}
    if parts > 1:
        keys["_part"] = ts.minute() // (60 // parts)
    rows = t.mutate(**keys)
    per_bucket = aggregate(rows, [*keys, *segments])
    how = merges(per_bucket, rows, [*keys, *segments])
    if how is None:
        return None
    start = per_bucket._hour
    if parts > 1:
        # literal intervals only: a column-valued interval is not portable across backends
        part = per_bucket._part
        start = ibis.cases(
            *((part == i, start + ibis.interval(seconds=int((step * i).total_seconds())))
              for i in range(1, parts)),
            else_=start,
        )  # fmt: skip
    b = per_bucket.mutate(_period=periods.period_start(periods.local_time(start, spans), grain))
    return b.group_by(["_period", *segments]).aggregate(
        **{name: _merge(b[name], merge) for name, merge in how.items()}
    )


def _merge(column: ibis.Value, merge: Merge) -> ibis.Value:
    merged = {"sum": column.sum, "min": column.min, "max": column.max}[merge]()
    # a sum of int64 widens (DuckDB: HUGEINT); the statistic keeps its type
    return merged.cast(column.type())


def grid(spans: list[periods.OffsetSpan]) -> timedelta | None:
    """The coarsest bucket size whose grid holds every offset of ``spans`` and every instant
    one changes (so every local midnight too), or None when the zone has a single offset
    over the range (nothing to gain: the row path then adds a constant) or none fits. The
    first span's start is only where the range begins, not a change."""
    if len(spans) == 1:
        return None
    for step in GRIDS:
        seconds = step.total_seconds()
        offsets_ok = all(s.offset.total_seconds() % seconds == 0 for s in spans)
        changes_ok = all(
            (s.start_utc - datetime.combine(s.start_utc.date(), time())).total_seconds()
            % seconds == 0
            for s in spans[1:]
        )  # fmt: skip
        if offsets_ok and changes_ok:
            return step
    return None


def merges(agg: Table, rows: Table, keys: Sequence[str]) -> dict[str, Merge] | None:
    """How each statistic of ``agg`` (a variant's aggregate of ``rows`` by ``keys``) merges
    across groups, or None when one does not or the aggregate is not a single group-by of
    ``rows``."""
    op = agg.op()
    if not isinstance(op, ops.Aggregate) or list(op.groups) != list(keys):
        return None
    # what the variant did to the rows before grouping: row-level steps only
    own = set(Graph.from_bfs(op.parent)) - set(Graph.from_bfs(rows.op()))
    for node in own:
        if isinstance(node, ops.Relation) and not isinstance(node, _ROW_LEVEL):
            return None
        if isinstance(node, (ops.Reduction, ops.WindowFunction)):
            return None
    how: dict[str, Merge] = {}
    for name, value in op.metrics.items():
        merge = _statistic(value)
        if merge is None:
            return None
        how[name] = merge
    return how


def _statistic(value: ops.Value) -> Merge | None:
    """How a statistic merges: a mergeable reduction of row-level values, perhaps cast
    without loss (an integer count or sum to another integer or to float64)."""
    if isinstance(value, ops.Cast):
        inner = value.arg
        exact = inner.dtype.is_integer() and (value.to.is_integer() or value.to.is_float64())
        if not exact and inner.dtype != value.to:
            return None
        value = inner
    merge = _REDUCTIONS.get(type(value))
    if merge is None:
        return None
    # the reduced expression itself holds no other reduction or window (x - mean(x))
    inside = Graph.from_bfs(value, filter=ops.Value)
    if any(isinstance(n, (ops.Reduction, ops.WindowFunction)) for n in inside if n is not value):
        return None
    return merge
