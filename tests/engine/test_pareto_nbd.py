"""Pareto/NBD: Fader, Hardie & Lee's CDNOW figures, a likelihood integrated from the model's
definition, and lifetimes' ParetoNBDFitter as an independent computation."""

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import dblquad, quad
from scipy.optimize import approx_fprime
from scipy.special import gammaln

from saleor_ltv_plugin.engine._mle import by_count, compress
from saleor_ltv_plugin.engine.bgnbd import fit_bgnbd
from saleor_ltv_plugin.engine.pareto_nbd import ParetoNbdModel, _Pairs, _weighted, fit_pareto_nbd, log_likelihood

PUBLISHED = (0.553, 10.578, 0.606, 11.669)  # Fader, Hardie & Lee (2005), CDNOW, weeks


def columns(s):
    return s["x"].to_numpy(float), s["t_x"].to_numpy(float), s["T"].to_numpy(float)


def test_cdnow_fit_reproduces_fader_hardie_lee(cdnow_summary):
    model = fit_pareto_nbd(*columns(cdnow_summary))
    assert model.status == "ok", model.reason
    for name, published in zip(("r", "alpha", "s", "beta"), PUBLISHED):
        assert getattr(model, name) == pytest.approx(published, rel=1e-3), name
    assert round(model.log_likelihood, 1) == -9595.0


def straightforward_log_likelihood(params, x, t_x, T):
    """ln L from the model's definition, integrated numerically (no ₂F₁).

    Given λ and μ: alive through T → λ^x e^(−λT) e^(−μT); died at τ ∈ (t_x, T] →
    λ^x e^(−λτ) μ e^(−μτ). Mixing λ ~ Gamma(r, α), μ ~ Gamma(s, β) gives
    E[λ^x e^(−λτ)] = Γ(r+x)/Γ(r)·α^r (α+τ)^−(r+x), E[e^(−μT)] = (β/(β+T))^s and
    E[μ e^(−μτ)] = s β^s (β+τ)^−(s+1); the death time is integrated by quadrature.
    """
    r, alpha, s, beta = params

    def log_f(tau):  # ln of (α+τ)^−(r+x) (β+τ)^−(s+1)
        return -(r + x) * np.log(alpha + tau) - (s + 1) * np.log(beta + tau)

    died = quad(lambda tau: np.exp(log_f(tau) - log_f(t_x)), t_x, T, epsabs=0, epsrel=1e-12, limit=200)[0]
    alive = np.exp(-(r + x) * np.log(alpha + T) - s * np.log(beta + T) - log_f(t_x))
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    return head + log_f(t_x) + np.log(alive + s * died)


ROWS = [(0, 0, 38.86), (1, 0.5, 38.86), (2, 30.43, 38.86), (7, 38, 39), (3, 10, 10), (0, 0, 0.1),
        (40, 75, 78), (200, 70, 78), (5, 1, 78)]


@pytest.mark.parametrize("params", [PUBLISHED, (0.8, 28.0, 0.5, 740.0), (2.0, 1.0, 1.7, 0.05),
                                    (0.5, 5.0, 1.0, 5.0)])
def test_log_likelihood_equals_the_integrated_definition(params):
    x, t_x, T = (np.array(c, dtype=float) for c in zip(*ROWS))
    ours = log_likelihood(params, x, t_x, T)
    expected = [straightforward_log_likelihood(params, *row) for row in ROWS]
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-9)


def test_log_likelihood_equals_the_individual_level_model_mixed_over_both_rates():
    """Schmittlein et al.'s individual likelihood λ^x μ/(λ+μ) e^−(λ+μ)t_x + λ^(x+1)/(λ+μ) e^−(λ+μ)T,
    integrated against the two gamma densities on a (λ, μ) grid — a second, cruder route."""
    r, alpha, s, beta = params = (1.3, 4.0, 1.6, 9.0)  # shapes > 1: smooth densities at 0
    for x, t_x, T in [(0, 0, 6.0), (2, 3.0, 8.0), (4, 7.5, 8.0)]:
        def integrand(mu, lam):
            individual = (lam**x * mu / (lam + mu) * np.exp(-(lam + mu) * t_x)
                          + lam ** (x + 1) / (lam + mu) * np.exp(-(lam + mu) * T))
            density = np.exp(r * np.log(alpha) + (r - 1) * np.log(lam) - alpha * lam - gammaln(r)
                             + s * np.log(beta) + (s - 1) * np.log(mu) - beta * mu - gammaln(s))
            return individual * density

        value = dblquad(integrand, 0, 20, 0, 20, epsabs=1e-14, epsrel=1e-9)[0]
        assert log_likelihood(params, [x], [t_x], [T])[0] == pytest.approx(np.log(value), abs=1e-6)


