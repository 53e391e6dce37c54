"""Lifecycle stage of each account (顧客育成シナリオ, seed 004), exactly one per account.

Stages (default thresholds, all in days, configurable per channel):

* ``prospect``     見込み客      — registered, never bought;
* ``lost``         離反顧客      — last purchase ≥ 361 days ago (``lost_after_days``);
* ``dormant``      休眠顧客      — last purchase 121–360 days ago (``dormant_after_days``);
* ``loyal``        優良顧客      — ≥ 5 repeat purchases (``loyal_min_repeats``) and still active;
* ``new``          新規顧客      — one purchase, ≤ 120 days since it (``new_customer_days``);
* ``first_repeat`` 初回リピート顧客 — exactly one repeat purchase, active;
* ``repeat``       リピート顧客   — 2 … loyal_min_repeats − 1 repeats, active.

Precedence (first match wins): prospect → lost → dormant → loyal → new →
first_repeat → repeat. "Active" means bought fewer than ``dormant_after_days``
days ago. A one-purchase account older than ``new_customer_days`` but not yet
``dormant_after_days`` (possible only when the two are set apart) counts as
``dormant``: it stopped being new without repeating.
Repeats = purchase occasions − 1. Recency uses the summary's ``recency_days``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

STAGES = ("prospect", "new", "first_repeat", "repeat", "loyal", "dormant", "lost")
STAGE_LABELS_JA = {
    "prospect": "見込み客", "new": "新規顧客", "first_repeat": "初回リピート顧客",
    "repeat": "リピート顧客", "loyal": "優良顧客", "dormant": "休眠顧客", "lost": "離反顧客",
}


@dataclass(frozen=True)
class LifecycleThresholds:
    """Day and count thresholds; names match ``conf.ChannelSettings``."""

    new_customer_days: int = 120
    dormant_after_days: int = 121
    lost_after_days: int = 361
    loyal_min_repeats: int = 5

    def __post_init__(self):
        if not 0 < self.dormant_after_days < self.lost_after_days:
            raise ValueError("need 0 < dormant_after_days < lost_after_days")
        if self.loyal_min_repeats < 2:
            raise ValueError("loyal_min_repeats must be at least 2")


def lifecycle_stages(
    summary: pd.DataFrame,
    thresholds: LifecycleThresholds | None = None,
    registered_account_ids=None,
) -> pd.DataFrame:
    """One stage per summary row, plus a ``prospect`` row per registered account with no purchase.

    Returns columns ``account_id``, ``currency`` (None for prospects), ``stage``,
    ``stage_ja``; summary rows first (same order), then prospects sorted by id.
    """
    t = thresholds or LifecycleThresholds()
    repeats = summary["frequency"].to_numpy() - 1 if len(summary) else np.zeros(0, int)
    recency = summary["recency_days"].to_numpy() if len(summary) else np.zeros(0, int)
    code = np.select(
        [
            recency >= t.lost_after_days,
            recency >= t.dormant_after_days,
            repeats >= t.loyal_min_repeats,
            (repeats == 0) & (recency <= t.new_customer_days),
            repeats == 0,
            repeats == 1,
        ],
        [_CODE["lost"], _CODE["dormant"], _CODE["loyal"], _CODE["new"], _CODE["dormant"],
         _CODE["first_repeat"]],
        default=_CODE["repeat"],
    )
    # Categoricals: a million Python strings cost 0.3 s per column in pandas' string dtype.
    stage = pd.Categorical.from_codes(code, categories=STAGES)
    bought = pd.DataFrame(
        {"account_id": summary["account_id"].to_numpy() if len(summary) else [],
         "currency": summary["currency"].to_numpy() if len(summary) else [],
         "stage": stage}
    )
    prospects = _prospects(registered_account_ids, bought["account_id"])
    frame = pd.concat([bought, prospects], ignore_index=True) if len(prospects) else bought
    frame["stage_ja"] = (frame["stage"].astype(object).map(STAGE_LABELS_JA) if len(prospects)
                         else pd.Categorical.from_codes(code, categories=_STAGE_JA))
    return frame


_CODE = {stage: i for i, stage in enumerate(STAGES)}
_STAGE_JA = np.array([STAGE_LABELS_JA[s] for s in STAGES], dtype=object)


def _prospects(registered, buyers: pd.Series) -> pd.DataFrame:
    if registered is None:
        return pd.DataFrame(columns=["account_id", "currency", "stage"])
    registered = pd.Series(pd.unique(pd.Series(list(registered), dtype=object)))
    never = registered[~registered.isin(buyers)]
    try:
        never = never.sort_values()
    except TypeError:
        pass
    return pd.DataFrame({"account_id": never.to_numpy(), "currency": None, "stage": "prospect"})
