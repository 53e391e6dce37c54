"""The per-account metric columns: one schema for every scoring path, the store, REST, GraphQL, the
filter language and the exports (each derives its fields from :data:`COLUMNS`).

``kind`` says what a value is, and so how each layer types it:
id (the account), code (currency), label (stage, CPM cell, RFM segment: '' when none), date,
count (never missing), days, score (1–5, or the 1–7 rank), ratio (any real), money (in the row's
currency), flag (true / false). ``required`` columns are never missing (NULL) for a bought account.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MetricColumn:
    name: str
    kind: str
    required: bool = False
    description: str = ""


COLUMNS = (
    MetricColumn("account_id", "id", True),
    MetricColumn("currency", "code", True),
    MetricColumn("first_purchase_at", "date", description="Day of the first purchase (shop time)."),
    MetricColumn("last_purchase_at", "date", description="Day of the last purchase (shop time)."),
    MetricColumn("frequency", "count", True, "Purchase occasions."),
    MetricColumn("recency_days", "days", description="Days since the last purchase."),
    MetricColumn("tenure_days", "days", description="Days from the first purchase to the last (在籍日数)."),
    MetricColumn("monetary", "money", True, "Spend net of refunds."),
    MetricColumn("average_order_value", "money", True),
    MetricColumn("r_score", "score"),
    MetricColumn("f_score", "score"),
    MetricColumn("m_score", "score"),
    MetricColumn("rfm_segment", "label", True),
    MetricColumn("rfm_rank", "score", description="1 (best) … 7."),
    MetricColumn("cpm_cell", "label", True),
    MetricColumn("stage", "label", True),
    MetricColumn("typical_interval_days", "ratio", description="The account's usual days between purchases."),
    MetricColumn("next_purchase_on", "date", description="Predicted next purchase window."),
    MetricColumn("overdue_ratio", "ratio", description="Days since the last purchase ÷ typical interval."),
    MetricColumn("churn_risk", "flag", True),
    MetricColumn("p_alive", "ratio", description="Probability the account is still a customer, from the "
                 "channel's prediction model (ltvOverview.predictionModel)."),
    MetricColumn("expected_purchases", "ratio", description="Purchases expected over the horizon (90 days)."),
    MetricColumn("expected_order_value", "money"),
    MetricColumn("clv", "money", description="Predicted value of the next 365 days, discounted."),
)
BY_NAME = {column.name: column for column in COLUMNS}
METRIC_COLUMNS = [column.name for column in COLUMNS]
KEY_COLUMNS = ("account_id", "currency")  # the row's identity; the rest are its figures
FIGURES = tuple(column for column in COLUMNS if column.name not in KEY_COLUMNS)
