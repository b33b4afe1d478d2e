"""What changed, why, and what it costs: findings over the metrics, the text and churn."""
