"""Time the BG/NBD and Gamma-Gamma fits on 100,000 simulated customers.

    python benchmarks/clv_fit.py --customers 100000

Reference: the `lifetimes` package (what a user would otherwise reach for), fitted on the same
data in the same run when it is installed (it is a test dependency). Every fit is warmed up
once and timed as the median of ``--repeats`` runs. A maximum-likelihood fit
has no hand-written SQL floor. Results go to benchmarks/results/clv_fit.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
import warnings
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from cxpulse.models import BetaGeo, GammaGamma, simulate_beta_geo

RESULTS = Path(__file__).parent / "results"
TRUE = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}  # CDNOW-like (FHL 2005)


def median_time(fn: Any, repeats: int) -> float:
    """Median wall time of ``repeats`` calls after one warm-up call (imports, caches, the
    first allocation of the BLAS buffers are not the fit)."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per fit (median)")
    args = parser.parse_args()

    data = simulate_beta_geo(args.customers, **TRUE, T=39.0, seed=args.seed)
    rng = np.random.default_rng(args.seed)
    repeat = data[data["frequency"] > 0].copy()
    # spend per repeat transaction: gamma-gamma process with p=6.25, q=3.74, v=15.44
    nu = rng.gamma(3.74, 1 / 15.44, len(repeat))
    repeat["monetary_value"] = rng.gamma(6.25 * repeat["frequency"], 1 / nu) / repeat["frequency"]

    try:
        import lifetimes  # type: ignore[import-untyped]
    except ImportError:
        lifetimes = None

    # each entry: (name, make a fitted model, its parameters); lifetimes right after the cxpulse
    # fit it is compared with, so both see the same machine state
    fits: list[tuple[str, Any, Any]] = [
        ("cxpulse BetaGeo", lambda: BetaGeo().fit(data, "frequency", "recency", "T"), _ours),
        (
            "cxpulse BetaGeo (1 start)",
            lambda: BetaGeo(n_starts=1).fit(data, "frequency", "recency", "T"),
            _ours,
        ),
        (
            "cxpulse GammaGamma",
            lambda: GammaGamma().fit(repeat, "frequency", "monetary_value"),
            _ours,
        ),
    ]
    if lifetimes is not None:
        fits.insert(
            1,
            (
                "lifetimes BetaGeoFitter",
                lambda: lifetimes.BetaGeoFitter().fit(
                    data["frequency"], data["recency"], data["T"]
                ),
                _theirs,
            ),
        )
        fits.append((
            "lifetimes GammaGammaFitter",
            lambda: lifetimes.GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"]),
            _theirs,
        ))  # fmt: skip
    rows: dict[str, dict[str, Any]] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, fit, params in fits:
            seconds = median_time(fit, args.repeats)
            rows[name] = {"seconds": seconds, "params": params(fit())}

    print(f"{'fit':<30}{'seconds':>9}{'vs lifetimes':>14}  parameters")
    for name, row in rows.items():
        ref_name = "lifetimes GammaGammaFitter" if "Gamma" in name else "lifetimes BetaGeoFitter"
        ratio = row["seconds"] / rows[ref_name]["seconds"] if ref_name in rows else float("nan")
        row["ratio_vs_lifetimes"] = ratio
        params = ", ".join(f"{k} {v:g}" for k, v in row["params"].items())
        print(f"{name:<30}{row['seconds']:>9.2f}{ratio:>13.2f}x  {params}")
    print(f"true BG/NBD parameters: {TRUE}")
    _check_same_fit(rows)

    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "clv_fit.json"
    report = {
        "benchmark": "clv_fit",
        "customers": args.customers,
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
        "timing": f"median of {args.repeats} runs after a warm-up, each fit next to its reference",
        "fits": rows,
    }
    out.write_text(json.dumps(report, indent=2))
    print(f"written {out}")


def _check_same_fit(rows: dict[str, dict[str, Any]]) -> None:
    """A time is only comparable if both libraries found the same optimum: the parameters
    (in each model's order; lifetimes calls Gamma-Gamma's scale v) agree to 1e-3 relative."""
    pairs = [("cxpulse BetaGeo", "lifetimes BetaGeoFitter"),
             ("cxpulse BetaGeo (1 start)", "lifetimes BetaGeoFitter"),
             ("cxpulse GammaGamma", "lifetimes GammaGammaFitter")]  # fmt: skip
    for ours, theirs in pairs:
        if theirs not in rows:
            continue
        a, b = list(rows[ours]["params"].values()), list(rows[theirs]["params"].values())
        close = len(a) == len(b) and all(
            abs(x - y) <= 1e-3 * max(abs(y), 1e-9) for x, y in zip(a, b, strict=True)
        )
        if not close:
            raise SystemExit(f"{ours} and {theirs} disagree: {a} against {b}; no ratio stands")


def _ours(model: Any) -> dict[str, float]:
    return {str(k): float(v) for k, v in model.params_.round(4).items()}


def _theirs(model: Any) -> dict[str, float]:
    return {str(k): round(float(v), 4) for k, v in model.params_.items()}


if __name__ == "__main__":
    main()
