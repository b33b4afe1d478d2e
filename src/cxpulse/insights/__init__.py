"""Insights: what changed, why, and what it costs, as findings over the metrics, text and churn."""
