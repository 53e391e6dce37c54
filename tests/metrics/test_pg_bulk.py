"""The bulk writer round-trips every kind of value and keeps the table's indexes."""

from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest
from django.db import connection

from saleor_ltv_plugin.ingest.orders import upsert_orders
from saleor_ltv_plugin.metrics import pg_bulk, store
from saleor_ltv_plugin.models import AccountMetrics, OrderFact

from ..conftest import make_order

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 2, tzinfo=timezone.utc)


@pytest.fixture
def accounts():
    upsert_orders([make_order(f"o{i}", company=f"Company {i}") for i in range(3)])
    return sorted(OrderFact.objects.values_list("account_id", flat=True))


def frame_for(accounts) -> pd.DataFrame:
    n = len(accounts)
    return pd.DataFrame({
        "account_id": accounts, "currency": ["JPY", "USD", "JPY"][:n],
        "first_purchase_at": np.array(["2025-01-02", "NaT", "2024-12-31"][:n], dtype="datetime64[D]"),
        "last_purchase_at": np.array(["2025-06-01", "2025-01-01", "2025-02-28"][:n], dtype="datetime64[D]"),
        "frequency": [3, 1, 7][:n], "recency_days": [10, 300, 0][:n], "tenure_days": [150, 0, 59][:n],
        "monetary": [1234.5678, 0.0, -5.0][:n], "average_order_value": [411.52, 0.0, -0.71][:n],
        "r_score": [5, 1, 5][:n], "f_score": [3, 1, 4][:n], "m_score": [4, 1, 1][:n],
        "rfm_segment": ["loyal", "lost", "new"][:n], "rfm_rank": [1, 7, 3][:n],
        "cpm_cell": ["steady_active", "first_lapsed", "steady_active"][:n], "stage": ["repeat", "lost", "loyal"][:n],
        "typical_interval_days": [30.25, np.nan, 8.5][:n],
        "next_purchase_on": np.array(["2025-07-01", "NaT", "2025-03-08"][:n], dtype="datetime64[D]"),
        "overdue_ratio": [0.33, np.inf, 0.0][:n], "churn_risk": [False, True, False][:n],
        "p_alive": [0.9, np.nan, 1.0][:n], "expected_purchases": [1.5, np.nan, 3.25][:n],
        "expected_order_value": [400.0, np.nan, 12.0][:n], "clv": [1000.004, np.nan, 0.0][:n],
    })


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="binary COPY writer is PostgreSQL-only; SQLite uses bulk_create")
@pytest.mark.parametrize("rebuild_above", [0, 10**9])
def test_full_write_round_trips_values_and_keeps_indexes(accounts, monkeypatch, rebuild_above):
    monkeypatch.setattr(pg_bulk, "REBUILD_INDEXES_ABOVE", rebuild_above)
    with connection.cursor() as cursor:
        before = sorted(pg_bulk._plain_indexes(cursor, AccountMetrics._meta.db_table))
    assert before  # the sort indexes exist
    store.write_account_metrics(frame_for(accounts), "default-channel", NOW, full=True)
    with connection.cursor() as cursor:
        assert sorted(pg_bulk._plain_indexes(cursor, AccountMetrics._meta.db_table)) == before
    rows = {m.account_id: m for m in AccountMetrics.objects.all()}
    first, second, third = (rows[a] for a in accounts)
    assert (first.currency, second.currency) == ("JPY", "USD")
    assert str(first.first_purchase_at) == "2025-01-02" and second.first_purchase_at is None
    assert float(first.monetary) == 1234.568 and float(third.monetary) == -5.0
    assert second.typical_interval_days is None and second.overdue_ratio is None  # inf is stored as NULL
    assert second.p_alive is None and float(first.clv) == 1000.004
    assert (first.rfm_segment, second.stage, third.cpm_cell) == ("loyal", "lost", "steady_active")
    assert second.churn_risk is True and first.churn_risk is False
    assert first.computed_at == NOW and first.channel == "default-channel"


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="binary COPY writer is PostgreSQL-only; SQLite uses bulk_create")
def test_incremental_write_upserts_and_full_write_replaces(accounts):
    frame = frame_for(accounts)
    store.write_account_metrics(frame, "default-channel", NOW, full=True)
    changed = frame.iloc[[0]].assign(frequency=4)
    store.write_account_metrics(changed, "default-channel", NOW, full=False)
    assert AccountMetrics.objects.get(account_id=accounts[0]).frequency == 4
    assert AccountMetrics.objects.count() == 3
    store.write_account_metrics(frame.iloc[[1]], "default-channel", NOW, full=True)
    assert list(AccountMetrics.objects.values_list("account_id", flat=True)) == [accounts[1]]
