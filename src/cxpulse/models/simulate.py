"""Simulated RFM tables from the generative processes, for tests, benchmarks and what-ifs.

Both simulators are exact and vectorised (no loop over purchases): they draw the number of
purchases first, then the time of the last one from the order statistics of uniform times.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cxpulse.errors import ConfigError


def _ages(n_customers: int, T: Any) -> np.ndarray[Any, np.dtype[np.float64]]:
    if n_customers < 1:
        raise ConfigError(f"n_customers must be >= 1, got {n_customers}")
    ages = np.broadcast_to(np.asarray(T, dtype=float), (n_customers,)).copy()
    if not np.all(np.isfinite(ages) & (ages > 0)):
        raise ConfigError("T must be positive and finite")
    return ages


def _check(**params: float) -> None:
    for name, value in params.items():
        if not (np.isfinite(value) and value > 0):
            raise ConfigError(f"{name} must be positive and finite, got {value!r}")


def _last_purchase(
    rng: np.random.Generator, count: np.ndarray[Any, Any], kept: np.ndarray[Any, Any], span: Any
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Time of the kept-th of `count` uniform purchase times on [0, span] (0 when kept = 0)."""
    safe_kept = np.maximum(kept, 1)
    fraction = rng.beta(safe_kept, np.maximum(count - safe_kept + 1, 1))
    return np.asarray(np.where(kept > 0, span * fraction, 0.0), dtype=np.float64)


def simulate_beta_geo(
    n_customers: int,
    r: float,
    alpha: float,
    a: float,
    b: float,
    T: Any = 1.0,
    seed: int | None = None,
) -> pd.DataFrame:
    """frequency, recency, T of customers drawn from the BG/NBD process (FHL 2005, section 3).

    A customer with rate lambda makes N ~ Poisson(lambda T) purchases in (0, T] if they never
    drop out; they drop out after the K-th repeat purchase, K ~ Geometric(p). The observed
    frequency is min(N, K); given N the purchase times are uniform order statistics.
    """
    _check(r=r, alpha=alpha, a=a, b=b)
    ages = _ages(n_customers, T)
    rng = np.random.default_rng(seed)
    rate = rng.gamma(r, 1.0 / alpha, n_customers)
    p = rng.beta(a, b, n_customers)
    count = rng.poisson(rate * ages)
    kept = np.minimum(count, rng.geometric(np.clip(p, 1e-300, 1.0)))
    recency = _last_purchase(rng, count, kept, ages)
    return pd.DataFrame({"frequency": kept, "recency": recency, "T": ages})


def simulate_pareto_nbd(
    n_customers: int,
    r: float,
    alpha: float,
    s: float,
    beta: float,
    T: Any = 1.0,
    seed: int | None = None,
) -> pd.DataFrame:
    """frequency, recency, T from the Pareto/NBD process (Schmittlein, Morrison & Colombo 1987).

    Lifetime tau ~ Exponential(mu), mu ~ Gamma(s, beta); purchases are Poisson(lambda) while
    alive, lambda ~ Gamma(r, alpha).
    """
    _check(r=r, alpha=alpha, s=s, beta=beta)
    ages = _ages(n_customers, T)
    rng = np.random.default_rng(seed)
    rate = rng.gamma(r, 1.0 / alpha, n_customers)
    death = rng.exponential(1.0 / rng.gamma(s, 1.0 / beta, n_customers))
    span = np.minimum(death, ages)
    count = rng.poisson(rate * span)
    recency = _last_purchase(rng, count, count, span)
    return pd.DataFrame({"frequency": count, "recency": recency, "T": ages})
