"""Themes over time and themes that precede churn, as Ibis over the workspace tables.

Both read ``text_annotations`` (written by :func:`cxpulse.text.annotate.score_workspace`)
joined to the tables the texts came from, so they run where the data is; only per-group counts
come back to Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import ibis
import numpy as np
import pandas as pd

from cxpulse.errors import ConfigError
from cxpulse.metrics import periods, stats
from cxpulse.schema import TEXT_ANNOTATIONS_TABLE
from cxpulse.text.annotate import DEFAULT_TABLES, SOURCES

if TYPE_CHECKING:
    from cxpulse.context import Context

ANY_THEME = "(any comment)"


def annotated(ws: Context, tables: Sequence[str] = DEFAULT_TABLES) -> Any:
    """One row per annotated text: table, customer_id, at (UTC), themes, sentiment, label."""
    unknown = [t for t in tables if t not in SOURCES]
    if unknown or not tables:
        raise ConfigError(f"choose tables among {', '.join(SOURCES)}, not {unknown or 'none'}")
    ann = ws.store.table(TEXT_ANNOTATIONS_TABLE)
    parts = []
    for name in tables:
        src = SOURCES[name]
        t = ws.table(name)
        a = ann.filter(ann.table_name == name)
        # The annotation's columns get names of their own before the join: a source table may
        # have a column of the same name (mentions keep the sentiment a vendor exported), and
        # a join would then silently pick that one.
        a = a.select(_key=a.row_key, _themes=a.themes, _sentiment=a.sentiment, _label=a.label)
        j = t.join(a, t[src.key] == a._key)
        parts.append(
            j.select(
                table=ibis.literal(name),
                customer_id=j.customer_id,
                at=j[src.time],
                themes=j._themes,
                sentiment=j._sentiment,
                label=j._label,
            )
        )
    return ibis.union(*parts) if len(parts) > 1 else parts[0]


def _with_theme(rows: Any) -> Any:
    """One row per (text, theme); texts without a theme are left out."""
    exploded = rows.mutate(theme=rows.themes.split(",").unnest())
    return exploded.filter(exploded.theme.notnull() & (exploded.theme != ""))


def theme_trends(
    ws: Context,
    by: str = "month",
    *,
    tables: Sequence[str] = DEFAULT_TABLES,
    start: date | str | None = None,
    end: date | str | None = None,
    by_table: bool = False,
) -> pd.DataFrame:
    """Volume and sentiment of each theme per period (in the workspace's time zone).

    Columns: period, period_start, [table,] theme, n (texts with the theme), share (% of all
    annotated texts of the period; a text can have several themes, so shares can add up to
    more than 100), mean_sentiment (-1..1) with its interval (ci_low, ci_high), and
    negative_share (% of the theme's texts labelled negative). Shares are percentages, as
    every share cxpulse reports.
    """
    grain = periods.check_grain(by)
    first, last = periods.parse_day(start, "start"), periods.parse_day(end, "end")
    rows = annotated(ws, tables)
    zone = ws.settings.zone
    if first is not None:
        rows = rows.filter(rows.at >= periods.local_midnight_utc(first, zone))
    if last is not None:
        rows = rows.filter(rows.at < periods.local_midnight_utc(last + timedelta(days=1), zone))
    bounds = rows.aggregate(lo=rows.at.min(), hi=rows.at.max()).execute()
    if bounds.empty or pd.isna(bounds["lo"].iloc[0]):
        return pd.DataFrame(columns=_TREND_COLUMNS[:2] + _TREND_COLUMNS[2:])
    spans = periods.offset_spans(
        zone, pd.Timestamp(bounds["lo"].iloc[0]).to_pydatetime(),
        pd.Timestamp(bounds["hi"].iloc[0]).to_pydatetime(),
    )  # fmt: skip
    rows = rows.mutate(_period=periods.period_start(periods.local_time(rows.at, spans), grain))
    keys = ["_period", "table"] if by_table else ["_period"]
    totals = rows.group_by(keys).aggregate(_all=rows.count()).execute()
    themed = _with_theme(rows)
    s = themed.sentiment.cast("float64")
    grouped = themed.group_by([*keys, "theme"]).aggregate(
        n=themed.count(),
        _sum=s.sum(),
        _sumsq=(s * s).sum(),
        _neg=(themed.label == "negative").cast("int64").sum(),
    )
    df = grouped.execute().merge(totals, on=keys)
    return _finish_trends(df, grain, by_table, ws.settings.confidence)


_TREND_COLUMNS = [
    "period", "period_start", "theme", "n", "share", "mean_sentiment", "ci_low", "ci_high",
    "negative_share",
]  # fmt: skip


def _finish_trends(df: pd.DataFrame, grain: Any, by_table: bool, confidence: float) -> pd.DataFrame:
    n = df["n"].astype(float).to_numpy()
    df["share"] = 100 * stats.ratio_point(n, df["_all"].astype(float))
    df["mean_sentiment"] = stats.mean_point(n, df["_sum"].astype(float))
    low, high = stats.t_interval(n, df["_sum"], df["_sumsq"], confidence=confidence)
    df["ci_low"], df["ci_high"] = np.clip(low, -1, 1), np.clip(high, -1, 1)
    df["negative_share"] = 100 * stats.ratio_point(df["_neg"].astype(float), n)
    df["period_start"] = [pd.Timestamp(p).date() for p in df.pop("_period")]
    df["period"] = [periods.label(d, grain) for d in df["period_start"]]
    columns = list(_TREND_COLUMNS)
    if by_table:
        columns.insert(2, "table")
    df = df.sort_values(["period_start", *(["table"] if by_table else []), "n"],
                        ascending=[True, *([True] if by_table else []), False])  # fmt: skip
    return df[columns].reset_index(drop=True)


def churn_events(ws: Context, as_of: datetime) -> Any:
    """(customer_id, churned_at): a subscription ended and no other one of the customer is
    running after that moment (none without an end, none ending later)."""
    subs = ws.table("subscriptions")
    ended = subs.filter(subs.ended_at.notnull() & (subs.ended_at <= as_of))
    other = subs.select(_cid=subs.customer_id, _sid=subs.subscription_id, _end=subs.ended_at)
    still = ended.semi_join(
        other,
        [
            ended.customer_id == other._cid,
            ended.subscription_id != other._sid,
            other._end.isnull() | (other._end > ended.ended_at),
        ],
    )
    final = ended.anti_join(still, ended.subscription_id == still.subscription_id)
    return final.select(customer_id=final.customer_id, churned_at=final.ended_at).distinct()


def themes_before_churn(
    ws: Context,
    days: int = 90,
    *,
    tables: Sequence[str] = DEFAULT_TABLES,
    as_of: date | str | None = None,
    only_negative: bool = False,
) -> pd.DataFrame:
    """Share of customers who churned within ``days`` after a comment with each theme.

    Only comments written while the customer had a running subscription count, and only those
    at least ``days`` before ``as_of`` (default: the last subscription start or end), so every
    window is fully observed. Each customer counts once per theme, from their first such
    comment, so customers who write a lot weigh no more than others. The row ``(any comment)``
    is the baseline (each customer's first comment, whatever its themes); ``lift`` = share /
    baseline share. ``only_negative`` keeps comments labelled negative.
    Columns: theme, customers, churned, share (% who churned), ci_low, ci_high (Wilson, in %),
    lift.
    """
    if days < 1:
        raise ConfigError(f"days must be at least 1, not {days}")
    cutoff = _as_of(ws, as_of)
    rows = annotated(ws, tables)
    rows = rows.filter(rows.customer_id.notnull() & (rows.at <= cutoff - timedelta(days=days)))
    if only_negative:
        rows = rows.filter(rows.label == "negative")
    subs = ws.table("subscriptions")
    rows = rows.semi_join(
        subs,
        [
            rows.customer_id == subs.customer_id,
            subs.started_at <= rows.at,
            subs.ended_at.isnull() | (subs.ended_at > rows.at),
        ],
    )
    base = rows.select("customer_id", "at", theme=ibis.literal(ANY_THEME))
    themed = _with_theme(rows).select("customer_id", "at", "theme")
    everything = ibis.union(themed, base)
    comments = everything.group_by("customer_id", "theme").aggregate(at=everything.at.min())
    events = churn_events(ws, cutoff)
    hit = comments.semi_join(
        events,
        [
            comments.customer_id == events.customer_id,
            events.churned_at > comments.at,
            events.churned_at <= comments.at + ibis.interval(days=days),
        ],
    )
    counts = comments.group_by("theme").aggregate(customers=comments.count()).execute()
    lost = hit.group_by("theme").aggregate(churned=hit.count()).execute()
    df = counts.merge(lost, on="theme", how="left").fillna({"churned": 0})
    return _finish_churn(df, ws.settings.confidence)


def _finish_churn(df: pd.DataFrame, confidence: float) -> pd.DataFrame:
    columns = ["theme", "customers", "churned", "share", "ci_low", "ci_high", "lift"]
    if df.empty:
        return pd.DataFrame(columns=columns)
    n, k = df["customers"].astype(float), df["churned"].astype(float)
    df["churned"] = df["churned"].astype("int64")
    df["share"] = 100 * stats.share_point(n, k)
    low, high = stats.wilson_interval(n, k, confidence=confidence)
    df["ci_low"], df["ci_high"] = 100 * low, 100 * high
    base = df.loc[df["theme"] == ANY_THEME, "share"]
    df["lift"] = df["share"] / float(base.iloc[0]) if len(base) and base.iloc[0] else np.nan
    df = df.sort_values(["theme"], key=lambda s: s == ANY_THEME, kind="stable")
    df = df.sort_values("share", ascending=False, kind="stable")
    return df[columns].reset_index(drop=True)


def _as_of(ws: Context, as_of: date | str | None) -> datetime:
    day = periods.parse_day(as_of, "as_of")
    if day is not None:
        return periods.local_midnight_utc(day, ws.settings.zone)
    subs = ws.table("subscriptions")
    latest = subs.aggregate(a=subs.started_at.max(), b=subs.ended_at.max()).execute()
    values = [v for v in latest.iloc[0].tolist() if not pd.isna(v)]
    if not values:
        raise ConfigError("no subscriptions in the workspace: churn cannot be measured")
    return pd.Timestamp(max(values)).to_pydatetime()
