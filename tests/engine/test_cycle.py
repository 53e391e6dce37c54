"""Purchase rhythm per account and replenishment per account × SKU."""

import numpy as np
import pandas as pd
import pytest

from saleor_ltv_plugin.engine.cycle import RhythmSettings, purchase_rhythm, replenishment
from saleor_ltv_plugin.engine.summary import summarize_orders

from .factories import orders


def every(account, start, gap, count, amount=1):
    first = pd.Timestamp(start)
    return [(account, first + pd.Timedelta(days=gap * k), amount) for k in range(count)]


def test_regular_buyer_keeps_own_rhythm_and_one_order_gets_the_prior():
    rows = every("weekly", "2024-01-01", 7, 30) + every("monthly", "2024-01-01", 30, 8)
    rows += [("once", "2024-06-01", 1)]
    summary = summarize_orders(orders(*rows), as_of="2024-08-01")
    rhythm = purchase_rhythm(summary).set_index(summary["account_id"])
    weekly = rhythm.loc["weekly"]
    # 29 own gaps of 7 days, prior = median of the account medians (7, 30) counting as 2 gaps.
    assert weekly.typical_interval_days == pytest.approx(7 * (18.5 / 7) ** (2 / 31), rel=1e-9)
    assert 7 < weekly.typical_interval_days < 8
    prior = np.median([7, 30])
    assert rhythm.loc["once", "typical_interval_days"] == pytest.approx(prior)
    assert rhythm.loc["once", "next_purchase_on"] == np.datetime64("2024-06-01") + np.timedelta64(
        int(round(prior)), "D")


def test_overdue_ratio_and_churn_flag():
    rows = every("a", "2024-01-01", 10, 10)  # last 2024-03-31
    summary = summarize_orders(orders(*rows), as_of="2024-04-20")  # 20 days later
    r = purchase_rhythm(summary, RhythmSettings(prior_weight=0.0)).iloc[0]
    assert r.typical_interval_days == pytest.approx(10)
    assert r.overdue_ratio == pytest.approx(2.0) and r.churn_risk
    assert r.days_until_next == pytest.approx(-10)
    relaxed = purchase_rhythm(summary, RhythmSettings(prior_weight=0.0, grace_factor=2.5)).iloc[0]
    assert not relaxed.churn_risk


def test_median_is_robust_to_one_long_gap():
    rows = every("a", "2024-01-01", 10, 6) + [("a", "2024-12-01", 1)]
    summary = summarize_orders(orders(*rows))
    assert summary.iloc[0].interval_median_days == 10


def test_segment_prior():
    rows = every("fast1", "2024-01-01", 5, 10) + every("slow1", "2024-01-01", 50, 4)
    rows += [("fast2", "2024-05-01", 1), ("slow2", "2024-05-01", 1)]
    summary = summarize_orders(orders(*rows))
    summary["segment"] = summary["account_id"].str[:4]
    rhythm = purchase_rhythm(summary, prior_by="segment").set_index(summary["account_id"])
    assert rhythm.loc["fast2", "typical_interval_days"] == pytest.approx(5)
    assert rhythm.loc["slow2", "typical_interval_days"] == pytest.approx(50)
    fixed = purchase_rhythm(summary, prior=14).set_index(summary["account_id"])
    assert fixed.loc["fast2", "typical_interval_days"] == pytest.approx(14)


def test_shop_without_repeaters_uses_the_fallback():
    summary = summarize_orders(orders(("a", "2024-01-01", 1), ("b", "2024-01-02", 1)))
    assert purchase_rhythm(summary)["typical_interval_days"].tolist() == pytest.approx([30, 30])


def test_empty_rhythm():
    assert len(purchase_rhythm(summarize_orders(orders()))) == 0


def lines(*rows):
    return pd.DataFrame(
        [{"account_id": a, "sku": s, "created_at": pd.Timestamp(d), "quantity": q} for a, s, d, q in rows],
        columns=["account_id", "sku", "created_at", "quantity"],
    )


