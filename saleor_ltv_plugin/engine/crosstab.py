"""Two account dimensions × a measure (クロス集計): accounts, revenue, AOV, orders per account.

Input: one row per account with the dimension columns, ``monetary`` (spend, one currency) and
``frequency`` (purchase occasions). AOV = spend ÷ occasions, as the account metrics define it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MEASURES = ("accounts", "revenue", "aov", "orders_per_account")
COLUMNS = ["x", "y", "accounts", "revenue", "orders", "aov", "orders_per_account", "value"]


def crosstab(accounts: pd.DataFrame, x: str, y: str, measure: str = "accounts") -> pd.DataFrame:
    """One row per non-empty (x, y) pair, sorted by x then y; ``value`` is the chosen measure."""
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}")
    if len(accounts) == 0:
        return pd.DataFrame(columns=COLUMNS)
    frame = pd.DataFrame({"x": accounts[x].astype(str).to_numpy(), "y": accounts[y].astype(str).to_numpy(),
                          "revenue": pd.to_numeric(accounts["monetary"]).astype(np.float64).to_numpy(),
                          "orders": accounts["frequency"].astype(np.int64).to_numpy()})
    out = frame.groupby(["x", "y"]).agg(accounts=("orders", "size"), revenue=("revenue", "sum"),
                                        orders=("orders", "sum")).reset_index()
    out["aov"] = out["revenue"] / out["orders"].where(out["orders"] > 0)
    out["orders_per_account"] = out["orders"] / out["accounts"]
    out["value"] = out[measure]
    return out[COLUMNS]
