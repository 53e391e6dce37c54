"""A/B tests and holdouts: stable assignment, significance read-outs, verdicts, auto-winner.

Assignment — ``assign(unit_key, salt, weights)``: sha256 of ``salt + "\\0" + unit_key``; its first
8 bytes as an integer u, uniform on [0, 2⁶⁴); the point ``u · W ÷ 2⁶⁴`` (W = sum of weights) falls
in variant i when it is below the first i+1 weights' sum. The same unit and salt always land in
the same variant (a flow's A/B step uses its step id as the salt, so tests are independent of one
another); the bias from 2⁶⁴ not being a multiple of W is below W ÷ 2⁶⁴.

Conversions (opens, clicks, orders per recipient) — ``compare_proportions``:

* two-proportion z-test: difference p_B − p_A, its 95 % Wald interval (unpooled standard error)
  and the two-sided p-value (pooled standard error under H0: p_A = p_B), as in Agresti,
  *Categorical Data Analysis*, 3rd ed., §1.4 / §3.1;
* the Beta-Binomial posterior P(p_B > p_A) with a Beta(1, 1) prior on each rate, exact for integer
  counts by Evan Miller's closed form ("Formulas for Bayesian A/B Testing", 2015):

      P = Σ_{i=0}^{α_B−1} B(α_A+i, β_A+β_B) / ((β_B+i) · B(1+i, β_B) · B(α_A, β_A)),
      α = 1 + conversions, β = 1 + recipients − conversions.

Revenue per recipient (treated vs holdout) — ``compare_means``: Welch's t-interval for the
difference of means. Why Welch and not a pooled t or a bootstrap: the holdout is a small share of
the audience (5-10 %), so the groups differ in size and variance, which breaks the pooled t; the
interval is exact in its assumptions' limit and costs nothing, and at the sizes below which we say
``too_small`` (``MIN_PER_ARM``) the mean's sampling distribution is near normal even for revenue
with many zeros. A bootstrap would not be more honest at small n (it under-covers there too) and
would cost CPU on every report.

Verdict (``verdict(interval, n_treated, n_control, ...)``), in this order:

* ``too_small``: fewer than ``min_per_arm`` units in either group, or no variation at all
  (both groups' standard deviation 0: the interval would be a point and claim certainty);
* ``inconclusive``: the 95 % interval contains 0;
* ``positive`` / ``negative``: the whole interval is above / below 0.

Auto-winner (``pick_winner``): once every variant has ``min_recipients`` recipients, or
``min_days`` have passed since the test started, the variant with P(best) ≥ ``threshold``
(default 0.95) under the Beta(1, 1) posteriors wins; otherwise None. We use P(best) rather than
p < 0.05 because it covers 2-4 variants without a multiple-comparison correction and reads as
what a shop asks ("how likely is B the best?"); deciding only after N or D limits the damage of
looking every day.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from enum import Enum

from statistics import NormalDist

import numpy as np
from scipy import special  # scipy.stats and .integrate load in the functions that need them (~1 s at start-up)

CONFIDENCE = 0.95
MIN_PER_ARM = 30
_Z = NormalDist().inv_cdf(0.5 + CONFIDENCE / 2)


def assign(unit_key: str, salt: str, weights: list[int]) -> int:
    """The index of the variant ``unit_key`` falls in; stable for a given salt and weights."""
    if not weights or any(not isinstance(w, int) or isinstance(w, bool) or w < 0 for w in weights):
        raise ValueError("weights must be a non-empty list of non-negative integers")
    total = sum(weights)
    if total == 0:
        raise ValueError("weights must not all be 0")
    digest = hashlib.sha256(f"{salt}\0{unit_key}".encode()).digest()
    point = (int.from_bytes(digest[:8], "big") * total) >> 64
    upper = 0
    for index, weight in enumerate(weights):
        upper += weight
        if point < upper:
            return index
    raise AssertionError("unreachable: point < total")


@dataclass(frozen=True)
class ProportionComparison:
    """Variant B against control A; rates are shares of recipients (0-1)."""

    control_rate: float
    variant_rate: float
    difference: float
    low: float
    high: float
    p_value: float
    prob_variant_beats_control: float


def _check_counts(successes: int, trials: int, name: str) -> None:
    if trials < 0 or not 0 <= successes <= trials:
        raise ValueError(f"{name}: need 0 <= successes <= trials, got {successes} of {trials}")


def prob_beats(successes_b: int, trials_b: int, successes_a: int, trials_a: int) -> float:
    """P(p_B > p_A) under Beta(1, 1) priors, Evan Miller's closed form (exact, O(successes_B))."""
    _check_counts(successes_a, trials_a, "control")
    _check_counts(successes_b, trials_b, "variant")
    alpha_a, beta_a = 1 + successes_a, 1 + trials_a - successes_a
    alpha_b, beta_b = 1 + successes_b, 1 + trials_b - successes_b
    i = np.arange(alpha_b, dtype=float)
    log_terms = (special.betaln(alpha_a + i, beta_a + beta_b) - np.log(beta_b + i)
                 - special.betaln(1 + i, beta_b) - special.betaln(alpha_a, beta_a))
    return float(min(1.0, max(0.0, np.exp(special.logsumexp(log_terms)))))


