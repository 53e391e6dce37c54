"""The analyses' engine functions on hand-made rows: the edges the demo shop does not reach."""

import numpy as np
import pandas as pd
import pytest

from saleor_ltv_plugin.engine import buying_patterns, cohorts, crosstab, rfmi


def orders(*rows):
    frame = pd.DataFrame(rows, columns=["account_id", "local_time", "amount", "sales_source"])
    frame["local_time"] = pd.to_datetime(frame["local_time"])
    frame["day"] = frame["local_time"].to_numpy().astype("datetime64[D]")
    return frame


SHOP = orders(("a", "2024-01-05 09:30", 1000, "own_shop"), ("a", "2024-03-01 23:59", 500, "own_shop"),
              ("b", "2024-01-20 10:00", 200, "rakuten"), ("b", "2024-01-20 15:00", 300, "own_shop"),
              ("c", "2024-02-10 09:00", 12_345, "own_shop"))


def test_cohorts_fill_empty_months_and_follow_the_acquisition_source():
    table = cohorts.cohort_table(SHOP, as_of="2024-04-15")
    jan = table[table.cohort == "2024-01"].set_index("months_since")
    assert list(jan.index) == [0, 1, 2, 3] and jan.loc[1, "active_accounts"] == 0
    assert jan.loc[2, "retention"] == 0.5 and jan.loc[3, "cumulative_ltv"] == pytest.approx((1500 + 500) / 2)
    rakuten = cohorts.cohort_table(SHOP, acquired_via="rakuten")
    assert set(rakuten.cohort) == {"2024-01"} and rakuten.iloc[0]["revenue"] == 500  # b's own-shop order too
    assert rakuten.months_since.max() == 2  # up to the shop's last month (March), not b's
    assert cohorts.cohort_table(SHOP.iloc[0:0]).empty


def test_buying_patterns_on_the_edges():
    grid = buying_patterns.hour_weekday(SHOP).set_index(["weekday", "hour"])
    assert len(grid) == 168 and grid.loc[(4, 9), "orders"] == 1 and grid.loc[(4, 23), "orders"] == 1  # Fri 5 Jan
    assert buying_patterns._round_nice(12_345) == 12_000 and buying_patterns._round_nice(987) == 990
    bands = buying_patterns.price_bands(SHOP, [250, 1000])
    assert bands["orders"].tolist() == [2, 2] and np.isnan(bands["high"].iloc[-1])  # 200 is below every band
    per_month = buying_patterns.purchases_per_month(SHOP).set_index("purchases")
    assert per_month.loc[1, "account_months"] == 4  # b's two orders on one day are one purchase
    assert buying_patterns.propose_bands([]) == [0.0]
    assert buying_patterns.purchases_per_month(SHOP.iloc[0:0]).empty


def test_crosstab_and_rfmi_on_few_accounts():
    accounts = pd.DataFrame({"stage": ["new", "new", "loyal"], "cpm_cell": ["x", "x", "y"], "monetary": [10, 30, 90],
                             "frequency": [1, 3, 9], "r_score": [5, 4, 1], "f_score": [1, 2, 5], "m_score": [1, 2, 5],
                             "tenure_days": [0, 60, 80]})
    table = crosstab.crosstab(accounts, "stage", "cpm_cell", "aov").set_index(["x", "y"])
    assert table.loc[("new", "x"), "value"] == 10 and table.loc[("loyal", "y"), "orders_per_account"] == 9
    with pytest.raises(ValueError):
        crosstab.crosstab(accounts, "stage", "cpm_cell", "profit")
    cells, bounds = rfmi.rfmi(accounts)
    # intervals: none, 30, 10 days → the 10-day account scores higher than the 30-day one
    scores = dict(zip(cells.r_score, cells.i_score))
    assert scores[5] == 0 and scores[1] > scores[4]
    assert set(bounds.i_score) == {0, scores[4], scores[1]}
