"""CPM: ten cells, LTV-Lab default bounds, proposals from the shop's distribution."""

import pandas as pd
import pytest

from saleor_ltv_plugin.engine.cpm import CELL_LABELS_JA, CELLS, CpmBounds, cpm_cells, propose_bounds
from saleor_ltv_plugin.engine.summary import summarize_orders

from .factories import orders


def cell_of(*rows, as_of="2024-12-31", bounds=None):
    summary = summarize_orders(orders(*rows), as_of=as_of)
    return cpm_cells(summary, bounds)["cpm_cell"].iloc[0]


def test_ten_cells_with_japanese_labels():
    assert len(CELLS) == 10 and len(set(CELLS)) == 10
    assert CELL_LABELS_JA["excellent_active"] == "優良現役客"
    assert CELL_LABELS_JA["first_lapsed"] == "初回離脱客"
    assert CELL_LABELS_JA["toddler_active"] == "よちよち現役客"


def test_each_group_by_default_bounds():
    assert cell_of(("a", "2024-12-01", 500)) == "first_active"
    assert cell_of(("a", "2024-01-01", 500)) == "first_lapsed"  # 365 days ≥ 240
    assert cell_of(("a", "2024-11-01", 100_000), ("a", "2024-12-01", 1)) == "toddler_active"
    assert cell_of(("a", "2024-01-01", 10), ("a", "2024-12-01", 10)) == "steady_active"
    assert cell_of(("a", "2024-06-01", 60_000), ("a", "2024-12-01", 10_000)) == "trendy_active"
    assert cell_of(("a", "2024-01-01", 60_000), ("a", "2024-12-01", 10_000)) == "excellent_active"
    assert cell_of(("a", "2022-01-01", 60_000), ("a", "2023-12-01", 10_000)) == "excellent_lapsed"


def test_lapsed_boundary_is_exact():
    # recency 239 → active, 240 → lapsed.
    assert cell_of(("a", "2024-05-06", 1), as_of="2024-12-31").endswith("active")
    assert cell_of(("a", "2024-05-05", 1), as_of="2024-12-31").endswith("lapsed")


def test_spend_bound_per_currency_and_proposal_fallback():
    frame = orders(("a", "2024-01-01", 600, "USD"), ("a", "2024-12-01", 100, "USD"),
                   ("b", "2024-01-01", 10, "USD"), ("b", "2024-12-01", 10, "USD"))
    summary = summarize_orders(frame, as_of="2024-12-31")
    by_bound = cpm_cells(summary, CpmBounds(high_spend={"USD": 500}))["cpm_cell"].tolist()
    assert by_bound == ["excellent_active", "steady_active"]
    proposed = cpm_cells(summary)["cpm_cell"].tolist()  # no USD bound: from the shop's own data
    assert proposed[0] in ("excellent_active", "steady_active") and proposed[1] == "steady_active"
    assert cpm_cells(summary, CpmBounds(high_spend=5))["cpm_group"].tolist() == ["excellent", "excellent"]


def test_propose_bounds_from_distribution():
    rows = []
    for i in range(100):
        gap = 10 + i
        rows += [(f"a{i}", pd.Timestamp("2023-01-01") + pd.Timedelta(days=k * gap), 1000 * (i + 1))
                 for k in range(1 + i % 5)]
    summary = summarize_orders(orders(*rows))
    bounds = propose_bounds(summary)
    assert bounds.lapsed_after_days >= 60 and bounds.lapsed_after_days % 30 == 0
    assert bounds.toddler_max_tenure_days < bounds.excellent_min_tenure_days
    spend = bounds.spend_bound("JPY")
    repeat = summary.loc[summary["frequency"] > 1, "monetary"]
    assert (repeat >= spend).mean() == pytest.approx(0.2, abs=0.05)
    cells = cpm_cells(summary, bounds)
    assert cells["cpm_cell"].nunique() >= 4


def test_propose_bounds_without_repeat_buyers_keeps_defaults():
    summary = summarize_orders(orders(("a", "2024-01-01", 5)))
    assert propose_bounds(summary) == CpmBounds()


def test_empty():
    assert len(cpm_cells(summarize_orders(orders()))) == 0
