"""The CX index: a versioned weighting of normalised components (docs/metrics/composite.md).

Every component is a 0-100 score that is the mean of a per-row score, so all components share
one Ibis aggregation: a CSAT answer in the top two boxes scores 100, else 0 (the mean is CSAT);
an NPS promoter 100, a passive 50, a detractor 0 (the mean is (NPS + 100) / 2); an empathy
answer of 4 on 1-5 scores 75; a ticket meeting both efficiency targets 100, one of two 50.
See :data:`cxpulse.metrics.cx_weights.COMPONENTS`.

The index of a period is the weighted mean of the components that have data in it (weights
renormalised over those, and the missing ones listed). ``cx_index`` (the registered metric)
always uses the current weights over the whole history; :func:`cx_index_report` adds each
component, its weight and contribution, the version of the weights in effect at the time and
the index those weights gave. Rows carry only ``customer_id`` besides the score, so segments
and filters are customer columns (``customer.segment``, ``customer.plan``...).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import ibis
import pandas as pd

from cxpulse.metrics import cx_weights as cw
from cxpulse.metrics import portable, scales
from cxpulse.metrics.spec import (
    REGISTRY,
    MetricSpec,
    PeriodContext,
    Registry,
    Table,
    Tables,
    Variant,
)

if TYPE_CHECKING:
    from cxpulse.context import Context

_SURVEY_METRIC = {"effort": "ces", "ces": "ces", "csat": "csat", "nps": "nps"}
_FLAG = {"ces": "_easy", "csat": "_good"}
_QUESTIONS = ("empathy", "understanding")


def _rows(parts: list[Table]) -> Table:
    return ibis.union(*parts) if len(parts) > 1 else parts[0]


def _pick(t: Table, at: Any, name: str, score: Any) -> Table:
    return t.select(
        customer_id=t.customer_id,
        _at=at,
        component=ibis.literal(name),
        _x=score.cast("float64"),
    )


def _survey_rows(tables: Tables, names: set[str], lo: Any, hi: Any) -> list[Table]:
    responses = tables.table("survey_responses")
    responses = responses.filter((responses.responded_at >= lo) & (responses.responded_at < hi))
    parts = []
    for name in sorted(names & set(_SURVEY_METRIC)):
        metric = _SURVEY_METRIC[name]
        rows = REGISTRY.get(metric).default.prepare(responses, tables)  # the metric's own rows
        if metric == "nps":
            score = ibis.cases(
                (rows.score >= scales.NPS_PROMOTER_MIN, 100.0),
                (rows.score <= scales.NPS_DETRACTOR_MAX, 0.0),
                else_=50.0,
            )
        else:
            score = rows[_FLAG[metric]].ifelse(100.0, 0.0)
        parts.append(_pick(rows, rows.responded_at, name, score))
    for name in sorted(names & set(_QUESTIONS)):
        rows = responses.filter(
            (portable.strip(responses.question_id).lower() == name) & responses.score.notnull()
        )
        low = ibis.coalesce(rows.scale_min, 1).cast("float64")
        high = ibis.coalesce(rows.scale_max, 5).cast("float64")
        rows = rows.filter(high > low)
        score = 100.0 * (rows.score.cast("float64") - low) / (high - low)
        parts.append(_pick(rows, rows.responded_at, name, score))
    return parts


def _ticket_rows(tables: Tables, names: set[str], lo: Any, hi: Any) -> list[Table]:
    settings = getattr(tables, "settings", None)
    target_h = float(getattr(settings, "resolution_target_hours", 24.0))
    target_s = 60.0 * float(getattr(settings, "handle_time_target_minutes", 10.0))
    t = tables.table("tickets")
    t = t.filter((t.created_at >= lo) & (t.created_at < hi))
    hours = portable.seconds_between(t.first_solved_at, t.created_at) / 3600.0
    voice = [t.talk_seconds, t.hold_seconds, t.wrap_seconds]
    spoken = sum((ibis.coalesce(c, 0.0) for c in voice[1:]), ibis.coalesce(voice[0], 0.0))
    has_voice = voice[0].notnull() | voice[1].notnull() | voice[2].notnull()
    handle = has_voice.ifelse(spoken, t.work_seconds)
    # A check that cannot be made (not solved yet, no handle time recorded) is null, not failed.
    solved_ok = t.first_solved_at.notnull().ifelse((hours <= target_h).ifelse(1.0, 0.0), None)
    handled_ok = (handle > 0).ifelse((handle <= target_s).ifelse(1.0, 0.0), None)
    parts = []
    if "resolution" in names:
        rows = t.mutate(_ok=solved_ok)
        rows = rows.filter(rows._ok.notnull())
        parts.append(_pick(rows, rows.created_at, "resolution", 100.0 * rows._ok))
    if "efficiency" in names:
        checks = solved_ok.notnull().ifelse(1.0, 0.0) + handled_ok.notnull().ifelse(1.0, 0.0)
        met = ibis.coalesce(solved_ok, 0.0) + ibis.coalesce(handled_ok, 0.0)
        rows = t.mutate(_checks=checks, _met=met)
        rows = rows.filter(rows._checks > 0)
        parts.append(_pick(rows, rows.created_at, "efficiency", 100.0 * rows._met / rows._checks))
    return parts


def score_rows(tables: Tables, names: set[str], lo: Any, hi: Any) -> Table | None:
    """One row per answer or ticket feeding the components ``names`` in [lo, hi): columns
    ``customer_id``, ``_at``, ``component`` and ``_x`` (its 0-100 score). None when no
    component is asked for."""
    parts = _survey_rows(tables, names, lo, hi) + _ticket_rows(tables, names, lo, hi)
    return _rows(parts) if parts else None


def _rows_in(ctx: PeriodContext, names: set[str]) -> Table | None:
    frame = ctx.frame  # the few periods asked for
    lo = pd.Timestamp(frame["_start"].min()).to_pydatetime()
    hi = pd.Timestamp(frame["_end"].max()).to_pydatetime()
    rows = score_rows(ctx.tables, names, lo, hi)
    if rows is None:
        return None
    return ctx.attach(rows.mutate(_period=ctx.period_of(rows._at)))


def _nothing(ctx: PeriodContext) -> Table:
    empty = pd.DataFrame({"_period": pd.Series(dtype="datetime64[s]")})
    return ibis.memtable(empty).mutate(n=ibis.literal(0, "int64"), v=ibis.literal(0.0))


def _index(ctx: PeriodContext) -> Table:
    weights = cw.current(getattr(ctx.tables, "store", None)).weights
    rows = _rows_in(ctx, set(weights))
    keys = ["_period", *ctx.segments]
    if rows is None:
        return _nothing(ctx)
    per = rows.group_by([*keys, "component"]).aggregate(
        n=rows.count().cast("int64"), value=rows._x.mean()
    )
    weight = per.component.substitute(weights, else_=0.0).cast("float64")
    per = per.mutate(_w=weight)
    return per.group_by(keys).aggregate(
        n=per.n.sum().cast("int64"), v=(per._w * per.value).sum() / per._w.sum()
    )


def _components(ctx: PeriodContext) -> Table:
    names = {name for v in cw.history(getattr(ctx.tables, "store", None)) for name in v.weights}
    rows = _rows_in(ctx, names)
    if rows is None:
        return _nothing(ctx)
    keys = ["_period", *ctx.segments]
    return rows.group_by(keys).aggregate(n=rows.count().cast("int64"), v=rows._x.mean())


def _spec(name: str, definition: str, periodic: Any) -> MetricSpec:
    return MetricSpec(
        name=name,
        label="CX index",
        table="survey_responses",
        time_column="responded_at",
        unit="points",
        variants={
            "default": Variant("default", definition, "value", multiplier=1.0, periodic=periodic)
        },
    )


REGISTRY.add(
    _spec(
        "cx_index",
        "weighted mean (0-100) of the components with data in the period, with the current "
        "weights version over the whole history (`cxpulse cx-index` shows the weights, each "
        "component's contribution and where the version changed); n = answers and tickets",
        _index,
    )
)
COMPONENTS = Registry()  # the report's per-component query, kept out of `cxpulse metrics`
COMPONENTS.add(_spec("cx_components", "one CX index component (0-100)", _components))


@dataclass(frozen=True)
class CxIndexReport:
    weights: cw.WeightsVersion
    history: list[cw.WeightsVersion]
    frame: pd.DataFrame
    """One row per period (and segment): cx_index, cx_index_then (weights of the time), n,
    weights_version (in effect then), weights_changed, missing (components without data),
    measured_weight (0-1: the share of the current weights with data), partial, low_n, and
    per component C: C (0-100), C_weight (current, renormalised) and C_contribution."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "weights": self.weights.to_dict(),
            "history": [v.to_dict() for v in self.history],
            "periods": [
                {str(k): _plain(v) for k, v in row.items()} for row in self.frame.to_dict("records")
            ],
        }


