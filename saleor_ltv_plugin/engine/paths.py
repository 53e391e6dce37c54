"""Purchase paths: product repeat rates, next-product transitions, Nth-purchase drop-off,
new-vs-repeat revenue (seeds 001 and 003: 定期N回目の離脱, 買い回り, 新規売上/リピート売上).

Order lines: ``account_id``, ``sku``, ``created_at``, ``quantity`` and optionally
``amount`` (line revenue, one currency — filter lines to a currency first).
A purchase *occasion* is an account's day of purchase (orders on one day merge),
so "bought again" means on a later day. Days are shop-local calendar days.
All functions return empty frames with their columns for empty input.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._grouping import MISSING_DAY, day_of, distinct, factorize, to_days


def _line_frame(lines: pd.DataFrame, as_of, tz) -> pd.DataFrame:
    day = to_days(lines["created_at"], tz) if len(lines) else np.zeros(0, np.int64)
    amount = (pd.to_numeric(lines["amount"], errors="coerce").fillna(0.0).to_numpy(np.float64)
              if "amount" in lines else np.full(len(lines), np.nan))
    frame = pd.DataFrame({"account_id": lines["account_id"].to_numpy(),
                          "sku": lines["sku"].astype(str).to_numpy(), "day": day, "amount": amount})
    keep = (frame["day"] != MISSING_DAY) & frame["account_id"].notna()
    if as_of is not None:
        keep &= frame["day"] <= day_of(as_of, tz)
    return frame[keep]


def _with_occasion_index(frame: pd.DataFrame) -> pd.DataFrame:
    """Adds ``occasion`` = 1 for the account's first purchase day, 2 for the next, …"""
    frame = frame.copy()
    frame["occasion"] = frame.groupby("account_id")["day"].rank(method="dense").astype(np.int64)
    return frame


PRODUCT_REPEAT_COLUMNS = ["sku", "buyers", "repeat_buyers", "repeat_rate", "days_to_repurchase", "revenue",
                          "repeat_revenue", "first_buyers", "first_buyers_returned", "return_rate"]


def product_repeat(lines: pd.DataFrame, as_of=None, *, tz: str | None = None) -> pd.DataFrame:
    """Per SKU: how often its buyers buy it again, and whether it brings accounts back.

    * ``buyers`` accounts that bought it; ``repeat_buyers`` those who bought it on
      2+ days; ``repeat_rate`` = repeat_buyers ÷ buyers;
    * ``days_to_repurchase`` median over repeat buyers of the days from their first
      to their second day with this SKU (NaN without repeat buyers);
    * ``revenue`` its line revenue; ``repeat_revenue`` the part bought after each
      account's first day with this SKU (NaN without an ``amount`` column);
    * ``first_buyers`` accounts whose first purchase occasion included it;
      ``first_buyers_returned`` those with any later occasion; ``return_rate``.

    Sorted by buyers, descending (then SKU).
    """
    frame = _with_occasion_index(_line_frame(lines, as_of, tz))
    if frame.empty:
        return pd.DataFrame(columns=PRODUCT_REPEAT_COLUMNS)
    first_day = frame.groupby(["account_id", "sku"])["day"].transform("min")
    frame["repeat_amount"] = np.where(frame["day"] > first_day, frame["amount"], 0.0)
    per_pair = frame.groupby(["account_id", "sku"]).agg(days=("day", "nunique"))
    per_pair["again"] = per_pair["days"] > 1
    days = frame[["account_id", "sku", "day"]].drop_duplicates().sort_values(["account_id", "sku", "day"])
    by_pair = days.groupby(["account_id", "sku"])["day"]
    second = (by_pair.cumcount() == 1).to_numpy()  # the pair's second day with the SKU
    gaps = pd.Series(by_pair.diff().to_numpy()[second], index=days["sku"].to_numpy()[second], dtype=np.float64)
    per_sku = per_pair.groupby("sku").agg(buyers=("days", "size"), repeat_buyers=("again", "sum"))
    per_sku["days_to_repurchase"] = gaps.groupby(level=0).median()
    money = frame.groupby("sku")[["amount", "repeat_amount"]].sum(min_count=1)
    occasions = frame.groupby("account_id")["occasion"].max()
    entry = frame.loc[frame["occasion"] == 1, ["account_id", "sku"]].drop_duplicates()
    entry["returned"] = entry["account_id"].map(occasions).to_numpy() > 1
    entry_stats = entry.groupby("sku").agg(first_buyers=("returned", "size"),
                                           first_buyers_returned=("returned", "sum"))
    out = per_sku.join(money).join(entry_stats)
    out = out.fillna({"first_buyers": 0, "first_buyers_returned": 0})
    out = out.rename(columns={"amount": "revenue", "repeat_amount": "repeat_revenue"}).reset_index()
    out["repeat_rate"] = out["repeat_buyers"] / out["buyers"]
    with np.errstate(invalid="ignore", divide="ignore"):
        out["return_rate"] = out["first_buyers_returned"] / out["first_buyers"].where(out["first_buyers"] > 0)
    counted = ["first_buyers", "first_buyers_returned"]
    out[counted] = out[counted].astype(int)
    out = out.sort_values(["buyers", "sku"], ascending=[False, True], ignore_index=True)
    return out[PRODUCT_REPEAT_COLUMNS]


