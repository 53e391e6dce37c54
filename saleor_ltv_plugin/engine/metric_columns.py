"""The per-account metric columns every scoring path returns, named like ``AccountMetrics``' fields."""

METRIC_COLUMNS = [
    "account_id", "currency", "first_purchase_at", "last_purchase_at", "frequency",
    "recency_days", "tenure_days", "monetary", "average_order_value", "r_score", "f_score",
    "m_score", "rfm_segment", "rfm_rank", "cpm_cell", "stage", "typical_interval_days",
    "next_purchase_on", "overdue_ratio", "churn_risk", "p_alive", "expected_purchases",
    "expected_order_value", "clv",
]
