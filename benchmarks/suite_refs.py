"""Hand-written references for the benchmark suite: DuckDB SQL (the floor) and pandas (what an
analyst would otherwise write), for the metrics that have one and for sessionisation.

Metrics with references (``REFERENCED``): nps, csat, ces, response_rate (the survey scorecard's
definitions; pandas reuses ``survey_scorecard.run_pandas``), first_response_time and
time_to_resolution (calendar-hour medians), bounce_rate (GA4, over 30-minute sessions), mrr and
customer_churn_rate (balances just before each period's start and end). Each returns the
canonical frame ``metric, period, segment, n, value`` so that the suite can check all three
engines agree before comparing their times.

The segment is a customers column (``customer.<col>`` in cxpulse), joined on customer_id; a
missing customer or value is the segment ``(none)``, as in cxpulse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

import survey_scorecard as sc

REFERENCED = (
    "nps",
    "csat",
    "ces",
    "response_rate",
    "first_response_time",
    "time_to_resolution",
    "bounce_rate",
    "mrr",
    "customer_churn_rate",
)
TZ = sc.TZ
GAP = timedelta(minutes=30)  # the session timeout (settings.session_gap_minutes default)
MARGIN = timedelta(days=1)  # hits either side of the range are sessionised too, as in cxpulse
BILLING_MONTHS = {"month": 1, "quarter": 3, "year": 12}
COLUMNS = ["metric", "period", "segment", "n", "value"]


@dataclass(frozen=True)
class Months:
    """The months of the range as local (Paris) labels and naive-UTC bounds."""

    labels: list[str]
    starts: list[datetime]
    ends: list[datetime]

    @classmethod
    def of(cls, first: date, count: int) -> Months:
        zone = ZoneInfo(TZ)
        firsts = [
            date(first.year + (first.month - 1 + k) // 12, (first.month - 1 + k) % 12 + 1, 1)
            for k in range(count + 1)
        ]
        utc = [
            datetime(d.year, d.month, d.day, tzinfo=zone)
            .astimezone(ZoneInfo("UTC"))
            .replace(tzinfo=None)
            for d in firsts
        ]
        return cls([d.strftime("%Y-%m") for d in firsts[:-1]], utc[:-1], utc[1:])

    @property
    def lo(self) -> datetime:
        return self.starts[0]

    @property
    def hi(self) -> datetime:
        return self.ends[-1]

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame({"period": self.labels, "ps": self.starts, "pe": self.ends})

    def values_sql(self) -> str:
        rows = ", ".join(
            f"('{p}', TIMESTAMP '{s}', TIMESTAMP '{e}')"
            for p, s, e in zip(self.labels, self.starts, self.ends, strict=True)
        )
        return f"(VALUES {rows}) AS periods(period, ps, pe)"


# -- SQL ----------------------------------------------------------------------------------------
def _local(col: str) -> str:
    return sc.SQL_LOCAL.format(col=col)


def _seg(segment: str | None, alias: str = "t") -> tuple[str, str]:
    """The segment select expression and the join it needs."""
    if not segment:
        return "''", ""
    return (
        f"coalesce(c.{segment}, '(none)')",
        f"LEFT JOIN customers c ON c.customer_id = {alias}.customer_id",
    )


def sql_metrics(con: Any, segment: str | None, months: Months) -> pd.DataFrame:
    seg, join = _seg(segment)
    rng = (
        "{col} >= TIMESTAMP '" + str(months.lo) + "' AND {col} < TIMESTAMP '" + str(months.hi) + "'"
    )
    resp = f"survey_responses t {join} WHERE t.score IS NOT NULL AND " + rng.format(
        col="t.responded_at"
    )
    hours = "date_diff('microsecond', t.created_at, {end}) / 3600e6"
    q = {}
    q["nps"] = f"""SELECT 'nps', {_local("t.responded_at")}, {seg}, count(*),
        100.0 * (count(*) FILTER (t.score >= 9) - count(*) FILTER (t.score <= 6)) / count(*)
        FROM {resp} AND t.question_type = 'nps' GROUP BY ALL"""
    q["csat"] = f"""SELECT 'csat', {_local("t.responded_at")}, {seg}, count(*),
        100.0 * count(*) FILTER (t.score >= CASE t.scale_max WHEN 3 THEN 3 WHEN 5 THEN 4
        WHEN 7 THEN 6 WHEN 10 THEN 9 END) / count(*)
        FROM {resp} AND t.question_type = 'csat' GROUP BY ALL"""
    q["ces"] = f"""SELECT 'ces', {_local("t.responded_at")}, {seg}, count(*),
        100.0 * count(*) FILTER (
          CASE WHEN t.polarity = 'high_is_hard'
               THEN coalesce(t.scale_min, 1) + t.scale_max - t.score ELSE t.score END
          >= CASE t.scale_max WHEN 5 THEN 4 WHEN 7 THEN 5 END) / count(*)
        FROM {resp} AND t.question_type = 'ces' GROUP BY ALL"""
    q["response_rate"] = f"""SELECT 'response_rate', {_local("t.sent_at")}, {seg}, count(*),
        100.0 * count(*) FILTER (t.invitation_id IN (
          SELECT invitation_id FROM survey_responses WHERE invitation_id IS NOT NULL)) / count(*)
        FROM survey_invitations t {join}
        WHERE coalesce(t.delivered, true) AND {rng.format(col="t.sent_at")} GROUP BY ALL"""
    for name, end in (
        ("first_response_time", "t.first_reply_at"),
        ("time_to_resolution", "coalesce(t.first_solved_at, t.solved_at)"),
    ):
        q[name] = f"""SELECT '{name}', {_local("t.created_at")}, {seg}, count(*),
            quantile_cont({hours.format(end=end)}, 0.5)
            FROM tickets t {join}
            WHERE {end} IS NOT NULL AND {rng.format(col="t.created_at")} GROUP BY ALL"""
    q["bounce_rate"] = _sql_bounce(segment, months)
    rows = [r for query in q.values() for r in con.execute(query).fetchall()]
    rows += con.execute(_sql_revenue(segment, months)).fetchall()
    return pd.DataFrame(rows, columns=COLUMNS)


def sql_sessions(lo: datetime | None = None, hi: datetime | None = None) -> str:
    """One row per session (with a page view or not) of the hits in ``lo``..``hi``."""
    where = (
        f"WHERE occurred_at >= TIMESTAMP '{lo}' AND occurred_at < TIMESTAMP '{hi}'" if lo else ""
    )
    return f"""
    WITH hits AS (
      SELECT visitor_id, event_id, occurred_at, event_type, engagement_ms, customer_id
      FROM web_events {where}),
    lagged AS (
      SELECT *, lag(occurred_at) OVER (PARTITION BY visitor_id ORDER BY occurred_at, event_id)
        AS prev FROM hits),
    numbered AS (
      SELECT *, sum(CASE WHEN prev IS NULL OR occurred_at > prev + INTERVAL 30 MINUTE
                    THEN 1 ELSE 0 END)
        OVER (PARTITION BY visitor_id ORDER BY occurred_at, event_id
              ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS sn
      FROM lagged)
    SELECT visitor_id, sn, min(occurred_at) AS started_at, max(occurred_at) AS ended_at,
      count(*) FILTER (event_type = 'page_view') AS pageviews,
      count(*) FILTER (event_type = 'key_event') AS key_events,
      coalesce(sum(engagement_ms), 0) AS engagement_ms, max(customer_id) AS customer_id,
      (greatest(date_diff('microsecond', min(occurred_at), max(occurred_at)) / 1e6,
                coalesce(sum(engagement_ms), 0) / 1000.0) > 10
       OR count(*) FILTER (event_type = 'key_event') > 0
       OR count(*) FILTER (event_type = 'page_view') >= 2) AS engaged
    FROM numbered GROUP BY visitor_id, sn"""


def _sql_bounce(segment: str | None, months: Months) -> str:
    seg, join = _seg(segment, "s")
    sessions = sql_sessions(months.lo - MARGIN, months.hi + MARGIN)
    return f"""SELECT 'bounce_rate', {_local("s.started_at")}, {seg}, count(*),
        100.0 * count(*) FILTER (NOT s.engaged) / count(*)
        FROM ({sessions}) s {join}
        WHERE s.pageviews > 0 AND s.started_at >= TIMESTAMP '{months.lo}'
          AND s.started_at < TIMESTAMP '{months.hi}'
        GROUP BY ALL"""


def _sql_revenue(segment: str | None, months: Months) -> str:
    seg, join = _seg(segment)
    cases = " ".join(f"WHEN '{p}' THEN {m}" for p, m in BILLING_MONTHS.items())
    return f"""
    WITH paid AS (
      SELECT t.customer_id, {seg} AS seg, t.started_at, t.ended_at,
        t.price::DOUBLE / CASE t.billing_period {cases} END AS mrr
      FROM subscriptions t {join}),
    bal AS (
      SELECT customer_id, seg, period,
        round(sum(CASE WHEN started_at < ps AND (ended_at IS NULL OR ended_at >= ps)
                  THEN mrr ELSE 0 END), 6) AS mrr_start,
        round(sum(CASE WHEN ended_at IS NULL OR ended_at >= pe THEN mrr ELSE 0 END), 6) AS mrr_end
      FROM paid JOIN {months.values_sql()}
        ON started_at < pe AND (ended_at IS NULL OR ended_at >= ps)
      WHERE mrr > 0 AND (ended_at IS NULL OR ended_at > started_at)
      GROUP BY ALL)
    SELECT 'mrr', period, seg, count(*) FILTER (mrr_end > 0), sum(mrr_end) FROM bal GROUP BY ALL
    UNION ALL
    SELECT 'customer_churn_rate', period, seg, count(*) FILTER (mrr_start > 0),
      100.0 * count(*) FILTER (mrr_start > 0 AND mrr_end = 0)
        / nullif(count(*) FILTER (mrr_start > 0), 0)
    FROM bal GROUP BY ALL"""


# -- pandas -------------------------------------------------------------------------------------
PANDAS_TABLES = {
    "survey_responses": "response_id, customer_id, invitation_id, question_type, score, scale_min, "
    "scale_max, polarity, touchpoint, responded_at",
    "survey_invitations": "invitation_id, customer_id, touchpoint, sent_at, delivered",
    "tickets": "customer_id, created_at, first_reply_at, first_solved_at, solved_at",
    "web_events": "event_id, visitor_id, customer_id, occurred_at, event_type, engagement_ms",
    "subscriptions": "customer_id, price, billing_period, started_at, ended_at",
    "customers": "customer_id, segment",
}


def load_frames(path: str, tables: dict[str, str]) -> dict[str, pd.DataFrame]:
    """The analyst's starting point: the tables in memory as DataFrames (timed apart)."""
    import duckdb

    con = duckdb.connect(path, read_only=True)
    frames = {name: con.sql(f"SELECT {cols} FROM {name}").df() for name, cols in tables.items()}
    con.close()
    return frames


def _with_segment(df: pd.DataFrame, customers: pd.DataFrame, segment: str | None) -> pd.DataFrame:
    if not segment:
        return df
    seg = customers[["customer_id", segment]].rename(columns={segment: "_seg"})
    return df.merge(seg, on="customer_id", how="left")


def _month(ts: pd.Series) -> pd.Series:
    return ts.dt.tz_localize("UTC").dt.tz_convert(TZ).dt.strftime("%Y-%m")


def _in(ts: pd.Series, months: Months) -> pd.Series:
    return (ts >= months.lo) & (ts < months.hi)


def _canon(agg: pd.DataFrame, metric: str, segment: str | None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "metric": metric,
            "period": agg["period"],
            "segment": agg["_seg"].fillna("(none)").astype(str) if segment else "",
            "n": agg["n"].astype("int64"),
            "value": agg["value"].astype(float),
        }
    )


