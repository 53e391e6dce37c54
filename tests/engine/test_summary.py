"""Summary: R/F/M, tenure, intervals, BG/NBD inputs; CDNOW rebuilt from its transactions."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from saleor_ltv_plugin.engine.summary import SUMMARY_COLUMNS, bgnbd_inputs, summarize_orders

from .factories import orders


def one(summary, account, currency=None):
    rows = summary[summary["account_id"] == account]
    if currency is not None:
        rows = rows[rows["currency"] == currency]
    assert len(rows) == 1
    return rows.iloc[0]


def test_cdnow_summary_rebuilt_from_transactions(cdnow_transactions, cdnow_summary):
    summary = summarize_orders(cdnow_transactions, as_of=dt.date(1997, 9, 30))
    ours = bgnbd_inputs(summary, unit="weeks")
    published = cdnow_summary.merge(ours, left_on="ID", right_on="account_id", how="outer",
                                     suffixes=("_published", ""))
    assert len(ours) == 2357 and len(published) == 2357
    assert (published["x"] == published["frequency"]).all()
    # The published file rounds to 0.01 week.
    np.testing.assert_allclose(published["recency"], published["t_x"], atol=0.006)
    np.testing.assert_allclose(published["T"], published["T_published"], atol=0.006)
    np.testing.assert_allclose(published["monetary_value"], published["zbar"], atol=0.006)


def test_basic_figures():
    frame = orders(
        ("a", "2024-01-01", 100), ("a", "2024-01-11", 50), ("a", "2024-01-31", 30),
        ("b", "2024-01-20", 10),
    )
    s = summarize_orders(frame, as_of="2024-02-10")
    a = one(s, "a")
    assert (a.frequency, a.orders, a.recency_days, a.tenure_days, a.age_days) == (3, 3, 10, 30, 40)
    assert a.monetary == 180 and a.average_order_value == 60
    assert a.repeat_average_value == 40
    assert (a.interval_count, a.interval_median_days, a.interval_mean_days) == (2, 15.0, 15.0)
    assert a.interval_std_days == pytest.approx(np.std([10, 20], ddof=1))
    assert a.first_purchase_at == pd.Timestamp("2024-01-01")
    assert a.last_purchase_at == pd.Timestamp("2024-01-31")
    b = one(s, "b")
    assert (b.frequency, b.interval_count, b.recency_days) == (1, 0, 21)
    assert np.isnan(b.interval_median_days) and b.repeat_average_value == 0
    assert list(s.columns) == SUMMARY_COLUMNS
    assert s.attrs["as_of"] == np.datetime64("2024-02-10")


def test_same_day_orders_merge_into_one_occasion():
    frame = orders(("a", "2024-01-01 09:00", 10), ("a", "2024-01-01 17:00", 20), ("a", "2024-01-05", 5))
    merged = one(summarize_orders(frame), "a")
    assert (merged.frequency, merged.orders, merged.monetary) == (2, 3, 35)
    assert merged.repeat_average_value == 5 and merged.interval_median_days == 4
    separate = one(summarize_orders(frame, merge_same_day=False), "a")
    assert (separate.frequency, separate.orders) == (3, 3)
    assert separate.interval_median_days == 2  # gaps 0 (same day) and 4 days


def test_empty_input_gives_empty_frame_with_columns():
    empty = summarize_orders(orders())
    assert list(empty.columns) == SUMMARY_COLUMNS and len(empty) == 0
    assert len(bgnbd_inputs(empty)) == 0


def test_one_order():
    s = summarize_orders(orders(("a", "2024-03-01", 99)))
    a = one(s, "a")
    assert (a.frequency, a.recency_days, a.tenure_days, a.age_days, a.monetary) == (1, 0, 0, 0, 99)


def test_all_orders_on_one_day():
    frame = orders(*[(f"acc{i % 3}", "2024-05-05", 10) for i in range(9)])
    s = summarize_orders(frame)
    assert (s["frequency"] == 1).all() and (s["orders"] == 3).all()
    assert (s["recency_days"] == 0).all() and (s["monetary"] == 30).all()


def test_zero_and_negative_amounts_still_count_as_purchases():
    frame = orders(("a", "2024-01-01", 0), ("a", "2024-01-02", -40), ("a", "2024-01-03", 10))
    a = one(summarize_orders(frame), "a")
    assert a.frequency == 3 and a.monetary == -30 and a.average_order_value == -10


def test_several_currencies_are_separate_rows():
    frame = orders(("a", "2024-01-01", 1000, "JPY"), ("a", "2024-01-02", 10, "USD"),
                   ("a", "2024-01-03", 500, "JPY"))
    s = summarize_orders(frame)
    assert list(s["currency"]) == ["JPY", "USD"]
    assert one(s, "a", "JPY").monetary == 1500 and one(s, "a", "USD").monetary == 10


def test_tz_aware_dates_use_the_shop_day():
    utc = pd.Timestamp("2024-01-01 16:00", tz="UTC")  # 01:00 on 2 Jan in Tokyo
    frame = pd.DataFrame({"account_id": ["a", "a"], "currency": "JPY", "amount": [1, 1],
                          "created_at": [utc, utc + pd.Timedelta(hours=10)]})
    in_utc = one(summarize_orders(frame), "a")
    assert in_utc.frequency == 2  # 1 Jan and 2 Jan in UTC
    tokyo = one(summarize_orders(frame, tz="Asia/Tokyo"), "a")
    assert tokyo.frequency == 1 and tokyo.first_purchase_at == pd.Timestamp("2024-01-02")


def test_mixed_offsets_and_python_dates_are_accepted():
    frame = pd.DataFrame({
        "account_id": ["a", "a", "b"], "currency": "JPY", "amount": [1, 2, 3],
        "created_at": [dt.datetime(2024, 1, 1, 23, tzinfo=dt.timezone(dt.timedelta(hours=9))),
                       dt.datetime(2024, 1, 3, 1, tzinfo=dt.timezone.utc), dt.date(2024, 1, 2)],
    })
    s = summarize_orders(frame, tz="Asia/Tokyo")
    assert one(s, "a").tenure_days == 2 and one(s, "b").first_purchase_at == pd.Timestamp("2024-01-02")


def test_as_of_before_first_order_leaves_the_account_out():
    frame = orders(("a", "2024-01-01", 10), ("a", "2024-03-01", 10), ("b", "2024-02-01", 10))
    s = summarize_orders(frame, as_of="2024-01-15")
    assert list(s["account_id"]) == ["a"]  # b had not bought yet; a's March order is later
    assert one(s, "a").frequency == 1 and one(s, "a").recency_days == 14
    assert len(summarize_orders(frame, as_of="2023-12-31")) == 0


def test_missing_values():
    frame = orders(("a", "2024-01-01", 10), ("a", "2024-01-02", None), (None, "2024-01-02", 5))
    frame.loc[3] = ["b", pd.NaT, 5, "JPY"]
    s = summarize_orders(frame)
    assert list(s["account_id"]) == ["a"]
    assert one(s, "a").monetary == 10 and one(s, "a").frequency == 2


def test_decimal_amounts_and_integer_ids():
    from decimal import Decimal

    frame = orders((7, "2024-01-01", Decimal("10.50")), (7, "2024-01-09", Decimal("0.25")))
    a = one(summarize_orders(frame), 7)
    assert a.monetary == pytest.approx(10.75)


def test_bgnbd_inputs_in_days_and_weeks():
    frame = orders(("a", "2024-01-01", 10), ("a", "2024-01-15", 30), ("a", "2024-01-29", 50))
    s = summarize_orders(frame, as_of="2024-02-12")
    days = bgnbd_inputs(s).iloc[0]
    weeks = bgnbd_inputs(s, "weeks").iloc[0]
    assert (days.frequency, days.recency, days["T"], days.monetary_value) == (2, 28, 42, 40)
    assert (weeks.recency, weeks["T"]) == (4, 6)
