"""BG/NBD: the published CDNOW fit (Fader, Hardie & Lee 2005) and clean fallbacks."""

import numpy as np
import pytest

from saleor_ltv_plugin.engine.bgnbd import compress, fit_bgnbd, log_likelihood


def sig3(value, expected):
    return value == pytest.approx(expected, rel=5e-3)


def test_cdnow_fit_reproduces_the_paper(cdnow_summary):
    s = cdnow_summary
    assert len(s) == 2357
    model = fit_bgnbd(s["x"], s["t_x"], s["T"])
    assert model.status == "ok", model.reason
    assert sig3(model.r, 0.243)
    assert sig3(model.alpha, 4.414)
    assert sig3(model.a, 0.793)
    assert sig3(model.b, 2.426)
    assert model.log_likelihood == pytest.approx(-9582.4, abs=0.5)


def test_cdnow_predictions_match_the_paper(cdnow_summary):
    s = cdnow_summary
    model = fit_bgnbd(s["x"], s["t_x"], s["T"])
    # FHL 2005 §4: a customer with x=2, t_x=30.43, T=38.86 expects 1.226 purchases in 39 weeks.
    assert model.conditional_expected_purchases(39, 2, 30.43, 38.86) == pytest.approx(1.226, abs=2e-3)
    # No repeat yet: alive by assumption.
    assert model.probability_alive(0, 0, 38.86) == 1.0
    alive = model.probability_alive(s["x"], s["t_x"], s["T"])
    assert np.all((alive > 0) & (alive <= 1))
    # E[X(t)] grows with t and starts at 0.
    grid = model.expected_purchases([0.0, 10, 39, 78])
    assert grid[0] == pytest.approx(0.0) and np.all(np.diff(grid) > 0)


def test_fit_is_the_same_in_days_up_to_alpha_scale(cdnow_summary):
    s = cdnow_summary
    weeks = fit_bgnbd(s["x"], s["t_x"], s["T"])
    days = fit_bgnbd(s["x"], s["t_x"] * 7, s["T"] * 7)
    assert days.r == pytest.approx(weeks.r, rel=1e-3)
    assert days.alpha == pytest.approx(weeks.alpha * 7, rel=1e-3)
    assert days.a == pytest.approx(weeks.a, rel=1e-3)


def test_weights_equal_repeated_rows():
    x, t_x, T = np.array([0, 1, 3, 0, 2]), np.array([0, 5, 20, 0, 9]), np.array([30, 30, 30, 10, 40])
    (ux, ut, uT), w = compress(np.r_[x, x], np.r_[t_x, t_x], np.r_[T, T])
    assert w.sum() == 10 and len(ux) == 5
    params = (0.5, 4.0, 0.8, 2.5)
    assert (w @ log_likelihood(params, ux, ut, uT)) == pytest.approx(
        2 * log_likelihood(params, x, t_x, T).sum())


def test_log_likelihood_is_finite_for_extreme_rows():
    values = log_likelihood((0.2, 4.0, 0.8, 2.4), [0, 1, 500], [0, 0.01, 500], [1e-6, 1000, 500])
    assert np.all(np.isfinite(values))


def test_too_little_data_falls_back_without_raising():
    model = fit_bgnbd([0, 1], [0, 3], [10, 10])
    assert model.status == "insufficient_data" and not model.ok
    assert "accounts" in model.reason
    assert np.isnan(model.probability_alive(1, 3, 10))


def test_nobody_repeats_is_insufficient():
    model = fit_bgnbd(np.zeros(100), np.zeros(100), np.full(100, 30.0))
    assert model.status == "insufficient_data"


def test_empty_input():
    model = fit_bgnbd([], [], [])
    assert model.status == "insufficient_data" and model.n_accounts == 0


def test_nobody_drops_out_lands_on_a_bound_and_says_so():
    # Perfect Poisson buyers who are all still buying: the dropout probability → 0,
    # so b (or a) runs to the search bound.
    rng = np.random.default_rng(3)
    T = np.full(400, 100.0)
    x = rng.poisson(10, 400).astype(float)
    t_x = np.where(x > 0, 100.0 - rng.exponential(1.0, 400).clip(0, 99), 0.0)
    model = fit_bgnbd(x, t_x, T)
    assert model.status == "boundary" and not model.ok
    assert "on the search bound" in model.reason


def test_invalid_rows_are_dropped():
    rng = np.random.default_rng(0)
    n = 300
    T = rng.uniform(20, 60, n)
    x = rng.poisson(2, n).astype(float)
    t_x = np.where(x > 0, T * rng.uniform(0, 1, n), 0)
    good = fit_bgnbd(x, t_x, T)
    bad = fit_bgnbd(np.r_[x, np.nan, 1], np.r_[t_x, 1, 50], np.r_[T, 10, 10])  # NaN; t_x > T
    assert good.ok and bad.ok
    assert bad.r == pytest.approx(good.r, rel=1e-6)
