"""Per-account purchase summary: R, F, M, tenure, intervals, and the BG/NBD inputs.

Input ``orders``: one row per counted order (DESIGN.md "Purchase") with columns

* ``account_id`` — any hashable id (the analysed Account),
* ``currency`` — ISO code; optional (one blank currency when absent),
* ``created_at`` — date, naive datetime (shop-local) or tz-aware datetime,
* ``amount`` — net of refunds in ``currency`` units; zero and negative allowed.

Output: one row per (account_id, currency) that bought on or before ``as_of``,
sorted by account_id then currency. Units: days are whole calendar days in the
shop's time zone; money is in the row's currency (float64).

Definitions (DESIGN.md): a *purchase occasion* is one order, or — with
``merge_same_day=True`` (default) — all of an account's orders on one day.
``frequency`` counts occasions (F), ``recency_days`` = as_of − last purchase (R),
``tenure_days`` = last − first purchase (在籍日数), ``monetary`` = total spend (M),
``average_order_value`` = monetary ÷ orders (orders, not occasions). Interval
statistics are over the days between consecutive occasions.

Edge cases:
* no rows (or none on/before ``as_of``) → an empty frame with the same columns;
* ``as_of`` defaults to the last order day in the input; orders *after* ``as_of``
  are ignored, as in a calibration period, so an account whose first order is
  after ``as_of`` is absent (it has not bought yet at ``as_of``);
* rows with a missing account or date are dropped; a missing amount counts as 0;
* zero/negative amounts still count as a purchase occasion (upstream removes
  fully refunded orders); ``monetary`` may then be ≤ 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._grouping import (
    MISSING_DAY,
    occasion_days,
    day_of,
    days_to_dates,
    factorize,
    interval_stats,
    to_days,
)

SUMMARY_COLUMNS = [
    "account_id",
    "currency",
    "first_purchase_at",
    "last_purchase_at",
    "frequency",
    "orders",
    "recency_days",
    "tenure_days",
    "age_days",
    "monetary",
    "average_order_value",
    "repeat_average_value",
    "interval_count",
    "interval_median_days",
    "interval_typical_days",
    "interval_mean_days",
    "interval_std_days",
]


def summarize_orders(
    orders: pd.DataFrame,
    as_of=None,
    *,
    merge_same_day: bool = True,
    tz: str | None = None,
) -> pd.DataFrame:
    """Summarise orders per (account_id, currency); see the module docstring for columns.

    ``as_of``: date/datetime of the analysis (default: the last order day).
    ``tz``: IANA zone to convert tz-aware ``created_at`` into before taking the day.
    ``age_days`` = as_of − first purchase (the BG/NBD ``T`` in days).
    ``repeat_average_value`` = mean value of the occasions after the first (0 when
    there is none) — the Gamma-Gamma input. With ``merge_same_day=False`` the first
    occasion's value is the mean of the first day's orders (orders within one day
    are not ordered).
    The frame's ``attrs["as_of"]`` holds the as-of date as ``datetime64[D]``.

    Cost: one ``np.sort`` of the combined (account, currency, day) key, one of the
    gaps for the median, and ``np.bincount`` reductions over the rows.
    """
    account, currency, day, amount = _columns(orders, tz)
    as_of_day = int(day.max()) if as_of is None and len(day) else _as_of_day(as_of, tz)
    if len(day) and day.max() > as_of_day:
        keep = day <= as_of_day
        account, currency, day, amount = account[keep], currency[keep], day[keep], amount[keep]
    if len(day) == 0:
        return _empty(as_of_day)
    acc_codes, acc_uniques = factorize(account)
    cur_codes, cur_uniques = factorize(currency)
    n_cur = len(cur_uniques)
    group = acc_codes * n_cur + cur_codes if n_cur > 1 else acc_codes
    occ = occasion_days(group, day, merge_same_day=merge_same_day)
    per_group = _RowTotals(group, day, amount, occ, len(acc_uniques) * n_cur, merge_same_day)
    return _frame(occ, per_group, acc_uniques, cur_uniques, as_of_day, merge_same_day)


class _RowTotals:
    """Row-level sums per present group via ``np.bincount`` (no sort of the rows)."""

    def __init__(self, group, day, amount, occ, n_groups, merged):
        present = occ.group_ids
        self.orders = np.bincount(group, minlength=n_groups)[present]
        self.monetary = np.bincount(group, weights=amount, minlength=n_groups)[present]
        first_day = np.zeros(n_groups, dtype=np.int64)
        first_day[present] = occ.day[occ.starts]
        on_first = day == first_day[group]
        self.first_day_total = np.bincount(group[on_first], weights=amount[on_first],
                                           minlength=n_groups)[present]
        self.first_day_orders = None if merged else np.bincount(
            group[on_first], minlength=n_groups)[present]


def _columns(orders: pd.DataFrame, tz: str | None):
    if len(orders) == 0:
        empty = np.zeros(0)
        return pd.Series([], dtype=object), pd.Series([], dtype=object), empty.astype(np.int64), empty
    account = orders["account_id"]
    currency = orders["currency"] if "currency" in orders else pd.Series("", index=orders.index)
    if currency.hasnans:
        currency = currency.astype(object).fillna("")
    day = to_days(orders["created_at"], tz)
    amount = pd.to_numeric(orders["amount"], errors="coerce").to_numpy(dtype=np.float64)
    if np.isnan(amount).any():
        amount = np.nan_to_num(amount, nan=0.0)
    valid = (day != MISSING_DAY) & account.notna().to_numpy()
    if not valid.all():
        account, currency, day, amount = account[valid], currency[valid], day[valid], amount[valid]
    return account, currency, day, amount


def _as_of_day(as_of, tz: str | None) -> int:
    if as_of is None:
        return int(np.iinfo(np.int32).max)
    return day_of(as_of, tz)


def _frame(occ, totals, acc_uniques, cur_uniques, as_of_day: int, merged: bool) -> pd.DataFrame:
    ids = occ.group_ids
    first = occ.day[occ.starts]
    last = occ.day[occ.ends]
    frequency = occ.sizes
    monetary, orders = totals.monetary, totals.orders
    first_value = totals.first_day_total if merged else (
        totals.first_day_total / totals.first_day_orders)
    repeats = frequency - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        repeat_avg = np.where(repeats > 0, (monetary - first_value) / repeats, 0.0)
    gaps = interval_stats(occ)
    n_cur = len(cur_uniques)
    frame = pd.DataFrame(
        {
            "account_id": acc_uniques[ids // n_cur],
            "currency": cur_uniques[ids % n_cur],
            "first_purchase_at": days_to_dates(first),
            "last_purchase_at": days_to_dates(last),
            "frequency": frequency,
            "orders": orders,
            "recency_days": as_of_day - last,
            "tenure_days": last - first,
            "age_days": as_of_day - first,
            "monetary": monetary,
            "average_order_value": monetary / orders,
            "repeat_average_value": repeat_avg,
            "interval_count": gaps.count,
            "interval_median_days": gaps.median,
            "interval_typical_days": gaps.typical,
            "interval_mean_days": gaps.mean,
            "interval_std_days": gaps.std,
        }
    )
    frame.attrs["as_of"] = days_to_dates(np.array([as_of_day]))[0]
    return frame


def _empty(as_of_day: int) -> pd.DataFrame:
    dtypes = {
        "account_id": object, "currency": object,
        "first_purchase_at": "datetime64[s]", "last_purchase_at": "datetime64[s]",
        "frequency": np.int64, "orders": np.int64, "recency_days": np.int64,
        "tenure_days": np.int64, "age_days": np.int64, "interval_count": np.int64,
    }
    frame = pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, np.float64)) for c in SUMMARY_COLUMNS})
    if as_of_day < np.iinfo(np.int32).max:
        frame.attrs["as_of"] = days_to_dates(np.array([as_of_day]))[0]
    return frame


DAYS_PER_UNIT = {"days": 1.0, "weeks": 7.0}


def bgnbd_inputs(summary: pd.DataFrame, unit: str = "days") -> pd.DataFrame:
    """The BG/NBD / Gamma-Gamma inputs from a summary, in ``unit`` ("days" or "weeks").

    Symbols of Fader, Hardie & Lee (2005) mapped to our names, once:

    * ``x``   → ``frequency`` here = repeat occasions = summary.frequency − 1,
    * ``t_x`` → ``recency`` here = time of the last occasion since the first
      (= summary.tenure_days; *not* the R of RFM, which counts back from as_of),
    * ``T``   → ``T`` = as_of − first occasion (= summary.age_days),
    * ``m̄_x`` → ``monetary_value`` = mean value of the repeat occasions (0 if x = 0).
    """
    scale = DAYS_PER_UNIT[unit]
    return pd.DataFrame(
        {
            "account_id": summary["account_id"].to_numpy(),
            "currency": summary["currency"].to_numpy(),
            "frequency": summary["frequency"].to_numpy() - 1,
            "recency": summary["tenure_days"].to_numpy() / scale,
            "T": summary["age_days"].to_numpy() / scale,
            "monetary_value": summary["repeat_average_value"].to_numpy(),
        }
    )
