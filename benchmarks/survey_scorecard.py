"""Time the survey scorecard three ways on the demo company, in one run.

    python benchmarks/survey_scorecard.py --scale 1

1. cxpulse: ``Workspace.metric`` for nps, csat, ces and response_rate by month (Ibis on DuckDB);
2. pandas: what an analyst would write by hand on the same tables loaded into pandas;
3. SQL: hand-written DuckDB SQL, the floor.

Each approach runs in its own process on the same workspace file (so peak memory is its own),
loads its state (workspace, connection, or DataFrames for pandas: timed apart), warms up once,
then computes ``--repeat`` times; the median is reported. All three must agree
(same n, values within 1e-9) or the script fails. Results go to benchmarks/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from _common import peak_rss_mib

RESULTS = Path(__file__).parent / "results"
METRICS = ("nps", "csat", "ces", "response_rate")
TZ = "Europe/Paris"


# -- the three implementations --------------------------------------------------------------
def load_cxpulse(path: str) -> Any:
    from cxpulse import Workspace

    return Workspace.open(path)


def run_cxpulse(ws: Any, segment: str | None) -> pd.DataFrame:
    frames = []
    for m in METRICS:
        df = ws.metric(m, by="month", segment=segment)
        frames.append(_canon(df, m, segment))
    return pd.concat(frames)


def _canon(df: pd.DataFrame, metric: str, segment: str | None) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "metric": metric,
            "period": df["period"].astype(str),
            "segment": df[segment].astype(str) if segment else "",
            "n": df["n"].astype("int64"),
            "value": df["value"].astype(float),
        }
    )
    return out


def load_pandas(path: str) -> Any:
    """The analyst's starting point: both tables in memory as DataFrames (timed apart)."""
    import duckdb

    con = duckdb.connect(path, read_only=True)
    resp = con.sql(
        "SELECT response_id, invitation_id, question_type, score, scale_min, scale_max, "
        "polarity, touchpoint, responded_at FROM survey_responses"
    ).df()
    inv = con.sql(
        "SELECT invitation_id, touchpoint, sent_at, delivered FROM survey_invitations"
    ).df()
    con.close()
    return resp, inv


def run_pandas(state: Any, segment: str | None) -> pd.DataFrame:
    resp_all, inv = state

    def month(ts: pd.Series) -> pd.Series:
        local = ts.dt.tz_localize("UTC").dt.tz_convert(TZ)
        return local.dt.strftime("%Y-%m")

    resp = resp_all[resp_all["score"].notna()].copy()
    resp["period"] = month(resp["responded_at"])
    keys = ["period"] + ([segment] if segment else [])
    frames = []

    nps = resp[resp["question_type"] == "nps"]
    g = nps.assign(p=nps["score"] >= 9, d=nps["score"] <= 6).groupby(keys, dropna=False)
    agg = g.agg(n=("score", "size"), p=("p", "sum"), d=("d", "sum")).reset_index()
    agg["value"] = 100 * (agg["p"] - agg["d"]) / agg["n"]
    frames.append(_finish(agg, "nps", segment))

    csat = resp[resp["question_type"] == "csat"]
    top2 = csat["scale_max"].map({3: 3, 5: 4, 7: 6, 10: 9})
    g = csat.assign(k=csat["score"] >= top2).groupby(keys, dropna=False)
    agg = g.agg(n=("score", "size"), k=("k", "sum")).reset_index()
    agg["value"] = 100 * agg["k"] / agg["n"]
    frames.append(_finish(agg, "csat", segment))

    ces = resp[resp["question_type"] == "ces"]
    ease = np.where(
        ces["polarity"] == "high_is_hard",
        ces["scale_min"].fillna(1) + ces["scale_max"] - ces["score"],
        ces["score"],
    )
    easy = ease >= ces["scale_max"].map({5: 4, 7: 5})
    g = ces.assign(k=easy).groupby(keys, dropna=False)
    agg = g.agg(n=("score", "size"), k=("k", "sum")).reset_index()
    agg["value"] = 100 * agg["k"] / agg["n"]
    frames.append(_finish(agg, "ces", segment))

    # answered = any response row (scored or not) that names the invitation
    answered = resp_all["invitation_id"].dropna().unique()
    inv = inv[inv["delivered"].fillna(True).astype(bool)].copy()
    inv["period"] = month(inv["sent_at"])
    inv["k"] = inv["invitation_id"].isin(answered)
    agg = inv.groupby(keys, dropna=False).agg(n=("k", "size"), k=("k", "sum")).reset_index()
    agg["value"] = 100 * agg["k"] / agg["n"]
    frames.append(_finish(agg, "response_rate", segment))
    return pd.concat(frames)


