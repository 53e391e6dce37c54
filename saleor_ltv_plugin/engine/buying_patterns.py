"""When, at what price and how often a month accounts buy (seed 001: どの時間帯に / どのくらいの
価格帯で / 月に何回).

Input: counted orders with ``account_id``, ``local_time`` (datetime64, shop time), ``amount``
(one currency). Hours and weekdays are the shop's; weekday 0 = Monday … 6 = Sunday.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

HOUR_COLUMNS = ["weekday", "hour", "orders", "revenue"]
BAND_COLUMNS = ["band", "low", "high", "orders", "accounts", "revenue", "order_share"]
PER_MONTH_COLUMNS = ["purchases", "account_months", "accounts", "share"]
MAX_BANDS = 20


def hour_weekday(orders: pd.DataFrame) -> pd.DataFrame:
    """The full 7 × 24 grid of orders and revenue by weekday and hour (empty cells as 0)."""
    stamp = pd.DatetimeIndex(orders["local_time"]) if len(orders) else pd.DatetimeIndex([])
    cell = np.asarray(stamp.day_of_week, np.int64) * 24 + np.asarray(stamp.hour, np.int64)
    amount = pd.to_numeric(orders["amount"], errors="coerce").fillna(0.0).to_numpy(np.float64) \
        if len(orders) else np.zeros(0)
    counts = np.bincount(cell, minlength=168)
    revenue = np.bincount(cell, weights=amount, minlength=168)
    cells = np.arange(168)
    return pd.DataFrame({"weekday": cells // 24, "hour": cells % 24, "orders": counts, "revenue": revenue})


def _round_nice(value: float) -> float:
    """Two significant figures: ¥12,345 → ¥12,000 (bounds a person can read and type)."""
    if value <= 0:
        return 0.0
    scale = 10 ** (math.floor(math.log10(value)) - 1)
    return float(round(value / scale) * scale)


def propose_bands(amounts, n_bands: int = 5) -> list[float]:
    """Lower bounds of price bands from the shop's own order values: the 1/n … (n−1)/n
    quantiles rounded to two significant figures, duplicates dropped; the first band starts at 0."""
    values = np.asarray(pd.to_numeric(pd.Series(amounts), errors="coerce").dropna(), np.float64)
    if len(values) == 0:
        return [0.0]
    cuts = np.quantile(values, np.arange(1, n_bands) / n_bands)
    return sorted({0.0, *(_round_nice(c) for c in cuts if c > 0)})


def price_bands(orders: pd.DataFrame, bounds: list[float]) -> pd.DataFrame:
    """Orders per band [low, high) where ``bounds`` are the bands' lower bounds (ascending; the
    last band is open-ended, high = null). An order below the first bound falls in no band."""
    low = np.asarray(bounds, np.float64)
    high = np.r_[low[1:], np.nan]
    amount = pd.to_numeric(orders["amount"], errors="coerce").fillna(0.0).to_numpy(np.float64) \
        if len(orders) else np.zeros(0)
    band = np.searchsorted(low, amount, side="right") - 1
    inside = band >= 0
    frame = pd.DataFrame({"band": band[inside], "account_id": orders["account_id"].to_numpy()[inside],
                          "amount": amount[inside]})
    grouped = frame.groupby("band").agg(orders=("amount", "size"), accounts=("account_id", "nunique"),
                                        revenue=("amount", "sum"))
    grouped = grouped.reindex(range(len(low)), fill_value=0)
    total = max(len(amount), 1)
    return pd.DataFrame({"band": np.arange(1, len(low) + 1), "low": low, "high": high,
                         "orders": grouped["orders"].to_numpy(), "accounts": grouped["accounts"].to_numpy(),
                         "revenue": grouped["revenue"].to_numpy(np.float64),
                         "order_share": grouped["orders"].to_numpy() / total})[BAND_COLUMNS]


def purchases_per_month(orders: pd.DataFrame, cap: int = 10) -> pd.DataFrame:
    """Distribution of purchase days per account per calendar month it bought in (same-day
    orders are one purchase, as for F). ``purchases`` = cap means cap or more.

    * ``account_months`` (account, month) pairs with that many purchase days; ``share`` of all pairs;
    * ``accounts`` accounts with at least one such month.
    """
    if len(orders) == 0:
        return pd.DataFrame(columns=PER_MONTH_COLUMNS)
    stamp = pd.to_datetime(orders["local_time"]).to_numpy()
    frame = pd.DataFrame({"account_id": orders["account_id"].to_numpy(),
                          "day": stamp.astype("datetime64[D]"), "month": stamp.astype("datetime64[M]")})
    per = frame.drop_duplicates(["account_id", "day"]).groupby(["account_id", "month"]).size()
    per = per.clip(upper=cap).rename("purchases").reset_index()
    out = per.groupby("purchases").agg(account_months=("month", "size"), accounts=("account_id", "nunique"))
    out = out.reset_index()
    out["share"] = out["account_months"] / out["account_months"].sum()
    return out[PER_MONTH_COLUMNS]
