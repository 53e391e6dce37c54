"""What a full recompute learns about a shop, so one account can be re-scored alone.

A new order must update its account's row at once, without refitting the shop:
:func:`fitted_state` captures, from a full run, everything that depends on the
other accounts — RFM cut points (turned into fixed bounds that reproduce the
quantile scores exactly, ties included), CPM spend bounds, the rhythm prior and
the chosen purchase-count model's and the Gamma-Gamma parameters. :func:`score_accounts` then scores any
subset of accounts with them; on the run's own data it reproduces the run's rows.
Days and money units as in :mod:`.summary`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from . import scoring
from .cpm import CpmBounds, _proposed_spend
from .cycle import _prior, own_interval
from .gamma_gamma import GammaGammaModel
from .model_choice import model_from_params
from .rfm import RfmSettings, rfm_scores
from .summary import bgnbd_inputs, summarize_orders

_INF = float("inf")


@dataclass(frozen=True)
class FittedShop:
    """Per-currency state of a full run; JSON round-trips through :meth:`to_dict`."""

    prediction_model: dict  # name (bgnbd | mbgnbd | pareto_nbd), its parameters, status, reason (days)
    gamma_gamma: dict = field(default_factory=dict)  # currency → p, q, v, status, reason
    rfm_bounds: dict = field(default_factory=dict)  # currency → {"r": [4], "f": [4], "m": [4]}
    spend_bounds: dict = field(default_factory=dict)  # currency → CPM high-spend bound
    rhythm_prior_days: float = 30.0
    sku_priors: dict = field(default_factory=dict)  # cycle.SkuPriors.to_dict(); {} before format 2

    FORMAT = 2  # 1: no sku_priors (a re-score then leaves SKU rhythms to the next full run)

    def to_dict(self) -> dict:
        return {"prediction_model": self.prediction_model, "gamma_gamma": self.gamma_gamma,
                "rfm_bounds": self.rfm_bounds, "spend_bounds": self.spend_bounds,
                "rhythm_prior_days": self.rhythm_prior_days, "sku_priors": self.sku_priors}

    @classmethod
    def from_dict(cls, data: dict) -> FittedShop:
        """Inverse of to_dict; also accepts JSON without infinities (None for an unreached bound)
        and the state of runs before the model choice (a "bgnbd" entry)."""
        bounds = {
            currency: {dim: [_INF if b is None else float(b) for b in values] for dim, values in dims.items()}
            for currency, dims in (data.get("rfm_bounds") or {}).items()
        }
        data = dict(data)
        if "bgnbd" in data:
            data["prediction_model"] = {"name": "bgnbd", **data.pop("bgnbd")}
        return cls(**{**data, "rfm_bounds": bounds})


def _higher_better_bounds(values: np.ndarray, scores: np.ndarray) -> list[float]:
    """Four ascending bounds b2..b5: a value scores ≥ k iff it reaches b_k (min value scoring ≥ k)."""
    bounds, ceiling = [], _INF
    for k in (5, 4, 3, 2):
        reached = values[scores >= k]
        ceiling = min(ceiling, float(reached.min())) if len(reached) else ceiling
        bounds.append(ceiling)
    return bounds[::-1]


def _lower_better_bounds(values: np.ndarray, scores: np.ndarray) -> list[float]:
    """Bounds for days (fewer is better): score ≥ k iff days < b_(6-k); b = max days scoring ≥ k, + 1."""
    bounds, floor = [], -_INF
    for k in (5, 4, 3, 2):
        reached = values[scores >= k]
        floor = max(floor, float(reached.max()) + 1) if len(reached) else floor
        bounds.append(floor)
    return [b if np.isfinite(b) else -1.0 for b in bounds]  # no account at k: nobody reaches it


def fitted_state(summary: pd.DataFrame, metrics: pd.DataFrame, report: dict, cpm: CpmBounds,
                 prior_days: float, rfm: RfmSettings | None = None) -> FittedShop:
    """Capture a full run (its summary, metrics rows in the same order, and fit report).

    Dimensions scored by fixed bounds keep those bounds; quantile ones get the
    cut points the run's distribution produced.
    """
    rfm = rfm or RfmSettings()
    rfm_bounds, spend = {}, {}
    currencies = summary["currency"].to_numpy()
    for currency in pd.unique(currencies):
        rows = currencies == currency
        part = metrics.loc[rows]
        m_fixed = rfm.m_method == "fixed" and _m_bounds(rfm, currency) is not None
        rfm_bounds[str(currency)] = {
            "r": list(rfm.r_bounds) if rfm.r_method == "fixed" else _lower_better_bounds(
                part["recency_days"].to_numpy(float), part["r_score"].to_numpy()),
            "f": list(rfm.f_bounds) if rfm.f_method == "fixed" else _higher_better_bounds(
                part["frequency"].to_numpy(float), part["f_score"].to_numpy()),
            "m": list(_m_bounds(rfm, currency)) if m_fixed else _higher_better_bounds(
                part["monetary"].to_numpy(float), part["m_score"].to_numpy()),
        }
        bound = cpm.spend_bound(currency)
        spend[str(currency)] = float(bound if bound is not None else _proposed_spend(summary.loc[rows]))
    return FittedShop(
        prediction_model=_model_state(report["prediction_model"]),
        gamma_gamma={c: {k: v for k, v in g.items() if k in ("p", "q", "v", "status", "reason")}
                     for c, g in report["gamma_gamma"].items()},
        rfm_bounds=rfm_bounds, spend_bounds=spend, rhythm_prior_days=float(prior_days),
    )


def _model_state(entry: dict) -> dict:
    """What re-scoring needs of the report's prediction_model entry: name, parameters, fit status."""
    return {"name": entry["name"], **entry["params"], "status": entry["status"],
            "reason": entry["fit_reason"]}