def pandas_metrics(f: dict[str, pd.DataFrame], segment: str | None, months: Months) -> pd.DataFrame:
    cust = f["customers"]
    keys = ["period"] + (["_seg"] if segment else [])
    # survey_scorecard.run_pandas; every response counts as an answer (as in cxpulse and the
    # SQL), so the responses are not cut to the range before it, its months are afterwards
    resp = _with_segment(f["survey_responses"], cust, segment)
    inv = f["survey_invitations"]
    inv = _with_segment(inv[_in(inv["sent_at"], months)], cust, segment)
    survey = sc.run_pandas((resp, inv), "_seg" if segment else None)
    frames = [survey[survey["period"].isin(months.labels)]]

    t = f["tickets"]
    t = _with_segment(t[_in(t["created_at"], months)], cust, segment)
    t = t.assign(period=_month(t["created_at"]))
    for name, end in (
        ("first_response_time", t["first_reply_at"]),
        ("time_to_resolution", t["first_solved_at"].fillna(t["solved_at"])),
    ):
        x = t.assign(h=(end - t["created_at"]).dt.total_seconds() / 3600)
        x = x[x["h"].notna()]
        agg = x.groupby(keys, dropna=False).agg(n=("h", "size"), value=("h", "median"))
        frames.append(_canon(agg.reset_index(), name, segment))

    frames.append(_pandas_bounce(f["web_events"], cust, segment, months))
    frames += _pandas_revenue(f["subscriptions"], cust, segment, months)
    return pd.concat(frames, ignore_index=True)


