"""The one-call recompute: AccountMetrics-shaped columns and a fit report."""

import datetime as dt
import json

import numpy as np

from saleor_ltv_plugin.engine.account_metrics import METRIC_COLUMNS, compute_account_metrics

from .factories import orders


def test_cdnow_end_to_end(cdnow_transactions):
    frame, report = compute_account_metrics(cdnow_transactions, as_of=dt.date(1997, 9, 30))
    assert list(frame.columns) == METRIC_COLUMNS and len(frame) == 2357
    assert report["prediction_model"]["status"] == "ok" and report["gamma_gamma"]["USD"]["status"] == "ok"
    assert frame["p_alive"].between(0, 1).all() and (frame["clv"] >= 0).all()
    assert frame["stage"].notna().all() and frame["cpm_cell"].notna().all()
    json.dumps(report)


def test_tiny_shop_falls_back_to_nan_predictions_and_says_why():
    frame, report = compute_account_metrics(orders(("a", "2024-01-01", 10), ("a", "2024-02-01", 20)))
    assert report["prediction_model"]["status"] == "insufficient_data"
    assert report["gamma_gamma"]["JPY"]["status"] == "insufficient_data"
    assert np.isnan(frame["p_alive"]).all() and np.isnan(frame["clv"]).all()
    assert frame.loc[0, "stage"] == "first_repeat" and frame.loc[0, "typical_interval_days"] > 0


def test_empty_orders():
    frame, report = compute_account_metrics(orders())
    assert len(frame) == 0 and list(frame.columns) == METRIC_COLUMNS
    assert report["accounts"] == 0
