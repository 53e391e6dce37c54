"""RFM scores, tie policy, segments and the 7 ranks."""

import numpy as np
import pytest

from saleor_ltv_plugin.engine.rfm import (
    RANK_OF_SEGMENT,
    SEGMENT_GRID,
    SEGMENTS,
    RfmSettings,
    fixed_scores,
    quantile_scores,
    rfm_scores,
    segment_of,
)
from saleor_ltv_plugin.engine.summary import summarize_orders

from .factories import orders


def test_quantile_scores_spread_distinct_values():
    assert list(quantile_scores(np.arange(10))) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert list(quantile_scores(np.arange(10), higher_is_better=False)) == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]


def test_equal_values_get_equal_scores():
    values = np.array([5, 1, 5, 3, 5, 5, 2])
    scores = quantile_scores(values)
    assert len(set(scores[values == 5])) == 1


def test_a_quarter_at_one_order_does_not_collapse_f():
    frequency = np.r_[np.ones(25), np.arange(2, 77)]
    scores = quantile_scores(frequency)
    assert set(scores[frequency == 1]) == {1}
    assert set(scores) == {1, 2, 3, 4, 5}
    # Even most accounts at 1 order: they share score 1 and the rest still differ.
    heavy = np.r_[np.ones(70), np.full(20, 2), np.full(10, 3)]
    assert sorted(set(quantile_scores(heavy))) == [1, 4, 5]


def test_all_equal_values_score_one():
    assert set(quantile_scores(np.full(7, 3.0))) == {1}
    assert len(quantile_scores(np.array([]))) == 0


def test_fixed_scores():
    assert list(fixed_scores([1, 2, 3, 4, 5, 9, 10, 50], (2, 3, 5, 10))) == [1, 2, 3, 3, 4, 4, 5, 5]
    days = [0, 30, 31, 90, 91, 365, 366, 1000]
    assert list(fixed_scores(days, (31, 91, 181, 366), higher_is_better=False)) == [5, 5, 4, 4, 3, 2, 1, 1]
    with pytest.raises(ValueError):
        fixed_scores([1], (3, 2, 1, 0))


def test_segment_grid_covers_every_segment_and_rank():
    assert {s for row in SEGMENT_GRID for s in row} == set(SEGMENTS)
    assert set(RANK_OF_SEGMENT.values()) == set(range(1, 8))
    assert segment_of(5, 5) == "champions" and segment_of(1, 1) == "lost"
    assert segment_of(5, 1) == "new" and segment_of(1, 5) == "cant_lose"


def test_rfm_scores_on_a_shop():
    rows = []
    for i in range(50):
        for k in range(1 + i % 7):
            rows.append((f"a{i}", f"2024-{1 + (i + k) % 12:02d}-{1 + k:02d}", 1000 * (1 + i % 5)))
    summary = summarize_orders(orders(*rows), as_of="2025-01-01")
    scores = rfm_scores(summary)
    assert list(scores.index) == list(summary.index)
    for column in ("r_score", "f_score", "m_score", "fm_score"):
        assert scores[column].between(1, 5).all()
    assert scores["rfm_rank"].between(1, 7).all()
    assert set(scores["rfm_segment"]) <= set(SEGMENTS)
    assert scores["rfm_segment_ja"].notna().all() and scores["rfm_rank_ja"].str.len().gt(0).all()
    # Default F is fixed (2, 3, 5, 10): one order → 1, seven orders → 4.
    f_of = dict(zip(summary["frequency"], scores["f_score"]))
    assert f_of[1] == 1 and f_of[7] == 4


def test_scores_are_per_currency():
    summary = summarize_orders(orders(
        ("a", "2024-01-01", 100, "USD"), ("b", "2024-01-01", 200, "USD"),
        ("c", "2024-01-01", 10_000, "JPY"), ("d", "2024-01-01", 20_000, "JPY"),
    ))
    m = dict(zip(summary["account_id"], rfm_scores(summary)["m_score"]))
    assert m["a"] == m["c"] and m["b"] == m["d"] and m["b"] > m["a"]


def test_fixed_m_bounds_per_currency_and_fallback():
    summary = summarize_orders(orders(("a", "2024-01-01", 100, "USD"), ("b", "2024-01-01", 50_000, "JPY"),
                                      ("c", "2024-01-01", 1, "EUR"), ("d", "2024-01-01", 2, "EUR")))
    settings = RfmSettings(m_method="fixed", m_bounds={"USD": (10, 50, 90, 500), "JPY": (1e3, 5e3, 1e4, 4e4)})
    m = dict(zip(summary["account_id"], rfm_scores(summary, settings)["m_score"]))
    assert (m["a"], m["b"]) == (4, 5)
    assert (m["c"], m["d"]) == (1, 3)  # EUR has no bounds: quantile


def test_settings_are_validated():
    with pytest.raises(ValueError):
        RfmSettings(r_method="median")
    with pytest.raises(ValueError):
        RfmSettings(m_method="fixed")


def test_empty_summary():
    empty = summarize_orders(orders())
    scores = rfm_scores(empty)
    assert len(scores) == 0 and "rfm_segment" in scores
