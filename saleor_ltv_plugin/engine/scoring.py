"""The one scoring pipeline: a shop's summary rows → their metric rows, given what was fitted.

A full recompute (:func:`.account_metrics.fit_shop`) fits the shop and then scores every account
here; a re-score of a few accounts (:func:`.fitted.score_accounts`) scores them here with the
state the last full run kept. Only what feeds the two steps differs: the full run's RFM scores
come from the quantiles of all accounts, a re-score's from the bounds those quantiles left.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from .cpm import CpmBounds, cpm_cells
from .cycle import purchase_rhythm
from .lifecycle import lifecycle_stages
from .metric_columns import METRIC_COLUMNS


def describe(summary: pd.DataFrame, rfm: pd.DataFrame, cpm: CpmBounds, prior_days: float, settings) -> pd.DataFrame:
    """Summary + RFM scores (``rfm``, indexed like ``summary``) + CPM cell, stage and purchase rhythm."""
    frame = summary.join(rfm).join(cpm_cells(summary, cpm))
    frame["stage"] = lifecycle_stages(summary, settings.lifecycle)["stage"].to_numpy()
    return frame.join(purchase_rhythm(summary, settings.rhythm, prior=prior_days))


def predict(frame: pd.DataFrame, inputs: dict, counts, gamma_gamma: Callable[[object], object],
            settings) -> pd.DataFrame:
    """``frame`` (from :func:`describe`) with P(alive), expected purchases, order value and CLV:
    ``counts`` is the purchase-count model, ``gamma_gamma(currency)`` that currency's spend model
    (money is never mixed across currencies); the metric columns, in order."""
    x, t_x, T, m = inputs["frequency"], inputs["recency"], inputs["T"], inputs["monetary_value"]
    frame["p_alive"] = counts.probability_alive(x, t_x, T)
    frame["expected_purchases"] = counts.conditional_expected_purchases(
        settings.expected_purchases_horizon_days, x, t_x, T)
    frame["expected_order_value"] = np.nan
    frame["clv"] = np.nan
    currencies = frame["currency"].to_numpy()
    for currency in pd.unique(currencies):
        rows = currencies == currency
        gg = gamma_gamma(currency)
        frame.loc[rows, "expected_order_value"] = gg.expected_order_value(x[rows], m[rows])
        frame.loc[rows, "clv"] = gg.clv(
            counts, x[rows], t_x[rows], T[rows], m[rows], horizon=settings.clv_horizon_days,
            step=settings.clv_step_days, discount_rate=settings.clv_discount_rate_per_step, margin=settings.margin)
    return frame[METRIC_COLUMNS].reset_index(drop=True)