def pandas_sessions(hits: pd.DataFrame) -> pd.DataFrame:
    """One row per session: sort each visitor's hits, cut at 30-minute gaps, aggregate."""
    h = hits.sort_values(["visitor_id", "occurred_at", "event_id"], kind="stable")
    visitor, at = h["visitor_id"], h["occurred_at"]
    new = (visitor != visitor.shift()) | (at - at.shift() > GAP)
    h = h.assign(
        sid=new.cumsum().to_numpy(),
        pv=(h["event_type"] == "page_view").to_numpy(),
        ke=(h["event_type"] == "key_event").to_numpy(),
    )
    s = h.groupby("sid").agg(
        started_at=("occurred_at", "min"),
        ended_at=("occurred_at", "max"),
        pageviews=("pv", "sum"),
        key_events=("ke", "sum"),
        engagement_ms=("engagement_ms", "sum"),
        customer_id=("customer_id", "max"),
    )
    duration = (s["ended_at"] - s["started_at"]).dt.total_seconds().to_numpy()
    engaged_time = np.maximum(duration, s["engagement_ms"].fillna(0).to_numpy() / 1000.0)
    s["engaged"] = (engaged_time > 10) | (s["key_events"] > 0) | (s["pageviews"] >= 2)
    return s


def _pandas_bounce(
    web: pd.DataFrame, cust: pd.DataFrame, segment: str | None, months: Months
) -> pd.DataFrame:
    at = web["occurred_at"]
    s = pandas_sessions(web[(at >= months.lo - MARGIN) & (at < months.hi + MARGIN)])
    s = s[(s["pageviews"] > 0) & _in(s["started_at"], months)]
    s = _with_segment(s, cust, segment)
    s = s.assign(period=_month(s["started_at"]), bounced=~s["engaged"])
    keys = ["period"] + (["_seg"] if segment else [])
    agg = s.groupby(keys, dropna=False).agg(n=("bounced", "size"), k=("bounced", "sum"))
    agg = agg.reset_index()
    agg["value"] = 100 * agg["k"] / agg["n"]
    return _canon(agg, "bounce_rate", segment)


