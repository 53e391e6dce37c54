"""MBG/NBD (Batislam, Denizel & Filiztekin 2007): CDNOW against lifetimes' ModifiedBetaGeoFitter
and against the paper's likelihood written out here."""

import numpy as np
import pandas as pd
import pytest
from scipy.special import betaln, gammaln

from saleor_ltv_plugin.engine.bgnbd import fit_bgnbd, log_likelihood
from saleor_ltv_plugin.engine.mbgnbd import ModifiedBetaGeoModel, fit_mbgnbd


def columns(s):
    return s["x"].to_numpy(float), s["t_x"].to_numpy(float), s["T"].to_numpy(float)


def paper_log_likelihood(params, x, t_x, T):
    """L = Γ(r+x)α^r/Γ(r) · [B(a, b+x+1)/B(a, b)·(α+T)^−(r+x) + B(a+1, b+x)/B(a, b)·(α+t_x)^−(r+x)]."""
    r, alpha, a, b = params
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    alive = np.exp(betaln(a, b + x + 1) - betaln(a, b) - (r + x) * np.log(alpha + T))
    gone = np.exp(betaln(a + 1, b + x) - betaln(a, b) - (r + x) * np.log(alpha + t_x))
    return head + np.log(alive + gone)


def lifetimes_with(params):
    lifetimes = pytest.importorskip("lifetimes")
    fitter = lifetimes.ModifiedBetaGeoFitter()
    fitter.params_ = pd.Series(dict(zip(("r", "alpha", "a", "b"), params)))
    return lifetimes, fitter


def test_likelihood_is_the_papers(cdnow_summary):
    x, t_x, T = columns(cdnow_summary)
    for params in [(0.525, 6.183, 0.891, 1.614), (0.2, 3.0, 2.5, 7.0), (1.5, 30.0, 0.3, 0.2)]:
        np.testing.assert_allclose(log_likelihood(params, x, t_x, T, modified=True),
                                   paper_log_likelihood(params, x, t_x, T), rtol=1e-12)


def test_cdnow_matches_lifetimes(cdnow_summary):
    x, t_x, T = columns(cdnow_summary)
    model = fit_mbgnbd(x, t_x, T)
    assert model.status == "ok", model.reason
    params = list(model.params.values())
    lifetimes, theirs = lifetimes_with(params)
    ones = np.ones(len(x))
    their_ll = -theirs._negative_log_likelihood(np.log(params), x, t_x, T, ones, 0.0) * len(x)
    assert model.log_likelihood == pytest.approx(their_ll, abs=1e-6)
    np.testing.assert_allclose(model.probability_alive(x, t_x, T),
                               theirs.conditional_probability_alive(x, t_x, T), rtol=1e-12)
    np.testing.assert_allclose(model.conditional_expected_purchases(39, x, t_x, T),
                               theirs.conditional_expected_number_of_purchases_up_to_time(39, x, t_x, T),
                               rtol=1e-10)
    horizons = np.array([1.0, 39, 78])
    np.testing.assert_allclose(model.expected_purchases(horizons),
                               theirs.expected_number_of_purchases_up_to_time(horizons), rtol=1e-10)
    # lifetimes' own fit reaches the same optimum; ours is at least as high.
    fitted = lifetimes.ModifiedBetaGeoFitter().fit(x, t_x, T)
    for name, value in model.params.items():
        assert fitted.params_[name] == pytest.approx(value, rel=1e-3), name
    their_start = np.log(fitted.params_.to_numpy())
    fitted_ll = -fitted._negative_log_likelihood(their_start, x, t_x, T, ones, 0.0) * len(x)
    assert model.log_likelihood >= fitted_ll - 1e-6


def test_cdnow_fit_is_close_to_bgnbd_but_not_the_same(cdnow_summary):
    x, t_x, T = columns(cdnow_summary)
    mbg, bg = fit_mbgnbd(x, t_x, T), fit_bgnbd(x, t_x, T)
    assert isinstance(mbg, ModifiedBetaGeoModel) and mbg.name == "mbgnbd" and bg.name == "bgnbd"
    assert abs(mbg.log_likelihood - bg.log_likelihood) < 5 and mbg.r != pytest.approx(bg.r, rel=0.1)


def test_one_order_accounts_are_not_all_alive(cdnow_summary):
    model = fit_mbgnbd(*columns(cdnow_summary))
    alive = model.probability_alive(0, 0, [1.0, 10, 39, 78, 156])
    assert np.all(np.diff(alive) < 0) and alive[0] < 1 and alive[-1] < 0.5
    r, alpha, a, b = model.params.values()
    assert alive[-1] == pytest.approx(1 / (1 + a / b * ((alpha + 156) / alpha) ** r), rel=1e-12)


def test_horizon_predictions_share_the_work(cdnow_summary):
    x, t_x, T = columns(cdnow_summary)
    model = fit_mbgnbd(x, t_x, T)
    for t, values in zip((10.0, 39.0), model.conditional_expected_by_horizon([10.0, 39.0], x, t_x, T)):
        np.testing.assert_allclose(values, model.conditional_expected_purchases(t, x, t_x, T), rtol=1e-12)


def test_fallbacks_are_bgnbds():
    assert fit_mbgnbd([0, 1], [0, 3], [10, 10]).status == "insufficient_data"
    model = fit_mbgnbd([], [], [])
    assert model.status == "insufficient_data" and np.isnan(model.probability_alive(1, 3, 10))
