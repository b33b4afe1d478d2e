"""Metric definitions (specs with variants), the query engine and statistics."""

from cxpulse.metrics import cx_index as _cx_index  # noqa: F401  (composite CX index)
from cxpulse.metrics import loyalty as _loyalty  # noqa: F401  (loyalty_ledger)
from cxpulse.metrics import revenue as _revenue  # noqa: F401  (subscriptions, orders)
from cxpulse.metrics import social as _social  # noqa: F401  (mentions and reviews)
from cxpulse.metrics import support_flow as _support  # noqa: F401  (and support: tickets)
from cxpulse.metrics import survey as _survey  # noqa: F401  (registers the survey metrics)
from cxpulse.metrics import web as _web  # noqa: F401  (website: sessions, bounce, exit...)
from cxpulse.metrics.quick import ces, csat, nps
from cxpulse.metrics.spec import REGISTRY, MetricSpec, Variant
from cxpulse.metrics.stats import Estimate

__all__ = ["REGISTRY", "Estimate", "MetricSpec", "Variant", "ces", "csat", "nps"]