def cx_index_report(
    ws: Context,
    *,
    by: str = "month",
    start: date | str | None = None,
    end: date | str | None = None,
    segment: str | Sequence[str] | None = None,
    filters: Mapping[str, Any] | None = None,
    as_of: date | str | None = None,
) -> CxIndexReport:
    """The CX index by period with its components, weights and contributions; ``partial``
    marks a period not over by ``as_of`` (default today) or cut by the range, ``low_n`` one
    with fewer answers and tickets than the ``min_n`` setting, ``measured_weight`` the share
    of the current weights that had data."""
    from cxpulse.metrics.engine import compute

    versions = cw.history(ws.store)
    segments = [segment] if isinstance(segment, str) else list(segment or [])
    comp = compute(
        ws,
        "cx_components",
        by=by,
        segment=["component", *segments],
        start=start,
        end=end,
        filters=filters,
        registry=COMPONENTS,
        as_of=as_of,
    )
    frame = _combine(comp, segments, versions)
    if not frame.empty:
        flags = comp.groupby(["period_start", *segments])["partial"].any()
        keys = list(zip(*(frame[k] for k in ["period_start", *segments]), strict=True))
        frame["partial"] = [bool(flags.get(k if segments else k[0], False)) for k in keys]
        frame["low_n"] = frame["n"] < ws.settings.min_n
    return CxIndexReport(versions[-1], versions, frame)