def _finish(agg: pd.DataFrame, metric: str, segment: str | None) -> pd.DataFrame:
    seg = agg[segment].fillna("(none)").astype(str) if segment else ""
    return pd.DataFrame(
        {
            "metric": metric,
            "period": agg["period"],
            "segment": seg,
            "n": agg["n"].astype("int64"),
            "value": agg["value"].astype(float),
        }
    )


SQL_LOCAL = f"strftime(timezone('{TZ}', {{col}}::TIMESTAMPTZ), '%Y-%m')"


def load_sql(path: str) -> Any:
    import duckdb

    con = duckdb.connect(path, read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    return con


def run_sql(con: Any, segment: str | None) -> pd.DataFrame:
    seg = f", coalesce({segment}, '(none)')" if segment else ", ''"
    by = "GROUP BY ALL"
    local = SQL_LOCAL.format(col="responded_at")
    queries = {
        "nps": f"""SELECT 'nps', {local}{seg}, count(*),
                   100.0 * (count(*) FILTER (score >= 9) - count(*) FILTER (score <= 6)) / count(*)
                   FROM survey_responses WHERE question_type = 'nps' AND score IS NOT NULL {by}""",
        "csat": f"""SELECT 'csat', {local}{seg}, count(*),
                    100.0 * count(*) FILTER (score >= CASE scale_max WHEN 3 THEN 3 WHEN 5 THEN 4
                    WHEN 7 THEN 6 WHEN 10 THEN 9 END) / count(*)
                    FROM survey_responses
                    WHERE question_type = 'csat' AND score IS NOT NULL {by}""",
        "ces": f"""SELECT 'ces', {local}{seg}, count(*),
                   100.0 * count(*) FILTER (
                     CASE WHEN polarity = 'high_is_hard'
                          THEN coalesce(scale_min, 1) + scale_max - score ELSE score END
                     >= CASE scale_max WHEN 5 THEN 4 WHEN 7 THEN 5 END) / count(*)
                   FROM survey_responses WHERE question_type = 'ces' AND score IS NOT NULL {by}""",
        "response_rate": f"""SELECT 'response_rate', {SQL_LOCAL.format(col="sent_at")}{seg},
                   count(*), 100.0 * count(*) FILTER (invitation_id IN (
                     SELECT invitation_id FROM survey_responses WHERE invitation_id IS NOT NULL))
                   / count(*)
                   FROM survey_invitations WHERE coalesce(delivered, true) {by}""",
    }
    rows = [r for q in queries.values() for r in con.execute(q).fetchall()]
    return pd.DataFrame(rows, columns=["metric", "period", "segment", "n", "value"])


APPROACHES = {
    "cxpulse": (load_cxpulse, run_cxpulse),
    "pandas": (load_pandas, run_pandas),
    "sql": (load_sql, run_sql),
}


# -- harness -------------------------------------------------------------------------------
def child(approach: str, path: str, segment: str | None, repeat: int) -> None:
    """Runs in a subprocess: warm up, time, print JSON with timings and the result."""
    load, run = APPROACHES[approach]
    start = time.perf_counter()
    state = load(path)
    load_s = time.perf_counter() - start
    run(state, segment)  # warm-up: imports, OS file cache
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = run(state, segment)
        times.append(time.perf_counter() - start)
    payload = {
        "load_s": load_s,
        "times": times,
        "peak_rss_mib": peak_rss_mib(),
        "result": result.to_dict("records"),
    }
    json.dump(payload, sys.stdout)


def measure(approach: str, path: str, segment: str | None, repeat: int) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", approach, "--path", path, "--repeat", str(repeat)]
    if segment:
        cmd += ["--segment", segment]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    stdout = proc.stdout.read() if proc.stdout else ""
    status = proc.wait()
    if status != 0:
        raise SystemExit(f"{approach} failed (status {status})")
    payload = json.loads(stdout)
    return {
        "median_s": statistics.median(payload["times"]),
        "times_s": payload["times"],
        "load_s": payload["load_s"],
        "peak_rss_mib": payload["peak_rss_mib"],
        "result": pd.DataFrame(payload["result"]),
    }


def check_agreement(results: dict[str, dict[str, Any]]) -> None:
    keys = ["metric", "period", "segment"]
    base = results["sql"]["result"].sort_values(keys).reset_index(drop=True)
    for name in ("cxpulse", "pandas"):
        other = results[name]["result"].sort_values(keys).reset_index(drop=True)
        merged = base.merge(
            other, on=keys, how="outer", suffixes=("_sql", "_other"), indicator=True
        )
        missing = merged[merged["_merge"] != "both"]
        if not missing.empty:
            raise SystemExit(f"{name} and SQL disagree on which groups exist:\n{missing.head()}")
        if not (merged["n_sql"] == merged["n_other"]).all():
            raise SystemExit(f"{name} and SQL disagree on counts")
        worst = float(np.max(np.abs(merged["value_sql"] - merged["value_other"])))
        if worst > 1e-9:
            raise SystemExit(f"{name} and SQL values differ by up to {worst}")


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


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=RESULTS / "work")
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

    args.workdir.mkdir(parents=True, exist_ok=True)
    path, counts, build_s = build_workspace(args.scale, args.seed, args.workdir, args.reuse)
    print(
        f"demo scale {args.scale:g}: built in {build_s:.1f} s; "
        f"{counts['survey_responses']:,} responses, {counts['survey_invitations']:,} invitations"
    )
    report: dict[str, Any] = {
        "benchmark": "survey_scorecard",
        "scale": args.scale,
        "rows": counts,
        "build_s": build_s,
        "machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "date": date.today().isoformat(),
        "scenarios": {},
    }
    header = (
        f"{'scenario':<22}{'approach':<10}{'median s':>10}{'vs SQL':>9}{'vs pandas':>11}"
        f"{'peak MiB':>10}"
    )
    print(header)
    print("-" * len(header))
    for segment in (None, "touchpoint"):
        scenario = "by month" + (f" x {segment}" if segment else "")
        results = {a: measure(a, str(path), segment, args.repeat) for a in APPROACHES}
        check_agreement(results)
        sql_t, pandas_t = results["sql"]["median_s"], results["pandas"]["median_s"]
        report["scenarios"][scenario] = {}
        for name, r in results.items():
            ratio_sql, ratio_pd = r["median_s"] / sql_t, r["median_s"] / pandas_t
            print(
                f"{scenario:<22}{name:<10}{r['median_s']:>10.3f}{ratio_sql:>8.2f}x"
                f"{ratio_pd:>10.3f}x{r['peak_rss_mib']:>10.0f}"
            )
            report["scenarios"][scenario][name] = {
                "median_s": r["median_s"],
                "times_s": r["times_s"],
                "ratio_vs_sql": ratio_sql,
                "ratio_vs_pandas": ratio_pd,
                "peak_rss_mib": r["peak_rss_mib"],
                "load_s": r["load_s"],
            }
    print("all three agree (same groups and n, values within 1e-9)")
    pandas_load = report["scenarios"]["by month"]["pandas"]["load_s"]
    print(f"pandas also spent {pandas_load:.2f} s loading the two tables (not in its time)")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"survey_scorecard-scale{args.scale:g}.json"
    out.write_text(json.dumps(report, indent=2))
    print(f"written {out}")


if __name__ == "__main__":
    main()
