"""ln ₂F₁(1, b; c; z) and its derivatives (engine/_hyp2f1) against Euler's integral by quadrature,
scipy's hyp2f1, and — inside Pareto/NBD — the module's own quadrature of G."""

import itertools

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import hyp2f1

from saleor_ltv_plugin.engine._blas import _controls, single_blas_thread
from saleor_ltv_plugin.engine._hyp2f1 import log_hyp2f1_1
from saleor_ltv_plugin.engine.pareto_nbd import _log_tail_by_quadrature, _log_tail_by_series

BS = (0.3, 1.19, 5.5, 30.7, 141.3, 1000.2)
GAPS = (0.75, 1.2, 3.7, 20.3, 200.6)  # c − b (Pareto/NBD: r + x or s + 1); c > 1 throughout
WS = (0.9, 0.5, 0.26, 0.1, 1e-2, 1e-3, 3.6e-4, 1e-5)  # 1 − z, down to z within 1e-5 of 1
GRID = list(itertools.product(BS, GAPS, WS))


def euler_integral(b, c, w):
    """(ln F, ∂/∂b, ∂/∂c, ∂/∂z) from F = (c−1)∫₀¹ u^(c−2) (w + z·u)^(−b) du (u = 1 − t in
    Euler's integral), integrated over v = ln u with the log-integrand's maximum taken out."""
    z = 1.0 - w

    def log_f(v):
        return (c - 1.0) * v - b * np.log(w + z * np.exp(v))

    grid = np.linspace(np.log(w) - 60.0, 0.0, 20001)
    peak = grid[np.argmax(log_f(grid))]
    top = log_f(peak)
    low = min(peak, np.log(w)) - 80.0 / (c - 1.0) - 5.0
    points = sorted({p for p in (peak, np.log(w)) if low < p < 0.0})

    def mean(g=None):
        integrand = (lambda v: np.exp(log_f(v) - top)) if g is None else (lambda v: g(v) * np.exp(log_f(v) - top))
        return quad(integrand, low, 0.0, points=points, limit=500, epsabs=0.0, epsrel=1e-13)[0]

    mass = mean()
    d_b = mean(lambda v: -np.log(w + z * np.exp(v))) / mass
    d_c = 1.0 / (c - 1.0) + mean(lambda v: v) / mass
    d_z = mean(lambda v: b * (1.0 - np.exp(v)) / (w + z * np.exp(v))) / mass
    return np.log(c - 1.0) + top + np.log(mass), d_b, d_c, d_z


def test_series_equals_eulers_integral_over_a_grid_reaching_z_near_one_and_large_b():
    b, gap, w = (np.array(v) for v in zip(*GRID))
    c = b + gap
    ours = log_hyp2f1_1(b, c, 1.0 - w, w)
    ok = ours[4]
    # The series hand back only where they would cancel or converge slowly: large b·(1 − z)
    # away from z = 1 (scipy's ₂F₁ computes those); never near z = 1 with a moderate b·w.
    assert ok.mean() > 0.9 and np.all(ok[b * w <= 1.5])
    for i in np.flatnonzero(ok):
        expected = euler_integral(b[i], c[i], w[i])
        got = [ours[k][i] for k in range(4)]
        for name, g, e in zip(("ln F", "d/db", "d/dc", "d/dz"), got, expected):
            assert g == pytest.approx(e, rel=1e-9, abs=1e-9), (name, b[i], c[i], w[i])


def test_series_equals_scipy_where_scipy_is_finite():
    b, gap, w = (np.array(v) for v in zip(*GRID))
    c = b + gap
    value, *_, ok = log_hyp2f1_1(b, c, 1.0 - w, w)
    reference = np.log(hyp2f1(1.0, b, c, 1.0 - w))
    # scipy's own loss near z = 1 with large b (it returns NaN for some) bounds the comparison.
    usable = ok & np.isfinite(reference) & (w >= 1e-3)
    assert usable.sum() > 100
    np.testing.assert_allclose(value[usable], reference[usable], rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("theta", [(1.19, 52.7, 140.3, 144600.0), (0.553, 10.578, 0.606, 11.669),
                                   (0.9, 500.0, 0.9, 30.0), (0.87, 28.3, 0.54, 789.0)])
def test_pareto_tail_by_series_equals_its_quadrature(theta):
    """ln G and its gradient through the new series = Gauss–Legendre panels of G's integral,
    including the fit's s → ∞ edge (first row: where scipy's ₂F₁ lost 7 digits)."""
    x = np.repeat([0.0, 1.0, 3.0, 12.0, 48.0], 6)
    y = np.tile([0.0, 1.0, 30.0, 200.0, 700.0, 1094.0], 5)
    theta = np.array(theta)
    value, grad = _log_tail_by_series(theta, x, y, True)
    q_value, q_grad = _log_tail_by_quadrature(theta, x, y, True)
    np.testing.assert_allclose(value, q_value, rtol=0, atol=1e-9)
    np.testing.assert_allclose(grad, q_grad, rtol=1e-7, atol=1e-12)  # the panels' own accuracy


def test_fits_run_with_one_blas_thread_and_restore_the_count():
    controls = _controls()
    if not controls:
        pytest.skip("not a scipy-openblas build")
    before = [get() for get, _ in controls]
    with single_blas_thread():
        with single_blas_thread():
            assert [get() for get, _ in controls] == [1] * len(controls)
        assert [get() for get, _ in controls] == [1] * len(controls)  # the outer block still holds
    assert [get() for get, _ in controls] == before
