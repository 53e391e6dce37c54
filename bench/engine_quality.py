"""Prediction quality, reported (not asserted): BG/NBD, MBG/NBD, Pareto/NBD and the rhythm against naive rules.

    python bench/engine_quality.py [--companies 3000]

(a) CDNOW 1/10 sample (2,357 customers), calibration through 1997-09-30, 39-week
    holdout 1997-10-01 … 1998-06-30, time in weeks, same-day orders merged into one
    occasion (calibration and holdout alike). BG/NBD is fitted on the calibration
    period; each customer's holdout repeat purchases are predicted with
    conditional_expected_purchases(39, x, t_x, T) and compared with the actual
    holdout occasions (total, MAE, RMSE per customer, and the classic table by
    calibration frequency 0…7+). Naive "average interval" rule: a customer with
    x ≥ 1 keeps buying at its calibration rate, 39 / (t_x / x); main choice for
    x = 0 is 0 (no observed rate); the variant "x0_pooled_rate" predicts the
    calibration-wide pooled rate Σx / ΣT × 39 for them instead.
    MBG/NBD and Pareto/NBD are scored the same way, and the recompute's model choice
    (engine/model_choice, 273-day holdout) is run on the same orders: which model it keeps, why.
    Our calibration inputs are checked against Hardie's published summary.
(b) The synthetic B2B shop (3,000 companies, seed 42, end 2026-11-01), cut 120 days
    before its end (calibration: Tokyo dates ≤ end − 120 d). Counted orders only
    (not canceled/draft/unconfirmed/expired, not fully refunded; amounts net of
    refunds). Each company's typical interval (purchase_rhythm) vs its
    true_interval_days (the *mean* gap of its renewal process), next to the naive
    mean interval (tenure / (orders − 1)), overall and by pattern; the predicted next
    purchase date vs the actual first counted order after the cut (companies with
    ≥ 2 calibration orders that ordered again), next to "last purchase + mean
    interval", raw and with both clamped to the day after the cut; per-SKU
    replenishment (pairs with ≥ 3 purchase days, per_unit True and False): the
    next reorder date vs that SKU's actual next purchase after the cut, next to
    "last purchase + median gap", and the typical SKU interval vs the true
    replenishment interval of the company's regular SKUs.
Last line: one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import _cdnow  # noqa: E402

from saleor_ltv_plugin.demo.synthetic import generate_shop  # noqa: E402
from saleor_ltv_plugin.engine.bgnbd import fit_bgnbd  # noqa: E402
from saleor_ltv_plugin.engine.cycle import purchase_rhythm, replenishment  # noqa: E402
from saleor_ltv_plugin.engine.mbgnbd import fit_mbgnbd  # noqa: E402
from saleor_ltv_plugin.engine.model_choice import choose_model  # noqa: E402
from saleor_ltv_plugin.engine.pareto_nbd import fit_pareto_nbd  # noqa: E402
from saleor_ltv_plugin.engine.summary import bgnbd_inputs, summarize_orders  # noqa: E402

CALIBRATION_END = pd.Timestamp("1997-09-30")
HOLDOUT_END = pd.Timestamp("1998-06-30")
HOLDOUT_WEEKS = 39.0  # 1997-10-01 … 1998-06-30 = 273 days


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
    published = _cdnow.published_summary()  # Hardie's calibration summary: a check on our inputs
    holdout = orders[(orders["created_at"] > CALIBRATION_END) & (orders["created_at"] <= HOLDOUT_END)]
    occasions = holdout.drop_duplicates(["account_id", "created_at"]).groupby("account_id").size()
    actual = occasions.reindex(summary["account_id"], fill_value=0).to_numpy(float)
    model = fit_bgnbd(x, t_x, T)
    bgnbd = model.conditional_expected_purchases(HOLDOUT_WEEKS, x, t_x, T)
    mbg_model, pnbd_model = fit_mbgnbd(x, t_x, T), fit_pareto_nbd(x, t_x, T)
    mbgnbd = mbg_model.conditional_expected_purchases(HOLDOUT_WEEKS, x, t_x, T)
    pareto = pnbd_model.conditional_expected_purchases(HOLDOUT_WEEKS, x, t_x, T)
    choice = choose_model(orders, HOLDOUT_END, holdout_days=int(HOLDOUT_WEEKS * 7))
    with np.errstate(divide="ignore", invalid="ignore"):
        naive = np.where(x > 0, HOLDOUT_WEEKS / (t_x / x), 0.0)
    naive = np.where(np.isfinite(naive), naive, 0.0)  # x = 0 -> 0 (main choice)
    pooled_rate = float(x.sum() / T.sum())  # repeat purchases per customer-week, whole calibration
    naive_pooled = np.where(x > 0, naive, pooled_rate * HOLDOUT_WEEKS)  # x = 0 -> population rate
    by_x = []
    for k in range(8):
        rows = (x == k) if k < 7 else (x >= 7)
        by_x.append({"x": f"{k}+" if k == 7 else k, "customers": int(rows.sum()),
                     "actual": round(float(actual[rows].mean()), 3),
                     "bgnbd": round(float(bgnbd[rows].mean()), 3), "mbgnbd": round(float(mbgnbd[rows].mean()), 3),
                     "pareto_nbd": round(float(pareto[rows].mean()), 3), "naive": round(float(naive[rows].mean()), 3),
                     "naive_x0_pooled": round(float(naive_pooled[rows].mean()), 3)})
    return {
        "customers": int(len(x)), "holdout_weeks": HOLDOUT_WEEKS,
        "calibration_check": {"sum_x_ours": int(x.sum()), "sum_x_published": int(published["x"].sum()),
                              "max_abs_T_diff_weeks": round(float(np.max(np.abs(
                                  np.sort(T) - np.sort(published["T"].to_numpy())))), 3)},
        "holdout_raw_transactions": int(len(holdout)),
        "params": {k: round(v, 4) for k, v in model.params.items()},
        "bgnbd": errors(bgnbd, actual),
        "mbgnbd": {**errors(mbgnbd, actual), "params": {k: round(v, 4) for k, v in mbg_model.params.items()},
                   "ll": round(mbg_model.log_likelihood, 2)},
        "pareto_nbd": {**errors(pareto, actual), "params": {k: round(v, 4) for k, v in pnbd_model.params.items()},
                       "ll": round(pnbd_model.log_likelihood, 2)},
        "model_choice": {"chosen": choice.name, "reason": choice.reason,
                         "mae": {n: s["mae"] for n, s in choice.scores.items()}},
        "naive_average_interval": errors(naive, actual),
        "naive_average_interval_x0_pooled_rate": {"pooled_rate_per_week": round(pooled_rate, 5),
                                                  **errors(naive_pooled, actual)},
        "by_frequency": by_x,
    }


COUNTED_OUT = ("canceled", "draft", "unconfirmed", "expired")  # DESIGN.md "Purchase"; + fully refunded
SHOP_END = date(2026, 11, 1)
TOKYO = ZoneInfo("Asia/Tokyo")


def counted(order) -> bool:
    return order.status not in COUNTED_OUT and order.refunded_amount < order.total_gross


def _days(a, b) -> np.ndarray:
    """a − b in days for two date-like arrays."""
    return (np.asarray(a, dtype="datetime64[D]") - np.asarray(b, dtype="datetime64[D]")).astype(np.int64)


def _ape(predicted, truth) -> dict:
    signed = np.asarray(predicted, float) / np.asarray(truth, float) - 1
    ape = np.abs(signed)
    return {"median_signed_pct_error": round(float(np.median(signed)) * 100, 1) if len(ape) else None,
            "median_abs_pct_error": round(float(np.median(ape)) * 100, 1) if len(ape) else None,
            "share_within_25pct": round(float(np.mean(ape <= 0.25)), 3) if len(ape) else None}


def _abs_days(err) -> float | None:
    err = np.abs(np.asarray(err, dtype=float))
    err = err[np.isfinite(err)]
    return float(np.median(err)) if len(err) else None


def synthetic(companies: int = 3000, seed: int = 42, holdout_days: int = 120) -> dict:
    shop = generate_shop(n_companies=companies, seed=seed, end=SHOP_END)
    as_of = SHOP_END - timedelta(days=holdout_days)  # calibration: Tokyo dates <= as_of
    rows = [(o.company_key, o.created_at, float(o.total_gross - o.refunded_amount), "JPY",
             o.created_at.astimezone(TOKYO).date()) for o in shop.orders if counted(o)]
    orders = pd.DataFrame(rows, columns=["account_id", "created_at", "amount", "currency", "day"])
    calibration, after = orders[orders["day"] <= as_of], orders[orders["day"] > as_of]
    summary = summarize_orders(calibration, as_of, tz="Asia/Tokyo")
    rhythm = summary.join(purchase_rhythm(summary))
    truth = {c.key: c for c in shop.companies}
    rhythm["true_interval"] = [truth[k].true_interval_days for k in rhythm["account_id"]]
    rhythm["pattern"] = [truth[k].pattern for k in rhythm["account_id"]]
    rhythm["mean_interval"] = rhythm["tenure_days"] / (rhythm["frequency"] - 1).where(rhythm["frequency"] > 1)

    def interval_block(frame) -> dict:
        return {"accounts": int(len(frame)),
                "rhythm": _ape(frame["typical_interval_days"], frame["true_interval"]),
                "naive_mean_interval": _ape(frame["mean_interval"], frame["true_interval"])}

    repeat = rhythm[rhythm["frequency"] >= 2]  # at least one observed interval
    interval = {"all_with_an_interval": interval_block(repeat),
                "three_or_more_orders": interval_block(repeat[repeat["frequency"] >= 3]),
                "by_pattern": {p: interval_block(g) for p, g in repeat.groupby("pattern")}}

    first_after = after.groupby("account_id")["day"].min()
    back = repeat[repeat["account_id"].isin(first_after.index)]
    actual = back["account_id"].map(first_after).to_numpy("datetime64[D]")
    predicted = back["next_purchase_on"].to_numpy("datetime64[D]")
    naive = (back["last_purchase_at"].to_numpy("datetime64[D]")
             + np.rint(back["mean_interval"].to_numpy()).astype(np.int64).astype("timedelta64[D]"))
    floor = np.datetime64(as_of + timedelta(days=1), "D")  # nothing can happen before the day after the cut
    next_purchase = {
        "accounts": int(len(back)),
        "of_repeat_buyers": int(len(repeat)),
        "rhythm_median_abs_error_days": _abs_days(_days(predicted, actual)),
        "naive_last_plus_mean_interval_median_abs_error_days": _abs_days(_days(naive, actual)),
        "rhythm_clamped_to_after_cut_median_abs_error_days": _abs_days(_days(np.maximum(predicted, floor), actual)),
        "naive_clamped_to_after_cut_median_abs_error_days": _abs_days(_days(np.maximum(naive, floor), actual)),
        "share_predicted_before_cut_rhythm": round(float(np.mean(predicted < floor)), 3),
    }
    return {"companies": len(shop.companies), "orders_counted": int(len(orders)),
            "calibration_as_of": str(as_of), "holdout_days": holdout_days,
            "interval_vs_truth": interval, "next_purchase_date": next_purchase,
            "reorder": _reorder(shop, as_of, truth), "model_choice": _model_choice(orders)}


def _model_choice(orders: pd.DataFrame) -> dict:
    """What the recompute keeps for this shop (its own holdout: half the history, ≤ 365 days),
    and how often a one-order company more than a year gone reads alive under each model."""
    columns = ["account_id", "created_at", "amount", "currency"]
    choice = choose_model(orders[columns], SHOP_END, tz="Asia/Tokyo")
    summary = summarize_orders(orders[columns], SHOP_END, tz="Asia/Tokyo")
    inputs = bgnbd_inputs(summary)
    x, t_x, T = (inputs[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    gone = (x == 0) & (summary["recency_days"].to_numpy() > 365)
    alive = {}
    for name, fit in (("bgnbd", fit_bgnbd), ("mbgnbd", fit_mbgnbd), ("pareto_nbd", fit_pareto_nbd)):
        model = fit(x, t_x, T)
        alive[name] = round(float(np.median(model.probability_alive(x[gone], t_x[gone], T[gone]))), 4) \
            if model.ok and gone.any() else None
    return {"chosen": choice.name, "reason": choice.reason, "holdout": choice.holdout,
            "mae": {n: s["mae"] for n, s in choice.scores.items()},
            "one_order_gone_over_a_year": int(gone.sum()), "their_median_p_alive": alive}


def _reorder(shop, as_of, truth) -> dict:
    lines = pd.DataFrame(
        [(o.company_key, line.sku, o.created_at, line.quantity, o.created_at.astimezone(TOKYO).date())
         for o in shop.orders if counted(o) for line in o.lines],
        columns=["account_id", "sku", "created_at", "quantity", "day"])
    calibration, after = lines[lines["day"] <= as_of], lines[lines["day"] > as_of]
    nxt = after.groupby(["account_id", "sku"])["day"].min()
    true_sku = {(c.key, sku): days for c in shop.companies for sku, days in c.regular_skus}
    out = {"min_purchases": 3}
    for per_unit in (True, False):
        skus = replenishment(calibration, as_of, tz="Asia/Tokyo", per_unit=per_unit)
        skus = skus[skus["purchases"] >= 3].set_index(["account_id", "sku"])
        both = skus.index.intersection(nxt.index)
        predicted = skus.loc[both, "next_reorder_on"].to_numpy("datetime64[D]")
        actual = nxt.loc[both].to_numpy("datetime64[D]")
        key = "per_unit" if per_unit else "per_occasion"
        regular = skus[[k in true_sku for k in skus.index]]
        out[key] = {
            "pairs_reordered": int(len(both)),
            "median_abs_error_days": _abs_days(_days(predicted, actual)),
            "interval_vs_true_sku_interval": {"pairs": int(len(regular)), **_ape(
                regular["typical_interval_days"], [true_sku[k] for k in regular.index])},
        }
        if per_unit:
            last = skus.loc[both, "last_purchase_at"].to_numpy("datetime64[D]")
            gap = np.rint(skus.loc[both, "interval_median_days"].to_numpy()).astype(np.int64)
            out["naive_last_plus_median_gap_median_abs_error_days"] = _abs_days(
                _days(last + gap.astype("timedelta64[D]"), actual))
            out["naive_median_gap_vs_true_sku_interval"] = _ape(
                regular["interval_median_days"], [true_sku[k] for k in regular.index])
    return out


def _print(report: dict) -> None:
    c = report["cdnow"]
    b, n, p = c["bgnbd"], c["naive_average_interval"], c["naive_average_interval_x0_pooled_rate"]
    print(f"(a) CDNOW 1/10 sample, {c['customers']} customers, BG/NBD params {c['params']}")
    print(f"    calibration check: sum x ours {c['calibration_check']['sum_x_ours']} vs published "
          f"{c['calibration_check']['sum_x_published']}, max |T diff| {c['calibration_check']['max_abs_T_diff_weeks']} wk")
    print(f"    39-week holdout: actual {b['actual_total']} repeat purchase occasions "
          f"({c['holdout_raw_transactions']} raw transactions, same-day merged)")
    print(f"    {'rule':<38}{'predicted':>10}{'MAE':>9}{'RMSE':>9}")
    for name, e in (("BG/NBD conditional expectation", b), ("MBG/NBD conditional expectation", c["mbgnbd"]),
                    ("Pareto/NBD conditional expectation", c["pareto_nbd"]),
                    ("naive average interval (x=0 -> 0)", n), ("naive, x=0 -> pooled rate x 39", p)):
        print(f"    {name:<38}{e['predicted_total']:>10.1f}{e['mae']:>9.3f}{e['rmse']:>9.3f}")
    print(f"    Pareto/NBD params {c['pareto_nbd']['params']} LL {c['pareto_nbd']['ll']}; "
          f"MBG/NBD params {c['mbgnbd']['params']} LL {c['mbgnbd']['ll']}")
    print(f"    model choice on these orders: {c['model_choice']['chosen']} — {c['model_choice']['reason']}")
    print(f"    {'x':>4}{'n':>6}{'actual':>9}{'BG/NBD':>9}{'MBG/NBD':>9}{'Pareto':>9}{'naive':>9}{'naive*':>9}"
          "   (mean per customer)")
    for row in c["by_frequency"]:
        print(f"    {row['x']!s:>4}{row['customers']:>6}{row['actual']:>9.3f}{row['bgnbd']:>9.3f}"
              f"{row['mbgnbd']:>9.3f}{row['pareto_nbd']:>9.3f}{row['naive']:>9.3f}{row['naive_x0_pooled']:>9.3f}")
    s = report["synthetic_b2b"]
    print(f"(b) synthetic B2B shop: {s['companies']} companies, {s['orders_counted']} counted orders, "
          f"calibration through {s['calibration_as_of']}, {s['holdout_days']}-day holdout")
    iv = s["interval_vs_truth"]
    print(f"    typical interval vs true_interval_days  {'n':>6}{'rhythm MdAPE':>14}{'<=25%':>7}{'bias':>8}"
          f"{'naive MdAPE':>13}{'<=25%':>7}{'bias':>8}")
    blocks = [("all with >= 1 interval", iv["all_with_an_interval"]), (">= 3 orders", iv["three_or_more_orders"])]
    blocks += [(f"  pattern {k}", v) for k, v in iv["by_pattern"].items()]
    for name, v in blocks:
        r, q = v["rhythm"], v["naive_mean_interval"]
        print(f"    {name:<40}{v['accounts']:>6}{r['median_abs_pct_error']:>13}%{r['share_within_25pct']:>7}"
              f"{r['median_signed_pct_error']:>7}%{q['median_abs_pct_error']:>12}%{q['share_within_25pct']:>7}"
              f"{q['median_signed_pct_error']:>7}%")
    nx = s["next_purchase_date"]
    print(f"    next purchase date ({nx['accounts']} of {nx['of_repeat_buyers']} repeat buyers ordered again), "
          f"median |error| days: rhythm {nx['rhythm_median_abs_error_days']}, last + mean interval "
          f"{nx['naive_last_plus_mean_interval_median_abs_error_days']}; clamped to after the cut: rhythm "
          f"{nx['rhythm_clamped_to_after_cut_median_abs_error_days']}, naive "
          f"{nx['naive_clamped_to_after_cut_median_abs_error_days']}")
    mc = s["model_choice"]
    print(f"    model choice: {mc['chosen']} — {mc['reason']}")
    print(f"    {mc['one_order_gone_over_a_year']} one-order companies gone > 1 year, median P(alive) by model: "
          f"{mc['their_median_p_alive']}")
    ro = s["reorder"]
    print(f"    per-SKU reorder (pairs with >= 3 purchases that were bought again), median |error| days: "
          f"replenishment per-unit {ro['per_unit']['median_abs_error_days']} ({ro['per_unit']['pairs_reordered']} pairs), "
          f"per-occasion {ro['per_occasion']['median_abs_error_days']}, naive last + median gap "
          f"{ro['naive_last_plus_median_gap_median_abs_error_days']}")
    print(f"    per-SKU interval vs true SKU interval (regular SKUs): per-unit {ro['per_unit']['interval_vs_true_sku_interval']}, "
          f"per-occasion {ro['per_occasion']['interval_vs_true_sku_interval']}, raw median gap "
          f"{ro['naive_median_gap_vs_true_sku_interval']}")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=3000, help="size of the synthetic B2B shop (b)")
    args = parser.parse_args(argv)
    report = {"cdnow": cdnow(), "synthetic_b2b": synthetic(companies=args.companies)}
    _print(report)
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    main()
