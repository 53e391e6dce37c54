"""Lifecycle stages (seed 004 thresholds) and their precedence."""

import pytest

from saleor_ltv_plugin.engine.lifecycle import STAGES, LifecycleThresholds, lifecycle_stages
from saleor_ltv_plugin.engine.summary import summarize_orders

from .factories import orders

AS_OF = "2024-12-31"


def stage(*rows, thresholds=None):
    return lifecycle_stages(summarize_orders(orders(*rows), as_of=AS_OF), thresholds)["stage"].iloc[0]


def days_before(n):
    import pandas as pd

    return (pd.Timestamp(AS_OF) - pd.Timedelta(days=n)).strftime("%Y-%m-%d")


def test_new_until_120_days_then_dormant():
    assert stage(("a", days_before(0), 1)) == "new"
    assert stage(("a", days_before(120), 1)) == "new"
    assert stage(("a", days_before(121), 1)) == "dormant"


def test_repeat_stages():
    assert stage(("a", days_before(200), 1), ("a", days_before(10), 1)) == "first_repeat"
    assert stage(*[("a", days_before(d), 1) for d in (300, 200, 10)]) == "repeat"
    five_repeats = [("a", days_before(d), 1) for d in (600, 500, 400, 300, 200, 120)]
    assert stage(*five_repeats) == "loyal"
    assert stage(*[("a", days_before(d), 1) for d in (500, 400, 300, 200, 10)]) == "repeat"  # 4 repeats


def test_dormant_and_lost_boundaries_override_loyalty():
    loyal_history = [("a", days_before(d), 1) for d in (900, 800, 700, 600, 500)]
    assert stage(*loyal_history, ("a", days_before(360), 1)) == "dormant"
    assert stage(*loyal_history, ("a", days_before(361), 1)) == "lost"
    assert stage(("a", days_before(121), 1), ("a", days_before(121), 1)) == "dormant"


def test_prospects_are_registered_accounts_without_purchases():
    summary = summarize_orders(orders(("a", AS_OF, 1)), as_of=AS_OF)
    frame = lifecycle_stages(summary, registered_account_ids=["z", "a", "y", "z"])
    assert frame[["account_id", "stage"]].values.tolist() == [["a", "new"], ["y", "prospect"], ["z", "prospect"]]
    assert frame["stage_ja"].tolist() == ["新規顧客", "見込み客", "見込み客"]
    assert frame["currency"].tolist()[1:] == [None, None]


def test_thresholds_are_configurable_and_validated():
    custom = LifecycleThresholds(new_customer_days=30, dormant_after_days=60, lost_after_days=90,
                                 loyal_min_repeats=2)
    assert stage(("a", days_before(40), 1), thresholds=custom) == "dormant"
    assert stage(*[("a", days_before(d), 1) for d in (50, 40, 30)], thresholds=custom) == "loyal"
    with pytest.raises(ValueError):
        LifecycleThresholds(dormant_after_days=400, lost_after_days=361)


def test_empty_and_only_prospects():
    empty = summarize_orders(orders())
    assert len(lifecycle_stages(empty)) == 0
    frame = lifecycle_stages(empty, registered_account_ids=[3, 1])
    assert frame["stage"].tolist() == ["prospect", "prospect"] and set(frame["stage"]) <= set(STAGES)
