"""Purchase paths: product repeat, transitions with lift, drop-off, new vs repeat revenue."""

import numpy as np
import pandas as pd
import pytest

from saleor_ltv_plugin.engine.paths import (
    new_vs_repeat_revenue,
    next_product_transitions,
    product_repeat,
    repurchase_transitions,
    purchase_dropoff,
)
from saleor_ltv_plugin.engine.summary import summarize_orders

from .factories import orders


def lines(*rows):
    return pd.DataFrame(
        [{"account_id": a, "sku": s, "created_at": pd.Timestamp(d), "quantity": 1, "amount": m}
         for a, s, d, m in rows],
        columns=["account_id", "sku", "created_at", "quantity", "amount"],
    )


SHOP = lines(
    ("a", "TSHIRT", "2024-01-01", 10), ("a", "BOOTS", "2024-02-01", 50), ("a", "TSHIRT", "2024-03-01", 10),
    ("b", "TSHIRT", "2024-01-05", 10), ("b", "BOOTS", "2024-02-05", 50),
    ("c", "TSHIRT", "2024-01-07", 10),
    ("d", "CAP", "2024-01-02", 5), ("d", "CAP", "2024-01-02", 5), ("d", "TSHIRT", "2024-03-02", 10),
)


def test_product_repeat():
    table = product_repeat(SHOP).set_index("sku")
    tshirt = table.loc["TSHIRT"]
    assert (tshirt.buyers, tshirt.repeat_buyers) == (4, 1) and tshirt.repeat_rate == 0.25
    assert (tshirt.revenue, tshirt.repeat_revenue) == (50, 10)
    assert (tshirt.first_buyers, tshirt.first_buyers_returned) == (3, 2)
    assert tshirt.return_rate == pytest.approx(2 / 3)
    boots = table.loc["BOOTS"]
    assert boots.first_buyers == 0 and np.isnan(boots.return_rate)
    cap = table.loc["CAP"]
    assert cap.repeat_buyers == 0  # two lines on one day are one occasion
    assert list(product_repeat(SHOP)["sku"]) == ["TSHIRT", "BOOTS", "CAP"]
    assert tshirt.days_to_repurchase == 60 and np.isnan(boots.days_to_repurchase)  # a: 1 Jan → 1 Mar


def test_transitions_leave_repurchases_apart():
    shop = lines(("a", "X", "2024-01-01", 1), ("a", "X", "2024-02-01", 1), ("a", "Y", "2024-02-01", 1),
                 ("b", "X", "2024-01-01", 1), ("b", "X", "2024-03-01", 1))
    moves = next_product_transitions(shop)
    assert list(zip(moves.from_sku, moves.to_sku)) == [("X", "Y")]
    again = repurchase_transitions(shop)
    assert list(zip(again.from_sku, again.to_sku, again.accounts)) == [("X", "X", 2)]


def test_transitions_with_lift():
    table = next_product_transitions(SHOP)
    row = table[(table.from_sku == "TSHIRT") & (table.to_sku == "BOOTS")].iloc[0]
    # TSHIRT followed by a next occasion: a (twice), b → 2 accounts; both went to BOOTS.
    assert (row.accounts, row.from_accounts, row.confidence) == (2, 2, 1.0)
    # 3 accounts have a next occasion (a, b, d); BOOTS later for a, b → base 2/3.
    assert row.base_rate == pytest.approx(2 / 3) and row.lift == pytest.approx(1.5)
    assert len(next_product_transitions(SHOP, min_accounts=2)) == 1


def test_dropoff():
    summary = summarize_orders(orders(("a", "2024-01-01", 1), ("a", "2024-02-01", 1), ("a", "2024-03-01", 1),
                                      ("b", "2024-01-01", 1), ("b", "2024-02-01", 1), ("c", "2024-01-01", 1)))
    table = purchase_dropoff(summary, max_occasion=4)
    assert table["accounts"].tolist() == [3, 2, 1, 0]
    assert table["continued"].tolist() == [2, 1, 0, 0]
    assert table["dropoff_rate"].tolist()[:3] == pytest.approx([1 / 3, 0.5, 1.0])
    assert np.isnan(table["continue_rate"].iloc[3])


def test_new_vs_repeat_revenue():
    frame = orders(("a", "2024-01-01", 100), ("a", "2024-01-01", 20), ("a", "2024-02-10", 30),
                   ("b", "2024-02-11", 40), ("b", "2024-02-12", 5, "USD"))
    table = new_vs_repeat_revenue(frame)
    jan, feb_jpy, feb_usd = table.to_dict("records")
    assert (jan["new_revenue"], jan["repeat_revenue"], jan["new_accounts"]) == (120, 0, 1)
    assert (feb_jpy["new_revenue"], feb_jpy["repeat_revenue"]) == (40, 30)
    assert (feb_jpy["new_accounts"], feb_jpy["repeat_accounts"]) == (1, 1)
    assert feb_usd["new_revenue"] == 5  # b's first USD purchase is new in USD
    assert table["new_revenue"].sum() + table["repeat_revenue"].sum() == frame["amount"].sum()
    assert table["month"].tolist()[0] == pd.Timestamp("2024-01-01")


def test_empty_inputs():
    assert len(product_repeat(lines())) == 0
    assert len(next_product_transitions(lines())) == 0
    assert len(new_vs_repeat_revenue(orders())) == 0
    assert purchase_dropoff(summarize_orders(orders()), 3)["accounts"].tolist() == [0, 0, 0]
    single = lines(("a", "X", "2024-01-01", 1))
    assert len(next_product_transitions(single)) == 0


def _new_vs_repeat_by_groupby(frame: pd.DataFrame) -> pd.DataFrame:
    """The plain pandas statement of the split, as an oracle for the vectorised one."""
    frame = frame.assign(day=pd.to_datetime(frame["created_at"]).dt.floor("D"))
    first = frame.groupby(["account_id", "currency"])["day"].transform("min")
    frame = frame.assign(is_new=frame["day"] == first, month=frame["day"].dt.to_period("M").dt.to_timestamp())
    frame = frame.assign(new=frame["amount"].where(frame["is_new"], 0.0),
                         repeat=frame["amount"].where(~frame["is_new"], 0.0),
                         new_account=frame["account_id"].where(frame["is_new"]),
                         repeat_account=frame["account_id"].where(~frame["is_new"]))
    return frame.groupby(["month", "currency"]).agg(
        new_revenue=("new", "sum"), repeat_revenue=("repeat", "sum"),
        new_accounts=("new_account", "nunique"), repeat_accounts=("repeat_account", "nunique"),
    ).reset_index()


def test_new_vs_repeat_revenue_equals_a_groupby_on_random_orders():
    rng = np.random.default_rng(11)
    n = 5000
    frame = pd.DataFrame({
        "account_id": rng.integers(0, 400, n), "currency": rng.choice(["JPY", "USD"], n, p=[0.8, 0.2]),
        "created_at": np.datetime64("2023-01-01") + rng.integers(0, 700, n).astype("timedelta64[D]"),
        "amount": rng.integers(-50, 5000, n).astype(float),
    })
    ours = new_vs_repeat_revenue(frame.sample(frac=1.0, random_state=2))
    oracle = _new_vs_repeat_by_groupby(frame)
    assert len(ours) == len(oracle)
    for name in ("new_revenue", "repeat_revenue", "new_accounts", "repeat_accounts"):
        assert ours[name].tolist() == pytest.approx(oracle[name].tolist()), name
    assert ours["month"].tolist() == oracle["month"].tolist()
    assert ours["currency"].tolist() == oracle["currency"].tolist()
