"""What the purchase-count model fits share (BG/NBD, MBG/NBD, Pareto/NBD).

Input cleaning and the data requirement, row compression (identical rows → one
row with a weight), L-BFGS-B over log-parameters with an analytic gradient, and
the fit's status. A fit never raises: too little data, a failed optimiser or a
parameter on its search bound is reported in ``status``/``reason`` (then the
parameters are NaN, except for ``boundary``, which keeps the bounded estimate
for inspection).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._blas import single_blas_thread

LOG_BOUND = 12.0  # parameters are searched within e^-12 … e^12
MIN_ACCOUNTS = 20
MIN_REPEATERS = 5


class FittedModel:
    """``ok`` and ``params`` of a fitted model: a frozen dataclass with ``param_names``, ``status``."""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def params(self) -> dict[str, float]:
        return {k: getattr(self, k) for k in self.param_names}


def arrays(*columns):
    return tuple(np.asarray(c, dtype=np.float64) for c in columns)


def distinct_pairs(x: np.ndarray, T: np.ndarray):
    """((distinct x, distinct T) of the pairs, index of each row into them)."""
    if len(x) == 0:
        return (x, T), np.zeros(0, dtype=np.int64)
    x_codes, x_values = pd.factorize(x)
    T_codes, T_values = pd.factorize(T)
    inverse, packed = pd.factorize(x_codes.astype(np.int64) * len(T_values) + T_codes)
    return (x_values[packed // len(T_values)], T_values[packed % len(T_values)]), inverse


def by_count(x):
    """(unique repeat counts, index of each row into them): special functions of x
    are evaluated once per distinct count (a few hundred) instead of once per row."""
    unique, inverse = np.unique(x, return_inverse=True)
    return unique, inverse.reshape(-1)


def compress(*columns, weights=None):
    """Unique rows of the given columns and how many times each occurs (or summed weights).

    Each column is factorised by hashing (O(n), no sort), the small codes are
    packed into one int64 key and that is factorised again; unique rows come out
    sorted by the packed key, so the result does not depend on input row order.
    """
    cols = [np.asarray(c, dtype=np.float64) for c in columns]
    w = np.ones(len(cols[0])) if weights is None else np.asarray(weights, dtype=np.float64)
    if len(cols[0]) == 0:
        return [np.zeros(0) for _ in columns], np.zeros(0)
    key, values, widths = np.zeros(len(cols[0]), dtype=np.int64), [], []
    for a in cols:
        codes, uniques = pd.factorize(a, sort=True)
        key = key * len(uniques) + codes
        values.append(uniques)
        widths.append(len(uniques))
    if np.prod(np.asarray(widths, dtype=np.float64)) >= 2.0**62:  # cannot pack: sort rows instead
        stacked, inverse = np.unique(np.column_stack(cols), axis=0, return_inverse=True)
        counts = np.bincount(inverse.reshape(-1), weights=w, minlength=len(stacked))
        return [stacked[:, i] for i in range(stacked.shape[1])], counts
    inverse, packed = pd.factorize(key, sort=True)
    counts = np.bincount(inverse, weights=w, minlength=len(packed))
    uniques = []
    for unique_values, width in zip(reversed(values), reversed(widths)):
        uniques.append(unique_values[packed % width])
        packed = packed // width
    return uniques[::-1], counts


def clean_inputs(frequency, recency, T, weights):
    """(x, t_x, T, w, n, problem): valid rows only; ``problem`` says why there is too little data.

    Rows with T ≤ 0 are kept (they carry no information but no harm); rows with
    NaN, negative x, t_x > T or t_x < 0 are dropped. A fit needs ``MIN_ACCOUNTS``
    accounts and ``MIN_REPEATERS`` with a repeat purchase.
    """
    x, t_x, T = arrays(frequency, recency, T)
    w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=np.float64)
    valid = np.isfinite(x) & np.isfinite(t_x) & np.isfinite(T) & (x >= 0) & (t_x >= 0)
    valid &= (t_x <= T + 1e-9) & np.isfinite(w) & (w > 0)
    x, t_x, T, w = x[valid], t_x[valid], T[valid], w[valid]
    n, repeaters = float(w.sum()), float(w[x > 0].sum())
    problem = None
    if n < MIN_ACCOUNTS or repeaters < MIN_REPEATERS:
        problem = (f"{n:.0f} accounts, {repeaters:.0f} with a repeat purchase; "
                   f"need {MIN_ACCOUNTS} and {MIN_REPEATERS}")
    return x, t_x, T, w, n, problem


def log_objective(log_params, weighted_loglik, data, scale):
    """−(weighted log-likelihood)/scale and its gradient w.r.t. the log-parameters.

    ``weighted_loglik(params, *data)`` → (Σ w·ln L, gradient w.r.t. params).
    """
    params = np.exp(log_params)
    total, gradient = weighted_loglik(params, *data)
    value, gradient = -total / scale, -np.asarray(gradient) * params / scale
    if not np.isfinite(value) or not np.all(np.isfinite(gradient)):
        return 1e300, np.zeros(len(params))
    return value, gradient


def maximise(weighted_loglik, data, start, n: float, max_iter: int, bounds=None):
    """L-BFGS-B on the log-parameters within ``bounds`` (default ±LOG_BOUND); the scipy result."""
    from scipy.optimize import minimize  # here, not at import: a web or worker process that never fits skips ~0.6 s

    with single_blas_thread():
        return minimize(
            log_objective, start, args=(weighted_loglik, data, n), jac=True, method="L-BFGS-B",
            bounds=bounds or [(-LOG_BOUND, LOG_BOUND)] * len(start), options={"maxiter": max_iter},
        )


def model_from(cls, names: tuple[str, ...], result, n: float, bounds=None):
    """The fitted ``cls`` (a model dataclass whose first fields are ``names``) from a scipy result."""
    log_params = result.x
    values = [float(v) for v in np.exp(log_params)]
    ll = -float(result.fun) * n
    if not np.isfinite(ll) or result.fun >= 1e299:
        return fallback(cls, names, "failed", f"no finite likelihood: {result.message}", int(n))
    common = dict(log_likelihood=ll, n_accounts=int(n), iterations=int(result.nit))
    bounds = bounds or [(-LOG_BOUND, LOG_BOUND)] * len(names)
    on_bound = [k for k, v, (lo, hi) in zip(names, log_params, bounds) if v <= lo + 1e-3 or v >= hi - 1e-3]
    if on_bound:
        return cls(*values, status="boundary", bounded=tuple(on_bound),
                   reason=f"parameter(s) {', '.join(on_bound)} on the search bound", **common)
    if not result.success:
        return cls(*[np.nan] * len(names), status="failed", reason=f"optimiser: {result.message}",
                   **common)
    return cls(*values, **common)


def fallback(cls, names: tuple[str, ...], status: str, reason: str, n: int):
    nan = float("nan")
    return cls(*[nan] * len(names), log_likelihood=nan, status=status, reason=reason, n_accounts=n)
