"""Re-scoring one account with the shop's fitted state reproduces the full run."""

import json

import numpy as np
import pandas as pd
import pytest

from saleor_ltv_plugin.engine.account_metrics import METRIC_COLUMNS, MetricsSettings, fit_shop
from saleor_ltv_plugin.engine.fitted import FittedShop, score_accounts


def synthetic_orders(seed=5, accounts=400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for account in range(accounts):
        currency = "JPY" if account % 5 else "USD"
        start = pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(rng.integers(0, 500)))
        gap = float(rng.uniform(5, 90))
        day = start
        for _ in range(int(rng.geometric(0.3))):
            rows.append((account, day, float(rng.integers(1, 50) * (100 if currency == "JPY" else 1)), currency))
            day = day + pd.Timedelta(days=max(1, int(rng.gamma(3, gap / 3))))
    return pd.DataFrame(rows, columns=["account_id", "created_at", "amount", "currency"])


def compare(full: pd.DataFrame, part: pd.DataFrame):
    full = full.set_index("account_id").loc[part["account_id"]].reset_index()
    for column in METRIC_COLUMNS:
        left, right = full[column].to_numpy(), part[column].to_numpy()
        if np.issubdtype(np.asarray(left).dtype, np.floating):
            np.testing.assert_allclose(right.astype(float), left.astype(float), rtol=1e-9, equal_nan=True,
                                       err_msg=column)
        else:
            assert list(right) == list(left), column


@pytest.mark.parametrize("as_of", ["2025-09-30", "2026-03-01"])
def test_one_account_rescored_alone_matches_the_full_run(as_of):
    orders = synthetic_orders()
    full, report, fitted = fit_shop(orders, as_of)
    assert report["prediction_model"]["status"] == "ok"
    for account in [0, 3, 5, 17, 123, 399]:
        alone = score_accounts(orders[orders["account_id"] == account], as_of, fitted, MetricsSettings())
        assert len(alone) == 1
        compare(full, alone)


def test_every_account_rescored_together_matches_the_full_run():
    orders = synthetic_orders(seed=9)
    full, _, fitted = fit_shop(orders, "2025-12-31")
    compare(full, score_accounts(orders, "2025-12-31", fitted, MetricsSettings()))


def test_the_fitted_state_survives_json():
    orders = synthetic_orders(seed=2, accounts=120)
    _, _, fitted = fit_shop(orders, "2025-12-31")
    restored = FittedShop.from_dict(json.loads(json.dumps(fitted.to_dict())))
    assert restored == fitted


def test_a_new_order_moves_the_account_forward():
    orders = synthetic_orders(seed=3)
    as_of = pd.Timestamp("2025-12-31")
    full, _, fitted = fit_shop(orders, as_of)
    account = int(full.sort_values("recency_days").iloc[-1]["account_id"])  # the longest-lapsed
    before = full.set_index("account_id").loc[account]
    extra = pd.DataFrame([(account, as_of, 5000.0, before["currency"])], columns=orders.columns)
    after = score_accounts(pd.concat([orders[orders["account_id"] == account], extra]), as_of, fitted,
                           MetricsSettings()).iloc[0]
    assert after["frequency"] == before["frequency"] + 1 and after["recency_days"] == 0
    assert after["r_score"] == 5 and after["monetary"] == pytest.approx(before["monetary"] + 5000)
    assert after["stage"] != "lost"


def test_a_score_level_nobody_reached_survives_strict_json():
    days = pd.Timestamp("2025-01-01") + pd.to_timedelta(np.arange(30) * 7, unit="D")
    orders = pd.DataFrame({"account_id": range(30), "created_at": days, "amount": 100.0, "currency": "JPY"})
    # every account spent the same: all tie at M = 1, levels 2–5 are never reached
    full, _, fitted = fit_shop(orders, "2025-12-31")
    assert any(b == float("inf") for dims in fitted.rfm_bounds.values() for b in dims["m"])
    strict = json.loads(json.dumps(fitted.to_dict(), allow_nan=True).replace("Infinity", "null"))
    restored = FittedShop.from_dict(strict)
    compare(full, score_accounts(orders, "2025-12-31", restored, MetricsSettings()))
