"""Metric definitions (specs with variants), the query engine and statistics."""

from cxpulse.metrics import survey as _survey  # noqa: F401  (registers the survey metrics)
from cxpulse.metrics.quick import ces, csat, nps
from cxpulse.metrics.spec import REGISTRY, MetricSpec, Variant
from cxpulse.metrics.stats import Estimate

__all__ = ["REGISTRY", "Estimate", "MetricSpec", "Variant", "ces", "csat", "nps"]
