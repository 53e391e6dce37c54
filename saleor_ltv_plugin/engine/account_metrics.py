"""One call for a recompute: every per-account figure, named like ``AccountMetrics``' fields.

Composes summary → RFM → CPM → lifecycle → rhythm → purchase-count model →
Gamma-Gamma. The purchase-count model (BG/NBD, MBG/NBD or Pareto/NBD, chosen on
the shop's own holdout by :mod:`.model_choice`) is fitted once on all rows in
days (purchase timing does not depend on the currency); Gamma-Gamma once per
currency (money is never mixed). When a fit is not ``ok`` its columns are NaN and
``report`` says why — callers fall back to the rhythm's ``overdue_ratio``/``churn_risk``.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import scoring
from .cpm import CpmBounds
from .cycle import RhythmSettings
from .fitted import FittedShop, fitted_state, shop_rhythm_prior
from .gamma_gamma import fit_gamma_gamma
from .lifecycle import LifecycleThresholds, lifecycle_stages
from .metric_columns import METRIC_COLUMNS
from .model_choice import choose_model, fit_chosen
from .rfm import RfmSettings, rfm_scores
from .summary import bgnbd_inputs, summarize_orders

__all__ = ["METRIC_COLUMNS", "MetricsSettings", "compute_account_metrics", "fit_shop", "prospect_metrics",
           "with_prospects"]

@dataclass(frozen=True)
class MetricsSettings:
    """Everything a recompute needs; days unless named otherwise."""

    merge_same_day: bool = True
    tz: str | None = None
    rfm: RfmSettings = field(default_factory=RfmSettings)
    cpm: CpmBounds = field(default_factory=CpmBounds)
    lifecycle: LifecycleThresholds = field(default_factory=LifecycleThresholds)
    rhythm: RhythmSettings = field(default_factory=RhythmSettings)
    expected_purchases_horizon_days: float = 90.0
    clv_horizon_days: float = 365.0
    clv_step_days: float = 30.0
    clv_discount_rate_per_step: float = 0.01
    margin: float = 1.0
    prediction_model: str = "auto"  # auto (chosen on the holdout) | bgnbd | mbgnbd | pareto_nbd
    model_holdout_days: int | None = None  # None: half the history, 28 … 365 days (model_choice)


def compute_account_metrics(
    orders: pd.DataFrame, as_of=None, settings: MetricsSettings | None = None
) -> tuple[pd.DataFrame, dict]:
    """(metrics frame with :data:`METRIC_COLUMNS`, report of the model fits).

    ``report`` = {"as_of", "accounts", "prediction_model": {name, label, reason and
    reason_ja (why chosen), criterion, params, status, fit_reason, log_likelihood, unit,
    holdout, scores},
    "gamma_gamma": {currency: {...params, status, reason}}} (JSON-serialisable).
    """
    frame, report, _ = fit_shop(orders, as_of, settings)
    return frame, report


def fit_shop(
    orders: pd.DataFrame, as_of=None, settings: MetricsSettings | None = None
) -> tuple[pd.DataFrame, dict, FittedShop]:
    """:func:`compute_account_metrics` plus the :class:`~.fitted.FittedShop` that re-scores one account."""
    s = settings or MetricsSettings()
    summary = summarize_orders(orders, as_of, merge_same_day=s.merge_same_day, tz=s.tz)
    inputs = bgnbd_inputs(summary, unit="days")
    x, t_x, T = inputs["frequency"], inputs["recency"], inputs["T"]
    by_currency = {currency: (summary["currency"] == currency).to_numpy()
                   for currency in pd.unique(summary["currency"])}
    # The fits are numpy/scipy ufunc loops that release the GIL: run them beside the
    # descriptive figures (1 M accounts: 4.5 s one after the other).
    with ThreadPoolExecutor(max_workers=2) as pool:
        counts_fit = pool.submit(prediction_model, orders, summary.attrs.get("as_of"), x, t_x, T, s)
        gg_fits = {currency: pool.submit(fit_gamma_gamma, x[rows], inputs["monetary_value"][rows])
                   for currency, rows in by_currency.items()}
        prior = shop_rhythm_prior(summary, s.rhythm)
        frame = scoring.describe(summary, rfm_scores(summary, s.rfm), s.cpm, prior, s)
        counts, chosen = counts_fit.result()
        gg_models = {currency: future.result() for currency, future in gg_fits.items()}
    metrics = scoring.predict(frame, inputs, counts, gg_models.__getitem__, s)
    gg_report = {str(currency): {**gg.params, "status": gg.status, "reason": gg.reason,
                                 "log_likelihood": gg.log_likelihood} for currency, gg in gg_models.items()}
    report = {
        "as_of": str(summary.attrs.get("as_of", "")),
        "accounts": int(len(summary)),
        "prediction_model": chosen,
        "gamma_gamma": gg_report,
    }
    fitted = fitted_state(summary.reset_index(drop=True), metrics, report, s.cpm, prior, s.rfm)
    return metrics, report, fitted


def prospect_metrics(prospects: pd.DataFrame, like: pd.DataFrame | None = None,
                     lifecycle: LifecycleThresholds | None = None) -> pd.DataFrame:
    """Metrics rows (:data:`METRIC_COLUMNS`) of accounts that never bought (stage ``prospect``).

    ``prospects`` has ``account_id`` and ``currency``. No purchase means no R/F/M score, segment,
    rhythm, churn risk, P(alive) or CLV: those are missing; frequency, spend and average order
    value are 0. With ``like`` (a frame of bought rows) the text columns take its categories
    where it has them, so appending the rows keeps its dtypes (no copy to object columns).
    """
    ids = prospects["account_id"].to_numpy()
    staged = lifecycle_stages(pd.DataFrame(columns=["account_id", "currency", "frequency", "recency_days"]),
                              lifecycle, registered_account_ids=ids)
    stage = staged.set_index("account_id")["stage"].reindex(ids).to_numpy(dtype=object)
    n = len(ids)
    nothing = np.full(n, np.nan)
    frame = pd.DataFrame({
        "account_id": ids, "currency": prospects["currency"].to_numpy(dtype=object),
        "first_purchase_at": pd.NaT, "last_purchase_at": pd.NaT, "frequency": np.zeros(n, dtype=np.int64),
        "recency_days": nothing, "tenure_days": nothing, "monetary": np.zeros(n), "average_order_value": np.zeros(n),
        "r_score": nothing, "f_score": nothing, "m_score": nothing, "rfm_segment": None, "rfm_rank": nothing,
        "cpm_cell": None, "stage": stage, "typical_interval_days": nothing, "next_purchase_on": pd.NaT,
        "overdue_ratio": nothing, "churn_risk": np.zeros(n, dtype=bool), "p_alive": nothing,
        "expected_purchases": nothing, "expected_order_value": nothing, "clv": nothing,
    }, columns=METRIC_COLUMNS)
    for name in ("first_purchase_at", "last_purchase_at", "next_purchase_on"):
        frame[name] = pd.to_datetime(frame[name])
    if like is not None:
        for name in METRIC_COLUMNS:
            dtype = like[name].dtype
            if isinstance(dtype, pd.CategoricalDtype):
                categories = dtype.categories.union(pd.Index(frame[name].dropna().unique()), sort=False)
                frame[name] = pd.Categorical(frame[name], categories=categories)
    return frame


def with_prospects(metrics: pd.DataFrame, prospects: pd.DataFrame | None,
                   lifecycle: LifecycleThresholds | None = None) -> pd.DataFrame:
    """The bought rows, then a row per prospect (:func:`prospect_metrics`); ``metrics`` itself without any."""
    if prospects is None or not len(prospects):
        return metrics
    rows = prospect_metrics(prospects, metrics, lifecycle)
    for name in METRIC_COLUMNS:  # one set of categories per column, so concat keeps the dtype
        if isinstance(rows[name].dtype, pd.CategoricalDtype) and isinstance(metrics[name].dtype, pd.CategoricalDtype):
            metrics = metrics.assign(**{name: metrics[name].cat.set_categories(rows[name].cat.categories)})
    return pd.concat([metrics, rows], ignore_index=True)


def prediction_model(orders: pd.DataFrame, as_of, x, t_x, T, settings: MetricsSettings):
    """(the fitted purchase-count model, its report entry): chosen on the holdout, fitted on all."""
    choice = choose_model(orders, as_of, merge_same_day=settings.merge_same_day, tz=settings.tz,
                          holdout_days=settings.model_holdout_days, model=settings.prediction_model)
    model, note, note_ja = fit_chosen(choice, x, t_x, T)
    return model, {
        "name": model.name, "label": model.label, "reason": choice.reason + note,
        "reason_ja": choice.reason_ja + note_ja,
        "criterion": choice.criterion, "params": model.params, "status": model.status,
        "fit_reason": model.reason, "log_likelihood": model.log_likelihood, "unit": "days",
        "holdout": choice.holdout, "scores": choice.scores,
    }