TRANSITION_COLUMNS = ["from_sku", "to_sku", "accounts", "from_accounts", "confidence",
                      "base_rate", "lift"]


def _occasion_pairs(lines: pd.DataFrame, as_of, tz, min_accounts: int) -> pd.DataFrame:
    """Every (A, B) pair of SKUs on an occasion and the account's next one, A = B included."""
    frame = _line_frame(lines, as_of, tz)
    if frame.empty:
        return pd.DataFrame(columns=TRANSITION_COLUMNS)
    basket = _with_occasion_index(frame)[["account_id", "occasion", "sku"]].drop_duplicates()
    last = basket.groupby("account_id")["occasion"].transform("max")
    following = basket.assign(occasion=basket["occasion"] - 1)
    pairs = basket[basket["occasion"] < last].merge(
        following, on=["account_id", "occasion"], suffixes=("_from", "_to"))
    if pairs.empty:
        return pd.DataFrame(columns=TRANSITION_COLUMNS)
    counts = (pairs[["account_id", "sku_from", "sku_to"]].drop_duplicates()
              .groupby(["sku_from", "sku_to"]).size().rename("accounts"))
    from_accounts = (basket[basket["occasion"] < last][["account_id", "sku"]].drop_duplicates()
                     .groupby("sku").size())
    repeaters = basket.loc[last > 1, "account_id"].nunique()
    later = basket[basket["occasion"] > 1][["account_id", "sku"]].drop_duplicates()
    base = later.groupby("sku").size() / repeaters
    out = counts.reset_index().rename(columns={"sku_from": "from_sku", "sku_to": "to_sku"})
    out["from_accounts"] = out["from_sku"].map(from_accounts).to_numpy()
    out["confidence"] = out["accounts"] / out["from_accounts"]
    out["base_rate"] = out["to_sku"].map(base).to_numpy()
    out["lift"] = out["confidence"] / out["base_rate"]
    out = out[out["accounts"] >= min_accounts]
    out = out.sort_values(["lift", "accounts", "from_sku", "to_sku"],
                          ascending=[False, False, True, True], ignore_index=True)
    return out[TRANSITION_COLUMNS]


def next_product_transitions(
    lines: pd.DataFrame, as_of=None, *, min_accounts: int = 1, tz: str | None = None
) -> pd.DataFrame:
    """A→B with B ≠ A: accounts that bought B on the occasion right after one with A (買い回り).
    A→A (buying the same SKU again) is :func:`repurchase_transitions`, kept apart because a
    staple's repurchase would otherwise top every list.

    * ``accounts``: accounts with at least one A-occasion followed by a B-occasion (the support);
    * ``from_accounts``: accounts with an A-occasion that has a next occasion;
    * ``confidence`` = accounts ÷ from_accounts;
    * ``base_rate``: share of accounts with any next occasion that bought B on
      some non-first occasion; ``lift`` = confidence ÷ base_rate (> 1: A leads to B
      more than B's usual pull). Accounts are counted once per pair.

    Pairs with fewer than ``min_accounts`` are dropped; sorted by lift, then accounts.
    """
    pairs = _occasion_pairs(lines, as_of, tz, min_accounts)
    return pairs[pairs["from_sku"] != pairs["to_sku"]].reset_index(drop=True)


def repurchase_transitions(
    lines: pd.DataFrame, as_of=None, *, min_accounts: int = 1, tz: str | None = None
) -> pd.DataFrame:
    """A→A: the same SKU on an occasion and the account's next one; columns and measures as
    :func:`next_product_transitions`, sorted by lift, then accounts."""
    pairs = _occasion_pairs(lines, as_of, tz, min_accounts)
    return pairs[pairs["from_sku"] == pairs["to_sku"]].reset_index(drop=True)


