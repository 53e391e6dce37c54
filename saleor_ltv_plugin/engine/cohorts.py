"""Monthly first-purchase cohorts × months since (seed 003: LTV by acquisition source).

Input: counted orders with ``account_id``, ``day`` (datetime64[D], shop-local), ``amount``
(one currency) and optionally ``sales_source``. An account's cohort is the month of its first
purchase; ``months_since`` = 0 for that month, 1 for the next, … up to the ``as_of`` month.
The acquisition source is the ``sales_source`` of the account's first order (the earliest;
ties: the first in input order): filtering by it keeps those accounts with all their orders.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

COLUMNS = ["cohort", "months_since", "cohort_accounts", "active_accounts", "retention", "revenue",
           "revenue_per_account", "cumulative_ltv"]


def acquisition_source(orders: pd.DataFrame) -> pd.Series:
    """Per account: the sales source of its first order (by ``local_time`` where given, else ``day``)."""
    first = orders.sort_values("local_time" if "local_time" in orders else "day", kind="stable")
    first = first.drop_duplicates("account_id")
    return first.set_index("account_id")["sales_source"]


def cohort_table(orders: pd.DataFrame, *, as_of=None, acquired_via: str | None = None,
                 max_months: int = 36) -> pd.DataFrame:
    """One row per (cohort, months_since) from the cohort's month to the ``as_of`` month
    (default: the last order's), at most ``max_months`` + 1 columns; empty months included.

    * ``cohort_accounts`` accounts whose first purchase fell in the cohort month;
    * ``active_accounts`` those that bought in month ``months_since``; ``retention`` its share;
    * ``revenue`` what the cohort spent that month; ``revenue_per_account`` ÷ cohort_accounts;
    * ``cumulative_ltv`` revenue per account summed from month 0 to this one.
    """
    if as_of is None and len(orders):  # the shop's last order month, also for one source's accounts
        as_of = orders["day"].max()
    if acquired_via is not None and len(orders):
        source = acquisition_source(orders)
        orders = orders[orders["account_id"].map(source).to_numpy() == acquired_via]
    if len(orders) == 0:
        return pd.DataFrame(columns=COLUMNS)
    month = orders["day"].to_numpy().astype("datetime64[M]").astype(np.int64)
    account = orders["account_id"].to_numpy()
    frame = pd.DataFrame({"account_id": account, "month": month,
                          "amount": pd.to_numeric(orders["amount"], errors="coerce").fillna(0.0).to_numpy()})
    frame["cohort"] = frame.groupby("account_id")["month"].transform("min")
    frame["months_since"] = frame["month"] - frame["cohort"]
    last = int(np.datetime64(as_of, "M").astype(np.int64))
    frame = frame[(frame["months_since"] <= max_months) & (frame["month"] <= last)]
    sizes = frame.drop_duplicates("account_id").groupby("cohort").size()
    active = frame.drop_duplicates(["account_id", "month"]).groupby(["cohort", "months_since"]).size()
    revenue = frame.groupby(["cohort", "months_since"])["amount"].sum()
    grid = [(c, k) for c in sizes.index for k in range(0, min(last - c, max_months) + 1)]
    index = pd.MultiIndex.from_tuples(grid, names=["cohort", "months_since"])
    out = pd.DataFrame(index=index)
    out["cohort_accounts"] = sizes.reindex(index.get_level_values(0)).to_numpy()
    out["active_accounts"] = active.reindex(index, fill_value=0).to_numpy()
    out["revenue"] = revenue.reindex(index, fill_value=0.0).to_numpy()
    out = out.reset_index()
    out["retention"] = out["active_accounts"] / out["cohort_accounts"]
    out["revenue_per_account"] = out["revenue"] / out["cohort_accounts"]
    out["cumulative_ltv"] = out.groupby("cohort")["revenue_per_account"].cumsum()
    out["cohort"] = out["cohort"].to_numpy().astype("datetime64[M]").astype(str)
    return out[COLUMNS]
