"""The benchmark suite: the demo company at scales 0.1, 1 and 10, timed end to end, in one run.

    python benchmarks/suite.py --scale 0.1 --scale 1            # everything, both scales
    python benchmarks/suite.py --scale 1 --only scorecard --reuse
    python benchmarks/suite.py --markdown                       # the BENCHMARKS.md tables

The demo is written once per scale as Parquet under benchmarks/results/work/ (suite_data.py;
scale 10 in ten chunks). Then, each in its own process (so peak memory is its own), for each
engine: cxpulse, the pandas a user would otherwise write, hand-written DuckDB SQL (suite_refs.py):

* ``import``: the Parquet folder into a DuckDB workspace (``cxpulse.store.parquet.import_parquet``)
  vs ``CREATE TABLE AS SELECT * FROM read_parquet`` (the floor) vs ``pandas.read_parquet``;
  cxpulse's workspace is the one every later task reads;
* ``scorecard``: the referenced metrics (suite_refs.REFERENCED) by month for the 24 months,
  overall and by customer segment; the three engines must agree (same groups and n, values
  within 1e-9 relative) or the run fails. This is the scorecard the targets are checked on;
* ``registry``: every built-in metric (default definition), by month for the 24 months, overall
  and by customer segment, cxpulse only (one run; the time of each metric is kept);
* ``sessions``: every web hit sessionised (30-minute gap) and summarised;
* ``cohorts``: ``cxpulse.metrics.cohorts.cohort_table`` by month, 12 periods (no reference);
* ``bgnbd``: RFM summary of the orders and a BG/NBD fit, cxpulse vs lifetimes on the same
  summary (lifetimes with ``freq="D", freq_multiplier=7``: cxpulse's whole-day weeks); the two
  summaries (column sums) and the fitted parameters (to 1e-3) must agree or no ratio stands;
* ``churn``: the churn training frame from the workspace and both churn models' fit (no
  reference).

Every engine of every task warms up once and is timed ``--repeat`` (>= 3) times, the median
reported, except ``registry`` and ``churn`` (ONCE: minutes each at scale 1, run once, cold).
Results: benchmarks/results/suite-<scale>.json. An ``--only`` run merges its scenarios into an
earlier run's file, each scenario stamped with the run that measured it; ratios compare only
engines measured in the same run, a ``--skip``ped engine is reported as skipped (its old
figure dropped), and TARGET lines use only scenarios of the latest run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import suite_data
import suite_refs as refs
from _common import RESULTS, describe, machine, peak_rss_mib, run_child

TASKS = ("import", "scorecard", "registry", "sessions", "cohorts", "bgnbd", "churn")
ENGINES: dict[str, tuple[str, ...]] = {
    "import": ("cxpulse", "sql", "pandas"),
    "scorecard": ("cxpulse", "sql", "pandas"),
    "registry": ("cxpulse",),
    "sessions": ("cxpulse", "sql", "pandas"),
    "cohorts": ("cxpulse",),
    "bgnbd": ("cxpulse", "lifetimes"),
    "churn": ("cxpulse",),
}
SEGMENTED = ("scorecard", "registry")  # run overall and by SEGMENT
SEGMENT = "segment"  # customers.segment (consumer, office, reseller): every metric can use it
FIRST_MONTH, MONTHS = date(2024, 11, 1), 24  # suite_data.END is 2026-11-01
PANDAS_MAX_SCALE = 1.0  # above, the tables do not fit in memory as DataFrames (see the notes)
TOLERANCE = 1e-9
# the rows each task reads, for time per million rows
TASK_ROWS: dict[str, tuple[str, ...]] = {
    "scorecard": (
        "survey_responses",
        "survey_invitations",
        "tickets",
        "web_events",
        "subscriptions",
    ),
    "sessions": ("web_events",),
    "cohorts": ("subscriptions",),
    "bgnbd": ("orders",),
}


def months() -> refs.Months:
    return refs.Months.of(FIRST_MONTH, MONTHS)


def workspace_path(workdir: Path, scale: float, seed: int) -> Path:
    return workdir / f"suite-scale{scale:g}-seed{seed}.duckdb"


# -- what each engine does for each task (run inside a child process) ---------------------------
# load(args) -> state (timed apart), run(state, args) -> (result, extra)
Loader = Callable[[Any], Any]
Runner = Callable[[Any, Any], tuple[Any, dict[str, Any]]]


def _open_ws(a: Any) -> Any:
    from cxpulse import Workspace

    return Workspace.open(a.db)


def _open_ws_churn(a: Any) -> Any:
    import cxpulse.churn.scoring  # noqa: F401  (scikit-learn: imported before the clock starts)

    return _open_ws(a)


def _open_sql(a: Any) -> Any:
    import duckdb

    con = duckdb.connect(a.db, read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    return con


def _nothing(a: Any) -> None:
    return None


def import_cxpulse(_: Any, a: Any) -> tuple[Any, dict[str, Any]]:
    from cxpulse import Workspace
    from cxpulse.store.parquet import import_parquet

    path = Path(a.db)
    path.unlink(missing_ok=True)
    Path(f"{path}.wal").unlink(missing_ok=True)
    ws = Workspace.init(path, timezone=suite_data.TIMEZONE)
    report = import_parquet(ws, a.parquet)
    ws.close()
    return report.rows, {}


def _after_import(db: str) -> None:
    """Per-customer acquisition costs (cac and ltv_to_cac refuse to run without any); not
    timed. A made-up flat cost per segment: the benchmark needs the metric to run, not a
    meaningful CAC."""
    from cxpulse import Workspace

    with Workspace.open(db) as ws:
        segments = ws.table("customers").segment.name("s").to_pandas().dropna().unique()
        for seg in sorted(segments):
            ws.set_setting(f"acquisition_costs.{seg}", "40")


def import_sql(_: Any, a: Any) -> tuple[Any, dict[str, Any]]:
    import duckdb

    from cxpulse import schema

    path = Path(a.db).with_name(Path(a.db).stem + "-floor.duckdb")
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    rows = {}
    for name in schema.TABLES:
        file = Path(a.parquet) / f"{name}.parquet"
        con.execute(f"CREATE TABLE \"{name}\" AS SELECT * FROM read_parquet('{file}')")
        rows[name] = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]  # type: ignore[index]
    con.close()
    path.unlink()
    return rows, {}


def import_pandas(_: Any, a: Any) -> tuple[Any, dict[str, Any]]:
    from cxpulse import schema

    frames = {n: pd.read_parquet(Path(a.parquet) / f"{n}.parquet") for n in schema.TABLES}
    return {n: len(f) for n, f in frames.items()}, {}


def _canon(df: pd.DataFrame, metric: str, segment: str | None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "metric": metric,
            "period": df["period"].astype(str),
            "segment": df[segment].astype(str) if segment else "",
            "n": df["n"].astype("int64"),
            "value": df["value"].astype(float),
        }
    )


def _span() -> dict[str, str]:
    m = months()
    last = date.fromisoformat(m.labels[-1] + "-01")
    end = date(last.year + last.month // 12, last.month % 12 + 1, 1)
    return {
        "start": FIRST_MONTH.isoformat(),
        "end": date.fromordinal(end.toordinal() - 1).isoformat(),
    }


def scorecard_cxpulse(ws: Any, a: Any) -> tuple[Any, dict[str, Any]]:
    seg = f"customer.{a.segment}" if a.segment else None
    frames, seconds = [], {}
    for name in refs.REFERENCED:
        start = time.perf_counter()
        df = ws.metric(name, by="month", segment=seg, **_span())
        seconds[name] = time.perf_counter() - start
        frames.append(_canon(df, name, seg))
    return pd.concat(frames), {"metric_s": seconds}


def scorecard_sql(con: Any, a: Any) -> tuple[Any, dict[str, Any]]:
    return refs.sql_metrics(con, a.segment, months()), {}


def _load_pandas(a: Any) -> Any:
    return refs.load_frames(a.db, refs.PANDAS_TABLES)


def scorecard_pandas(frames: Any, a: Any) -> tuple[Any, dict[str, Any]]:
    return refs.pandas_metrics(frames, a.segment, months()), {}


def registry_cxpulse(ws: Any, a: Any) -> tuple[Any, dict[str, Any]]:
    from cxpulse.metrics import REGISTRY

    seg = f"customer.{a.segment}" if a.segment else None
    per: dict[str, Any] = {}
    # as the scorecard and the dashboard run them: what several metrics derive alike (the
    # sessions of the web hits) is derived once, so the first website metric carries that cost
    with ws.sharing():
        for spec in REGISTRY:
            start = time.perf_counter()
            try:
                df = ws.metric(spec.name, by="month", segment=seg, **_span())
                per[spec.name] = {"s": time.perf_counter() - start, "rows": len(df)}
            except Exception as exc:  # a metric that cannot run is reported, not fatal
                per[spec.name] = {"s": time.perf_counter() - start, "error": f"{exc}"[:300]}
    return {"metrics": len(per), "errors": sum("error" in v for v in per.values())}, {
        "metric_s": per
    }


def sessions_cxpulse(ws: Any, a: Any) -> tuple[Any, dict[str, Any]]:
    from cxpulse.metrics import sessions as sx

    s = sx.session_table(sx.sessionize(ws.table("web_events")))
    out = s.aggregate(
        sessions=s.count(), pageviews=s.pageviews.sum(), engaged=sx.count_if(s.engaged)
    ).execute()
    return {k: int(v) for k, v in out.iloc[0].items()}, {}


def sessions_sql(con: Any, a: Any) -> tuple[Any, dict[str, Any]]:
    q = f"""SELECT count(*), sum(pageviews), count(*) FILTER (engaged)
            FROM ({refs.sql_sessions()})"""
    n, pv, eng = con.execute(q).fetchone()
    return {"sessions": int(n), "pageviews": int(pv), "engaged": int(eng)}, {}


def _load_hits(a: Any) -> Any:
    return refs.load_frames(a.db, {"web_events": refs.PANDAS_TABLES["web_events"]})


def sessions_pandas(frames: Any, a: Any) -> tuple[Any, dict[str, Any]]:
    s = refs.pandas_sessions(frames["web_events"])
    return {
        "sessions": len(s),
        "pageviews": int(s["pageviews"].sum()),
        "engaged": int(s["engaged"].sum()),
    }, {}


def cohorts_cxpulse(ws: Any, a: Any) -> tuple[Any, dict[str, Any]]:
    from cxpulse.metrics.cohorts import cohort_table

    c = cohort_table(ws, by="month", periods=12)
    first = c.long[c.long["k"] == 0]
    return {
        "cohorts": int(first["cohort"].nunique()),
        "customers": int(first["customers"].sum()),
    }, {}


def _load_orders(a: Any) -> Any:
    import duckdb

    con = duckdb.connect(a.db, read_only=True)
    orders = con.sql("SELECT customer_id, ordered_at, amount FROM orders").df()
    con.close()
    return orders


def _load_orders_cxpulse(a: Any) -> Any:
    import cxpulse.models  # noqa: F401  (scipy: imported before the clock starts)

    return _load_orders(a)


def _load_orders_lifetimes(a: Any) -> Any:
    import lifetimes  # type: ignore[import-untyped]  # noqa: F401

    return _load_orders(a)


def _fit_result(summary: pd.DataFrame, params: Any) -> dict[str, Any]:
    """What the two BG/NBD engines must agree on: the summary (its size and column sums) and
    the parameters (r, alpha, a, b in both libraries' order)."""
    sums = {c: float(summary[c].sum()) for c in ("frequency", "recency", "T", "monetary_value")}
    return {
        "customers": len(summary),
        "summary_sums": sums,
        "params": {str(k): float(v) for k, v in params.items()},
    }


def bgnbd_cxpulse(orders: Any, a: Any) -> tuple[Any, dict[str, Any]]:
    from cxpulse.models import BetaGeo, rfm_summary

    start = time.perf_counter()
    summary = rfm_summary(orders, "customer_id", "ordered_at", "amount")
    rfm_s = time.perf_counter() - start
    model = BetaGeo().fit(summary)
    return _fit_result(summary, model.params_), {
        "rfm_s": rfm_s,
        "fit_s": time.perf_counter() - start - rfm_s,
    }


def bgnbd_lifetimes(orders: Any, a: Any) -> tuple[Any, dict[str, Any]]:
    import warnings

    import lifetimes  # type: ignore[import-untyped]
    from lifetimes.utils import summary_data_from_transaction_data  # type: ignore[import-untyped]

    start = time.perf_counter()
    # cxpulse counts whole days and divides by 7 (a week of 7 days); freq="W" would bin the
    # dates into calendar weeks, a different summary and a different fit
    summary = summary_data_from_transaction_data(
        orders,
        "customer_id",
        "ordered_at",
        monetary_value_col="amount",
        freq="D",
        freq_multiplier=7,
    )
    rfm_s = time.perf_counter() - start
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = lifetimes.BetaGeoFitter().fit(
            summary["frequency"], summary["recency"], summary["T"]
        )
    return _fit_result(summary, model.params_), {
        "rfm_s": rfm_s,
        "fit_s": time.perf_counter() - start - rfm_s,
    }


def churn_cxpulse(ws: Any, a: Any) -> tuple[Any, dict[str, Any]]:
    from cxpulse.churn.scoring import comparison, fit_both, workspace_data

    start = time.perf_counter()
    data = workspace_data(ws)
    features_s = time.perf_counter() - start
    models = fit_both(data)
    table = comparison(models)
    return {"rows": len(data.frame), "summary": json.loads(table.to_json(orient="records"))}, {
        "features_s": features_s,
        "fit_s": time.perf_counter() - start - features_s,
    }


IMPLEMENTATIONS: dict[tuple[str, str], tuple[Loader, Runner]] = {
    ("import", "cxpulse"): (_nothing, import_cxpulse),
    ("import", "sql"): (_nothing, import_sql),
    ("import", "pandas"): (_nothing, import_pandas),
    ("scorecard", "cxpulse"): (_open_ws, scorecard_cxpulse),
    ("scorecard", "sql"): (_open_sql, scorecard_sql),
    ("scorecard", "pandas"): (_load_pandas, scorecard_pandas),
    ("registry", "cxpulse"): (_open_ws, registry_cxpulse),
    ("sessions", "cxpulse"): (_open_ws, sessions_cxpulse),
    ("sessions", "sql"): (_open_sql, sessions_sql),
    ("sessions", "pandas"): (_load_hits, sessions_pandas),
    ("cohorts", "cxpulse"): (_open_ws, cohorts_cxpulse),
    ("bgnbd", "cxpulse"): (_load_orders_cxpulse, bgnbd_cxpulse),
    ("bgnbd", "lifetimes"): (_load_orders_lifetimes, bgnbd_lifetimes),
    ("churn", "cxpulse"): (_open_ws_churn, churn_cxpulse),
}
ONCE = ("registry", "churn")  # minutes each at scale 1: run once, cold


def child(a: Any) -> None:
    """Runs in a subprocess: load (timed apart), warm up if asked, time, print JSON."""
    task, engine = a.child
    load, run = IMPLEMENTATIONS[(task, engine)]
    start = time.perf_counter()
    state = load(a)
    load_s = time.perf_counter() - start
    if a.child_warmup:
        run(state, a)
    times, result, extra = [], None, {}
    for _ in range(a.repeat):
        start = time.perf_counter()
        result, extra = run(state, a)
        times.append(time.perf_counter() - start)
    if (task, engine) == ("import", "cxpulse"):
        _after_import(a.db)
    if isinstance(result, pd.DataFrame):
        result = result.to_dict("records")
    payload = {
        "load_s": load_s,
        "times_s": times,
        "median_s": statistics.median(times),
        "peak_rss_mib": peak_rss_mib(),
        "result": result,
        "extra": extra,
    }
    json.dump(payload, sys.stdout, default=str)


# -- harness ------------------------------------------------------------------------------------
def measure(
    task: str, engine: str, a: Any, db: Path, folder: Path, segment: str | None
) -> dict[str, Any]:
    once = task in ONCE
    warm = not once and a.warmup
    args = ["--child", task, engine, "--db", str(db), "--parquet", str(folder)]
    args += ["--repeat", "1" if once else str(a.repeat)]
    args += ["--child-warmup"] if warm else []
    args += ["--segment", segment] if segment else []
    out = run_child(__file__, args, timeout=a.timeout)
    out["warmup"] = warm
    return out


def check_metrics(results: dict[str, dict[str, Any]]) -> str | None:
    """None when the engines agree on the referenced metrics, else what differs."""
    keys = ["metric", "period", "segment"]
    if "result" not in results.get("sql", {}):
        return None if "median_s" in results.get("sql", {}) else "no SQL result to compare with"
    base = pd.DataFrame(results["sql"]["result"]).sort_values(keys).reset_index(drop=True)
    problems = []
    for name, r in results.items():
        if name == "sql" or "result" not in r:  # failed, skipped or kept from an earlier run
            continue
        other = pd.DataFrame(r["result"]).sort_values(keys).reset_index(drop=True)
        m = base.merge(other, on=keys, how="outer", suffixes=("_sql", "_o"), indicator=True)
        missing = m[m["_merge"] != "both"]
        if not missing.empty:
            problems.append(f"{name}: groups differ: {missing.head(3).to_dict('records')}")
            m = m[m["_merge"] == "both"]
        bad_n = m[m["n_sql"] != m["n_o"]]
        if not bad_n.empty:
            problems.append(f"{name}: n differs: {bad_n.head(3).to_dict('records')}")
        a, b = m["value_sql"].to_numpy(float), m["value_o"].to_numpy(float)
        both_nan = np.isnan(a) & np.isnan(b)
        off = ~both_nan & ~(np.abs(a - b) <= TOLERANCE * np.maximum(1.0, np.abs(a)))
        if off.any():
            problems.append(f"{name}: values differ: {m[off].head(3).to_dict('records')}")
    return "; ".join(problems) or None


def check_same(results: dict[str, dict[str, Any]], task: str) -> str | None:
    found = {n: r["result"] for n, r in results.items() if "result" in r}  # failed: no result
    if task == "bgnbd":
        return check_fits(found)
    distinct = {json.dumps(v, sort_keys=True) for v in found.values()}
    return None if len(distinct) <= 1 else f"results differ: {found}"


def _close(a: dict[str, float], b: dict[str, float], rel: float) -> bool:
    return list(a) == list(b) and all(abs(a[k] - b[k]) <= rel * max(abs(b[k]), 1e-9) for k in a)


def check_fits(found: dict[str, Any]) -> str | None:
    """The BG/NBD engines fitted the same summary (same customers, column sums within 1e-9)
    and found the same optimum (parameters within 1e-3 relative), else what differs."""
    if len(found) < 2:
        return None
    (ours, a), (theirs, b) = list(found.items())[:2]
    if a["customers"] != b["customers"] or not _close(a["summary_sums"], b["summary_sums"], 1e-9):
        return f"RFM summaries differ: {ours} {a['summary_sums']}, {theirs} {b['summary_sums']}"
    if not _close(a["params"], b["params"], 1e-3):
        return f"parameters differ: {ours} {a['params']}, {theirs} {b['params']}"
    return None


def run_scale(a: Any, scale: float, report: dict[str, Any]) -> None:
    a.scale = scale
    print(f"\n== scale {scale:g} ==", flush=True)
    folder, rows, build_s = suite_data.write_parquet(
        a.workdir, scale, a.seed, reuse=a.reuse, log=lambda s: print(s, flush=True)
    )
    manifest = json.loads((folder / suite_data.MANIFEST).read_text())
    total = sum(rows.values())
    print(f"data: {total:,} rows ({rows['web_events']:,} web events) in {folder}", flush=True)
    if build_s == build_s:  # built now, not reused
        print(f"built in {build_s:.0f} s, peak {peak_rss_mib():,.0f} MiB", flush=True)
        manifest["build_peak_rss_mib"] = peak_rss_mib()
        (folder / suite_data.MANIFEST).write_text(json.dumps(manifest, indent=2))
    report.update(scale=scale, rows=rows, data=manifest)
    db = workspace_path(a.workdir, scale, a.seed)
    tasks = report.setdefault("tasks", {})
    header = (
        f"{'task':<24}{'engine':<10}{'median s':>10}{'vs SQL':>9}{'vs pandas':>11}{'peak MiB':>10}"
    )
    print(header + "\n" + "-" * len(header), flush=True)
    for task in a.only:
        if task != "import" and not db.exists():
            raise SystemExit(f"no workspace {db}: run the import task first")
        for segment in (None, SEGMENT) if task in SEGMENTED else (None,):
            scenario = task + (f" x {segment}" if segment else "")
            results: dict[str, dict[str, Any]] = {}
            for engine in ENGINES[task]:
                if f"{scenario}/{engine}" in a.skip:
                    # an earlier run's figure is never kept: it was measured on another state
                    # of the code and the machine, so no ratio or target may use it
                    results[engine] = {"skipped": "--skip"}
                    continue
                if engine == "pandas" and scale > PANDAS_MAX_SCALE:
                    results[engine] = {
                        "skipped": f"pandas is not run above scale {PANDAS_MAX_SCALE:g}"
                    }
                    continue
                results[engine] = measure(task, engine, a, db, folder, segment)
                _print_row(scenario, engine, results)
            check = None
            if task == "scorecard":
                check = check_metrics(results)
            elif task in ("import", "sessions", "bgnbd"):
                check = check_same(results, task)
            if task == "scorecard" and check is None:
                for r in results.values():
                    r.pop("result", None)  # the agreed values are not worth keeping
            if not check:  # engines that disagree computed different things: no ratio stands
                _ratios(results)
            tasks[scenario] = {"engines": results, "disagreement": check, "run": report["run"]}
            if check:
                print(f"  DISAGREEMENT: {check}", flush=True)
            save(report)  # after every scenario: an interrupted run keeps what it measured


def _print_row(scenario: str, engine: str, results: dict[str, dict[str, Any]]) -> None:
    r = results[engine]
    if "error" in r:
        print(f"{scenario:<24}{engine:<10}  ERROR {r['error']}", flush=True)
        return
    sql = results.get("sql", {}).get("median_s")
    pdt = results.get("pandas", {}).get("median_s")
    vs_sql = f"{r['median_s'] / sql:>8.2f}x" if sql else f"{'':>9}"
    vs_pd = f"{r['median_s'] / pdt:>10.3f}x" if pdt else f"{'':>11}"
    print(
        f"{scenario:<24}{engine:<10}{r['median_s']:>10.2f}{vs_sql}{vs_pd}{r['peak_rss_mib']:>10,.0f}",
        flush=True,
    )


def _ratios(results: dict[str, dict[str, Any]]) -> None:
    for ref in ("sql", "pandas", "lifetimes"):
        base = results.get(ref, {}).get("median_s")
        for r in results.values():
            if base and "median_s" in r:
                r[f"ratio_vs_{ref}"] = r["median_s"] / base


def per_million(report: dict[str, Any]) -> None:
    rows = report["rows"]
    for scenario, entry in report.get("tasks", {}).items():
        task = scenario.split(" x ")[0]
        tables = TASK_ROWS.get(task, tuple(rows))
        n = sum(rows[t] for t in tables)
        entry["rows_read"] = n
        for r in entry["engines"].values():
            if "median_s" in r:
                r["s_per_million_rows"] = r["median_s"] / (n / 1e6)


def targets(report: dict[str, Any]) -> dict[str, Any]:
    """PASS/FAIL of the targets (issue 7) that this scale can show, from the scenarios the
    latest run measured only (an ``--only`` run's file also holds older scenarios), and only
    where the engines agreed."""
    out: dict[str, Any] = {}
    tasks = {
        scenario: entry
        for scenario, entry in report.get("tasks", {}).items()
        if entry.get("run") == report.get("run") and not entry.get("disagreement")
    }
    if report["scale"] == 1:
        for scenario in ("scorecard", f"scorecard x {SEGMENT}"):
            e = tasks.get(scenario, {}).get("engines", {})
            cx, sql, pdt = (e.get(k, {}).get("median_s") for k in ("cxpulse", "sql", "pandas"))
            if cx and sql:
                out[f"{scenario}: within 2x of SQL"] = (cx / sql <= 2.0, round(cx / sql, 2))
            if cx and pdt:
                out[f"{scenario}: 10x faster than pandas"] = (pdt / cx >= 10.0, round(pdt / cx, 1))
    if report["scale"] >= 10:
        peaks = [report.get("data", {}).get("build_peak_rss_mib") or 0.0]
        failed = []
        for scenario, entry in tasks.items():
            for engine, r in entry["engines"].items():
                if engine in ("pandas", "lifetimes"):
                    continue
                if "error" in r:
                    failed.append(f"{scenario}/{engine}: {r['error']}")
                peaks.append(r.get("peak_rss_mib") or 0.0)
        peak = max(peaks) / 1024
        why = f"peak {peak:.1f} GiB" + (f"; failed: {'; '.join(failed)}" if failed else "")
        out["scale 10 finishes in under 24 GiB"] = (not failed and peak < 24, why)
    return out


# -- reports ------------------------------------------------------------------------------------
def result_path(scale: float) -> Path:
    return RESULTS / f"suite-{scale:g}.json"


def save(report: dict[str, Any]) -> None:
    per_million(report)
    report["targets"] = targets(report)
    RESULTS.mkdir(exist_ok=True)
    result_path(report["scale"]).write_text(json.dumps(report, indent=2, default=str))


def markdown() -> str:
    """The tables for BENCHMARKS.md from every suite-*.json."""
    found = sorted(
        (json.loads(p.read_text()) for p in RESULTS.glob("suite-*.json")), key=lambda r: r["scale"]
    )
    lines = []
    for rep in found:
        rows = rep["rows"]
        lines += [
            f"### Scale {rep['scale']:g}: {sum(rows.values()):,} rows "
            f"({rows['web_events']:,} web events, {rows['customers']:,} customers)",
            "",
            "| task | engine | seconds | vs SQL | vs pandas | s per M rows | peak MiB |",
            "|---|---|---:|---:|---:|---:|---:|",
        ]
        for name, entry in rep["tasks"].items():
            # a scenario kept from an earlier run (--only) says so: its times are not this run's
            run = entry.get("run")
            scenario = name if run == rep.get("run") else f"{name} (run {run or 'unknown'})"
            for engine, r in entry["engines"].items():
                if "median_s" not in r:
                    why = r.get("error") or r.get("skipped")
                    lines.append(f"| {scenario} | {engine} | {why} | | | | |")
                    continue
                vs_sql = f"{r['ratio_vs_sql']:.2f}x" if "ratio_vs_sql" in r else ""
                ref = "ratio_vs_pandas" if "ratio_vs_pandas" in r else "ratio_vs_lifetimes"
                vs_pd = f"{r[ref]:.3f}x" if ref in r else ""
                lines.append(
                    f"| {scenario} | {engine} | {r['median_s']:.2f} | {vs_sql} | {vs_pd} | "
                    f"{r.get('s_per_million_rows', float('nan')):.2f} | {r['peak_rss_mib']:,.0f} |"
                )
            if entry.get("disagreement"):
                lines.append(f"| {scenario} | engines disagree: {entry['disagreement'][:200]} |")
        lines += _slowest(rep)
        for name, (ok, value) in rep.get("targets", {}).items():
            lines.append(f"\nTarget: {name}: **{'PASS' if ok else 'FAIL'}** ({value})")
        lines.append("")
    return "\n".join(lines)


def _slowest(rep: dict[str, Any], top: int = 12) -> list[str]:
    """The metrics that cost most in the every-metric run, overall and by segment."""
    tasks = rep.get("tasks", {})
    per = {
        scenario: tasks[scenario]["engines"]["cxpulse"].get("extra", {}).get("metric_s", {})
        for scenario in ("registry", f"registry x {SEGMENT}")
        if scenario in tasks
    }
    if not per.get("registry"):
        return []
    both = per.get(f"registry x {SEGMENT}", {})
    order = sorted(per["registry"], key=lambda m: -per["registry"][m]["s"])
    out = ["", "| metric (every-metric run) | s overall | s by segment |", "|---|---:|---:|"]
    for name in order[:top]:
        seg = both.get(name, {})
        cell = f"{seg['s']:.2f}" if "s" in seg else ""
        if "error" in seg:
            cell += " (error)"
        out.append(f"| {name} | {per['registry'][name]['s']:.2f} | {cell} |")
    errors = {m: v["error"] for p in per.values() for m, v in p.items() if "error" in v}
    out += [f"\n{m} failed: {e}" for m, e in errors.items()]
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--scale", type=float, action="append", help="repeatable (default: 0.1 and 1)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--repeat", type=int, default=3, help="timed runs after the warm-up (>= 3)")
    p.add_argument("--no-warmup", dest="warmup", action="store_false")
    p.add_argument("--only", default=",".join(TASKS), help=f"comma-separated: {', '.join(TASKS)}")
    p.add_argument("--workdir", type=Path, default=RESULTS / "work")
    p.add_argument("--reuse", action="store_true", help="reuse the Parquet files of a run")
    p.add_argument("--timeout", type=float, default=3600.0, help="seconds per child process")
    p.add_argument("--markdown", action="store_true", help="print the BENCHMARKS.md tables")
    p.add_argument(
        "--skip",
        action="append",
        default=[],
        help="a scenario/engine not to run, e.g. 'scorecard x segment/pandas' (repeatable)",
    )
    p.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    p.add_argument("--db", help=argparse.SUPPRESS)
    p.add_argument("--parquet", help=argparse.SUPPRESS)
    p.add_argument("--segment", help=argparse.SUPPRESS)
    p.add_argument("--child-warmup", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child:
        child(a)
        return
    if a.markdown:
        print(markdown())
        return
    if a.repeat < 3:
        p.error("--repeat must be at least 3 (the median of fewer runs is not a figure)")
    a.only = [t.strip() for t in a.only.split(",") if t.strip()]
    unknown = set(a.only) - set(TASKS)
    if unknown:
        p.error(f"unknown tasks {sorted(unknown)}; tasks: {', '.join(TASKS)}")
    a.workdir.mkdir(parents=True, exist_ok=True)
    m = machine()
    print(describe(m))
    for scale in a.scale or [0.1, 1.0]:
        out = result_path(scale)
        report: dict[str, Any] = json.loads(out.read_text()) if out.exists() else {}
        report.update(benchmark="suite", date=date.today().isoformat(), machine=m)
        report["run"] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
        started = time.perf_counter()
        run_scale(a, scale, report)
        report.setdefault("wall_s", {})[",".join(a.only)] = time.perf_counter() - started
        save(report)
        for name, (ok, value) in report["targets"].items():
            print(f"TARGET {name}: {'PASS' if ok else 'FAIL'} ({value})", flush=True)
        print(f"written {out}", flush=True)


if __name__ == "__main__":
    main()
