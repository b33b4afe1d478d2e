"""Insights: what changed, why, and what it costs, as ranked findings over the metrics."""
