"""Gamma-Gamma: the published CDNOW fit (Fader & Hardie 2013 note) and CLV."""

import numpy as np
import pytest

from saleor_ltv_plugin.engine.bgnbd import fit_bgnbd
from saleor_ltv_plugin.engine.gamma_gamma import fit_gamma_gamma


def test_cdnow_fit_reproduces_the_note(cdnow_summary):
    s = cdnow_summary
    model = fit_gamma_gamma(s["x"], s["zbar"])
    assert model.status == "ok", model.reason
    assert model.n_accounts == 946  # customers with a repeat purchase
    assert model.p == pytest.approx(6.25, rel=5e-3)
    assert model.q == pytest.approx(3.74, rel=5e-3)
    assert model.v == pytest.approx(15.44, rel=5e-3)


def test_expected_order_value_shrinks_toward_population_mean(cdnow_summary):
    s = cdnow_summary
    model = fit_gamma_gamma(s["x"], s["zbar"])
    population = model.population_mean_value
    assert model.expected_order_value(0, 0) == pytest.approx(population)
    few, many = model.expected_order_value([1, 20], [100.0, 100.0])
    assert population < few < many < 100.0


def test_clv_combines_with_bgnbd_and_discounting_lowers_it(cdnow_summary):
    s = cdnow_summary
    bg = fit_bgnbd(s["x"], s["t_x"], s["T"])
    gg = fit_gamma_gamma(s["x"], s["zbar"])
    args = (bg, s["x"], s["t_x"], s["T"], s["zbar"])
    flat = gg.clv(*args, horizon=52, step=4, discount_rate=0.0)
    discounted = gg.clv(*args, horizon=52, step=4, discount_rate=0.01)
    expected = bg.conditional_expected_purchases(52, s["x"], s["t_x"], s["T"])
    value = gg.expected_order_value(s["x"], s["zbar"])
    np.testing.assert_allclose(flat, expected * value, rtol=1e-9)
    assert np.all(discounted <= flat + 1e-12) and discounted.sum() < flat.sum()
    assert np.all(gg.clv(*args, horizon=52, step=4, margin=0.3) == pytest.approx(0.3 * flat))


def test_too_few_repeaters_falls_back():
    model = fit_gamma_gamma([0, 1, 2], [0, 10.0, 12.0])
    assert model.status == "insufficient_data" and not model.ok
    assert np.isnan(model.expected_order_value(1, 10.0))


def test_zero_and_negative_spend_are_ignored():
    rng = np.random.default_rng(1)
    x = rng.integers(1, 6, 200)
    m = rng.gamma(4, 10, 200)
    clean = fit_gamma_gamma(x, m)
    noisy = fit_gamma_gamma(np.r_[x, 3, 2, 0], np.r_[m, 0.0, -5.0, 10.0])
    assert clean.ok and noisy.ok and noisy.n_accounts == 200
    assert noisy.p == pytest.approx(clean.p, rel=1e-6)


def test_fit_is_currency_scale_equivariant():
    rng = np.random.default_rng(2)
    x = rng.integers(1, 6, 300)
    m = rng.gamma(3, 20, 300)
    usd = fit_gamma_gamma(x, m)
    jpy = fit_gamma_gamma(x, m * 150)
    assert jpy.p == pytest.approx(usd.p, rel=1e-4)
    assert jpy.q == pytest.approx(usd.q, rel=1e-4)
    assert jpy.v == pytest.approx(usd.v * 150, rel=1e-4)
