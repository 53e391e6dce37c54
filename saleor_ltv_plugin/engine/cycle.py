"""Purchase rhythm: typical days between purchases, next expected date, overdue, churn risk.

Per account (LTV-Lab's 最新予測購入日, seed 000): the account's own typical
inter-purchase interval — the mean of its gaps after clipping each to
[median ÷ 2.5, median × 2.5], robust to one odd pause without the median's low
bias on right-skewed gaps (``interval_typical_days``) — is shrunk toward a prior — the
median of the account medians of the shop, or of the account's segment when
``prior_by`` names a column — in log space, with the prior counting as
``prior_weight`` intervals:

    typical = exp((n·ln(own) + k·ln(prior)) / (n + k)),  n = intervals, k = prior_weight

so an account with one order gets the prior, and one with many intervals keeps
its own rhythm. ``next_purchase_on`` = last purchase + typical (rounded to whole
days); ``overdue_ratio`` = days since last ÷ typical; ``churn_risk`` when the
ratio exceeds ``grace_factor`` (default 1.5: half a cycle late).

Per account × SKU (買い忘れ防止): the same from order lines, with occasions
merged per day (quantities summed). With ``per_unit=True`` (default) the gap
after an occasion is divided by the quantity bought then, so buying two boxes
predicts a gap twice as long: the next reorder date is last purchase + typical
days-per-unit × last quantity. The prior is the SKU's median across accounts,
then the median over all SKUs.

Units: days (float for typical intervals), dates as ``datetime64[D]``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ._grouping import (
    MISSING_DAY,
    build_occasions,
    day_of,
    days_to_dates,
    factorize,
    grouped_median,
    to_days,
)


@dataclass(frozen=True)
class RhythmSettings:
    """``prior_weight``: intervals the prior counts as; ``grace_factor``: overdue ratio
    beyond which an account is a churn risk; ``fallback_interval_days``: prior when
    the shop has no repeat purchase at all; ``min_interval_days``: floor for a typical
    interval (same-day repeats when orders are not merged)."""

    prior_weight: float = 2.0
    grace_factor: float = 1.5
    fallback_interval_days: float = 30.0
    min_interval_days: float = 1.0


def shrink(own_median, n_intervals, prior, settings: RhythmSettings) -> np.ndarray:
    """Geometric shrinkage of the own median toward ``prior`` (see module docstring)."""
    floor = settings.min_interval_days
    n = np.asarray(n_intervals, dtype=np.float64)
    own = np.log(np.maximum(np.nan_to_num(np.asarray(own_median, float), nan=floor), floor))
    prior_log = np.log(np.maximum(np.asarray(prior, dtype=np.float64), floor))
    k = settings.prior_weight
    with np.errstate(invalid="ignore"):
        mixed = (n * own + k * prior_log) / (n + k)
    return np.exp(np.where(n + k > 0, mixed, prior_log))  # no own gap and k = 0: the prior


def own_interval(summary: pd.DataFrame) -> np.ndarray:
    """An account's own typical gap: the winsorised mean (median for older summaries)."""
    column = "interval_typical_days" if "interval_typical_days" in summary else "interval_median_days"
    return summary[column].to_numpy(dtype=np.float64)


def _prior(medians: np.ndarray, has: np.ndarray, settings: RhythmSettings) -> float:
    return float(np.median(medians[has])) if has.any() else settings.fallback_interval_days


def purchase_rhythm(
    summary: pd.DataFrame,
    settings: RhythmSettings | None = None,
    *,
    prior: float | None = None,
    prior_by: str | None = None,
) -> pd.DataFrame:
    """Typical interval, next purchase date, overdue ratio and churn flag per summary row.

    ``prior``: a fixed prior in days (overrides the shop median); ``prior_by``: a
    summary column (e.g. ``"rfm_segment"`` joined in) whose groups get their own
    median prior, falling back to the shop prior for groups without repeaters.
    Columns: ``typical_interval_days``, ``next_purchase_on``, ``days_until_next``
    (negative when overdue), ``overdue_ratio``, ``churn_risk``. Same index as ``summary``.
    """
    settings = settings or RhythmSettings()
    n = summary["interval_count"].to_numpy(dtype=np.float64) if len(summary) else np.zeros(0)
    medians = own_interval(summary) if len(summary) else n
    has = n > 0
    shop_prior = prior if prior is not None else _prior(medians, has, settings)
    priors = np.full(len(summary), float(shop_prior))
    if prior_by is not None and prior is None and len(summary):
        codes, uniques = factorize(summary[prior_by].to_numpy())
        group_prior = grouped_median(codes[has], medians[has], len(uniques))
        priors = np.where(np.isnan(group_prior[codes]), priors, group_prior[codes])
    typical = shrink(medians, n, priors, settings)
    recency = summary["recency_days"].to_numpy(dtype=np.float64) if len(summary) else n
    last = (summary["last_purchase_at"].to_numpy(dtype="datetime64[D]") if len(summary)
            else np.zeros(0, dtype="datetime64[D]"))
    next_on = last + np.rint(typical).astype(np.int64).astype("timedelta64[D]")
    overdue = recency / typical
    return pd.DataFrame(
        {
            "typical_interval_days": typical,
            "next_purchase_on": next_on,
            "days_until_next": typical - recency,
            "overdue_ratio": overdue,
            "churn_risk": overdue > settings.grace_factor,
        },
        index=summary.index,
    )


