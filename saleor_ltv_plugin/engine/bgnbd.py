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

Fitting (shared with MBG/NBD and Pareto/NBD, :mod:`._mle`): identical
(x, t_x, T) rows are compressed with weights, the negative log-likelihood is
evaluated in log space (``gammaln``/``betaln``/``logaddexp``) with an analytic
gradient and minimised by L-BFGS-B over log-parameters. A fit never raises: too
little data, a failed optimiser or a parameter on its bound is reported in
``status``/``reason``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy.special import betaln, digamma, gammaln, hyp2f1

from ._mle import (
    FittedModel,  # noqa: F401  (compress, LOG_BOUND, MIN_*: public here since BG/NBD came first)
    LOG_BOUND,
    MIN_ACCOUNTS,
    MIN_REPEATERS,
    arrays as _arrays,
    by_count as _by_count,
    clean_inputs,
    compress,
    distinct_pairs as _distinct_pairs,
    fallback,
    maximise,
    model_from,
)

PARAMS = ("r", "alpha", "a", "b")


@dataclass(frozen=True)
class BetaGeoModel(FittedModel):
    """A fitted BG/NBD model. ``status``: ok | boundary | insufficient_data | failed.

    Prediction methods take ``x``, ``t_x``, ``T`` and horizons ``t`` in the time
    unit the model was fitted in; they return NaN when the fit did not succeed.
    """

    name: ClassVar[str] = "bgnbd"
    label: ClassVar[str] = "BG/NBD"
    param_names: ClassVar[tuple[str, ...]] = PARAMS
    # a, b → ∞ with a/(a+b) fixed: one dropout probability for all — the model without heterogeneity in dropout,
    # which a fit that ends with only these on the upper search bound approximates.
    limit_params: ClassVar[tuple[str, ...]] = ("a", "b")
    #: MBG/NBD (a subclass) lets an account drop out at its first purchase too.
    dropout_at_first_purchase: ClassVar[bool] = False

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    status: str = "ok"
    reason: str = ""
    n_accounts: int = 0
    iterations: int = 0
    bounded: tuple[str, ...] = ()  # parameters on their search bound (status boundary)

    @property
    def _k(self) -> float:
        """1 for MBG/NBD: its alive posterior has survived one more dropout chance (b+x+1)."""
        return 1.0 if self.dropout_at_first_purchase else 0.0

    def probability_alive(self, x, t_x, T) -> np.ndarray:
        """P(still active at T | x, t_x, T): 1 for x = 0 in BG/NBD (no dropout opportunity yet)."""
        x, t_x, T = _arrays(x, t_x, T)
        return 1.0 / (1.0 + np.exp(self._log_dropout_odds(x, t_x, T)))

    def expected_purchases(self, t) -> np.ndarray:
        """E[X(t)]: expected occasions of a *new* account in its first ``t`` units (eq. 9)."""
        t = np.asarray(t, dtype=np.float64)
        r, alpha, a, b, k = self.r, self.alpha, self.a, self.b, self._k
        z = t / (alpha + t)
        # MBG/NBD: alive after the first purchase with weight b/(a+b), then BG/NBD with b+1.
        head = (a + b - 1.0 + k) / (a - 1.0) * (b / (a + b)) ** k
        return head * (1.0 - (alpha / (alpha + t)) ** r * hyp2f1(r, b + k, a + b - 1.0 + k, z))

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
        r, alpha, a, b, k = self.r, self.alpha, self.a, self.b, self._k
        z = t / (alpha + T + t)
        growth = (a + b + x - 1.0 + k) / (a - 1.0)
        return growth * (1.0 - np.exp((r + x) * np.log((alpha + T) / (alpha + T + t))) * hyp2f1(
            r + x, b + x + k, a + b + x - 1.0 + k, z
        ))

    def _log_dropout_odds(self, x, t_x, T) -> np.ndarray:
        """log of δ·a/(b+x−1+k)·((α+T)/(α+t_x))^(r+x); BG/NBD: δ = [x > 0] (−inf at x = 0)."""
        r, alpha, a, b, k = self.r, self.alpha, self.a, self.b, self._k
        with np.errstate(divide="ignore", invalid="ignore"):
            odds = (
                np.log(a)
                - np.log(b + x - 1.0 + k)
                + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
            )
        return odds if self.dropout_at_first_purchase else np.where(x > 0, odds, -np.inf)


