"""CPM (customer portfolio management): ten cells = five groups × {active, lapsed}.

Groups (stable ASCII code → Japanese label), decided from a summary row:

* ``first``     初回    — one purchase occasion (``frequency == 1``);
* ``toddler``   よちよち — 2+ occasions, tenure (在籍日数 = last − first, days) below
  ``toddler_max_tenure_days``;
* ``trendy``    流行    — tenure ≥ that, below ``excellent_min_tenure_days``, spend ≥ ``high_spend``;
* ``excellent`` 優良    — tenure ≥ ``excellent_min_tenure_days`` and spend ≥ ``high_spend``;
* ``steady``    コツコツ — every other repeat account (long tenure, spend below ``high_spend``).

Status: ``active`` 現役 while ``recency_days < lapsed_after_days``, else ``lapsed`` 離脱.
Cell code ``"<group>_<status>"``, e.g. ``excellent_active`` (優良現役客).

Default bounds follow LTV-Lab's published CPM definition (FAQ "CPM集計とは?"):
lapsed after 240 days without a purchase, よちよち below 90 days of tenure,
優良 from 210 days of tenure, spend bound 70,000 (JPY). Money is in the row's
currency: give ``high_spend`` per currency (mapping) or use
:func:`propose_bounds` on the shop's own distribution; a currency with no bound
gets the proposal computed from its own rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

GROUPS = ("first", "toddler", "steady", "trendy", "excellent")
GROUP_LABELS_JA = {"first": "初回", "toddler": "よちよち", "steady": "コツコツ",
                   "trendy": "流行", "excellent": "優良"}
STATUS_LABELS_JA = {"active": "現役", "lapsed": "離脱"}
CELLS = tuple(f"{g}_{s}" for s in ("active", "lapsed") for g in GROUPS)
CELL_LABELS_JA = {
    f"{g}_{s}": f"{GROUP_LABELS_JA[g]}{STATUS_LABELS_JA[s]}客" for g in GROUPS for s in STATUS_LABELS_JA
}


@dataclass(frozen=True)
class CpmBounds:
    """Thresholds in days and currency units (see the module docstring for their meaning).

    ``high_spend``: one number for every currency, or a mapping currency → number.
    """

    lapsed_after_days: int = 240
    toddler_max_tenure_days: int = 90
    excellent_min_tenure_days: int = 210
    high_spend: object = field(default_factory=lambda: {"JPY": 70_000})

    def spend_bound(self, currency) -> float | None:
        if hasattr(self.high_spend, "get"):
            value = self.high_spend.get(currency)
            return None if value is None else float(value)
        return float(self.high_spend)


def cpm_cells(summary: pd.DataFrame, bounds: CpmBounds | None = None) -> pd.DataFrame:
    """CPM group, status and cell for each summary row (same order, same index).

    Columns: ``cpm_group``, ``cpm_status``, ``cpm_cell`` (ASCII codes) and
    ``cpm_cell_ja`` (e.g. 優良現役客). Needs ``frequency``, ``tenure_days``,
    ``recency_days``, ``monetary``, ``currency``.
    """
    bounds = bounds or CpmBounds()
    n = len(summary)
    spend_bound = _spend_bounds(summary, bounds)
    frequency = summary["frequency"].to_numpy() if n else np.zeros(0)
    tenure = summary["tenure_days"].to_numpy() if n else np.zeros(0)
    spend = summary["monetary"].to_numpy(dtype=np.float64) if n else np.zeros(0)
    recency = summary["recency_days"].to_numpy() if n else np.zeros(0)
    high = spend >= spend_bound
    group = np.select(
        [frequency <= 1, tenure < bounds.toddler_max_tenure_days,
         high & (tenure >= bounds.excellent_min_tenure_days), high],
        [0, 1, 4, 3],
        default=2,
    )
    lapsed = recency >= bounds.lapsed_after_days
    cell = group + 5 * lapsed
    return pd.DataFrame(
        {
            "cpm_group": pd.Categorical.from_codes(group, categories=list(GROUPS)),
            "cpm_status": pd.Categorical.from_codes(lapsed.astype(np.int8), categories=["active", "lapsed"]),
            "cpm_cell": pd.Categorical.from_codes(cell, categories=list(CELLS)),
            "cpm_cell_ja": np.array([CELL_LABELS_JA[c] for c in CELLS], dtype=object)[cell],
        },
        index=summary.index,
    )


def _spend_bounds(summary: pd.DataFrame, bounds: CpmBounds) -> np.ndarray:
    if len(summary) == 0:
        return np.zeros(0)
    currencies = summary["currency"].to_numpy()
    out = np.empty(len(summary))
    for currency in pd.unique(currencies):
        rows = currencies == currency
        bound = bounds.spend_bound(currency)
        if bound is None:
            bound = _proposed_spend(summary.loc[rows])
        out[rows] = bound
    return out


def propose_bounds(summary: pd.DataFrame, base: CpmBounds | None = None) -> CpmBounds:
    """CPM bounds from the shop's own distribution (repeat accounts only).

    * ``lapsed_after_days``: 90th percentile of the accounts' median inter-purchase
      interval, at least 60 days — most repeat buyers come back within it;
    * ``toddler_max_tenure_days``: 40th percentile of repeat accounts' tenure;
    * ``excellent_min_tenure_days``: 70th percentile of repeat accounts' tenure;
    * ``high_spend`` per currency: 80th percentile of repeat accounts' total spend.

    Days are rounded up to whole 30-day months (minimum 30); money to two
    significant digits. Falls back to ``base`` (default :class:`CpmBounds`) for a
    figure with no repeat accounts to learn from.
    """
    base = base or CpmBounds()
    repeat = summary[summary["frequency"] > 1] if len(summary) else summary
    if len(repeat) == 0:
        return base
    lapsed = max(_month_ceil(np.nanpercentile(repeat["interval_median_days"], 90)), 60)
    toddler = _month_ceil(np.percentile(repeat["tenure_days"], 40))
    excellent = max(_month_ceil(np.percentile(repeat["tenure_days"], 70)), toddler + 30)
    spends = {c: _proposed_spend(part) for c, part in summary.groupby("currency", sort=True)}
    return replace(base, lapsed_after_days=lapsed, toddler_max_tenure_days=toddler,
                   excellent_min_tenure_days=excellent, high_spend=spends)


def _month_ceil(days: float) -> int:
    return int(max(30, 30 * np.ceil(days / 30.0)))


def _proposed_spend(part: pd.DataFrame) -> float:
    repeat = part.loc[part["frequency"] > 1, "monetary"]
    values = repeat if len(repeat) else part["monetary"]
    value = float(np.percentile(values, 80)) if len(values) else 0.0
    return _two_significant(value)


def _two_significant(value: float) -> float:
    if value <= 0 or not np.isfinite(value):
        return max(value, 0.0) if np.isfinite(value) else 0.0
    digits = int(np.floor(np.log10(value))) - 1
    return float(np.round(value, -digits))