def _m_bounds(rfm: RfmSettings, currency):
    bounds = rfm.m_bounds
    return bounds.get(currency) if hasattr(bounds, "get") else bounds


def shop_rhythm_prior(summary: pd.DataFrame, settings) -> float:
    n = summary["interval_count"].to_numpy(dtype=np.float64) if len(summary) else np.zeros(0)
    medians = own_interval(summary) if len(summary) else n
    return _prior(medians, n > 0, settings)


def _number(value) -> float:
    """Stored parameters: None (JSON has no NaN) means no value."""
    return float("nan") if value is None else float(value)


def _gg(params: dict | None) -> GammaGammaModel:
    if not params:
        return GammaGammaModel(p=np.nan, q=np.nan, v=np.nan, log_likelihood=np.nan,
                               status="insufficient_data", reason="no fit for this currency yet")
    return GammaGammaModel(p=_number(params["p"]), q=_number(params["q"]), v=_number(params["v"]),
                           log_likelihood=float("nan"),
                           status=params.get("status", "ok"), reason=params.get("reason", ""))


def _rescoring_rfm(rfm: RfmSettings, bounds: dict, currency) -> RfmSettings:
    """Fixed bounds per dimension: the settings' own where that dimension is fixed now (so a change
    applies at once), else the run's quantile cut points (one account cannot move the quantiles)."""
    m_set = _m_bounds(rfm, currency) if rfm.m_method == "fixed" else None
    return RfmSettings(
        r_method="fixed", f_method="fixed", m_method="fixed",
        r_bounds=tuple(rfm.r_bounds) if rfm.r_method == "fixed" else tuple(bounds["r"]),
        f_bounds=tuple(rfm.f_bounds) if rfm.f_method == "fixed" else tuple(bounds["f"]),
        m_bounds=tuple(m_set) if m_set is not None else tuple(bounds["m"]))


def score_accounts(orders: pd.DataFrame, as_of, fitted: FittedShop, settings) -> pd.DataFrame:
    """Metrics rows (``METRIC_COLUMNS``) for the accounts in ``orders``, with the shop's fitted state.

    ``settings`` is an :class:`~.account_metrics.MetricsSettings`. A currency the
    full run never saw scores by the settings' own bounds and gets no CLV.
    """
    summary = summarize_orders(orders, as_of, merge_same_day=settings.merge_same_day, tz=settings.tz)
    scores = []
    for currency, part in summary.groupby("currency", sort=False, observed=True):
        bounds = fitted.rfm_bounds.get(str(currency))
        rfm = settings.rfm if bounds is None else _rescoring_rfm(settings.rfm, bounds, currency)
        scores.append(rfm_scores(part, rfm))
    rfm = pd.concat(scores) if scores else rfm_scores(summary, settings.rfm)
    # Bounds set now win over the run's (a changed threshold applies at the next re-score); the run's
    # fill the currencies without one (their proposal from the shop's distribution).
    configured = settings.cpm.high_spend
    cpm = replace(settings.cpm, high_spend={**fitted.spend_bounds, **configured} if hasattr(configured, "get")
                  else configured)
    frame = scoring.describe(summary, rfm, cpm, fitted.rhythm_prior_days, settings)
    counts = model_from_params(fitted.prediction_model)
    return scoring.predict(frame, bgnbd_inputs(summary, unit="days"), counts,
                           lambda currency: _gg(fitted.gamma_gamma.get(str(currency))), settings)
