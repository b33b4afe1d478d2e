"""The insights' false findings with no change, their power with one, and their run time.

    python benchmarks/insights_null.py                          # 200 null runs, the power curve
    python benchmarks/insights_null.py --runs 40 --power-runs 20   # quicker
    python benchmarks/insights_null.py --runs 0 --out insights_power.json  # the power curve only
    python benchmarks/insights_null.py --demo /tmp/me/demo.duckdb  # also time the demo (a copy)

1. Null: ``--runs`` independent month pairs of survey answers at the default demo's volumes
   (NPS, CSAT, CES; :mod:`tests.insights.synthetic`), nothing changed; the share of runs with
   any finding must be at most the nominal 5 %, with a binomial allowance: at most 16 of 200
   (a method at exactly 5 % passes 97.6 % of the time).
2. Power: one touchpoint's CSAT (75 % satisfied, ~140 answers a month) moved by k standard
   errors of its month-on-month difference (at the shares before and after); the share of
   runs finding it, the share of those ranking it first, and m, the tests a run makes. At
   k = z(1 - q / 2m) + 0.84 it should be found in 80 % of runs and ranked first in 80 % of
   those.
3. ``--demo``: the run time (median of 3 after a warm-up) and peak memory of the default
   metrics for the last complete month and for November 2025 of an existing demo workspace.

Results go to benchmarks/results/insights_null.json.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from statistics import NormalDist
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.insights.synthetic

from tests.insights import synthetic

from _common import RESULTS, machine, peak_rss_mib
from cxpulse import Workspace
from cxpulse.insights.changes import significant_changes

METRICS = list(synthetic.VOLUMES)
AS_OF = "2099-01-01"
SEGMENT_N = synthetic.VOLUMES["csat"] / len(synthetic.TOUCHPOINTS)
GOOD = synthetic.SHARES["csat"][0]


def planted_shift(k: float) -> float:
    """The fall of the planted touchpoint's satisfied share (0-1) that is ``k`` standard
    errors of its month-on-month difference, that standard error taken at the shares
    before and after (the share's variance grows as it falls from 75 % towards 50 %)."""
    lo, hi = 0.0, GOOD
    for _ in range(60):  # bisection: k * se(shift) - shift changes sign once
        mid = (lo + hi) / 2
        after = GOOD - mid
        se = math.sqrt(GOOD * (1 - GOOD) / SEGMENT_N + after * (1 - after) / SEGMENT_N)
        lo, hi = (mid, hi) if mid < k * se else (lo, mid)
    return lo


def null(runs: int, seed: int) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory() as tmp,
        Workspace.init(Path(tmp) / "null.duckdb", timezone="Europe/Paris") as ws,
    ):
        synthetic.fill(ws, runs, seed=seed)
        results = [
            significant_changes(ws, period=synthetic.label(r), metrics=METRICS, as_of=AS_OF)
            for r in range(runs)
        ]
    hits = sum(bool(r.findings) for r in results)
    return {
        "runs": runs,
        "runs_with_a_finding": hits,
        "rate": hits / runs,
        "allowed": allowed(runs),
        "passes": hits <= allowed(runs),
        "tests_per_run_median": statistics.median(r.tests for r in results),
    }


def tests_per_run(seed: int) -> float:
    """m, the tests a run makes (the power threshold needs it), from one run with nothing
    planted: a count of tests, not a false-finding rate (one run says nothing of that)."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        Workspace.init(Path(tmp) / "m.duckdb", timezone="Europe/Paris") as ws,
    ):
        synthetic.fill(ws, 1, seed=seed)
        return float(
            significant_changes(ws, period=synthetic.label(0), metrics=METRICS, as_of=AS_OF).tests
        )


def allowed(runs: int) -> int:
    """The most runs with a finding a 5 % method passes with (binomial, 97.6 % at 200)."""
    return {200: 16, 40: 5}.get(runs, math.ceil(runs * 0.05 + 2 * math.sqrt(runs * 0.0475)))


def power(ks: list[float], runs: int, seed: int) -> list[dict[str, Any]]:
    curve = []
    for i, k in enumerate(ks):
        shift = planted_shift(k)
        plant = synthetic.Plant("csat", "delivery", -shift)
        with (
            tempfile.TemporaryDirectory() as tmp,
            Workspace.init(Path(tmp) / "power.duckdb", timezone="Europe/Paris") as ws,
        ):
            synthetic.fill(ws, runs, seed=seed + i, plants=dict.fromkeys(range(runs), plant))
            results = [
                significant_changes(ws, period=synthetic.label(r), metrics=METRICS, as_of=AS_OF)
                for r in range(runs)
            ]
        found = first = 0
        for res in results:
            hit = [
                j
                for j, f in enumerate(res.findings)
                if f.metric == "csat" and f.segment and f.segment.value == "delivery"
                and f.segment.dimension == "touchpoint"
            ]  # fmt: skip
            found += bool(hit)
            first += bool(hit) and hit[0] == 0
        curve.append(
            {
                "k_standard_errors": k,
                "planted_points": round(shift * 100, 2),
                "found": found / runs,
                "ranked_first_when_found": first / found if found else None,
                "tests_per_run_median": statistics.median(r.tests for r in results),
            }
        )
        print(f"k = {k:.2f} SE ({shift * 100:.1f} points): found {found}/{runs}, "
              f"first {first}/{found}", flush=True)  # fmt: skip
    return curve


def demo(path: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with Workspace.open(path) as ws:
        for label, period in (("last_complete_month", None), ("2025-11", "2025-11")):
            times = []
            for i in range(4):  # the first is the warm-up
                t0 = time.perf_counter()
                result = significant_changes(ws, period=period)
                if i:
                    times.append(time.perf_counter() - t0)
            out[label] = {
                "period": result.window.label,
                "seconds_median": statistics.median(times),
                "tests": result.tests,
                "findings": len(result.findings),
            }
    out["peak_rss_mib"] = peak_rss_mib()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--runs", type=int, default=200, help="null runs: 0 (none: the power curve only) or 40+"
    )
    parser.add_argument("--power-runs", type=int, default=50)
    parser.add_argument("--ks", default="2,3,4,threshold,5,6")
    parser.add_argument("--seed", type=int, default=20251207)
    parser.add_argument("--demo", help="an existing demo workspace (a copy) to time")
    parser.add_argument("--out", default="insights_null.json", help="file in benchmarks/results")
    args = parser.parse_args()
    if 0 < args.runs < 40:  # a rate from a handful of runs would be read as the null rate
        parser.error("--runs: 0 (no null runs) or at least 40")

    report: dict[str, Any] = {"benchmark": "insights_null", "date": date.today().isoformat()}
    report["machine"] = machine()
    if args.runs:
        report["null"] = found = null(args.runs, args.seed)
        hits, m = found["runs_with_a_finding"], found["tests_per_run_median"]
        print(f"null: {hits}/{found['runs']} runs with a finding (allowed {found['allowed']}), "
              f"m = {m}", flush=True)  # fmt: skip
    else:
        m = tests_per_run(args.seed)
    report["tests_per_run"] = m
    threshold = NormalDist().inv_cdf(1 - 0.05 / (2 * m)) + 0.84
    report["power_threshold_k"] = threshold
    ks = [threshold if k == "threshold" else float(k) for k in args.ks.split(",")]
    if args.power_runs:
        report["power"] = power(ks, args.power_runs, args.seed + 1000)
    if args.demo:
        report["demo"] = demo(args.demo)
        print(f"demo: {report['demo']}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / args.out).write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