@pytest.mark.parametrize("params", [PUBLISHED, (0.5, 5.0, 1.3, 2.0), (0.5, 5.0, 0.3, 200.0)])
def test_gradient_matches_finite_differences(cdnow_summary, params):
    (x, t_x, T), w = compress(*columns(cdnow_summary))
    data = (x, t_x, T, w, by_count(x), _Pairs.of(x, t_x, T))
    theta = np.array(params)
    _, gradient = _weighted(theta, *data)
    step = 1e-5 * theta
    central = [(_weighted(theta + e, *data)[0] - _weighted(theta - e, *data)[0]) / (2 * e.sum())
               for e in np.diag(step)]
    np.testing.assert_allclose(gradient, central, rtol=1e-5, atol=1e-4)
    forward = approx_fprime(theta, lambda t: _weighted(t, *data)[0], 1e-7)
    assert np.allclose(forward, gradient, rtol=1e-2, atol=1e-1)


def test_log_likelihood_is_finite_for_extreme_rows():
    x, t_x, T = [0, 1, 500, 3000, 50], [0, 1e-6, 500, 2999.5, 0], [1e-6, 1000, 500, 3000, 1e4]
    for params in [(0.2, 4.0, 0.8, 2.4), (0.7, 20.0, 0.3, 1e5), (5.0, 1e5, 3.0, 0.01), (0.5, 7.0, 0.5, 7.0)]:
        assert np.all(np.isfinite(log_likelihood(params, x, t_x, T))), params


def lifetimes_with(params):
    lifetimes = pytest.importorskip("lifetimes")
    fitter = lifetimes.ParetoNBDFitter()
    fitter.params_ = pd.Series(dict(zip(("r", "alpha", "s", "beta"), params)))
    return lifetimes, fitter


def test_cdnow_matches_lifetimes(cdnow_summary):
    x, t_x, T = columns(cdnow_summary)
    model = fit_pareto_nbd(x, t_x, T)
    lifetimes, theirs = lifetimes_with(list(model.params.values()))
    # Same parameters, two codes: per-customer likelihood, P(alive), expected purchases.
    np.testing.assert_allclose(log_likelihood(list(model.params.values()), x, t_x, T),
                               theirs._conditional_log_likelihood(list(model.params.values()), x, t_x, T),
                               rtol=1e-10)
    np.testing.assert_allclose(model.probability_alive(x, t_x, T),
                               theirs.conditional_probability_alive(x, t_x, T), rtol=1e-9)
    np.testing.assert_allclose(model.conditional_expected_purchases(39, x, t_x, T),
                               theirs.conditional_expected_number_of_purchases_up_to_time(39, x, t_x, T),
                               rtol=1e-9)
    horizons = np.array([1.0, 39, 78])
    np.testing.assert_allclose(model.expected_purchases(horizons),
                               theirs.expected_number_of_purchases_up_to_time(horizons), rtol=1e-9)
    # Their own fit (Nelder–Mead) lands on the same optimum, and ours is at least as high.
    fitted = lifetimes.ParetoNBDFitter().fit(x, t_x, T)
    for name, value in model.params.items():
        assert fitted.params_[name] == pytest.approx(value, rel=2e-3), name
    their_ll = fitted._conditional_log_likelihood(fitted.params_.to_numpy(), x, t_x, T).sum()
    assert model.log_likelihood >= their_ll - 1e-6
    assert model.log_likelihood == pytest.approx(their_ll, abs=0.01)


