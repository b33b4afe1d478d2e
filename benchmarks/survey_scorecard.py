"""Time the survey scorecard three ways on the demo company, in one run.

    python benchmarks/survey_scorecard.py --scale 1                        # builds the demo
    python benchmarks/survey_scorecard.py --workspace /tmp/me/s1.duckdb    # an existing one

The scorecard is nps, csat, ces and response_rate (default definitions) by local month of the
workspace's time zone, overall and by touchpoint:

1. cxpulse: ``Workspace.metrics`` for the four together (Ibis on DuckDB), as the journey
   page reads them;
2. pandas: the competent analyst's version on the same tables loaded into pandas: vectorised
   flags, ONE groupby per table on the UTC bucket (below), months labelled on the ~17k group
   keys with ``to_period("M")``, never a per-row ``strftime`` or time-zone conversion;
3. SQL: the fastest hand-written DuckDB SQL we know (the floor): ONE scan of the responses
   computing the three survey metrics together, one scan of the invitations with the answered
   semi-join, each grouped by UTC bucket; only the buckets are converted to local months.

The UTC bucket is the widest of an hour, half an hour, 15 minutes or a minute that no local
month boundary of the workspace's zone cuts (``_common.bucket_seconds``: an hour for
Europe/Paris, 15 minutes for +5:45), so summed per bucket the counts roll up to months exactly.

Each approach runs in its own process on the same workspace file, so its peak memory is its own;
it loads its state (workspace, connection, or DataFrames: timed apart), warms up once, then
computes ``--repeat`` (>= 3) times; the median is reported. Both references must equal cxpulse
(same groups and n, values within 1e-9) or the script fails. Results go to benchmarks/results/.

``--workspace`` is opened by cxpulse as a workspace (which may apply migrations): give it a
copy of a shared file, never the file itself.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from _common import (
    RESULTS,
    bucket_seconds,
    describe,
    machine,
    month_bounds,
    peak_rss_mib,
    run_child,
    workspace_zone,
)

METRICS = ("nps", "csat", "ces", "response_rate")
# cxpulse's definitions (src/cxpulse/metrics/scales.py, survey.py), written out so that the
# references do not import cxpulse (whose import would count in their memory)
CSAT_TOP2_MIN = {3: 3, 5: 4, 7: 6, 10: 9}
CES_EASY_MIN = {5: 4, 7: 5}
SURVEY_SENDER = "cxpulse-surveys"  # cxpulse.schema.SURVEY_SENDER
COLUMNS = ["metric", "period", "segment", "n", "value"]
TOLERANCE = 1e-9
# issue 16's targets for cxpulse at scale 1: time against the floor and pandas, memory
WITHIN_SQL, FASTER_THAN_PANDAS, MEMORY_WITHIN_SQL = 1.3, 4.0, 1.5


@dataclass(frozen=True)
class Clock:
    """What a reference needs to label local months: the zone, the UTC bucket width that no
    month boundary cuts, and optionally the range read (naive UTC, ``lo`` <= t < ``hi``)."""

    zone: str
    bucket_s: int
    lo: datetime | None = None
    hi: datetime | None = None

    @classmethod
    def of(cls, zone: str, lo: datetime, hi: datetime, *, cut: bool = False) -> Clock:
        width = bucket_seconds(month_bounds(zone, lo, hi))
        return cls(zone, width, lo, hi) if cut else cls(zone, width)

    def where(self, col: str) -> str:
        if self.lo is None:
            return "TRUE"
        return f"{col} >= TIMESTAMP '{self.lo}' AND {col} < TIMESTAMP '{self.hi}'"

    def in_range(self, ts: pd.Series) -> pd.Series:
        if self.lo is None:
            return pd.Series(True, index=ts.index)
        return (ts >= self.lo) & (ts < self.hi)

    # SQL: an integer bucket per row, its local month on the grouped rows only
    def bucket_sql(self, col: str) -> str:
        return f"epoch_us({col}) // {self.bucket_s * 1_000_000}"

    def month_sql(self, bucket: str) -> str:
        return (
            f"strftime(timezone('{self.zone}', to_timestamp({bucket} * {self.bucket_s})), '%Y-%m')"
        )

    # pandas: the same, the month as a Period of the group keys
    def bucket_pd(self, ts: pd.Series) -> pd.Series:
        return ts.dt.floor(pd.Timedelta(seconds=self.bucket_s))

    def month_pd(self, buckets: pd.Index) -> pd.PeriodIndex:
        local = pd.DatetimeIndex(buckets).tz_localize("UTC").tz_convert(self.zone)
        return local.tz_localize(None).to_period("M")


def data_clock(con: Any, zone: str | None = None) -> Clock:
    """The clock of a whole workspace: its zone, the bucket width over its survey data."""
    lo, hi = con.execute(
        "SELECT least(min(r.lo), min(i.lo)), greatest(max(r.hi), max(i.hi)) FROM "
        "(SELECT min(responded_at) lo, max(responded_at) hi FROM survey_responses) r, "
        "(SELECT min(sent_at) lo, max(sent_at) hi FROM survey_invitations) i"
    ).fetchone()
    zone = zone or workspace_zone(con)
    if lo is None:
        return Clock(zone, 60)
    return Clock.of(zone, lo, hi)


# -- SQL: the floor -----------------------------------------------------------------------------
def _case(table: dict[int, int], col: str) -> str:
    whens = " ".join(f"WHEN {k} THEN {v}" for k, v in table.items())
    return f"CASE {col} {whens} END"


def sql_survey(clock: Clock, seg: str = "''", join: str = "") -> str:
    """NPS, CSAT and CES in ONE scan of survey_responses ``t``: per UTC bucket, segment
    (``seg``, an expression, NULL allowed) and question type, the answers, the good ones
    (promoters, top-two-box, easy: one CASE on the type) and the NPS detractors; the buckets
    then roll up to local months. Grouping by the type beat one FILTER per metric by ~20 %."""
    ease = "CASE WHEN t.polarity = 'high_is_hard' THEN coalesce(t.scale_min, 1) + t.scale_max "
    ease += "- t.score ELSE t.score END"
    good = f"""CASE t.question_type
          WHEN 'nps' THEN t.score >= 9
          WHEN 'csat' THEN t.score >= {_case(CSAT_TOP2_MIN, "coalesce(t.scale_max, 5)")}
          ELSE {ease} >= {_case(CES_EASY_MIN, "t.scale_max")} END"""
    return f"""
    WITH b AS (
      SELECT {clock.bucket_sql("t.responded_at")} AS bucket, {seg} AS seg,
        t.question_type AS metric, count(*) AS n, count(*) FILTER ({good}) AS k,
        count(*) FILTER (t.question_type = 'nps' AND t.score <= 6) AS d
      FROM survey_responses t {join}
      WHERE t.score IS NOT NULL AND t.question_type IN ('nps', 'csat', 'ces')
        AND {clock.where("t.responded_at")}
      GROUP BY ALL)
    SELECT metric, {clock.month_sql("bucket")}, coalesce(seg, '(none)'), sum(n)::BIGINT,
      100.0 * (sum(k) - sum(d)) / sum(n)  -- d is 0 but for nps: NPS = % promoters - % detractors
    FROM b GROUP BY 1, 2, 3"""


def sql_response_rate(clock: Clock, seg: str = "''", join: str = "") -> str:
    """Answered / delivered invitations ``t`` (cxpulse's definition: delivered unknown counts
    as delivered, except cxpulse's own invitations still waiting unanswered in the outbox),
    in one scan with a semi-join on every response's invitation, by UTC bucket, then months."""
    answered = (
        "t.invitation_id IN (SELECT invitation_id FROM survey_responses "
        "WHERE invitation_id IS NOT NULL)"
    )
    return f"""
    WITH i AS (
      SELECT t.sent_at, t.delivered, t.source, {seg} AS seg, {answered} AS answered
      FROM survey_invitations t {join} WHERE {clock.where("t.sent_at")}),
    b AS (
      SELECT {clock.bucket_sql("sent_at")} AS bucket, seg, count(*) AS n,
        count(*) FILTER (answered) AS k
      FROM i
      WHERE coalesce(delivered, NOT (coalesce(source, '') = '{SURVEY_SENDER}' AND NOT answered))
      GROUP BY ALL)
    SELECT 'response_rate', {clock.month_sql("bucket")}, coalesce(seg, '(none)'),
      sum(n)::BIGINT, 100.0 * sum(k) / sum(n)
    FROM b GROUP BY ALL"""


def load_sql(path: str) -> Any:
    import duckdb

    con = duckdb.connect(path, read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    return con, data_clock(con)


def run_sql(state: Any, segment: str | None) -> pd.DataFrame:
    con, clock = state
    seg = f"t.{segment}" if segment else "''"
    rows = con.execute(sql_survey(clock, seg)).fetchall()
    rows += con.execute(sql_response_rate(clock, seg)).fetchall()
    return pd.DataFrame(rows, columns=COLUMNS)


# -- pandas: the competent analyst ----------------------------------------------------------------
def _roll_up(flags: pd.DataFrame, clock: Clock, segment: str | None) -> pd.DataFrame:
    """Sum the flag columns per UTC bucket (and segment), then the buckets per local month:
    only the distinct buckets are converted to the zone."""
    keys = ["bucket", "seg"] if segment else ["bucket"]
    by_bucket = flags.groupby(keys, dropna=False, sort=False).sum()
    period = clock.month_pd(by_bucket.index.get_level_values("bucket"))
    outer: list[Any] = [period]
    if segment:
        outer.append(by_bucket.index.get_level_values("seg"))
    months = by_bucket.groupby(outer, dropna=False).sum()
    months.index = months.index.set_names(["period", "seg"] if segment else ["period"])
    out = months.reset_index()
    out["period"] = out["period"].astype(str)
    out["seg"] = out["seg"].fillna("(none)").astype(str) if segment else ""
    return out


def _rows(m: pd.DataFrame, metric: str, n: str, value: pd.Series) -> pd.DataFrame:
    keep = m[n] > 0
    return pd.DataFrame(
        {
            "metric": metric,
            "period": m.loc[keep, "period"],
            "segment": m.loc[keep, "seg"],
            "n": m.loc[keep, n].astype("int64"),
            "value": value[keep].astype(float),
        }
    )


def pandas_survey(
    resp: pd.DataFrame, inv: pd.DataFrame, segment: str | None, clock: Clock
) -> pd.DataFrame:
    """The four metrics from the responses and invitations (``segment``: a column of both,
    or None). All responses count for "answered"; the range applies to the rows measured."""
    used = ["question_type", "score", "scale_min", "scale_max", "polarity", "responded_at"]
    r = resp.loc[
        resp["score"].notna() & clock.in_range(resp["responded_at"]),
        used + ([segment] if segment else []),
    ]
    qt, score, top = r["question_type"], r["score"], r["scale_max"]
    nps, csat, ces = qt.eq("nps"), qt.eq("csat"), qt.eq("ces")
    ease = score.where(~r["polarity"].eq("high_is_hard"), r["scale_min"].fillna(1) + top - score)
    flags = pd.DataFrame(
        {
            "bucket": clock.bucket_pd(r["responded_at"]),
            "nps_n": nps,
            "nps_p": nps & (score >= 9),
            "nps_d": nps & (score <= 6),
            "csat_n": csat,
            "csat_k": csat & (score >= top.fillna(5).map(CSAT_TOP2_MIN)),
            "ces_n": ces,
            "ces_k": ces & (ease >= top.map(CES_EASY_MIN)),
        }
    )
    if segment:
        flags["seg"] = r[segment]
    m = _roll_up(flags, clock, segment)
    frames = [
        _rows(m, "nps", "nps_n", 100 * (m["nps_p"] - m["nps_d"]) / m["nps_n"]),
        _rows(m, "csat", "csat_n", 100 * m["csat_k"] / m["csat_n"]),
        _rows(m, "ces", "ces_n", 100 * m["ces_k"] / m["ces_n"]),
    ]

    i = inv.loc[
        clock.in_range(inv["sent_at"]),
        ["invitation_id", "sent_at", "delivered", "source"] + ([segment] if segment else []),
    ]
    answered = i["invitation_id"].isin(resp["invitation_id"].dropna().unique())
    waiting = i["source"].fillna("").eq(SURVEY_SENDER) & ~answered
    delivered = i["delivered"].where(i["delivered"].notna(), ~waiting).astype(bool)
    flags = pd.DataFrame(
        {"bucket": clock.bucket_pd(i["sent_at"]), "n": delivered, "k": delivered & answered}
    )
    if segment:
        flags["seg"] = i[segment]
    m = _roll_up(flags[delivered], clock, segment)
    frames.append(_rows(m, "response_rate", "n", 100 * m["k"] / m["n"]))
    return pd.concat(frames, ignore_index=True)


RESPONSE_COLUMNS = (
    "response_id, customer_id, invitation_id, question_type, score, scale_min, scale_max, "
    "polarity, touchpoint, responded_at"
)
INVITATION_COLUMNS = "invitation_id, customer_id, touchpoint, sent_at, delivered, source"


def load_pandas(path: str) -> Any:
    """The analyst's starting point: both tables in memory as DataFrames (timed apart)."""
    import duckdb

    con = duckdb.connect(path, read_only=True)
    resp = con.sql(f"SELECT {RESPONSE_COLUMNS} FROM survey_responses").df()
    inv = con.sql(f"SELECT {INVITATION_COLUMNS} FROM survey_invitations").df()
    clock = data_clock(con)
    con.close()
    return resp, inv, clock


def run_pandas(state: Any, segment: str | None) -> pd.DataFrame:
    resp, inv, clock = state
    return pandas_survey(resp, inv, segment, clock)


# -- cxpulse ------------------------------------------------------------------------------------
def load_cxpulse(path: str) -> Any:
    from cxpulse import Workspace

    return Workspace.open(path)


def run_cxpulse(ws: Any, segment: str | None) -> pd.DataFrame:
    frames = []
    # the four together, as the product reads them (the three survey metrics in one query)
    for m, df in ws.metrics(METRICS, by="month", segment=segment).items():
        frames.append(
            pd.DataFrame(
                {
                    "metric": m,
                    "period": df["period"].astype(str),
                    "segment": df[segment].astype(str) if segment else "",
                    "n": df["n"].astype("int64"),
                    "value": df["value"].astype(float),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


APPROACHES = {
    "cxpulse": (load_cxpulse, run_cxpulse),
    "pandas": (load_pandas, run_pandas),
    "sql": (load_sql, run_sql),
}


# -- harness ------------------------------------------------------------------------------------
def child(approach: str, path: str, segment: str | None, repeat: int) -> None:
    """Runs in a subprocess: load (timed apart), warm up, time, print JSON with the result."""
    load, run = APPROACHES[approach]
    start = time.perf_counter()
    state = load(path)
    load_s = time.perf_counter() - start
    run(state, segment)  # warm-up: imports, caches, the OS file cache
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = run(state, segment)
        times.append(time.perf_counter() - start)
    payload = {
        "load_s": load_s,
        "times_s": times,
        "peak_rss_mib": peak_rss_mib(),
        "result": result.to_dict("records"),
    }
    json.dump(payload, sys.stdout)


def measure(approach: str, path: str, segment: str | None, repeat: int) -> dict[str, Any]:
    args = [__file__, "--child", approach, "--path", path, "--repeat", str(repeat)]
    args += ["--segment", segment] if segment else []
    load_before = os.getloadavg()[0]
    out = run_child(args[0], args[1:])
    if "error" in out:
        raise SystemExit(f"{approach} failed: {out['error']}")
    return {
        "median_s": statistics.median(out["times_s"]),
        "times_s": out["times_s"],
        "load_s": out["load_s"],
        "peak_rss_mib": out["peak_rss_mib"],
        "load_average": [load_before, os.getloadavg()[0]],
        "result": pd.DataFrame(out["result"], columns=COLUMNS),
    }


def disagreement(base: pd.DataFrame, other: pd.DataFrame) -> str | None:
    """None when ``other`` has the groups, n and values (within 1e-9) of ``base``."""
    keys = ["metric", "period", "segment"]
    m = base.merge(other, on=keys, how="outer", suffixes=("_a", "_b"), indicator=True)
    missing = m[m["_merge"] != "both"]
    if not missing.empty:
        return f"groups differ: {missing[[*keys, '_merge']].head(5).to_dict('records')}"
    bad_n = m[m["n_a"] != m["n_b"]]
    if not bad_n.empty:
        return f"n differs: {bad_n.head(5).to_dict('records')}"
    a, b = m["value_a"].to_numpy(float), m["value_b"].to_numpy(float)
    off = ~(np.isnan(a) & np.isnan(b)) & ~(np.abs(a - b) <= TOLERANCE * np.maximum(1, np.abs(a)))
    if off.any():
        return f"values differ: {m[off].head(5).to_dict('records')}"
    return None


def targets(scenarios: dict[str, Any]) -> dict[str, tuple[bool, float]]:
    """PASS/FAIL of issue 16's survey scorecard targets, per scenario of this run."""
    out = {}
    for scenario, r in scenarios.items():
        cx = r["cxpulse"]
        out[f"{scenario}: within {WITHIN_SQL}x of SQL"] = (
            cx["ratio_vs_sql"] <= WITHIN_SQL,
            round(cx["ratio_vs_sql"], 2),
        )
        faster = 1 / cx["ratio_vs_pandas"]
        out[f"{scenario}: {FASTER_THAN_PANDAS:g}x faster than pandas"] = (
            faster >= FASTER_THAN_PANDAS,
            round(faster, 2),
        )
        out[f"{scenario}: memory within {MEMORY_WITHIN_SQL}x of SQL"] = (
            cx["memory_vs_sql"] <= MEMORY_WITHIN_SQL,
            round(cx["memory_vs_sql"], 2),
        )
    return out


def build_workspace(
    scale: float, seed: int, folder: Path, reuse: bool
) -> tuple[Path, dict[str, int], float]:
    from cxpulse import Workspace
    from cxpulse.demo import create_demo

    path = folder / f"demo-scale{scale:g}-seed{seed}.duckdb"
    if reuse and path.exists():
        with Workspace.open(path) as ws:
            return path, ws.counts(), float("nan")
    start = time.perf_counter()
    with create_demo(path, scale=scale, seed=seed, end=date(2026, 11, 1)) as ws:
        counts = ws.counts()
    return path, counts, time.perf_counter() - start


def _counts(path: Path) -> dict[str, int]:
    import duckdb

    with duckdb.connect(str(path), read_only=True) as con:
        return {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # type: ignore[index]
            for t in ("survey_responses", "survey_invitations")
        }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs after the warm-up")
    parser.add_argument("--workdir", type=Path, default=RESULTS / "work")
    parser.add_argument("--workspace", type=Path, help="an existing workspace (a copy: see above)")
    parser.add_argument(
        "--reuse", action="store_true", help="reuse a demo workspace built by an earlier run"
    )
    parser.add_argument("--child", choices=APPROACHES)
    parser.add_argument("--path")
    parser.add_argument("--segment")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.path, args.segment, args.repeat)
        return
    if args.repeat < 3:
        parser.error("--repeat must be at least 3 (the median of fewer runs is not a figure)")

    m = machine()
    print(describe(m))
    if args.workspace:
        path, build_s = args.workspace, float("nan")
        counts = _counts(path)
    else:
        args.workdir.mkdir(parents=True, exist_ok=True)
        path, counts, build_s = build_workspace(args.scale, args.seed, args.workdir, args.reuse)
    print(
        f"{path}: {counts['survey_responses']:,} responses, "
        f"{counts['survey_invitations']:,} invitations (built in {build_s:.1f} s)"
    )
    report: dict[str, Any] = {
        "benchmark": "survey_scorecard",
        "scale": args.scale,
        "workspace": str(path),
        "rows": counts,
        "build_s": build_s,
        "machine": m,
        "timing": f"median of {args.repeat} runs after a warm-up, each approach in its own "
        "process (its own peak memory)",
        "date": date.today().isoformat(),
        "scenarios": {},
    }
    header = (
        f"{'scenario':<22}{'approach':<10}{'median s':>10}{'vs SQL':>9}{'vs pandas':>11}"
        f"{'peak MiB':>10}{'load':>6}"
    )
    print(header + "\n" + "-" * len(header), flush=True)
    for segment in (None, "touchpoint"):
        scenario = "by month" + (f" x {segment}" if segment else "")
        results = {a: measure(a, str(path), segment, args.repeat) for a in APPROACHES}
        for ref in ("pandas", "sql"):
            why = disagreement(results["cxpulse"]["result"], results[ref]["result"])
            if why:
                raise SystemExit(f"{scenario}: {ref} and cxpulse disagree, no ratio stands: {why}")
        sql_t, pandas_t = results["sql"]["median_s"], results["pandas"]["median_s"]
        sql_mem = results["sql"]["peak_rss_mib"]
        report["scenarios"][scenario] = {}
        for name, r in results.items():
            r.pop("result")
            r["ratio_vs_sql"] = r["median_s"] / sql_t
            r["ratio_vs_pandas"] = r["median_s"] / pandas_t
            r["memory_vs_sql"] = r["peak_rss_mib"] / sql_mem
            print(
                f"{scenario:<22}{name:<10}{r['median_s']:>10.3f}{r['ratio_vs_sql']:>8.2f}x"
                f"{r['ratio_vs_pandas']:>10.3f}x{r['peak_rss_mib']:>10.0f}"
                f"{r['load_average'][0]:>6.1f}",
                flush=True,
            )
            report["scenarios"][scenario][name] = r
    print("all three agree (same groups and n, values within 1e-9)")
    report["targets"] = targets(report["scenarios"])
    for name, (ok, value) in report["targets"].items():
        print(f"TARGET {name}: {'PASS' if ok else 'FAIL'} ({value})")
    pandas_load = report["scenarios"]["by month"]["pandas"]["load_s"]
    print(f"pandas also spent {pandas_load:.2f} s loading the two tables (not in its time)")
    report["load_average_at_end"] = list(os.getloadavg())
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"survey_scorecard-scale{args.scale:g}.json"
    out.write_text(json.dumps(report, indent=2))
    print(f"written {out}")


if __name__ == "__main__":
    main()