@dataclass(frozen=True)
class SkuPriors:
    """What a SKU's reorder rhythm borrows from the other accounts: the median own interval of each
    SKU's repeat buyers (per unit when per_unit), and the shop's for a SKU nobody repeated yet."""

    shop_days: float
    by_sku: dict

    def to_dict(self) -> dict:
        return {"shop_days": self.shop_days, "by_sku": self.by_sku}

    @classmethod
    def from_dict(cls, data: dict) -> SkuPriors:
        return cls(float(data["shop_days"]), {sku: float(days) for sku, days in data["by_sku"].items()})


def replenishment(
    lines: pd.DataFrame,
    as_of=None,
    settings: RhythmSettings | None = None,
    *,
    per_unit: bool = True,
    tz: str | None = None,
    priors: SkuPriors | None = None,
) -> pd.DataFrame:
    """Reorder rhythm per (account_id, sku) from order lines.

    ``lines`` columns: ``account_id``, ``sku``, ``created_at``, ``quantity``
    (missing/≤0 quantities count as 1 for the per-unit division). Lines after
    ``as_of`` (default: the last line day) are ignored. Returns one row per pair,
    sorted by account then SKU: ``purchases`` (occasions), ``last_purchase_at``,
    ``last_quantity``, ``interval_count``, ``interval_median_days`` (raw gaps),
    ``typical_interval_days`` (expected days until the next purchase of this SKU),
    ``next_reorder_on``, ``overdue_ratio``.

    The priors come from ``lines`` themselves (all the shop's: a full run), kept in
    ``attrs["priors"]``; given ``priors`` (a full run's), a few accounts' lines re-score alone and
    their rows equal that run's.
    """
    settings = settings or RhythmSettings()
    day = to_days(lines["created_at"], tz) if len(lines) else np.zeros(0, np.int64)
    as_of_day = int(day.max()) if as_of is None and len(day) else (
        day_of(as_of, tz) if as_of is not None else 0)
    keep = (day != MISSING_DAY) & (day <= as_of_day)
    if not keep.any():
        return _empty_replenishment()
    acc_codes, acc_uniques = factorize(lines["account_id"].to_numpy()[keep])
    sku_codes, sku_uniques = factorize(lines["sku"].astype(str).to_numpy()[keep])
    quantity = pd.to_numeric(lines["quantity"], errors="coerce").to_numpy(np.float64)[keep]
    occ = build_occasions(acc_codes * len(sku_uniques) + sku_codes, day[keep],
                          np.nan_to_num(quantity, nan=0.0))
    return _replenishment_frame(occ, acc_uniques, sku_uniques, as_of_day, per_unit, settings, priors)


def _replenishment_frame(occ, acc_uniques, sku_uniques, as_of_day, per_unit, settings, priors):
    n_groups = len(occ.starts)
    dense = occ.dense_group()
    same = occ.group[1:] == occ.group[:-1]
    gaps = np.diff(occ.day)[same]
    gap_group = dense[1:][same]
    units = np.maximum(occ.value[:-1][same], 1.0) if per_unit else np.ones(len(gaps))
    counts = occ.sizes - 1
    raw_median = grouped_median(gap_group, gaps, n_groups)
    own = grouped_median(gap_group, gaps / units, n_groups)
    sku_of_group = occ.group_ids % len(sku_uniques)
    has = counts > 0
    floor = settings.min_interval_days / 10.0 if per_unit else settings.min_interval_days
    if priors is None:
        by_sku = grouped_median(sku_of_group[has], own[has], len(sku_uniques))
        learnt = SkuPriors(float(_prior(own, has, settings)),
                           {str(sku): float(days) for sku, days in zip(sku_uniques, by_sku) if not np.isnan(days)})
    else:
        by_sku = np.array([priors.by_sku.get(str(sku), np.nan) for sku in sku_uniques], dtype=np.float64)
        learnt = priors
    sku_prior = by_sku[sku_of_group] if len(by_sku) else np.zeros(0)
    prior = np.where(np.isnan(sku_prior), learnt.shop_days, sku_prior)
    typical_unit = shrink(own, counts, prior, replace(settings, min_interval_days=floor))
    last_qty = np.maximum(occ.value[occ.ends], 1.0) if per_unit else np.ones(n_groups)
    typical = np.maximum(typical_unit * last_qty, settings.min_interval_days)
    last = occ.day[occ.ends]
    recency = as_of_day - last
    frame = pd.DataFrame(
        {
            "account_id": acc_uniques[occ.group_ids // len(sku_uniques)],
            "sku": sku_uniques[sku_of_group],
            "purchases": occ.sizes,
            "last_purchase_at": days_to_dates(last),
            "last_quantity": occ.value[occ.ends],
            "interval_count": counts,
            "interval_median_days": raw_median,
            "typical_interval_days": typical,
            "next_reorder_on": days_to_dates(last + np.rint(typical).astype(np.int64)),
            "overdue_ratio": recency / typical,
        }
    )
    frame.attrs["priors"] = learnt
    return frame


def _empty_replenishment() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account_id": pd.Series(dtype=object), "sku": pd.Series(dtype=object),
            "purchases": pd.Series(dtype=np.int64),
            "last_purchase_at": pd.Series(dtype="datetime64[s]"),
            "last_quantity": pd.Series(dtype=float), "interval_count": pd.Series(dtype=np.int64),
            "interval_median_days": pd.Series(dtype=float),
            "typical_interval_days": pd.Series(dtype=float),
            "next_reorder_on": pd.Series(dtype="datetime64[s]"),
            "overdue_ratio": pd.Series(dtype=float),
        }
    )