def compare_proportions(successes_a: int, trials_a: int, successes_b: int, trials_b: int) -> ProportionComparison:
    """z-test, 95 % interval and Bayesian P(B > A) for control A and variant B (both need trials)."""
    _check_counts(successes_a, trials_a, "control")
    _check_counts(successes_b, trials_b, "variant")
    if not (trials_a and trials_b):
        raise ValueError("both groups need at least one recipient")
    p_a, p_b = successes_a / trials_a, successes_b / trials_b
    difference = p_b - p_a
    se = math.sqrt(p_a * (1 - p_a) / trials_a + p_b * (1 - p_b) / trials_b)
    pooled = (successes_a + successes_b) / (trials_a + trials_b)
    se0 = math.sqrt(pooled * (1 - pooled) * (1 / trials_a + 1 / trials_b))
    p_value = 1.0 if se0 == 0 else math.erfc(abs(difference) / se0 / math.sqrt(2))  # 2 × the normal tail
    return ProportionComparison(p_a, p_b, difference, difference - _Z * se, difference + _Z * se, p_value,
                                prob_beats(successes_b, trials_b, successes_a, trials_a))


@dataclass(frozen=True)
class MeanDifference:
    """Mean of the treated group − mean of the control group, with its Welch 95 % interval."""

    difference: float
    low: float
    high: float
    n_treated: int
    n_control: int
    sd_treated: float
    sd_control: float


def compare_means(treated, control) -> MeanDifference | None:
    """Welch's interval for mean(treated) − mean(control); None when a group has fewer than 2 values."""
    x, y = np.asarray(treated, dtype=float), np.asarray(control, dtype=float)
    if len(x) < 2 or len(y) < 2:
        return None
    var_x, var_y = x.var(ddof=1) / len(x), y.var(ddof=1) / len(y)
    difference = float(x.mean() - y.mean())
    se = math.sqrt(var_x + var_y)
    if se == 0:
        half = 0.0
    else:  # Welch-Satterthwaite degrees of freedom
        df = (var_x + var_y) ** 2 / (var_x ** 2 / (len(x) - 1) + var_y ** 2 / (len(y) - 1))
        from scipy import stats

        half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, df)) * se
    return MeanDifference(difference, difference - half, difference + half, len(x), len(y),
                          float(math.sqrt(x.var(ddof=1))), float(math.sqrt(y.var(ddof=1))))


class Verdict(str, Enum):
    TOO_SMALL = "too_small"
    INCONCLUSIVE = "inconclusive"
    POSITIVE = "positive"
    NEGATIVE = "negative"


def verdict(result: MeanDifference | None, min_per_arm: int = MIN_PER_ARM) -> Verdict:
    """The rule in the module docstring: too_small, then inconclusive, then the interval's sign."""
    if (result is None or min(result.n_treated, result.n_control) < min_per_arm
            or result.sd_treated == result.sd_control == 0):
        return Verdict.TOO_SMALL
    return interval_verdict(result.low, result.high)


def interval_verdict(low: float, high: float) -> Verdict:
    """For an interval that can be told: inconclusive when it contains 0, else its sign."""
    if low <= 0 <= high:
        return Verdict.INCONCLUSIVE
    return Verdict.POSITIVE if low > 0 else Verdict.NEGATIVE


def prob_best(counts: list[tuple[int, int]]) -> list[float]:
    """P(each variant's rate is the highest) under Beta(1, 1) priors; counts = [(successes, trials)].

    P(i best) = ∫ f_i(x) ∏_{j≠i} F_j(x) dx, integrated numerically over the span where the
    posteriors have mass (their 1e-12 … 1 − 1e-12 quantiles), with each mode as a breakpoint.
    """
    from scipy import integrate, stats

    for k, (s, n) in enumerate(counts):
        _check_counts(s, n, f"variant {k}")
    posteriors = [stats.beta(1 + s, 1 + n - s) for s, n in counts]
    lo = max(0.0, min(float(p.ppf(1e-12)) for p in posteriors))
    hi = min(1.0, max(float(p.isf(1e-12)) for p in posteriors))
    modes = sorted({min(max(s / n if n else 0.5, lo), hi) for s, n in counts})
    inner = [m for m in modes if lo < m < hi]
    out = []
    for i, p in enumerate(posteriors):
        others = [q for j, q in enumerate(posteriors) if j != i]

        def density(x, p=p, others=others):
            return p.pdf(x) * math.prod(q.cdf(x) for q in others)

        value, _ = integrate.quad(density, lo, hi, points=inner or None, limit=200, epsabs=1e-10)
        out.append(value)
    total = sum(out)
    return [v / total for v in out] if total else [1 / len(out)] * len(out)


def pick_winner(counts: list[tuple[int, int]], days_running: float, *, min_recipients: int = 1000,
                min_days: float = 14, threshold: float = 0.95) -> int | None:
    """The winning variant's index by the rule in the module docstring, or None (not yet / no winner)."""
    if len(counts) < 2:
        raise ValueError("an A/B test needs at least two variants")
    if min(n for _, n in counts) < min_recipients and days_running < min_days:
        return None
    chances = prob_best(counts)
    best = max(range(len(chances)), key=chances.__getitem__)
    return best if chances[best] >= threshold else None
