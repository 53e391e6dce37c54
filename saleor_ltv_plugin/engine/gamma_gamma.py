"""Gamma-Gamma model of spend per purchase, and CLV combined with a purchase-count model.

Sources: P. S. Fader, B. G. S. Hardie and K. L. Lee (2005), "RFM and CLV: Using
Iso-Value Curves for Customer Base Analysis", Journal of Marketing Research
42(4):415–430; P. S. Fader and B. G. S. Hardie (2013), "The Gamma-Gamma Model
of Monetary Value" (note) — the likelihood (eq. 4 of the note) and the
conditional expectation E[M | p, q, γ, m̄_x, x] = p(γ + x·m̄_x) / (p·x + q − 1).

Symbols → our names: ``x`` = ``frequency`` (repeat occasions, as in BG/NBD),
``m̄_x`` = ``monetary_value`` (mean value of the repeat occasions, in the
account's currency), ``γ`` = ``v``. Only accounts with x > 0 and m̄_x > 0 are
used to fit; the model assumes spend per occasion is independent of frequency.
Money is in one currency: fit one model per currency.

A fit never raises: too few accounts, a failed optimiser, a parameter on its
bound or q ≤ 1 (mean spend undefined) is reported in ``status``/``reason``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import digamma, gammaln

from ._blas import single_blas_thread
from ._mle import LOG_BOUND, by_count as _by_count, compress

MIN_ACCOUNTS = 10


@dataclass(frozen=True)
class GammaGammaModel:
    """A fitted Gamma-Gamma model. ``status``: ok | boundary | insufficient_data | failed."""

    p: float
    q: float
    v: float
    log_likelihood: float
    status: str = "ok"
    reason: str = ""
    n_accounts: int = 0

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def params(self) -> dict[str, float]:
        return {"p": self.p, "q": self.q, "v": self.v}

    @property
    def population_mean_value(self) -> float:
        """E[value per occasion] of an account with no repeat history: p·v/(q−1)."""
        return self.p * self.v / (self.q - 1.0) if self.q > 1 else float("nan")

    def expected_order_value(self, x, m) -> np.ndarray:
        """E[value per occasion | x repeats with mean m̄_x = m] (currency units).

        x = 0 (or m NaN) gives the population mean; a weighted average of the
        population mean and the account's own mean, the latter weighing more with x.
        """
        x = np.asarray(x, dtype=np.float64)
        m = np.nan_to_num(np.asarray(m, dtype=np.float64), nan=0.0)
        m = np.where(x > 0, m, 0.0)
        return self.p * (self.v + x * m) / (self.p * x + self.q - 1.0)

    def clv(
        self,
        counts,
        x,
        t_x,
        T,
        m,
        *,
        horizon: float = 365.0,
        step: float = 30.0,
        discount_rate: float = 0.0,
        margin: float = 1.0,
    ) -> np.ndarray:
        """Discounted expected value of an account's purchases over ``horizon``.

        ``counts`` is the fitted purchase-count model (BG/NBD, MBG/NBD or Pareto/NBD);
        ``horizon`` and ``step`` are in its time unit (e.g. 365 and 30 days);
        ``discount_rate`` is per step (e.g. 0.01 per month); ``margin`` the share of
        revenue kept. Sums, over steps k = 1…K, the expected occasions in step k
        (from ``counts.conditional_expected_by_horizon``) × expected value ×
        margin ÷ (1 + d)^k. Currency units of ``m``.
        """
        value = self.expected_order_value(x, m) * margin
        steps = max(int(np.ceil(horizon / step)), 1)
        x, t_x, T = (np.atleast_1d(np.asarray(c, dtype=np.float64)) for c in np.broadcast_arrays(x, t_x, T))
        horizons = [min(k * step, horizon) for k in range(1, steps + 1)]
        expected = counts.conditional_expected_by_horizon(horizons, x, t_x, T)
        total, previous = np.zeros(len(x)), 0.0
        for k, upto in enumerate(expected, start=1):
            total += (upto - previous) / (1.0 + discount_rate) ** k
            previous = upto
        return (total * value).reshape(np.shape(value)) if np.ndim(value) else float((total * value)[0])


def log_likelihood(params, x, m) -> np.ndarray:
    """Per-account ln f(m̄_x | p, q, v, x) (Fader & Hardie 2013, eq. 4)."""
    x, m = np.asarray(x, float), np.asarray(m, float)
    value, _ = _loglik_and_grad(np.asarray(params, dtype=np.float64), _by_count(x), m)
    return value


def _loglik_and_grad(params, x_groups, m):
    """Per-row log-likelihood and gradient w.r.t. (p, q, v); special functions once per x."""
    p, q, v = params
    ux, idx = x_groups
    pux = p * ux
    c = gammaln(pux + q) - gammaln(pux) - gammaln(q) + q * np.log(v) + pux * np.log(ux)
    psi = digamma(pux + q)
    g_p = ux * (psi - digamma(pux) + np.log(ux))
    g_q = psi - digamma(q) + np.log(v)
    x, px = ux[idx], pux[idx]
    total = x * m + v
    log_m, log_total = np.log(m), np.log(total)
    value = c[idx] + (px - 1.0) * log_m - (px + q) * log_total
    d_p = g_p[idx] + x * (log_m - log_total)
    d_q = g_q[idx] - log_total
    d_v = q / v - (px + q) / total
    return value, (d_p, d_q, d_v)


def _objective(log_params, x_groups, m, weights, scale):
    params = np.exp(log_params)
    value, grad = _loglik_and_grad(params, x_groups, m)
    total = -(weights @ value) / scale
    gradient = -np.array([weights @ g for g in grad]) * params / scale
    if not np.isfinite(total) or not np.all(np.isfinite(gradient)):
        return 1e300, np.zeros(3)
    return total, gradient


def fit_gamma_gamma(frequency, monetary_value, *, initial=None, max_iter=500) -> GammaGammaModel:
    """Fit Gamma-Gamma by MLE on accounts with frequency > 0 and monetary_value > 0.

    Other rows (one-time buyers, zero or negative spend, NaN) are ignored.
    ``initial`` = (p, q, v) start; by default moments of the observed means.
    """
    x = np.asarray(frequency, dtype=np.float64)
    m = np.asarray(monetary_value, dtype=np.float64)
    keep = np.isfinite(x) & np.isfinite(m) & (x > 0) & (m > 0)
    x, m = x[keep], m[keep]
    n = len(x)
    if n < MIN_ACCOUNTS:
        return _fallback("insufficient_data", f"{n} accounts with repeat spend; need {MIN_ACCOUNTS}", n)
    # Scale money to a mean of 1 so the optimiser sees unit-free numbers; v scales back.
    unit = float(np.mean(m))
    (x, m_scaled), w = compress(x, m / unit)
    start = np.log(initial) - np.log([1, 1, unit]) if initial is not None else np.log([2.0, 3.0, 2.0])
    from scipy.optimize import minimize  # loaded on the first fit (see _mle.maximise)

    try:
        with single_blas_thread():
            result = minimize(
                _objective, start, args=(_by_count(x), m_scaled, w, float(n)), jac=True,
                method="L-BFGS-B",
                bounds=[(-LOG_BOUND, LOG_BOUND)] * 3, options={"maxiter": max_iter},
            )
    except (ValueError, ArithmeticError) as exc:  # pragma: no cover
        return _fallback("failed", f"optimiser raised {exc!r}", n)
    return _model_from(result, n, unit, float(np.log(unit)))


def _model_from(result, n: int, unit: float, log_unit: float) -> GammaGammaModel:
    log_params = result.x
    p, q, v_scaled = (float(value) for value in np.exp(log_params))
    if result.fun >= 1e299:
        return _fallback("failed", f"no finite likelihood: {result.message}", n)
    # Density of m̄ in currency units = density of the scaled mean ÷ unit (per account).
    ll = -float(result.fun) * n - n * log_unit
    common = dict(log_likelihood=ll, n_accounts=n)
    if np.any(np.abs(log_params) >= LOG_BOUND - 1e-3):
        return GammaGammaModel(p, q, v_scaled * unit, status="boundary",
                               reason="a parameter is on the search bound", **common)
    if not result.success:
        return _fallback("failed", f"optimiser: {result.message}", n)
    if q <= 1.0:
        return GammaGammaModel(p, q, v_scaled * unit, status="failed",
                               reason=f"q = {q:.3g} ≤ 1: expected spend undefined", **common)
    return GammaGammaModel(p, q, v_scaled * unit, **common)


def _fallback(status: str, reason: str, n: int) -> GammaGammaModel:
    nan = float("nan")
    return GammaGammaModel(nan, nan, nan, log_likelihood=nan, status=status, reason=reason,
                           n_accounts=n)
