"""A/B statistics, each checked against an independent computation (scipy, Monte Carlo, simulation)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from saleor_ltv_plugin.engine.experiments import (
    Verdict,
    assign,
    compare_means,
    compare_proportions,
    pick_winner,
    prob_beats,
    prob_best,
    verdict,
)


@pytest.mark.parametrize("weights", [[50, 50], [10, 90], [1, 2, 3, 4]])
def test_assignment_splits_100k_units_as_the_weights_say(weights):
    counts = np.bincount([assign(f"account:{i}", "step-7", weights) for i in range(100_000)],
                         minlength=len(weights))
    expected = 100_000 * np.array(weights) / sum(weights)
    chi2 = ((counts - expected) ** 2 / expected).sum()
    # A fair hash passes at the 0.1 % level; a biased one (e.g. modulo on a short digest) does not.
    assert chi2 < stats.chi2.ppf(0.999, len(weights) - 1), (counts, expected)


def test_assignment_is_stable_and_depends_on_the_salt():
    first = [assign(str(i), "a", [1, 1]) for i in range(1000)]
    assert first == [assign(str(i), "a", [1, 1]) for i in range(1000)]
    other = [assign(str(i), "b", [1, 1]) for i in range(1000)]
    agreement = sum(x == y for x, y in zip(first, other, strict=True)) / 1000
    assert 0.44 < agreement < 0.56  # independent salts agree about half the time
    assert {assign(str(i), "a", [0, 3, 0]) for i in range(200)} == {1}


@pytest.mark.parametrize("weights", [[], [1, -1], [0, 0], [1.5, 1]])
def test_assignment_refuses_bad_weights(weights):
    with pytest.raises(ValueError, match="weights"):
        assign("x", "s", weights)


@pytest.mark.parametrize("a,b", [((120, 1000), (150, 1000)), ((30, 400), (18, 350)), ((5, 60), (5, 60))])
def test_z_test_p_value_equals_the_uncorrected_chi_square_test(a, b):
    result = compare_proportions(a[0], a[1], b[0], b[1])
    table = [[a[0], a[1] - a[0]], [b[0], b[1] - b[0]]]
    _chi2, p, _dof, _ = stats.chi2_contingency(table, correction=False)
    assert result.p_value == pytest.approx(p, rel=1e-9)
    assert result.difference == pytest.approx(b[0] / b[1] - a[0] / a[1])


def test_z_interval_covers_the_true_difference_about_95_percent_of_the_time():
    rng = np.random.default_rng(11)
    trials, p_a, p_b, runs = 2000, 0.10, 0.12, 2000
    covered = 0
    for s_a, s_b in zip(rng.binomial(trials, p_a, runs), rng.binomial(trials, p_b, runs), strict=True):
        r = compare_proportions(int(s_a), trials, int(s_b), trials)
        covered += r.low <= p_b - p_a <= r.high
    # Binomial(2000, 0.95) lies within ±1.5 points with probability > 99.8 %.
    assert 0.935 < covered / runs < 0.965


@pytest.mark.parametrize("a,b", [((12, 100), (19, 100)), ((300, 5000), (340, 5000)), ((0, 20), (1, 25)),
                                 ((40, 100), (40, 100))])
def test_prob_beats_matches_monte_carlo_and_numeric_integration(a, b):
    exact = prob_beats(b[0], b[1], a[0], a[1])
    rng = np.random.default_rng(2026)
    draws_a = rng.beta(1 + a[0], 1 + a[1] - a[0], 1_000_000)
    draws_b = rng.beta(1 + b[0], 1 + b[1] - b[0], 1_000_000)
    assert exact == pytest.approx((draws_b > draws_a).mean(), abs=0.003)  # MC s.e. ≤ 0.0005
    post_a, post_b = stats.beta(1 + a[0], 1 + a[1] - a[0]), stats.beta(1 + b[0], 1 + b[1] - b[0])
    integral, _ = integrate.quad(lambda x: post_b.pdf(x) * post_a.cdf(x), 0, 1, limit=500,
                                 points=[a[0] / a[1], b[0] / b[1]])
    assert exact == pytest.approx(integral, abs=1e-6)
    assert compare_proportions(a[0], a[1], b[0], b[1]).prob_variant_beats_control == exact


def test_prob_best_agrees_with_the_closed_form_for_two_and_monte_carlo_for_four():
    two = prob_best([(12, 100), (19, 100)])
    assert two[1] == pytest.approx(prob_beats(19, 100, 12, 100), abs=1e-6) and sum(two) == pytest.approx(1)
    counts = [(50, 1000), (58, 1000), (71, 1000), (49, 900)]
    rng = np.random.default_rng(5)
    draws = np.stack([rng.beta(1 + s, 1 + n - s, 400_000) for s, n in counts])
    monte_carlo = np.bincount(draws.argmax(axis=0), minlength=4) / 400_000
    assert prob_best(counts) == pytest.approx(list(monte_carlo), abs=0.004)


def test_bad_counts_are_refused_with_the_group_named():
    with pytest.raises(ValueError, match="variant"):
        compare_proportions(1, 10, 11, 10)
    with pytest.raises(ValueError, match="control"):
        prob_beats(1, 10, -1, 10)


def test_welch_interval_matches_scipy():
    rng = np.random.default_rng(3)
    treated = rng.lognormal(8, 1.5, 900) * (rng.random(900) < 0.2)  # revenue: mostly 0, heavy tail
    control = rng.lognormal(8, 1.5, 80) * (rng.random(80) < 0.15)
    result = compare_means(treated, control)
    ci = stats.ttest_ind(treated, control, equal_var=False).confidence_interval(0.95)
    assert (result.low, result.high) == pytest.approx((ci.low, ci.high), rel=1e-9)
    assert result.difference == pytest.approx(treated.mean() - control.mean())
    assert compare_means([1.0], [2.0, 3.0]) is None


def test_verdict_rule():
    rng = np.random.default_rng(8)
    small = compare_means(rng.normal(100, 10, 20), rng.normal(0, 10, 20))
    assert verdict(small) is Verdict.TOO_SMALL  # a clear effect, but under 30 per arm
    assert verdict(small, min_per_arm=10) is Verdict.POSITIVE
    assert verdict(compare_means([0.0] * 50, [0.0] * 50)) is Verdict.TOO_SMALL  # no variation at all
    assert verdict(compare_means(rng.normal(0, 10, 200), rng.normal(100, 10, 200))) is Verdict.NEGATIVE
    same = compare_means(rng.normal(5, 10, 200), rng.normal(5, 10, 200))
    assert same.low < 0 < same.high and verdict(same) is Verdict.INCONCLUSIVE
    assert verdict(None) is Verdict.TOO_SMALL


def test_auto_winner_waits_for_n_or_d_then_needs_095():
    clear = [(50, 1000), (90, 1000)]
    assert pick_winner(clear, days_running=3) == 1
    assert pick_winner([(5, 100), (9, 100)], days_running=3) is None  # neither N nor D reached
    early = [(5, 100), (30, 100)]
    assert pick_winner(early, days_running=3) is None
    assert pick_winner(early, days_running=14) == 1  # D reached, and B is clearly best
    assert pick_winner([(50, 1000), (52, 1000)], days_running=30) is None  # no variant at 0.95
    with pytest.raises(ValueError):
        pick_winner([(1, 10)], days_running=30)
