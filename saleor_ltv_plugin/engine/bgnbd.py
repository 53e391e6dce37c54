"""BG/NBD model: probability alive and expected purchases, fitted by maximum likelihood.

Source: P. S. Fader, B. G. S. Hardie and K. L. Lee (2005), "'Counting Your
Customers' the Easy Way: An Alternative to the Pareto/NBD Model", Marketing
Science 24(2):275–284 — likelihood (their eq. 6), E[X(t)] (eq. 9), P(alive)
and the conditional expectation (eq. 10, and the 2008 note "Computing P(alive)
using the BG/NBD model").

Symbols → our names (as in :func:`saleor_ltv_plugin.engine.summary.bgnbd_inputs`):
``x`` = ``frequency`` (repeat purchase occasions), ``t_x`` = ``recency`` (time
of the last occasion since the first), ``T`` = ``T`` (time since the first
occasion). All three share one time unit (days or weeks) and so do ``t`` and
the scale parameter ``alpha``; ``r``, ``a``, ``b`` are unit-free.

Fitting: identical (x, t_x, T) rows are compressed with weights, the negative
log-likelihood is evaluated in log space (``gammaln``/``betaln``/``logaddexp``)
with an analytic gradient and minimised by L-BFGS-B over log-parameters. A fit
never raises: too little data, a failed optimiser or a parameter on its bound is
reported in ``status``/``reason`` (then the parameters are NaN, except for
``boundary``, which keeps the bounded estimate for inspection).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import betaln, digamma, gammaln, hyp2f1

LOG_BOUND = 12.0  # parameters are searched within e^-12 … e^12
MIN_ACCOUNTS = 20
MIN_REPEATERS = 5


@dataclass(frozen=True)
class BetaGeoModel:
    """A fitted BG/NBD model. ``status``: ok | boundary | insufficient_data | failed.

    Prediction methods take ``x``, ``t_x``, ``T`` and horizons ``t`` in the time
    unit the model was fitted in; they return NaN when the fit did not succeed.
    """

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    status: str = "ok"
    reason: str = ""
    n_accounts: int = 0
    iterations: int = 0

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def params(self) -> dict[str, float]:
        return {"r": self.r, "alpha": self.alpha, "a": self.a, "b": self.b}

    def probability_alive(self, x, t_x, T) -> np.ndarray:
        """P(still active at T | x, t_x, T): 1 for x = 0 (no dropout opportunity yet)."""
        x, t_x, T = _arrays(x, t_x, T)
        return 1.0 / (1.0 + np.exp(self._log_dropout_odds(x, t_x, T)))

    def expected_purchases(self, t) -> np.ndarray:
        """E[X(t)]: expected occasions of a *new* account in its first ``t`` units (eq. 9)."""
        t = np.asarray(t, dtype=np.float64)
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        z = t / (alpha + t)
        head = (a + b - 1.0) / (a - 1.0)
        return head * (1.0 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1.0, z))

    def conditional_expected_purchases(self, t, x, t_x, T) -> np.ndarray:
        """E[Y(t) | x, t_x, T]: expected occasions in the next ``t`` units (eq. 10)."""
        x, t_x, T = _arrays(x, t_x, T)
        t = np.asarray(t, dtype=np.float64)
        if t.ndim or x.ndim != 1:
            return self._if_alive(t, x, T) / (1.0 + np.exp(self._log_dropout_odds(x, t_x, T)))
        return self.conditional_expected_by_horizon([float(t)], x, t_x, T)[0]

    def conditional_expected_by_horizon(self, horizons, x, t_x, T) -> list[np.ndarray]:
        """E[Y(t) | x, t_x, T] for each t in ``horizons`` (1-d inputs), sharing the work.

        Eq. 10 is (a part that depends on x and T only, the costly ²F₁) ÷ (1 + dropout
        odds): the first is evaluated once per distinct (x, T) pair — tens of
        thousands for a million accounts — and the odds once per account.
        """
        x, t_x, T = _arrays(x, t_x, T)
        (ux, uT), inverse = _distinct_pairs(x, T)
        alive_share = 1.0 / (1.0 + np.exp(self._log_dropout_odds(x, t_x, T)))
        return [self._if_alive(float(t), ux, uT)[inverse] * alive_share for t in horizons]

    def _if_alive(self, t, x, T):
        """E[Y(t)] of an account that is still alive: the numerator of eq. 10."""
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        z = t / (alpha + T + t)
        growth = (a + b + x - 1.0) / (a - 1.0)
        return growth * (1.0 - np.exp((r + x) * np.log((alpha + T) / (alpha + T + t))) * hyp2f1(
            r + x, b + x, a + b + x - 1.0, z
        ))

    def _log_dropout_odds(self, x, t_x, T) -> np.ndarray:
        """log of δ(x>0)·a/(b+x−1)·((α+T)/(α+t_x))^(r+x); −inf where x = 0."""
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        with np.errstate(divide="ignore", invalid="ignore"):
            odds = (
                np.log(a)
                - np.log(b + x - 1.0)
                + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
            )
        return np.where(x > 0, odds, -np.inf)


def _arrays(*columns):
    return tuple(np.asarray(c, dtype=np.float64) for c in columns)


def _distinct_pairs(x: np.ndarray, T: np.ndarray):
    """((distinct x, distinct T) of the pairs, index of each row into them)."""
    if len(x) == 0:
        return (x, T), np.zeros(0, dtype=np.int64)
    x_codes, x_values = pd.factorize(x)
    T_codes, T_values = pd.factorize(T)
    inverse, packed = pd.factorize(x_codes.astype(np.int64) * len(T_values) + T_codes)
    return (x_values[packed // len(T_values)], T_values[packed % len(T_values)]), inverse


def compress(*columns, weights=None):
    """Unique rows of the given columns and how many times each occurs (or summed weights).

    Each column is factorised by hashing (O(n), no sort), the small codes are
    packed into one int64 key and that is factorised again; unique rows come out
    sorted by the packed key, so the result does not depend on input row order.
    """
    arrays = [np.asarray(c, dtype=np.float64) for c in columns]
    w = np.ones(len(arrays[0])) if weights is None else np.asarray(weights, dtype=np.float64)
    if len(arrays[0]) == 0:
        return [np.zeros(0) for _ in columns], np.zeros(0)
    key, values, widths = np.zeros(len(arrays[0]), dtype=np.int64), [], []
    for a in arrays:
        codes, uniques = pd.factorize(a, sort=True)
        key = key * len(uniques) + codes
        values.append(uniques)
        widths.append(len(uniques))
    if np.prod(np.asarray(widths, dtype=np.float64)) >= 2.0**62:  # cannot pack: sort rows instead
        stacked, inverse = np.unique(np.column_stack(arrays), axis=0, return_inverse=True)
        counts = np.bincount(inverse.reshape(-1), weights=w, minlength=len(stacked))
        return [stacked[:, i] for i in range(stacked.shape[1])], counts
    inverse, packed = pd.factorize(key, sort=True)
    counts = np.bincount(inverse, weights=w, minlength=len(packed))
    uniques = []
    for unique_values, width in zip(reversed(values), reversed(widths)):
        uniques.append(unique_values[packed % width])
        packed = packed // width
    return uniques[::-1], counts


def log_likelihood(params, x, t_x, T) -> np.ndarray:
    """Per-account log-likelihood ln L(r, α, a, b | x, t_x, T) (FHL 2005, eq. 6)."""
    x, t_x, T = _arrays(x, t_x, T)
    value, _ = _loglik_and_grad(np.asarray(params, dtype=np.float64), _by_count(x), t_x, T)
    return value


def _by_count(x):
    """(unique repeat counts, index of each row into them): special functions of x
    are evaluated once per distinct count (a few hundred) instead of once per row."""
    unique, inverse = np.unique(x, return_inverse=True)
    return unique, inverse.reshape(-1)


def _loglik_and_grad(params, x_groups, t_x, T):
    """Per-row log-likelihood and its gradient w.r.t. (r, α, a, b) (rows × 4)."""
    r, alpha, a, b = params
    ux, idx = x_groups
    repeat_u = ux > 0
    xm1 = np.where(repeat_u, ux - 1.0, 0.0)  # keep betaln finite where x = 0 (term masked)
    beta_ab = betaln(a, b)
    psi_ab, psi_abx = digamma(a + b), digamma(a + b + ux)
    # Terms that depend on x only, one value per distinct x.
    c1 = gammaln(r + ux) - gammaln(r) + r * np.log(alpha)
    c2 = betaln(a, b + ux) - beta_ab
    c3 = np.where(repeat_u, betaln(a + 1.0, b + xm1) - beta_ab, -np.inf)
    g_r = digamma(r + ux) - digamma(r) + np.log(alpha)
    g2_a = psi_ab - psi_abx
    g3_a = digamma(a + 1.0) - digamma(a) + psi_ab - psi_abx
    g2_b = digamma(b + ux) - psi_abx - digamma(b) + psi_ab
    g3_b = np.where(repeat_u, digamma(b + xm1) - psi_abx - digamma(b) + psi_ab, 0.0)
    rx = (r + ux)[idx]
    log_T, log_tx = np.log(alpha + T), np.log(alpha + t_x)
    a2 = c2[idx] - rx * log_T
    a3 = c3[idx] - rx * log_tx
    mix = np.logaddexp(a2, a3)
    w2 = np.exp(a2 - mix)
    w3 = 1.0 - w2
    value = c1[idx] + mix
    d_r = g_r[idx] - w2 * log_T - w3 * log_tx
    d_alpha = r / alpha - rx * (w2 / (alpha + T) + w3 / (alpha + t_x))
    d_a = w2 * g2_a[idx] + w3 * g3_a[idx]
    d_b = w2 * g2_b[idx] + w3 * g3_b[idx]
    return value, (d_r, d_alpha, d_a, d_b)


def _objective(log_params, x_groups, t_x, T, weights, scale):
    params = np.exp(log_params)
    value, grad = _loglik_and_grad(params, x_groups, t_x, T)
    total = -(weights @ value) / scale
    gradient = -np.array([weights @ g for g in grad]) * params / scale
    if not np.isfinite(total) or not np.all(np.isfinite(gradient)):
        return 1e300, np.zeros(4)
    return total, gradient


def fit_bgnbd(frequency, recency, T, *, weights=None, initial=None, max_iter=500) -> BetaGeoModel:
    """Fit BG/NBD by MLE. Inputs as in :func:`bgnbd_inputs` (x, t_x, T; one time unit).

    Rows with T ≤ 0 are kept (they carry no information but no harm); rows with
    NaN, negative x, t_x > T or t_x < 0 are dropped. Needs at least
    ``MIN_ACCOUNTS`` accounts and ``MIN_REPEATERS`` with a repeat purchase,
    otherwise ``status="insufficient_data"``. ``initial`` = (r, α, a, b) start.
    """
    x, t_x, T = _arrays(frequency, recency, T)
    w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=np.float64)
    valid = np.isfinite(x) & np.isfinite(t_x) & np.isfinite(T) & (x >= 0) & (t_x >= 0)
    valid &= (t_x <= T + 1e-9) & np.isfinite(w) & (w > 0)
    x, t_x, T, w = x[valid], t_x[valid], T[valid], w[valid]
    n, repeaters = float(w.sum()), float(w[x > 0].sum())
    if n < MIN_ACCOUNTS or repeaters < MIN_REPEATERS:
        reason = (f"{n:.0f} accounts, {repeaters:.0f} with a repeat purchase; "
                  f"need {MIN_ACCOUNTS} and {MIN_REPEATERS}")
        return _fallback("insufficient_data", reason, int(n))
    (x, t_x, T), w = compress(x, t_x, T, weights=w)
    start = np.log(initial) if initial is not None else _start(x, t_x, T, w)
    try:
        result = minimize(
            _objective, start, args=(_by_count(x), t_x, T, w, n), jac=True, method="L-BFGS-B",
            bounds=[(-LOG_BOUND, LOG_BOUND)] * 4, options={"maxiter": max_iter},
        )
    except (ValueError, FloatingPointError, ArithmeticError) as exc:  # pragma: no cover
        return _fallback("failed", f"optimiser raised {exc!r}", int(n))
    return _model_from(result, n)


def _start(x, t_x, T, w) -> np.ndarray:
    mean_x = max(float(w @ x / w.sum()), 0.05)
    mean_T = max(float(w @ T / w.sum()), 1e-3)
    return np.log([1.0, mean_T / mean_x, 1.0, 1.0])


def _model_from(result, n: float) -> BetaGeoModel:
    log_params = result.x
    r, alpha, a, b = (float(v) for v in np.exp(log_params))
    ll = -float(result.fun) * n
    if not np.isfinite(ll) or result.fun >= 1e299:
        return _fallback("failed", f"no finite likelihood: {result.message}", int(n))
    common = dict(log_likelihood=ll, n_accounts=int(n), iterations=int(result.nit))
    if np.any(np.abs(log_params) >= LOG_BOUND - 1e-3):
        names = [k for k, v in zip("r alpha a b".split(), log_params) if abs(v) >= LOG_BOUND - 1e-3]
        return BetaGeoModel(r, alpha, a, b, status="boundary",
                            reason=f"parameter(s) {', '.join(names)} on the search bound", **common)
    if not result.success:
        return BetaGeoModel(np.nan, np.nan, np.nan, np.nan, status="failed",
                            reason=f"optimiser: {result.message}", **common)
    return BetaGeoModel(r, alpha, a, b, **common)


def _fallback(status: str, reason: str, n: int) -> BetaGeoModel:
    nan = float("nan")
    return BetaGeoModel(nan, nan, nan, nan, log_likelihood=nan, status=status, reason=reason,
                        n_accounts=n)
