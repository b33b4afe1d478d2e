"""Support metrics from the tickets table (docs/metrics/support.md).

Durations are skewed (most tickets are answered in minutes, a few wait days), so response and
resolution times default to the median, with ``mean`` (t interval) and ``p90`` variants, all in
hours; each also exists in business hours (``business_hours...``) when a schedule is configured.
Quantiles are exact (``quantile``, interpolated), never approximate. Tickets still waiting
(no reply, not solved) have no duration yet and are left out; the backlog counts them.
Rows are bucketed by the period the ticket was created in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import ibis

from cxpulse.metrics.businesshours import require_schedule, with_business_hours
from cxpulse.metrics.portable import seconds_between
from cxpulse.metrics.spec import REGISTRY, MetricSpec, Table, Tables, Variant
from cxpulse.metrics.stats import Kind

SEGMENTS = ("channel", "team", "agent_id", "category", "priority")
Prepare = Callable[[Table, Tables], Table]
Aggregate = Callable[[Table, list[str]], Table]


def count_if(cond: Any) -> Any:
    return cond.ifelse(1, 0).sum().cast("int64")


# -- statistics of one numeric column ---------------------------------------------------------
def _quantile(q: float, column: str = "_x") -> Aggregate:
    def aggregate(t: Table, keys: list[str]) -> Table:
        return t.group_by(keys).aggregate(
            n=t.count().cast("int64"), v=t[column].quantile(q).cast("float64")
        )

    return aggregate


def _moments(column: str = "_x") -> Aggregate:
    def aggregate(t: Table, keys: list[str]) -> Table:
        x = t[column].cast("float64")
        return t.group_by(keys).aggregate(n=t.count().cast("int64"), s=x.sum(), ss=(x * x).sum())

    return aggregate


STATS: dict[str, tuple[str, Kind, Aggregate, float | None]] = {
    # name part: (words for the definition, statistic kind, aggregation, quantile)
    "median": ("median", "value", _quantile(0.5), 0.5),
    "mean": ("mean (t interval)", "mean", _moments(), None),
    "p90": ("90th percentile", "value", _quantile(0.9), 0.9),
}


# -- durations ----------------------------------------------------------------------------
End = Callable[[Table], Any]


def _calendar_hours(end: End) -> Prepare:
    def prepare(t: Table, _: Tables) -> Table:
        t = t.mutate(_end=end(t))
        t = t.filter(t._end.notnull())
        return t.mutate(_x=seconds_between(t._end, t.created_at) / 3600.0)

    return prepare


def _business_hours(end: End) -> Prepare:
    def prepare(t: Table, tables: Tables) -> Table:
        # the workspace's settings hold the schedule; a clear error when there is none
        schedule = require_schedule(getattr(tables, "settings", None))
        t = t.mutate(_end=end(t))
        return with_business_hours(t, "created_at", "_end", schedule, out="_x")

    return prepare


def duration_variants(span: str, end: End, prefix: str = "") -> dict[str, Variant]:
    """Median, mean and p90 in calendar and business hours, named ``[prefix_][business_hours_]
    [mean|p90]`` (the median has no suffix; with no prefix the calendar median is ``median``)."""
    variants: dict[str, Variant] = {}
    for hours, prepare in (("", _calendar_hours(end)), ("business_hours", _business_hours(end))):
        unit = "business hours of the configured schedule" if hours else "calendar hours"
        for stat, (words, kind, aggregate, q) in STATS.items():
            parts = [p for p in (prefix, hours, "" if stat == "median" else stat) if p]
            name = "_".join(parts) or "median"
            text = f"{words} of {span}, in {unit}; by the period the ticket was created"
            variants[name] = Variant(
                name, text, kind, aggregate, prepare, multiplier=1.0, quantile=q
            )
    return variants


def alias(variant: Variant, name: str) -> Variant:
    return replace(variant, name=name)


def _replied(t: Table) -> Any:
    return t.first_reply_at


def first_solved(t: Table) -> Any:
    return ibis.coalesce(t.first_solved_at, t.solved_at)


def last_solved(t: Table) -> Any:
    return ibis.coalesce(t.solved_at, t.first_solved_at)


_frt = duration_variants(
    "ticket created -> first public reply by a human agent (bots excluded; tickets not yet "
    "answered left out)",
    _replied,
)
REGISTRY.add(
    MetricSpec(
        name="first_response_time",
        label="First response time",
        table="tickets",
        time_column="created_at",
        unit="hours",
        higher_is_better=False,
        segments=SEGMENTS,
        main_segment="channel",
        variants={"default": alias(_frt["median"], "default"), **_frt},
    )
)

_ttr_first = duration_variants(
    "ticket created -> first solved (tickets not yet solved left out)", first_solved
)
_ttr_full = duration_variants(
    "ticket created -> last solved, reopenings included (tickets not yet solved left out)",
    last_solved,
    prefix="full",
)
REGISTRY.add(
    MetricSpec(
        name="time_to_resolution",
        label="Time to resolution",
        table="tickets",
        time_column="created_at",
        unit="hours",
        higher_is_better=False,
        segments=SEGMENTS,
        main_segment="channel",
        variants={
            "default": alias(_ttr_first["median"], "default"),
            "first": alias(_ttr_first["median"], "first"),
            **_ttr_first,
            **_ttr_full,
        },
    )
)


# -- handle time and hold time: per voice contact -------------------------------------------
def _voice(t: Table) -> Any:
    """A voice contact: any of talk, hold or after-call work recorded."""
    return t.talk_seconds.notnull() | t.hold_seconds.notnull() | t.wrap_seconds.notnull()


def _handled(t: Table, _: Tables) -> Table:
    """Voice contacts count talk + hold + after-call work; other tickets count the agent's
    recorded working time. Contacts with none are left out."""
    spoken = (
        ibis.coalesce(t.talk_seconds, 0.0)
        + ibis.coalesce(t.hold_seconds, 0.0)
        + ibis.coalesce(t.wrap_seconds, 0.0)
    )
    t = t.mutate(_x=_voice(t).ifelse(spoken, t.work_seconds).cast("float64"))
    return t.filter(t._x > 0)


def _on_hold(t: Table, _: Tables) -> Table:
    """Voice contacts; a call never put on hold holds 0 s."""
    t = t.filter(_voice(t))
    return t.mutate(_x=ibis.coalesce(t.hold_seconds, 0.0).cast("float64"))


def seconds_variants(text: str, prepare: Prepare) -> dict[str, Variant]:
    """``default`` (mean, t interval), ``median`` and ``p90`` of ``_x`` in seconds."""
    return {
        name: Variant(
            name,
            f"{words} {text}" + ("; t interval" if kind == "mean" else ""),
            kind,
            aggregate,
            prepare,
            multiplier=1.0,
            quantile=q,
        )
        for name, (words, kind, aggregate, q) in (
            ("default", ("mean", "mean", _moments(), None)),
            ("median", STATS["median"]),
            ("p90", STATS["p90"]),
        )
    }


AHT_TEXT = (
    "handle time in seconds per handled contact: voice = (talk + hold + after-call work) / "
    "answered calls; written channels = recorded working time / tickets with any working time"
)
HOLD_TEXT = (
    "hold time in seconds per voice contact (tickets with talk, hold or after-call time "
    "recorded; a call never put on hold counts 0 s); by the period the ticket was created"
)
for _name, _label, _text, _prepare, _main in (
    ("average_handle_time", "Average handle time", AHT_TEXT, _handled, "channel"),
    ("hold_time", "Hold time", HOLD_TEXT, _on_hold, None),
):
    REGISTRY.add(
        MetricSpec(
            name=_name,
            label=_label,
            table="tickets",
            time_column="created_at",
            unit="seconds",
            higher_is_better=False,
            segments=SEGMENTS,
            main_segment=_main,
            variants=seconds_variants(_text, _prepare),
        )
    )
