"""Hand-written references for the benchmark suite: DuckDB SQL (the floor) and pandas (what an
analyst would otherwise write), for the metrics that have one and for sessionisation.

Metrics with references (``REFERENCED``): nps, csat, ces, response_rate (the survey scorecard's
one-pass SQL and vectorised pandas, ``survey_scorecard.sql_survey`` / ``pandas_survey``),
first_response_time and
time_to_resolution (calendar-hour medians), bounce_rate (GA4, over 30-minute sessions), mrr and
customer_churn_rate (balances just before each period's start and end). Each returns the
canonical frame ``metric, period, segment, n, value`` so that the suite can check all three
engines agree before comparing their times.

No reference converts a time zone per row: sums and counts are grouped by UTC bucket and only
the buckets are labelled with their local month (``survey_scorecard.Clock``); medians, which do
not roll up, take their month from the UTC month bounds (a join on the bucket in SQL, a
``searchsorted`` in pandas).

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
TZ = "Europe/Paris"  # the suite's workspace zone (suite_data.TIMEZONE)
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

    @property
    def clock(self) -> sc.Clock:
        return sc.Clock.of(TZ, self.lo, self.hi, cut=True)

    def index(self, ts: pd.Series) -> np.ndarray:
        """Each timestamp's month (0 for the first; -1 or len(labels) outside the range),
        from the UTC bounds: no row is converted to the zone."""
        bounds = np.array([*self.starts, self.hi], dtype="datetime64[us]")
        return np.searchsorted(bounds, ts.to_numpy(dtype="datetime64[us]"), side="right") - 1

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame({"period": self.labels, "ps": self.starts, "pe": self.ends})

    def values_sql(self) -> str:
        rows = ", ".join(
            f"('{p}', TIMESTAMP '{s}', TIMESTAMP '{e}')"
            for p, s, e in zip(self.labels, self.starts, self.ends, strict=True)
        )
        return f"(VALUES {rows}) AS periods(period, ps, pe)"


# -- SQL ----------------------------------------------------------------------------------------
def _seg(segment: str | None, alias: str = "t") -> tuple[str, str]:
    """The segment expression (NULL for no customer or no value, labelled after grouping) and
    the join it needs."""
    if not segment:
        return "''", ""
    return f"c.{segment}", f"LEFT JOIN customers c ON c.customer_id = {alias}.customer_id"


def _bucket_months(months: Months) -> str:
    """Every UTC bucket of the range with its local month: a few thousand rows to join on,
    so that no row of a table is converted to the zone."""
    clock = months.clock
    epoch = datetime(1970, 1, 1)
    first, last = ((t - epoch).total_seconds() // clock.bucket_s for t in (months.lo, months.hi))
    month = clock.month_sql("range")
    return f"(SELECT range AS bucket, {month} AS period FROM range({first:.0f}, {last:.0f}))"


def sql_metrics(con: Any, segment: str | None, months: Months) -> pd.DataFrame:
    clock = months.clock
    seg, join = _seg(segment)
    hours = "date_diff('microsecond', t.created_at, {end}) / 3600e6"
    q = [sc.sql_survey(clock, seg, join), sc.sql_response_rate(clock, seg, join)]
    for name, end in (
        ("first_response_time", "t.first_reply_at"),
        ("time_to_resolution", "coalesce(t.first_solved_at, t.solved_at)"),
    ):
        q.append(f"""SELECT '{name}', b.period, coalesce({seg}, '(none)'), count(*),
            quantile_cont({hours.format(end=end)}, 0.5)
            FROM tickets t {join}
            JOIN {_bucket_months(months)} b ON b.bucket = {clock.bucket_sql("t.created_at")}
            WHERE {end} IS NOT NULL AND {clock.where("t.created_at")} GROUP BY ALL""")
    q.append(_sql_bounce(segment, months))
    q.append(_sql_revenue(segment, months))
    rows = [r for query in q for r in con.execute(query).fetchall()]
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
    clock = months.clock
    seg, join = _seg(segment, "s")
    sessions = sql_sessions(months.lo - MARGIN, months.hi + MARGIN)
    return f"""WITH b AS (
        SELECT {clock.bucket_sql("s.started_at")} AS bucket, {seg} AS seg, count(*) AS n,
          count(*) FILTER (NOT s.engaged) AS k
        FROM ({sessions}) s {join}
        WHERE s.pageviews > 0 AND {clock.where("s.started_at")}
        GROUP BY ALL)
      SELECT 'bounce_rate', {clock.month_sql("bucket")}, coalesce(seg, '(none)'), sum(n)::BIGINT,
        100.0 * sum(k) / sum(n)
      FROM b GROUP BY ALL"""


def _sql_revenue(segment: str | None, months: Months) -> str:
    seg, join = _seg(segment)
    cases = " ".join(f"WHEN '{p}' THEN {m}" for p, m in BILLING_MONTHS.items())
    return f"""
    WITH paid AS (
      SELECT t.customer_id, coalesce({seg}, '(none)') AS seg, t.started_at, t.ended_at,
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
    "survey_responses": sc.RESPONSE_COLUMNS,
    "survey_invitations": sc.INVITATION_COLUMNS,
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


def _by_month(df: pd.DataFrame, ts: pd.Series, months: Months, segment: str | None) -> Any:
    """``df`` grouped by month index (and segment), the month labelled on the group keys."""
    keys: list[Any] = [pd.Series(months.index(ts), index=df.index, name="m")]
    if segment:
        keys.append(df["_seg"])
    return df.groupby(keys, dropna=False)


def _labelled(agg: pd.DataFrame, months: Months) -> pd.DataFrame:
    agg = agg.reset_index()
    agg["period"] = np.array(months.labels)[agg["m"].to_numpy()]
    return agg


def pandas_metrics(f: dict[str, pd.DataFrame], segment: str | None, months: Months) -> pd.DataFrame:
    cust = f["customers"]
    # every response counts as an answer (as in cxpulse and the SQL); the range cuts the rows
    # measured, inside pandas_survey
    inv = f["survey_invitations"]
    inv = _with_segment(inv[_in(inv["sent_at"], months)], cust, segment)
    resp = _with_segment(f["survey_responses"], cust, segment)
    frames = [sc.pandas_survey(resp, inv, "_seg" if segment else None, months.clock)]

    t = f["tickets"]
    t = _with_segment(t[_in(t["created_at"], months)], cust, segment)
    for name, end in (
        ("first_response_time", t["first_reply_at"]),
        ("time_to_resolution", t["first_solved_at"].fillna(t["solved_at"])),
    ):
        x = t.assign(h=(end - t["created_at"]).dt.total_seconds() / 3600)
        x = x[x["h"].notna()]
        agg = _by_month(x, x["created_at"], months, segment).agg(
            n=("h", "size"), value=("h", "median")
        )
        frames.append(_canon(_labelled(agg, months), name, segment))

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
    s = _with_segment(s, cust, segment).assign(bounced=~s["engaged"].to_numpy())
    agg = _by_month(s, s["started_at"], months, segment).agg(
        n=("bounced", "size"), k=("bounced", "sum")
    )
    agg = _labelled(agg, months)
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
