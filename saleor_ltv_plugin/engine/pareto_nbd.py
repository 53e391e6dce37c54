"""Pareto/NBD model: probability alive and expected purchases, fitted by maximum likelihood.

Sources: D. C. Schmittlein, D. G. Morrison and R. Colombo (1987), "Counting Your
Customers: Who Are They and What Will They Do Next?", Management Science
33(1):1–24; P. S. Fader and B. G. S. Hardie (2005), "A Note on Deriving the
Pareto/NBD Model and Related Expressions" — likelihood (their eq. 22 with A₀ of
eqs. 23–24), P(alive) (eq. 30) and E[Y(t) | x, t_x, T] (eq. 41). Fader, Hardie &
Lee (2005) report the CDNOW fit r 0.553, α 10.578, s 0.606, β 11.669, LL −9595.0.

An account buys at Poisson rate λ ~ Gamma(r, α) while alive; its lifetime is
exponential with rate μ ~ Gamma(s, β), so it can end at any moment — before a
first repeat too (P(alive) < 1 at x = 0, unlike BG/NBD). Symbols → our names as
in :mod:`.bgnbd`: x = ``frequency``, t_x = ``recency``, T = ``T``, all in one
time unit, as are ``t``, ``alpha`` and ``beta``; ``r`` and ``s`` are unit-free.

Numerics. Write the likelihood as
    L = Γ(r+x)α^r β^s/Γ(r) · [E(T) + s·(G(t_x) − G(T))],
    E(y) = (α+y)^-(r+x) (β+y)^-s,   G(y) = ∫_y^∞ (α+τ)^-(r+x) (β+τ)^-(s+1) dτ,
(the alive-at-T term, and death between t_x and T). G is the note's A₀ piece: with
a = r+s+x, for α ≥ β  G = (α+y)^-a/a · ₂F₁(a, s+1; a+1; (α−β)/(α+y)),
          for β > α   G = (β+y)^-a/a · ₂F₁(a, r+x; a+1; (β−α)/(β+y)).
Euler's transformation turns both into ₂F₁(1, b; a+1; z) with a = b + (c−b−1),
a series that stays moderate for large x and z → 1, so ln G is a sum of logs
(no overflow of (α+y)^-a, no 10^170 ₂F₁ values). G depends on (x, y) only: it is
evaluated once per distinct (x, t_x) and (x, T) pair — tens of thousands for a
million accounts. E(T) − s·G(T) ≥ 0 (it is the alive term minus the death-after-T
term), so the bracket is summed without a harmful cancellation. ln ₂F₁(1, b; c; z)
and its derivatives in b, c and z come from one series pass (:mod:`._hyp2f1`: the
power series, or the 1 − z connection formula near z = 1), so the gradient is
analytic; where that series would cancel, scipy's ₂F₁ gives the value and ∂/∂b, ∂/∂c
by forward differences, ∂/∂z by its closed form (b/c)·₂F₁(2, b+1; c+1; z).
Where scipy's ₂F₁ gives up (NaN for a large b or c − b with z > 0.9 — many purchases
and one rate scale far from the other), G is integrated numerically instead, with its
exact gradient (:func:`_log_tail_by_quadrature`).
Fit statuses as in :mod:`._mle`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from scipy.special import digamma, gammaln, hyp2f1, roots_legendre

from ._hyp2f1 import log_hyp2f1_1
from ._mle import (
    LOG_BOUND,
    FittedModel,
    arrays,
    by_count,
    clean_inputs,
    compress,
    distinct_pairs,
    fallback,
    maximise,
    model_from,
)

PARAMS = ("r", "alpha", "s", "beta")
_STEP = 1e-6  # forward-difference step of ln ₂F₁ in its parameters b, c (relative to 1 + c)
# s > e^5 (≈ 150) is a dropout rate without heterogeneity — the model's edge: the search stops
# there and says "boundary" (model_choice.at_its_limit scores such a fit as that limit model).
_BOUNDS = [(-LOG_BOUND, LOG_BOUND), (-LOG_BOUND, LOG_BOUND), (-LOG_BOUND, 5.0), (-LOG_BOUND, LOG_BOUND)]
_NODES, _WEIGHTS = roots_legendre(10)
_GAUSS = ((_NODES + 1.0) / 2.0, _WEIGHTS / 2.0)  # Gauss–Legendre on [0, 1]


@dataclass(frozen=True)
class ParetoNbdModel(FittedModel):
    """A fitted Pareto/NBD model. ``status``: ok | boundary | insufficient_data | failed.

    Prediction methods take ``x``, ``t_x``, ``T`` and horizons ``t`` in the time
    unit the model was fitted in; they return NaN when the fit did not succeed.
    """

    name: ClassVar[str] = "pareto_nbd"
    label: ClassVar[str] = "Pareto/NBD"
    param_names: ClassVar[tuple[str, ...]] = PARAMS
    # s, β → ∞ with s/β fixed: one dropout rate for all — the model without heterogeneity in dropout,
    # which a fit that ends with only these on the upper search bound approximates.
    limit_params: ClassVar[tuple[str, ...]] = ("s", "beta")

    r: float
    alpha: float
    s: float
    beta: float
    log_likelihood: float
    status: str = "ok"
    reason: str = ""
    n_accounts: int = 0
    iterations: int = 0
    bounded: tuple[str, ...] = ()  # parameters on their search bound (status boundary)

    @property
    def _theta(self):
        return np.array([self.r, self.alpha, self.s, self.beta])

    def probability_alive(self, x, t_x, T) -> np.ndarray:
        """P(still active at T | x, t_x, T) = E(T) / [E(T) + s·(G(t_x) − G(T))] (note eq. 30)."""
        x, t_x, T = arrays(x, t_x, T)
        if not np.all(np.isfinite(self._theta)):
            return np.full(np.broadcast(x, t_x, T).shape, np.nan)
        shape = np.broadcast(x, t_x, T).shape
        x, t_x, T = (np.ravel(c) for c in np.broadcast_arrays(x, t_x, T))
        log_alive, log_total = _alive_and_total(self._theta, x, t_x, T)
        return np.exp(log_alive - log_total).reshape(shape)

    def expected_purchases(self, t) -> np.ndarray:
        """E[X(t)]: expected occasions of a *new* account in its first ``t`` units:
        rβ/(α(s−1))·[1 − (β/(β+t))^(s−1)] (note eq. 27)."""
        t = np.asarray(t, dtype=np.float64)
        r, alpha, s, beta = self._theta
        return r * beta / alpha * _power_share(np.log(beta / (beta + t)), s - 1.0)

    def conditional_expected_purchases(self, t, x, t_x, T) -> np.ndarray:
        """E[Y(t) | x, t_x, T]: expected occasions in the next ``t`` units (note eq. 41)."""
        x, t_x, T = arrays(x, t_x, T)
        t = np.asarray(t, dtype=np.float64)
        shape = np.broadcast(t, x, t_x, T).shape
        t, x, t_x, T = (np.ravel(c) for c in np.broadcast_arrays(t, x, t_x, T))
        return (self._if_alive(t, x, T) * self.probability_alive(x, t_x, T)).reshape(shape)

    def conditional_expected_by_horizon(self, horizons, x, t_x, T) -> list[np.ndarray]:
        """E[Y(t) | x, t_x, T] for each t in ``horizons`` (1-d inputs); P(alive), the costly
        part, is computed once."""
        x, t_x, T = arrays(x, t_x, T)
        alive = self.probability_alive(x, t_x, T)
        (ux, uT), inverse = distinct_pairs(x, T)
        return [self._if_alive(float(t), ux, uT)[inverse] * alive for t in horizons]

    def _if_alive(self, t, x, T):
        """E[Y(t)] of an account alive at T: (r+x)(β+T)/((α+T)(s−1))·[1 − ((β+T)/(β+T+t))^(s−1)]."""
        r, alpha, s, beta = self._theta
        return (r + x) / (alpha + T) * (beta + T) * _power_share(
            np.log((beta + T) / (beta + T + t)), s - 1.0)


def _power_share(log_q, k):
    """[1 − q^k]/k for q ≤ 1, also at k → 0 (then −ln q): −expm1(k ln q)/k."""
    k = float(k)
    if abs(k) < 1e-12:
        return -log_q
    return -np.expm1(k * log_q) / k


def _log_tail(theta, x, y, gradient: bool):
    """ln G(x, y) for paired 1-d arrays (see the module docstring), and its gradient (4 × n).

    ₂F₁ where scipy returns a finite value (checked against quadrature and scipy's own
    adaptive integration in the tests); quadrature where it returns NaN/inf — large b or
    c − b with z > 0.9, i.e. many purchases and one rate scale far from the other — and
    where c − b − 1 is an integer with z > 0.9 (scipy's special case there loses digits).
    """
    value, grad = _log_tail_by_series(theta, x, y, gradient)
    hard = ~np.isfinite(value) | _integer_excess(theta, x, y)
    if gradient:
        hard |= ~np.all(np.isfinite(grad), axis=0)
    if np.any(hard):
        value[hard], hard_grad = _log_tail_by_quadrature(theta, x[hard], y[hard], gradient)
        if gradient:
            grad[:, hard] = hard_grad
    return value, (grad if gradient else None)


def _integer_excess(theta, x, y):
    """Pairs whose ₂F₁(1, b; c; z) has z > 0.9 and an integer c − b − 1 (s, or r + x − 1)."""
    r, alpha, s, beta = theta
    z = np.abs(alpha - beta) / (np.maximum(alpha, beta) + y)
    excess = np.full_like(x, s) if alpha >= beta else r + x - 1.0
    return (z > 0.9) & (np.abs(excess - np.round(excess)) < 1e-9 * np.maximum(1.0, np.abs(excess)))


def _log_tail_by_series(theta, x, y, gradient: bool):
    """ln G through ₂F₁(1, b; c; z) (Euler-transformed, see the module docstring)."""
    r, alpha, s, beta = theta
    la, lb = np.log(alpha + y), np.log(beta + y)
    a = r + s + x
    c = a + 1.0
    alpha_larger = alpha >= beta
    if alpha_larger:  # ₂F₁(a, s+1; a+1; z) = (1−z)^-s ₂F₁(1, r+x; a+1; z), 1−z = (β+y)/(α+y)
        b, z, w = r + x, (alpha - beta) / (alpha + y), (beta + y) / (alpha + y)
        base = -(r + x) * la - s * lb
    else:  # ₂F₁(a, r+x; a+1; z) = (1−z)^(1−r−x) ₂F₁(1, s+1; a+1; z), 1−z = (α+y)/(β+y)
        b, z, w = np.full_like(x, s + 1.0), (beta - alpha) / (beta + y), (alpha + y) / (beta + y)
        base = (1.0 - r - x) * la - (s + 1.0) * lb
    log_h, d_b, d_c, d_z, ok = log_hyp2f1_1(b, c, z, w)
    if not ok.all():  # the series would cancel or converge slowly: scipy's ₂F₁ there
        rest = ~ok
        log_h[rest], d_b[rest], d_c[rest], d_z[rest] = _scipy_log_hyp2f1(b[rest], c[rest], z[rest], gradient)
    value = base - np.log(a) + log_h
    if not gradient:
        return value, None
    d_both = d_b + d_c  # along (b, c) together
    if alpha_larger:  # b = r+x moves with r; z = (α−β)/(α+y)
        d_r = -la - 1.0 / a + d_both
        d_s = -lb - 1.0 / a + d_c
        d_alpha = -(r + x) / (alpha + y) + d_z * (beta + y) / (alpha + y) ** 2
        d_beta = -s / (beta + y) - d_z / (alpha + y)
    else:  # b = s+1 moves with s; z = (β−α)/(β+y)
        d_r = -la - 1.0 / a + d_c
        d_s = -lb - 1.0 / a + d_both
        d_alpha = (1.0 - r - x) / (alpha + y) - d_z / (beta + y)
        d_beta = -(s + 1.0) / (beta + y) + d_z * (alpha + y) / (beta + y) ** 2
    return value, np.array([d_r, d_alpha, d_s, d_beta])


def _scipy_log_hyp2f1(b, c, z, gradient: bool):
    """ln ₂F₁(1, b; c; z) and ∂/∂b, ∂/∂c (forward differences), ∂/∂z (closed form) by scipy."""
    with np.errstate(divide="ignore", invalid="ignore"):
        h = hyp2f1(1.0, b, c, z)
        log_h = np.log(h)
        if not gradient:
            return log_h, np.nan, np.nan, np.nan
        step = _STEP * (1.0 + c)
        d_both = (np.log(hyp2f1(1.0, b + step, c + step, z)) - log_h) / step
        d_c = (np.log(hyp2f1(1.0, b, c + step, z)) - log_h) / step
        d_z = b / c * hyp2f1(2.0, b + 1.0, c + 1.0, z) / h
    return log_h, d_both - d_c, d_c, d_z


def _log_tail_by_quadrature(theta, x, y, gradient: bool = False):
    """ln G(x, y) and its gradient by Gauss–Legendre panels.

    With α+τ = (α+y)e^v: G = (α+y)^-a ∫₀^∞ exp(E(v)) dv, E = −a·v − (s+1)·ln(1 + z'e^-v),
    z' = (β−α)/(α+y) > −1. The integrand's fine scales are 1/a and (β+y)/(α+y) at v = 0,
    and its bulk ends ~60/a after max(0, ln z'), so panels double in width from a fraction
    of the fine scale up to width 1 and go on 1 wide to that end (E's max subtracted).
    Used only where ₂F₁ fails, as it costs tens of panels per pair. The gradient differentiates under
    the integral: ⟨−v⟩ for a, ⟨−ln(1 + z'e^-v)⟩ for s+1, ⟨−(s+1)e^-v/(1 + z'e^-v)⟩ for z'.
    """
    r, alpha, s, beta = theta
    zp = (beta - alpha) / (alpha + y)
    a, p = r + s + x, s + 1.0
    # For z' > 0 the integrand is ~ z'^-(s+1)·e^((s+1−a)v) up to v ≈ ln z' (flat, rising or
    # falling), then falls at rate a: its bulk ends ~60/a after ln z'.
    end = np.log(np.maximum(zp, 1.0)) + 60.0 / a
    start = np.minimum(1.0 / a, (beta + y) / (alpha + y)) / 8.0
    # Panels double from `start` up to width 1, then stay 1 wide (the bend at ln z' and the
    # fall after it are resolved) until `end`.
    doubling = np.maximum(np.ceil(np.log2(1.0 / start)), 0.0)
    panels = int(np.max(doubling + np.ceil(end), initial=1.0)) + 1
    k = np.arange(panels + 1)[None, :]
    edge = np.where(k <= doubling[:, None], start[:, None] * 2.0 ** np.minimum(k, doubling[:, None]),
                    start[:, None] * 2.0 ** doubling[:, None] + (k - doubling[:, None]))
    edge = np.minimum(np.where(k == 0, 0.0, edge), end[:, None])
    lo, hi = edge[:, :-1], edge[:, 1:]
    nodes, weights = _GAUSS
    v = (lo[..., None] + (hi - lo)[..., None] * nodes).reshape(len(x), -1)
    w = ((hi - lo)[..., None] * weights).reshape(len(x), -1)
    inner = np.log1p(zp[:, None] * np.exp(-v))
    log_f = -a[:, None] * v - p * inner
    top = log_f.max(axis=1)
    mass = w * np.exp(log_f - top[:, None])
    total = mass.sum(axis=1)
    la = np.log(alpha + y)
    value = -a * la + top + np.log(total)
    if not gradient:
        return value, None

    def mean(g):
        return (mass * g).sum(axis=1) / total

    d_a = -la + mean(-v)
    d_zp = mean(-p * np.exp(-v) / (1.0 + zp[:, None] * np.exp(-v)))
    grad = np.array([d_a, -a / (alpha + y) - d_zp * (beta + y) / (alpha + y) ** 2,
                     d_a + mean(-inner), d_zp / (alpha + y)])
    return value, grad


def _log_alive_term(theta, x, T):
    """ln E(T) = −(r+x) ln(α+T) − s ln(β+T) and its gradient."""
    r, alpha, s, beta = theta
    la, lb = np.log(alpha + T), np.log(beta + T)
    value = -(r + x) * la - s * lb
    return value, (-la, -(r + x) / (alpha + T), -lb, -s / (beta + T))


def _alive_and_total(theta, x, t_x, T):
    """(ln E(T), ln [E(T) + s·(G(t_x) − G(T))]) per row, without the Γ(r+x)α^rβ^s/Γ(r) factor."""
    pairs = _Pairs.of(x, t_x, T)
    tail, _ = _log_tail(theta, pairs.x, pairs.y, gradient=False)
    log_alive, _ = _log_alive_term(theta, x, T)
    return log_alive, _log_bracket(theta[2], log_alive, tail[pairs.at_tx], tail[pairs.at_T])[0]


def _log_bracket(s, log_alive, tail_tx, tail_T):
    """ln [E(T) + s·G(t_x) − s·G(T)] and the three terms' shares of the bracket."""
    log_s = np.log(s)
    top = np.maximum(log_alive, tail_tx + log_s)
    alive = np.exp(log_alive - top)
    died_after_tx = np.exp(tail_tx + log_s - top)
    died_after_T = np.exp(tail_T + log_s - top)
    # E(T) ≥ s·G(T) and G(t_x) ≥ G(T): the bracket is ≥ E(T) > 0; the floor only guards rounding.
    bracket = np.maximum(alive + died_after_tx - died_after_T, alive * (1.0 - 1e-15))
    return top + np.log(bracket), (alive / bracket, died_after_tx / bracket, died_after_T / bracket)


@dataclass(frozen=True)
class _Pairs:
    """The distinct (x, y) pairs over y ∈ {t_x, T}, and each row's index into them."""

    x: np.ndarray
    y: np.ndarray
    at_tx: np.ndarray
    at_T: np.ndarray

    @classmethod
    def of(cls, x, t_x, T) -> _Pairs:
        n = len(x)
        (ux, uy), inverse = distinct_pairs(np.r_[x, x], np.r_[t_x, T])
        return cls(ux, uy, inverse[:n], inverse[n:])


def log_likelihood(params, x, t_x, T) -> np.ndarray:
    """Per-account ln L(r, α, s, β | x, t_x, T) (Fader & Hardie 2005 note, eq. 22)."""
    x, t_x, T = arrays(x, t_x, T)
    theta = np.asarray(params, dtype=np.float64)
    r, alpha, s, beta = theta
    log_alive, log_total = _alive_and_total(theta, x, t_x, T)
    return gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta) + log_total


def _weighted(theta, x, t_x, T, w, x_groups, pairs: _Pairs):
    """Σ w·ln L and its gradient; pair-level pieces are combined through per-pair weights."""
    r, alpha, s, beta = theta
    ux, idx = x_groups
    tail, tail_grad = _log_tail(theta, pairs.x, pairs.y, gradient=True)
    log_alive, alive_grad = _log_alive_term(theta, x, T)
    log_total, (share_alive, share_tx, share_T) = _log_bracket(
        s, log_alive, tail[pairs.at_tx], tail[pairs.at_T])
    head = gammaln(r + ux) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    total = w @ (head[idx] + log_total)
    n_x = np.bincount(idx, weights=w, minlength=len(ux))
    d_r_head = n_x @ (digamma(r + ux) - digamma(r)) + w.sum() * np.log(alpha)
    gradient = np.array([d_r_head, w.sum() * r / alpha, w.sum() * np.log(beta), w.sum() * s / beta])
    wa = w * share_alive
    gradient += np.array([wa @ g for g in alive_grad])
    # d ln(s·G) = d ln G + (0, 0, 1/s, 0) for both death terms, with opposite signs.
    on_pairs = (np.bincount(pairs.at_tx, weights=w * share_tx, minlength=len(pairs.x))
                - np.bincount(pairs.at_T, weights=w * share_T, minlength=len(pairs.x)))
    gradient += tail_grad @ on_pairs
    gradient[2] += on_pairs.sum() / s
    return total, gradient


def fit_pareto_nbd(frequency, recency, T, *, weights=None, initial=None, max_iter=500) -> ParetoNbdModel:
    """Fit Pareto/NBD by MLE. Inputs as in :func:`.summary.bgnbd_inputs` (x, t_x, T; one time unit).

    Input cleaning and data requirements as :func:`.bgnbd.fit_bgnbd`; ``initial`` =
    (r, α, s, β) start (by default r = s = 0.9, α from the purchase rate, β = mean T).
    """
    x, t_x, T, w, n, problem = clean_inputs(frequency, recency, T, weights)
    if problem:
        return fallback(ParetoNbdModel, PARAMS, "insufficient_data", problem, int(n))
    (x, t_x, T), w = compress(x, t_x, T, weights=w)
    data = (x, t_x, T, w, by_count(x), _Pairs.of(x, t_x, T))
    starts = [np.log(initial) if initial is not None else _start(x, T, w)] + _other_starts(x, T, w)
    best = None
    for start in starts:
        try:
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                inside = np.clip(start, [lo for lo, _ in _BOUNDS], [hi - 1e-3 for _, hi in _BOUNDS])
                result = maximise(_weighted, data, inside, n, max_iter, _BOUNDS)
        except (ValueError, FloatingPointError, ArithmeticError) as exc:  # pragma: no cover
            return fallback(ParetoNbdModel, PARAMS, "failed", f"optimiser raised {exc!r}", int(n))
        model = model_from(ParetoNbdModel, PARAMS, result, n, _BOUNDS)
        if best is None or (np.isfinite(model.log_likelihood)
                            and not model.log_likelihood <= best.log_likelihood + 1e-9):
            best = model
        if best.ok:  # the surface can lead one start to the s, β → ∞ edge: then try the others
            break
    return best


def _other_starts(x, T, w) -> list[np.ndarray]:
    """Starts for when the first lands on a bound: many quick dropouts (small s and β — shops
    full of one-order accounts) and nearly none (large s and β)."""
    mean_x = max(float(w @ x / w.sum()), 0.05)
    mean_T = max(float(w @ T / w.sum()), 1e-3)
    return [np.log([1.9, mean_T / mean_x, 0.3, mean_T / 100.0]),
            np.log([0.6, mean_T / mean_x, 3.1, mean_T * 10.0])]


def _start(x, T, w) -> np.ndarray:
    mean_x = max(float(w @ x / w.sum()), 0.05)
    mean_T = max(float(w @ T / w.sum()), 1e-3)
    return np.log([0.9, mean_T / mean_x, 0.9, mean_T])  # not integers: see _integer_excess
