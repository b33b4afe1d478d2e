"""Customer-lifetime-value models: who is still a customer, what they will buy, what they are worth.

Non-contractual (purchases whenever): :class:`BetaGeo` (BG/NBD) and :class:`ParetoNBD` for the
number of purchases, :class:`GammaGamma` for spend per purchase, :class:`BetaGeoBetaBinom`
(BG/BB) when purchases happen at discrete opportunities. Contractual (subscriptions):
:class:`ShiftedBetaGeo` (sBG) projects retention from survivor counts.

Notebook use::

    from cxpulse.models import BetaGeo, GammaGamma, rfm_summary, holdout_comparison
    summary = rfm_summary(orders, "customer_id", "ordered_at", "amount",
                          calibration_end="2024-09-30", holdout_end="2025-06-30")
    bgnbd = BetaGeo().fit(summary)                  # weeks: rfm_summary's default freq
    print(bgnbd.summary)
    print(holdout_comparison(bgnbd, summary))
    spend = GammaGamma().fit(summary)               # uses the customers with repeat purchases
    clv = spend.customer_lifetime_value(bgnbd, summary.frequency, summary.recency,
                                        summary["T"], summary.monetary_value, time=12)

Models are fitted by maximum likelihood (scipy L-BFGS-B on log-parameters, several starts);
a :class:`ConvergenceWarning` lists what to try when the fit does not end cleanly.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cxpulse.models.beta_geo import BetaGeo
    from cxpulse.models.bg_bb import BetaGeoBetaBinom
    from cxpulse.models.clv import PERIODS_PER_MONTH, TransactionModel, customer_lifetime_value
    from cxpulse.models.errors import ConvergenceWarning, ModelInputError, NotFittedError
    from cxpulse.models.fit_quality import HoldoutComparison, holdout_comparison
    from cxpulse.models.gamma_gamma import GammaGamma
    from cxpulse.models.pareto_nbd import ParetoNBD
    from cxpulse.models.rfm import rfm_summary
    from cxpulse.models.sbg import ShiftedBetaGeo
    from cxpulse.models.simulate import simulate_beta_geo, simulate_pareto_nbd

# Imported on first use: the models load scipy.optimize (about 1 s, 2 s under load), and the
# web server imports cxpulse.models.forecast for its /api/v1/forecast route at start-up, before
# it listens (issue 16: the first page after `cxpulse serve`).
_WHERE = {
    "BetaGeo": "cxpulse.models.beta_geo",
    "BetaGeoBetaBinom": "cxpulse.models.bg_bb",
    "ConvergenceWarning": "cxpulse.models.errors",
    "GammaGamma": "cxpulse.models.gamma_gamma",
    "HoldoutComparison": "cxpulse.models.fit_quality",
    "ModelInputError": "cxpulse.models.errors",
    "NotFittedError": "cxpulse.models.errors",
    "PERIODS_PER_MONTH": "cxpulse.models.clv",
    "ParetoNBD": "cxpulse.models.pareto_nbd",
    "ShiftedBetaGeo": "cxpulse.models.sbg",
    "TransactionModel": "cxpulse.models.clv",
    "customer_lifetime_value": "cxpulse.models.clv",
    "holdout_comparison": "cxpulse.models.fit_quality",
    "rfm_summary": "cxpulse.models.rfm",
    "simulate_beta_geo": "cxpulse.models.simulate",
    "simulate_pareto_nbd": "cxpulse.models.simulate",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value  # once
    return value


__all__ = [
    "PERIODS_PER_MONTH",
    "BetaGeo",
    "BetaGeoBetaBinom",
    "ConvergenceWarning",
    "GammaGamma",
    "HoldoutComparison",
    "ModelInputError",
    "NotFittedError",
    "ParetoNBD",
    "ShiftedBetaGeo",
    "TransactionModel",
    "customer_lifetime_value",
    "holdout_comparison",
    "rfm_summary",
    "simulate_beta_geo",
    "simulate_pareto_nbd",
]