HALF = 0.5
"""Below this share of the weights measured, the index is mostly the components that happen
to have data: say so."""


def coverage_caveats(ws: Context, by: str, period_start: date) -> list[str]:
    """What the CX index of the period starting on ``period_start`` is made of, when it is not
    every weighted component: which ones are missing and how much weight was measured.

    Only which components have data matters here, so this is one aggregation of the period's
    score rows by component and one read of the weights, not :func:`cx_index_report` (which
    read the weights twice and computed each component's interval and change to show none of
    them: a sixth of a scale-1 scorecard)."""
    from cxpulse.metrics import periods
    from cxpulse.metrics.engine import period_context

    grain = periods.check_grain(by)
    last = periods.shift(period_start, grain, 1) - timedelta(days=1)
    versions = cw.history(ws.store)
    now = versions[-1].weights
    spec = COMPONENTS.get("cx_components")
    ctx = period_context(ws, spec, grain, [], {}, period_start, last)
    # every component any version weighs, as the report reads: data for a component only an
    # older version weighs still makes an index of the period (of nothing current)
    rows = None if ctx is None else _rows_in(ctx, {c for v in versions for c in v.weights})
    if rows is None:
        return []
    found = rows.group_by("component").aggregate(v=rows._x.mean()).execute()
    if found.empty:
        return []
    have = set(found["component"][found["v"].notna()])
    total = sum(w for w in now.values() if w > 0)
    measured = sum(w for c, w in now.items() if c in have and w > 0) / total if total > 0 else 0.0
    if measured >= 1:
        return []
    absent = {c for c in now if c not in have}
    weighted = [c for c, w in now.items() if w > 0]
    used = [c for c in weighted if c not in absent]
    lacking = [c for c in weighted if c in absent]
    text = (
        f"cx_index is {' + '.join(used) or 'nothing'} only: {' and '.join(lacking)} had no "
        f"data, so {measured:.0%} of the weight was measured (weights renormalised over the "
        "rest)"
    )
    if measured < HALF:
        text = f"less than half of the CX index was measured: {text}"
    return [text]


def _combine(
    comp: pd.DataFrame, segments: list[str], versions: list[cw.WeightsVersion]
) -> pd.DataFrame:
    now = versions[-1].weights
    names = list(now) + sorted({c for v in versions for c in v.weights} - set(now))
    if comp.empty:
        return pd.DataFrame(columns=["period", "period_start", *segments, "cx_index"])
    keys = ["period", "period_start", *segments]
    values = comp.pivot_table(index=keys, columns="component", values="value", aggfunc="first")
    counts = comp.groupby(keys)["n"].sum()
    rows = []
    for index, row in values.iterrows():
        key: tuple[Any, ...] = index if isinstance(index, tuple) else (index,)
        have = {c: float(row[c]) for c in names if c in row and pd.notna(row[c])}
        then = cw.in_effect(versions, key[1])
        out: dict[str, Any] = dict(zip(keys, key, strict=True))
        out["cx_index"], shares = _blend(have, now)
        out["cx_index_then"], _ = _blend(have, then.weights)
        out["n"] = int(counts.loc[key])
        out["weights_version"] = then.version
        out["missing"] = ", ".join(c for c in now if c not in have)
        total = sum(w for w in now.values() if w > 0)
        measured = sum(w for c, w in now.items() if c in have and w > 0)
        out["measured_weight"] = measured / total if total > 0 else 0.0
        for c in now:
            out[c] = have.get(c)
            out[f"{c}_weight"] = shares.get(c, 0.0)
            out[f"{c}_contribution"] = shares[c] * have[c] if c in shares else None
        rows.append(out)
    frame = pd.DataFrame(rows).sort_values([*segments, "period_start"], kind="stable")
    # A change of version between one period and the next of the same series (segment).
    series = frame.groupby(segments, dropna=False) if segments else frame
    changed = series["weights_version"].diff().fillna(0).to_numpy() != 0
    frame.insert(list(frame.columns).index("weights_version") + 1, "weights_changed", changed)
    return frame.reset_index(drop=True)


def _blend(
    have: dict[str, float], weights: dict[str, float]
) -> tuple[float | None, dict[str, float]]:
    """Weighted mean over the components with data, and the renormalised weights used."""
    used = {c: w for c, w in weights.items() if c in have and w > 0}
    total = sum(used.values())
    if total <= 0:
        return None, {}
    shares = {c: w / total for c, w in used.items()}
    return sum(shares[c] * have[c] for c in shares), shares


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, date):
        return value.isoformat()
    return None if isinstance(value, float) and value != value else value