def log_likelihood(params, x, t_x, T, *, modified: bool = False) -> np.ndarray:
    """Per-account ln L(r, α, a, b | x, t_x, T): BG/NBD (FHL 2005, eq. 6), or MBG/NBD
    (Batislam, Denizel & Filiztekin 2007) with ``modified=True``."""
    x, t_x, T = _arrays(x, t_x, T)
    value, _ = _loglik_and_grad(np.asarray(params, dtype=np.float64), _by_count(x), t_x, T, modified)
    return value


def _loglik_and_grad(params, x_groups, t_x, T, modified=False):
    """Per-row log-likelihood and its gradient w.r.t. (r, α, a, b) (rows × 4).

    L = Γ(r+x)α^r/Γ(r) · [B(a, b+x+k)/B(a,b)·(α+T)^-(r+x) + δ·B(a+1, b+x−1+k)/B(a,b)·(α+t_x)^-(r+x)]
    with k = 0, δ = [x > 0] for BG/NBD (no dropout before the first repeat) and
    k = 1, δ = 1 for MBG/NBD (a dropout chance at every purchase, the first included).
    """
    r, alpha, a, b = params
    ux, idx = x_groups
    k = 1.0 if modified else 0.0
    second_u = np.ones(len(ux), dtype=bool) if modified else ux > 0
    bx1 = np.where(second_u, b + ux - 1.0 + k, b)  # keep betaln finite where the term is masked
    beta_ab = betaln(a, b)
    psi_ab, psi_abx = digamma(a + b), digamma(a + b + ux + k)
    # Terms that depend on x only, one value per distinct x.
    c1 = gammaln(r + ux) - gammaln(r) + r * np.log(alpha)
    c2 = betaln(a, b + ux + k) - beta_ab
    c3 = np.where(second_u, betaln(a + 1.0, bx1) - beta_ab, -np.inf)
    g_r = digamma(r + ux) - digamma(r) + np.log(alpha)
    g2_a = psi_ab - psi_abx
    g3_a = digamma(a + 1.0) - digamma(a) + psi_ab - psi_abx
    g2_b = digamma(b + ux + k) - psi_abx - digamma(b) + psi_ab
    g3_b = np.where(second_u, digamma(bx1) - psi_abx - digamma(b) + psi_ab, 0.0)
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


def _weighted(params, x_groups, t_x, T, weights, modified):
    value, grad = _loglik_and_grad(params, x_groups, t_x, T, modified)
    return weights @ value, [weights @ g for g in grad]


def fit_bgnbd(frequency, recency, T, *, weights=None, initial=None, max_iter=500) -> BetaGeoModel:
    """Fit BG/NBD by MLE. Inputs as in :func:`bgnbd_inputs` (x, t_x, T; one time unit).

    Rows with T ≤ 0 are kept (they carry no information but no harm); rows with
    NaN, negative x, t_x > T or t_x < 0 are dropped. Needs at least
    ``MIN_ACCOUNTS`` accounts and ``MIN_REPEATERS`` with a repeat purchase,
    otherwise ``status="insufficient_data"``. ``initial`` = (r, α, a, b) start.
    """
    return fit_beta_geometric(BetaGeoModel, frequency, recency, T, weights=weights,
                              initial=initial, max_iter=max_iter)


def fit_beta_geometric(cls, frequency, recency, T, *, weights=None, initial=None, max_iter=500):
    """Fit ``cls`` (BetaGeoModel or its MBG/NBD subclass) by MLE; see :func:`fit_bgnbd`."""
    x, t_x, T, w, n, problem = clean_inputs(frequency, recency, T, weights)
    if problem:
        return fallback(cls, PARAMS, "insufficient_data", problem, int(n))
    (x, t_x, T), w = compress(x, t_x, T, weights=w)
    start = np.log(initial) if initial is not None else _start(x, t_x, T, w)
    data = (_by_count(x), t_x, T, w, cls.dropout_at_first_purchase)
    try:
        result = maximise(_weighted, data, start, n, max_iter)
    except (ValueError, FloatingPointError, ArithmeticError) as exc:  # pragma: no cover
        return fallback(cls, PARAMS, "failed", f"optimiser raised {exc!r}", int(n))
    return model_from(cls, PARAMS, result, n)


def _start(x, t_x, T, w) -> np.ndarray:
    mean_x = max(float(w @ x / w.sum()), 0.05)
    mean_T = max(float(w @ T / w.sum()), 1e-3)
    return np.log([1.0, mean_T / mean_x, 1.0, 1.0])
