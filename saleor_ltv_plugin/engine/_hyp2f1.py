"""ln ₂F₁(1, b; c; z) and its derivatives in b, c and z, in one vectorised series pass.

Pareto/NBD's likelihood needs F = ₂F₁(1, b; c; z) with c > b > 0, 0 ≤ z < 1, and its
gradient. scipy's hyp2f1 gives the value only, so the derivatives took three more
calls (two forward differences and ₂F₁(2, b+1; c+1; z)); near z = 1 with a large b
(the fit's s → ∞ edge) each call costs ~40 µs a pair. Here:

- z ≤ :data:`Z_SPLIT`: the power series Σ tₖ, tₖ = (b)ₖ/(c)ₖ zᵏ (positive terms, ratio ≤ z);
  ∂tₖ/∂b = tₖ Σ_{j<k} 1/(b+j), ∂tₖ/∂c = −tₖ Σ_{j<k} 1/(c+j), ∂tₖ/∂z = k tₖ/z.
- z > :data:`Z_SPLIT`: the 1 − z connection formula (DLMF 15.8.4 with a = 1, where the
  second ₂F₁ collapses to z^(1−c)): with d = c − b − 1 and w = 1 − z,
      F = (c−1)/d · ₂F₁(1, b; 1−d; w) + Γ(c)Γ(−d)/Γ(b) · w^d z^(1−c),
  the series in w differentiated term by term as above. It needs d not an integer,
  and it can cancel (near-integer d, or alternating terms while k < d − 1).

Both series run to 1e-17 of their sum. A pair is returned ``ok`` only if its series
converged within :data:`MAX_TERMS` (the z-series retried up to :data:`LONG_TERMS` where
the w-series failed at z ≤ 0.95) and lost at most ~4 digits to cancellation; the
caller computes the others another way. ``w`` is passed separately from ``z`` so
that 1 − z keeps its digits when z is within 1e-4 of 1.
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma, gammaln, gammasgn

Z_SPLIT = 0.75  # the z-series needs ≤ 140 terms below; the w-series converges fast above
MAX_TERMS = 400
LONG_TERMS = 1000  # the z-series up to z = 0.95, for the few pairs the w-series cannot take
_TINY = 1e-17
_CANCEL = 1e-4  # a sum below 1e-4 of its largest part (or of Σ|terms|) is not trusted


def log_hyp2f1_1(b, c, z, w):
    """(ln F, ∂lnF/∂b, ∂lnF/∂c, ∂lnF/∂z, ok) for F = ₂F₁(1, b; c; z), w = 1 − z (1-d arrays)."""
    b, c, z, w = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (b, c, z, w)))
    out = [np.full(b.shape, np.nan) for _ in range(4)]
    ok = np.zeros(b.shape, dtype=bool)
    with np.errstate(all="ignore"):
        for mask, method in ((z <= Z_SPLIT, _near_zero), (z > Z_SPLIT, _near_one)):
            if np.any(mask):
                *values, good = method(b[mask], c[mask], z[mask], w[mask])
                for target, value in zip(out, values):
                    target[mask] = value
                ok[mask] = good
        ok &= np.all([np.isfinite(v) for v in out], axis=0)
        # Where the w-series cancels with z ≤ 0.95 the z-series still converges, in ≤ 800 terms.
        retry = ~ok & (z <= 0.95)
        if np.any(retry):
            *values, good = _near_zero(b[retry], c[retry], z[retry], w[retry], LONG_TERMS)
            for target, value in zip(out, values):
                target[retry] = value
            ok[retry] = good & np.all([np.isfinite(v) for v in values], axis=0)
    return (*out, ok)


def _series(ratio_of, n, max_terms=MAX_TERMS):
    """Σ tₖ, Σ tₖ·Pₖ, Σ tₖ·Qₖ, Σ k·tₖ, Σ|tₖ| and convergence, t₀ = 1, tₖ₊₁ = tₖ·ratio(k);
    ``ratio_of(k)`` → (ratio, 1/(upper + k), 1/(lower + k)) with P, Q their running sums."""
    t, total, abs_total = np.ones(n), np.ones(n), np.ones(n)
    p_sum, q_sum = np.zeros(n), np.zeros(n)
    d_upper, d_lower, d_power = np.zeros(n), np.zeros(n), np.zeros(n)
    converged = np.zeros(n, dtype=bool)
    for k in range(max_terms):
        ratio, inv_upper, inv_lower = ratio_of(k)
        p_sum += inv_upper
        q_sum += inv_lower
        t = t * ratio
        total += t
        abs_total += np.abs(t)
        d_upper += t * p_sum
        d_lower += t * q_sum
        d_power += (k + 1) * t
        if k % 4 == 3:
            converged = (np.abs(t) <= _TINY * np.abs(total)) & (np.abs(ratio) < 1.0)
            if converged.all():
                break
    return total, d_upper, d_lower, d_power, abs_total, converged


def _near_zero(b, c, z, w, max_terms=MAX_TERMS):
    total, d_b, d_c, d_z, _, converged = _series(
        lambda k: ((b + k) / (c + k) * z, 1.0 / (b + k), 1.0 / (c + k)), len(b), max_terms)
    return np.log(total), d_b / total, -d_c / total, d_z / (z * total), converged


def _near_one(b, c, z, w):
    d = c - b - 1.0
    lower = 1.0 - d
    # S = ₂F₁(1, b; 1−d; w); ∂S/∂b at fixed d, ∂S/∂d (through the lower parameter 1 − d), ∂S/∂w.
    s, s_b, s_lower, s_w, s_abs, converged = _series(
        lambda k: ((b + k) / (lower + k) * w, 1.0 / (b + k), 1.0 / (lower + k)), len(b))
    s_d = s_lower  # ∂(lower)/∂d = −1 and ∂tₖ/∂lower = −tₖ·Q
    s_w = s_w / w
    first = (c - 1.0) / d * s
    # d = c − b − 1: ∂/∂b = ∂/∂b|_d − ∂/∂d, ∂/∂c = ∂/∂d (and the explicit c − 1).
    first_b = (c - 1.0) / d * (s_b - s_d) + (c - 1.0) * s / d**2
    first_c = s / d - (c - 1.0) * s / d**2 + (c - 1.0) / d * s_d
    first_z = -(c - 1.0) / d * s_w
    log_second = gammaln(c) - gammaln(b) + gammaln(-d) + d * np.log(w) + (1.0 - c) * np.log1p(-w)
    sign = gammasgn(-d)
    psi = digamma(-d)
    lw, lz = np.log(w), np.log1p(-w)
    second_b = -digamma(b) + psi - lw
    second_c = digamma(c) - psi + lw - lz
    second_z = -d / w + (1.0 - c) / z
    # Scale both parts by the larger so that neither overflows.
    log_first = np.log(np.abs(first))
    top = np.maximum(log_first, log_second)
    f1 = first * np.exp(-top)
    f2 = sign * np.exp(log_second - top)
    total = f1 + f2
    scale_b = first_b * np.exp(-top) + f2 * second_b
    scale_c = first_c * np.exp(-top) + f2 * second_c
    scale_z = first_z * np.exp(-top) + f2 * second_z
    good = (converged & (total > 0) & (total >= _CANCEL * np.maximum(np.abs(f1), np.abs(f2)))
            & (np.abs(s) >= _CANCEL * s_abs))
    return top + np.log(total), scale_b / total, scale_c / total, scale_z / total, good
