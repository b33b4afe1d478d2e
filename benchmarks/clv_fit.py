"""Time the BG/NBD and Gamma-Gamma fits on 100,000 simulated customers.

    python benchmarks/clv_fit.py --customers 100000

Reference: the `lifetimes` package (what a user would otherwise reach for), fitted on the same
data in the same run when it is installed (it is a test dependency). A maximum-likelihood fit
has no hand-written SQL floor. Results go to benchmarks/results/clv_fit.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
import warnings
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from cxpulse.models import BetaGeo, GammaGamma, simulate_beta_geo

RESULTS = Path(__file__).parent / "results"
TRUE = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}  # CDNOW-like (FHL 2005)


def timed(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    data = simulate_beta_geo(args.customers, **TRUE, T=39.0, seed=args.seed)
    rng = np.random.default_rng(args.seed)
    repeat = data[data["frequency"] > 0].copy()
    # spend per repeat transaction: gamma-gamma process with p=6.25, q=3.74, v=15.44
    nu = rng.gamma(3.74, 1 / 15.44, len(repeat))
    repeat["monetary_value"] = rng.gamma(6.25 * repeat["frequency"], 1 / nu) / repeat["frequency"]

    rows: dict[str, dict[str, Any]] = {}
    bg = BetaGeo()
    t_bg, _ = timed(lambda: bg.fit(data, "frequency", "recency", "T"))
    rows["cxpulse BetaGeo"] = {"seconds": t_bg, "params": bg.params_.round(4).to_dict()}
    one = BetaGeo(n_starts=1)
    t_one, _ = timed(lambda: one.fit(data, "frequency", "recency", "T"))
    rows["cxpulse BetaGeo (1 start)"] = {"seconds": t_one, "params": one.params_.round(4).to_dict()}
    gg = GammaGamma()
    t_gg, _ = timed(lambda: gg.fit(repeat, "frequency", "monetary_value"))
    rows["cxpulse GammaGamma"] = {"seconds": t_gg, "params": gg.params_.round(4).to_dict()}

    try:
        import lifetimes  # type: ignore[import-untyped]
    except ImportError:
        lifetimes = None
    if lifetimes is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = lifetimes.BetaGeoFitter()
            t_ref, _ = timed(lambda: ref.fit(data["frequency"], data["recency"], data["T"]))
            rows["lifetimes BetaGeoFitter"] = {
                "seconds": t_ref,
                "params": {k: round(float(v), 4) for k, v in ref.params_.items()},
            }
            ref_gg = lifetimes.GammaGammaFitter()
            t_ref_gg, _ = timed(lambda: ref_gg.fit(repeat["frequency"], repeat["monetary_value"]))
            rows["lifetimes GammaGammaFitter"] = {
                "seconds": t_ref_gg,
                "params": {k: round(float(v), 4) for k, v in ref_gg.params_.items()},
            }

    print(f"{'fit':<30}{'seconds':>9}{'vs lifetimes':>14}  parameters")
    for name, row in rows.items():
        ref_name = "lifetimes GammaGammaFitter" if "Gamma" in name else "lifetimes BetaGeoFitter"
        ratio = row["seconds"] / rows[ref_name]["seconds"] if ref_name in rows else float("nan")
        row["ratio_vs_lifetimes"] = ratio
        params = ", ".join(f"{k} {v:g}" for k, v in row["params"].items())
        print(f"{name:<30}{row['seconds']:>9.2f}{ratio:>13.2f}x  {params}")
    print(f"true BG/NBD parameters: {TRUE}")

    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "clv_fit.json"
    report = {
        "benchmark": "clv_fit",
        "customers": args.customers,
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
        "fits": rows,
    }
    out.write_text(json.dumps(report, indent=2))
    print(f"written {out}")


if __name__ == "__main__":
    main()