def test_one_order_accounts_are_not_all_alive(cdnow_summary):
    model = fit_pareto_nbd(*columns(cdnow_summary))
    alive = model.probability_alive(0, 0, [1.0, 10, 39, 78, 156])
    assert np.all(np.diff(alive) < 0) and alive[-1] < 0.1 and alive[0] < 1
    assert fit_bgnbd(*columns(cdnow_summary)).probability_alive(0, 0, 156) == 1.0  # what BG/NBD says
    # An account that bought just now is alive, whatever its history.
    assert model.probability_alive(5, 78, 78) == pytest.approx(1.0)


def test_horizon_predictions_share_the_work(cdnow_summary):
    x, t_x, T = columns(cdnow_summary)
    model = fit_pareto_nbd(x, t_x, T)
    by_horizon = model.conditional_expected_by_horizon([10.0, 39.0], x, t_x, T)
    for t, values in zip((10.0, 39.0), by_horizon):
        np.testing.assert_allclose(values, model.conditional_expected_purchases(t, x, t_x, T), rtol=1e-12)
    grid = model.expected_purchases([0.0, 10, 39, 78])
    assert grid[0] == pytest.approx(0.0) and np.all(np.diff(grid) > 0)


def test_s_equal_to_one_is_the_continuous_limit():
    base = (0.5, 10.0, 1.0, 12.0)
    near = [(0.5, 10.0, 1.0 + d, 12.0) for d in (1e-7, -1e-7)]
    t_x, T = [3.0], [20.0]
    exact = model_with(base).expected_purchases(30.0)
    for p in near:
        assert model_with(p).expected_purchases(30.0) == pytest.approx(exact, rel=1e-5)
    exact = model_with(base).conditional_expected_purchases(30.0, [2], t_x, T)
    nearby = model_with(near[0]).conditional_expected_purchases(30.0, [2], t_x, T)
    assert nearby == pytest.approx(exact, rel=1e-5)


def model_with(params):
    """A model with these parameters, no fit."""
    return ParetoNbdModel(*params, log_likelihood=float("nan"))


def test_fit_is_the_same_in_days_up_to_the_scales(cdnow_summary):
    x, t_x, T = columns(cdnow_summary)
    weeks, days = fit_pareto_nbd(x, t_x, T), fit_pareto_nbd(x, t_x * 7, T * 7)
    assert days.r == pytest.approx(weeks.r, rel=1e-3) and days.s == pytest.approx(weeks.s, rel=1e-3)
    assert days.alpha == pytest.approx(weeks.alpha * 7, rel=1e-3)
    assert days.beta == pytest.approx(weeks.beta * 7, rel=1e-3)


def test_weights_equal_repeated_rows(cdnow_summary):
    x, t_x, T = columns(cdnow_summary.iloc[:400])
    once = fit_pareto_nbd(x, t_x, T, weights=np.full(len(x), 2.0))
    twice = fit_pareto_nbd(np.r_[x, x], np.r_[t_x, t_x], np.r_[T, T])
    assert once.r == pytest.approx(twice.r, rel=1e-6)
    assert once.log_likelihood == pytest.approx(twice.log_likelihood)


def test_too_little_data_falls_back_without_raising():
    model = fit_pareto_nbd([0, 1], [0, 3], [10, 10])
    assert model.status == "insufficient_data" and not model.ok and "accounts" in model.reason
    assert np.isnan(model.probability_alive(1, 3, 10)).all()
    assert np.isnan(model.conditional_expected_purchases(10, [1], [3], [10])).all()
    assert fit_pareto_nbd([], [], []).status == "insufficient_data"


def test_invalid_rows_are_dropped(cdnow_summary):
    x, t_x, T = columns(cdnow_summary.iloc[:500])
    good = fit_pareto_nbd(x, t_x, T)
    bad = fit_pareto_nbd(np.r_[x, np.nan, 1], np.r_[t_x, 1, 50], np.r_[T, 10, 10])
    assert good.ok and bad.ok and bad.r == pytest.approx(good.r, rel=1e-9)