def _pandas_revenue(
    subs: pd.DataFrame, cust: pd.DataFrame, segment: str | None, months: Months
) -> list[pd.DataFrame]:
    s = _with_segment(subs, cust, segment)
    s = s.assign(mrr=s["price"].astype(float) / s["billing_period"].map(BILLING_MONTHS))
    s = s[(s["mrr"] > 0) & (s["ended_at"].isna() | (s["ended_at"] > s["started_at"]))]
    j = s.merge(months.frame(), how="cross")
    open_end = j["ended_at"].isna()
    j = j[(j["started_at"] < j["pe"]) & (open_end | (j["ended_at"] >= j["ps"]))]
    open_end = j["ended_at"].isna()
    j = j.assign(
        mrr_start=np.where(
            (j["started_at"] < j["ps"]) & (open_end | (j["ended_at"] >= j["ps"])), j["mrr"], 0.0
        ),
        mrr_end=np.where(open_end | (j["ended_at"] >= j["pe"]), j["mrr"], 0.0),
    )
    if segment:
        j["_seg"] = j["_seg"].fillna("(none)")
    keys = ["period"] + (["_seg"] if segment else [])
    b = j.groupby(["customer_id", *keys])[["mrr_start", "mrr_end"]].sum().round(6).reset_index()
    b = b.assign(active_end=b["mrr_end"] > 0, active_start=b["mrr_start"] > 0)
    b["churned"] = b["active_start"] & (b["mrr_end"] == 0)
    g = b.groupby(keys)
    mrr = g.agg(n=("active_end", "sum"), value=("mrr_end", "sum")).reset_index()
    churn = g.agg(n=("active_start", "sum"), k=("churned", "sum")).reset_index()
    churn["value"] = 100 * churn["k"] / churn["n"].where(churn["n"] > 0)
    return [_canon(mrr, "mrr", segment), _canon(churn, "customer_churn_rate", segment)]