def purchase_dropoff(summary: pd.DataFrame, max_occasion: int = 10) -> pd.DataFrame:
    """Nth-purchase funnel from a summary: how many reach occasion n and go on to n+1.

    Columns: ``occasion`` (1 … max_occasion), ``accounts`` (rows with frequency ≥ n),
    ``continued`` (≥ n+1), ``continue_rate``, ``dropoff_rate`` = 1 − continue_rate
    (NaN where nobody reached n). Rows are (account, currency) pairs of the summary.
    """
    frequency = summary["frequency"].to_numpy() if len(summary) else np.zeros(0, np.int64)
    n = np.arange(1, max_occasion + 1)
    tally = np.bincount(np.minimum(frequency, max_occasion + 1), minlength=max_occasion + 2)
    reached = tally[::-1].cumsum()[::-1]  # reached[k] = rows with frequency ≥ k
    accounts, continued = reached[n], reached[n + 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(accounts > 0, continued / np.maximum(accounts, 1), np.nan)
    return pd.DataFrame({"occasion": n, "accounts": accounts, "continued": continued,
                         "continue_rate": rate, "dropoff_rate": 1.0 - rate})


def new_vs_repeat_revenue(orders: pd.DataFrame, *, tz: str | None = None) -> pd.DataFrame:
    """Monthly revenue split into new (the account's first purchase day) and repeat (later days).

    Input as :func:`summary.summarize_orders`. Columns: ``month`` (first day of the
    month, datetime64), ``currency``, ``new_revenue``, ``repeat_revenue``,
    ``new_accounts``, ``repeat_accounts``, ``repeat_share`` (of revenue; NaN when the
    month's revenue is 0). First purchase is per (account, currency).
    """
    columns = ["month", "currency", "new_revenue", "repeat_revenue", "new_accounts",
               "repeat_accounts", "repeat_share"]
    if len(orders) == 0:
        return pd.DataFrame(columns=columns)
    day = to_days(orders["created_at"], tz)
    account = orders["account_id"]
    currency = orders["currency"].fillna("") if "currency" in orders else pd.Series("", index=orders.index)
    amount = pd.to_numeric(orders["amount"], errors="coerce").fillna(0.0).to_numpy(np.float64)
    keep = (day != MISSING_DAY) & account.notna().to_numpy()
    if not keep.all():
        account, currency, day, amount = account[keep], currency[keep], day[keep], amount[keep]
    if len(day) == 0:
        return pd.DataFrame(columns=columns)
    # Integer codes and bincounts: a pandas groupby with nunique took 15 s at 10 M orders.
    acc_codes, _ = factorize(account)
    cur_codes, cur_uniques = factorize(currency)
    n_cur = len(cur_uniques)
    group = acc_codes * n_cur + cur_codes
    first = np.full(int(group.max()) + 1, np.iinfo(np.int64).max)
    np.minimum.at(first, group, day)
    is_new = day == first[group]
    first_day = int(day.min())
    calendar = np.arange(first_day, int(day.max()) + 1).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    low = int(calendar[0])
    month = (calendar - low)[day - first_day]  # a lookup per row: datetime64 casts cost 0.5 s at 10 M
    n_month = int(calendar[-1] - low) + 1
    cell = month * n_cur + cur_codes  # (month, currency)
    size = n_month * n_cur
    new_revenue = np.bincount(cell[is_new], weights=amount[is_new], minlength=size)
    repeat_revenue = np.bincount(cell[~is_new], weights=amount[~is_new], minlength=size)
    firsts = distinct(group[is_new] * n_month + month[is_new])  # one first day per group
    new_accounts = np.bincount((firsts % n_month) * n_cur + (firsts // n_month) % n_cur, minlength=size)
    repeats = distinct(group[~is_new] * n_month + month[~is_new])
    repeat_accounts = np.bincount((repeats % n_month) * n_cur + (repeats // n_month) % n_cur, minlength=size)
    present = np.flatnonzero(np.bincount(cell, minlength=size) > 0)
    total = new_revenue[present] + repeat_revenue[present]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total != 0, repeat_revenue[present] / np.where(total != 0, total, 1.0), np.nan)
    return pd.DataFrame({
        "month": (present // n_cur + low).astype("datetime64[M]").astype("datetime64[s]"),
        "currency": np.asarray(cur_uniques, dtype=object)[present % n_cur],
        "new_revenue": new_revenue[present], "repeat_revenue": repeat_revenue[present],
        "new_accounts": new_accounts[present], "repeat_accounts": repeat_accounts[present],
        "repeat_share": share,
    })[columns]