def test_replenishment_scales_with_quantity():
    rows = [("a", "TONER", "2024-01-01", 1), ("a", "TONER", "2024-01-31", 2), ("a", "TONER", "2024-04-01", 1),
            ("a", "TONER", "2024-05-01", 2), ("a", "PAPER", "2024-02-01", 5)]
    result = replenishment(lines(*rows), as_of="2024-05-11",
                           settings=RhythmSettings(prior_weight=0.0)).set_index("sku")
    toner = result.loc["TONER"]
    # gaps per unit: 30/1, 61/2, 30/1 → median 30 days per box; last order was 2 boxes.
    assert toner.purchases == 4 and toner.last_quantity == 2
    assert toner.typical_interval_days == pytest.approx(60)
    assert toner.next_reorder_on == pd.Timestamp("2024-06-30")
    assert toner.overdue_ratio == pytest.approx(10 / 60)
    paper = result.loc["PAPER"]  # no gap of its own or of its SKU: shop prior (30/unit) × 5
    assert paper.interval_count == 0 and paper.typical_interval_days == pytest.approx(150)


def test_replenishment_without_quantity_scaling_and_same_day_lines():
    rows = [("a", "X", "2024-01-01", 1), ("a", "X", "2024-01-01", 3), ("a", "X", "2024-01-11", 1)]
    result = replenishment(lines(*rows), per_unit=False, settings=RhythmSettings(prior_weight=0.0))
    row = result.iloc[0]
    assert row.purchases == 2 and row.typical_interval_days == pytest.approx(10)


def test_a_few_accounts_rescored_with_the_full_runs_priors_equal_its_rows():
    rng = np.random.default_rng(7)
    rows = []
    for account in range(60):
        for sku in ("TONER", "PAPER", "INK")[: 1 + account % 3]:
            day = pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(rng.integers(0, 30)))
            for _ in range(int(rng.integers(1, 6))):
                rows.append((account, sku, day, int(rng.integers(1, 4))))
                day += pd.Timedelta(days=int(rng.integers(10, 90)))
    rows.append((99, "RARE", pd.Timestamp("2024-03-01"), 1))  # a SKU nobody repeated: the shop's prior
    everyone = lines(*rows)
    full = replenishment(everyone, as_of="2025-01-01")
    priors = full.attrs["priors"]
    assert "RARE" not in priors.by_sku and set(priors.by_sku) == {"TONER", "PAPER", "INK"}
    few = [3, 17, 42, 99]
    alone = replenishment(everyone[everyone["account_id"].isin(few)], as_of="2025-01-01",
                          priors=type(priors).from_dict(priors.to_dict()))  # as stored: through JSON
    expected = full[full["account_id"].isin(few)].reset_index(drop=True)
    pd.testing.assert_frame_equal(alone.reset_index(drop=True), expected)
    # without the priors the four accounts alone would learn other ones: the rows differ
    assert not replenishment(everyone[everyone["account_id"].isin(few)], as_of="2025-01-01").equals(expected)


def test_replenishment_empty_and_future_lines():
    assert len(replenishment(lines())) == 0
    assert len(replenishment(lines(("a", "X", "2024-02-01", 1)), as_of="2024-01-01")) == 0


def test_typical_interval_is_the_mean_of_gaps_clipped_around_the_median():
    gaps = [10, 12, 8, 11, 9, 100]  # one long pause
    days = pd.Timestamp("2025-01-01") + pd.to_timedelta(np.r_[0, np.cumsum(gaps)], unit="D")
    orders = pd.DataFrame({"account_id": 1, "created_at": days, "amount": 1.0, "currency": "JPY"})
    row = summarize_orders(orders, days[-1]).iloc[0]
    median = float(np.median(gaps))
    expected = np.mean(np.clip(gaps, median / 2.5, median * 2.5))
    assert row.interval_median_days == median == 10.5
    assert row.interval_typical_days == pytest.approx(expected)  # 100 counts as 26.25
    assert row.interval_mean_days == pytest.approx(np.mean(gaps))


def test_typical_interval_is_unbiased_where_the_median_is_not():
    rng = np.random.default_rng(3)
    rows = []
    for account in range(400):
        day = 0
        for gap in rng.gamma(4.0, 30.0 / 4.0, 15):  # true mean interval 30 days, CV 0.5
            day += max(1, int(round(gap)))
            rows.append((account, day))
    frame = pd.DataFrame(rows, columns=["account_id", "day"])
    frame["created_at"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(frame.pop("day"), unit="D")
    frame["amount"], frame["currency"] = 1.0, "JPY"
    summary = summarize_orders(frame)
    assert abs(summary["interval_typical_days"].median() / 30 - 1) < 0.04
    assert summary["interval_median_days"].median() / 30 < 0.95  # the median reads short
