"""Prediction quality, reported (not asserted): BG/NBD and the rhythm against naive rules.

    python bench/engine_quality.py

(a) CDNOW 1/10 sample, calibration through 1997-09-30, 39-week holdout, weeks,
    same-day orders merged: BG/NBD's conditional expectation of holdout purchases
    vs actual, next to the naive "average interval" rule (a customer keeps buying at
    t_x / x weeks per purchase; one with no repeat purchase is predicted 0).
(b) The synthetic B2B shop, cut 120 days before its end: each company's typical
    interval vs its true rhythm, the predicted next purchase date vs the actual
    first order after the cut (next to "last purchase + mean interval"), and the
    per-SKU reorder date vs the SKU's actual next purchase.
Last line: one JSON object with every figure.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import _cdnow  # noqa: E402

from saleor_ltv_plugin.demo.synthetic import generate_shop  # noqa: E402
from saleor_ltv_plugin.engine.bgnbd import fit_bgnbd  # noqa: E402
from saleor_ltv_plugin.engine.cycle import purchase_rhythm, replenishment  # noqa: E402
from saleor_ltv_plugin.engine.summary import bgnbd_inputs, summarize_orders  # noqa: E402

CALIBRATION_END = pd.Timestamp("1997-09-30")
HOLDOUT_END = pd.Timestamp("1998-06-30")


def errors(predicted: np.ndarray, actual: np.ndarray) -> dict:
    return {"predicted_total": round(float(predicted.sum()), 1), "actual_total": int(actual.sum()),
            "mae": round(float(np.mean(np.abs(predicted - actual))), 4),
            "rmse": round(float(np.sqrt(np.mean((predicted - actual) ** 2))), 4)}


def cdnow() -> dict:
    orders = _cdnow.transactions()
    calibration = orders[orders["created_at"] <= CALIBRATION_END]
    summary = summarize_orders(calibration, CALIBRATION_END)
    inputs = bgnbd_inputs(summary, unit="weeks")
    x, t_x, T = (inputs[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    holdout = orders[(orders["created_at"] > CALIBRATION_END) & (orders["created_at"] <= HOLDOUT_END)]
    occasions = holdout.drop_duplicates(["account_id", "created_at"]).groupby("account_id").size()
    actual = occasions.reindex(summary["account_id"], fill_value=0).to_numpy(float)
    model = fit_bgnbd(x, t_x, T)
    bgnbd = model.conditional_expected_purchases(39.0, x, t_x, T)
    with np.errstate(divide="ignore", invalid="ignore"):
        naive = np.where(x > 0, 39.0 / (t_x / x), 0.0)
    naive = np.where(np.isfinite(naive), naive, 0.0)
    by_x = []
    for k in range(8):
        rows = (x == k) if k < 7 else (x >= 7)
        by_x.append({"x": f"{k}+" if k == 7 else k, "customers": int(rows.sum()),
                     "actual": round(float(actual[rows].mean()), 3),
                     "bgnbd": round(float(bgnbd[rows].mean()), 3), "naive": round(float(naive[rows].mean()), 3)})
    return {"customers": int(len(x)), "params": {k: round(v, 4) for k, v in model.params.items()},
            "bgnbd": errors(bgnbd, actual), "naive_average_interval": errors(naive, actual), "by_frequency": by_x}


def counted(order) -> bool:
    return order.status not in ("canceled", "draft", "unconfirmed", "expired") and order.refunded_amount < order.total_gross


def synthetic(companies: int = 3000, seed: int = 42) -> dict:
    shop = generate_shop(n_companies=companies, seed=seed)
    last_day = max(o.created_at for o in shop.orders)
    cut = (last_day - timedelta(days=120)).replace(hour=0, minute=0, second=0, microsecond=0)
    rows = [(o.company_key, o.created_at, float(o.total_gross - o.refunded_amount), "JPY")
            for o in shop.orders if counted(o)]
    orders = pd.DataFrame(rows, columns=["account_id", "created_at", "amount", "currency"])
    calibration, after = orders[orders["created_at"] <= cut], orders[orders["created_at"] > cut]
    as_of = cut.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Tokyo")).date()
    summary = summarize_orders(calibration, as_of, tz="Asia/Tokyo")
    rhythm = summary.join(purchase_rhythm(summary))
    truth = {c.key: c for c in shop.companies}
    rhythm["true_interval"] = [truth[k].true_interval_days for k in rhythm["account_id"]]
    rhythm["pattern"] = [truth[k].pattern for k in rhythm["account_id"]]
    repeaters = rhythm[(rhythm["frequency"] >= 3) & rhythm["pattern"].isin(["steady", "seasonal", "churning", "new"])]
    ape = np.abs(repeaters["typical_interval_days"] / repeaters["true_interval"] - 1)
    mean_interval = repeaters["tenure_days"] / (repeaters["frequency"] - 1)
    naive_ape = np.abs(mean_interval / repeaters["true_interval"] - 1)
    first_after = after.assign(day=after["created_at"].dt.tz_convert("Asia/Tokyo").dt.date).groupby("account_id")["day"].min()
    came_back = rhythm[rhythm["account_id"].isin(first_after.index) & (rhythm["frequency"] >= 2)]
    actual_next = pd.to_datetime(came_back["account_id"].map(first_after))
    predicted = pd.to_datetime(came_back["next_purchase_on"])
    naive_next = pd.to_datetime(came_back["last_purchase_at"]) + pd.to_timedelta(
        came_back["tenure_days"] / (came_back["frequency"] - 1), unit="D")
    result = {
        "companies": len(shop.companies), "cut": str(as_of),
        "interval_vs_truth": {
            "accounts": int(len(repeaters)),
            "rhythm_median_abs_pct_error": round(float(np.median(ape)) * 100, 1),
            "rhythm_share_within_25pct": round(float(np.mean(ape <= 0.25)), 3),
            "naive_mean_interval_median_abs_pct_error": round(float(np.median(naive_ape)) * 100, 1),
            "naive_share_within_25pct": round(float(np.mean(naive_ape <= 0.25)), 3),
        },
        "next_purchase_date": {
            "accounts": int(len(came_back)),
            "rhythm_median_abs_error_days": float(np.median(np.abs((predicted - actual_next).dt.days))),
            "naive_median_abs_error_days": float(np.median(np.abs((naive_next - actual_next).dt.days))),
        },
    }
    result["reorder_date"] = _reorder(shop, cut, as_of)
    return result


def _reorder(shop, cut, as_of) -> dict:
    lines = pd.DataFrame(
        [(o.company_key, line.sku, o.created_at, line.quantity) for o in shop.orders if counted(o) for line in o.lines],
        columns=["account_id", "sku", "created_at", "quantity"])
    calibration, after = lines[lines["created_at"] <= cut], lines[lines["created_at"] > cut]
    skus = replenishment(calibration, as_of, tz="Asia/Tokyo")
    skus = skus[skus["purchases"] >= 3]
    nxt = after.assign(day=after["created_at"].dt.tz_convert("Asia/Tokyo").dt.date).groupby(["account_id", "sku"])["day"].min()
    keyed = skus.set_index(["account_id", "sku"])
    both = keyed.index.intersection(nxt.index)
    predicted = pd.to_datetime(keyed.loc[both, "next_reorder_on"])
    actual = pd.to_datetime(nxt.loc[both])
    naive = pd.to_datetime(keyed.loc[both, "last_purchase_at"]) + pd.to_timedelta(
        keyed.loc[both, "interval_median_days"], unit="D")
    return {"pairs": int(len(both)),
            "replenishment_median_abs_error_days": float(np.median(np.abs((predicted.values - actual.values) / np.timedelta64(1, "D")))),
            "naive_last_plus_median_gap_median_abs_error_days":
                float(np.nanmedian(np.abs((naive.values - actual.values) / np.timedelta64(1, "D"))))}


def main() -> dict:
    report = {"cdnow": cdnow(), "synthetic_b2b": synthetic()}
    c = report["cdnow"]
    print(f"CDNOW holdout (39 weeks, {c['customers']} customers): actual {c['bgnbd']['actual_total']} repeat purchases; "
          f"BG/NBD predicts {c['bgnbd']['predicted_total']} (MAE {c['bgnbd']['mae']}), naive average interval "
          f"{c['naive_average_interval']['predicted_total']} (MAE {c['naive_average_interval']['mae']})")
    for row in c["by_frequency"]:
        print(f"  x={row['x']!s:>2}: {row['customers']:5d} customers, actual {row['actual']:.3f}, "
              f"BG/NBD {row['bgnbd']:.3f}, naive {row['naive']:.3f}")
    s = report["synthetic_b2b"]
    print(f"Synthetic B2B shop, cut {s['cut']}: interval vs truth {s['interval_vs_truth']}")
    print(f"  next purchase date {s['next_purchase_date']}")
    print(f"  per-SKU reorder date {s['reorder_date']}")
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    main()
