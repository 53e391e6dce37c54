"""The scenario report's holdout read-out: incremental revenue with its interval and verdict."""

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from scipy import stats

from saleor_ltv_plugin.automation.report import describe_incremental, scenario_report, verdict_text
from saleor_ltv_plugin.engine.experiments import MIN_PER_ARM, Verdict
from saleor_ltv_plugin.ingest.orders import upsert_orders
from saleor_ltv_plugin.models import Account, Enrollment

from ..support.facts import make_order
from .conftest import CHANNEL

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 9, 10, 1, 0, tzinfo=timezone.utc)


def enrol(scenario: str, revenue: dict[str, tuple[bool, int]]) -> None:
    """Accounts named by `revenue`: (holdout?, yen bought within the window after enrolling)."""
    orders = [make_order(f"{name}-seed", company=name, created_at=T0 - timedelta(days=200), gross="1000")
              for name in revenue]
    orders += [make_order(f"{name}-after", company=name, created_at=T0 + timedelta(days=2), gross=str(amount))
               for name, (_, amount) in revenue.items() if amount]
    upsert_orders(orders)
    accounts = {a.display_name: a for a in Account.objects.filter(display_name__in=list(revenue))}
    rows = Enrollment.objects.bulk_create(
        Enrollment(scenario=scenario, channel=CHANNEL, trigger_ref=f"{scenario}:{name}", account=accounts[name],
                   anchor_at=T0, holdout=holdout) for name, (holdout, _) in revenue.items())
    Enrollment.objects.filter(pk__in=[r.pk for r in rows]).update(created_at=T0)


def figures(scenario: str):
    report = scenario_report(CHANNEL, T0.date() - timedelta(days=5), T0.date() + timedelta(days=20))
    return report, next(f for f in report.scenarios if f.scenario == scenario)


def test_incremental_revenue_carries_welchs_interval_scaled_to_the_treated_group(settings):
    settings.LTV_PLUGIN = {**settings.LTV_PLUGIN, "attribution_window_days": 7}
    rng = np.random.default_rng(16)
    treated = [int(x) for x in (rng.random(120) < 0.6) * rng.integers(5000, 20000, 120)]
    control = [int(x) for x in (rng.random(60) < 0.1) * rng.integers(5000, 20000, 60)]
    enrol("winback", {**{f"T{i}": (False, v) for i, v in enumerate(treated)},
                      **{f"H{i}": (True, v) for i, v in enumerate(control)}})
    report, f = figures("winback")
    # Independently: scipy's Welch interval on the amounts we generated, times the treated count.
    ci = stats.ttest_ind(treated, control, equal_var=False).confidence_interval(0.95)
    assert float(f.incremental_revenue) == pytest.approx((np.mean(treated) - np.mean(control)) * 120, abs=0.01)
    assert float(f.incremental_revenue_low) == pytest.approx(ci.low * 120, abs=0.01)
    assert float(f.incremental_revenue_high) == pytest.approx(ci.high * 120, abs=0.01)
    expected = Verdict.POSITIVE if ci.low > 0 else Verdict.NEGATIVE if ci.high < 0 else Verdict.INCONCLUSIVE
    assert f.incremental_verdict is expected is Verdict.POSITIVE  # 60 % vs 10 % buying: a real effect
    total = report.total  # one scenario with a figure: the total is that scenario's
    assert (total.incremental_revenue_low, total.incremental_revenue_high, total.incremental_verdict) == (
        f.incremental_revenue_low, f.incremental_revenue_high, f.incremental_verdict)


def test_a_holdout_too_small_to_tell_says_so_instead_of_a_bare_number(settings):
    settings.LTV_PLUGIN = {**settings.LTV_PLUGIN, "attribution_window_days": 7}
    # The demo's shape: many treated, a handful held out, one of them happening to buy a lot.
    enrol("churn_risk", {**{f"T{i}": (False, 3000 if i % 4 == 0 else 0) for i in range(80)},
                         **{f"H{i}": (True, 50000 if i == 0 else 0) for i in range(4)}})
    report, f = figures("churn_risk")
    assert f.incremental_revenue < 0  # the naive figure is negative…
    assert f.incremental_verdict is Verdict.TOO_SMALL  # …and the report says it cannot tell
    assert f.incremental_revenue_low < 0 < f.incremental_revenue_high
    assert report.total.incremental_verdict is Verdict.TOO_SMALL
    assert str(MIN_PER_ARM) in verdict_text(Verdict.TOO_SMALL, "ja")
    assert verdict_text(Verdict.TOO_SMALL, "en").startswith("too small to tell")


def test_the_total_adds_independent_errors_and_is_too_small_if_any_part_is(settings):
    settings.LTV_PLUGIN = {**settings.LTV_PLUGIN, "attribution_window_days": 7}
    enrol("winback", {**{f"W{i}": (False, 8000 if i % 2 else 0) for i in range(60)},
                      **{f"X{i}": (True, 8000 if i % 5 == 0 else 0) for i in range(40)}})
    enrol("f2_followup", {**{f"D{i}": (False, 4000 if i % 3 == 0 else 0) for i in range(50)},
                      **{f"E{i}": (True, 4000 if i % 3 == 0 else 0) for i in range(40)}})
    report, winback = figures("winback")
    dormant = next(f for f in report.scenarios if f.scenario == "f2_followup")
    total = report.total
    halves = [float(s.incremental_revenue_high - s.incremental_revenue_low) / 2 for s in (winback, dormant)]
    assert float(total.incremental_revenue_high - total.incremental_revenue) == pytest.approx(
        np.hypot(*halves), abs=0.01)
    assert dormant.incremental_verdict is Verdict.INCONCLUSIVE  # same buying rate in both groups
    assert total.incremental_verdict in (Verdict.POSITIVE, Verdict.INCONCLUSIVE)
    enrol("reorder_reminder", {"R1": (False, 0), "R2": (True, 0)})
    assert figures("reorder_reminder")[0].total.incremental_verdict is Verdict.TOO_SMALL


def test_the_printed_read_out_says_in_words_when_it_cannot_tell(settings):
    settings.LTV_PLUGIN = {**settings.LTV_PLUGIN, "attribution_window_days": 7}
    enrol("churn_risk", {**{f"T{i}": (False, 3000 if i % 4 == 0 else 0) for i in range(80)},
                         **{f"H{i}": (True, 50000 if i == 0 else 0) for i in range(4)}})
    enrol("winback", {**{f"W{i}": (False, 8000 if i % 2 else 0) for i in range(60)},
                      **{f"X{i}": (True, 8000 if i % 5 == 0 else 0) for i in range(40)}})
    report, churn = figures("churn_risk")
    winback = next(f for f in report.scenarios if f.scenario == "winback")
    line = describe_incremental(churn)
    assert line.startswith("too small to tell") and "80 treated, 4 held out" in line
    assert str(churn.incremental_revenue.to_integral()) not in line.replace(",", "")  # no bare negative figure
    assert "配信 80 件・対照 4 件" in describe_incremental(churn, "ja")
    told = describe_incremental(winback)
    assert f"{winback.incremental_revenue_low:+,.0f}" in told and verdict_text(winback.incremental_verdict) in told
    cross_sell = next(f for f in report.scenarios if f.scenario == "cross_sell")
    assert describe_incremental(cross_sell) == "no holdout group to compare with"
    # The total's own groups (140 treated, 44 held out) are large enough: what it lacks is churn's.
    total = describe_incremental(report.total)
    assert total.startswith("too small to tell: a scenario in it") and "140 treated, 44 held out" in total
    assert "needs at least" not in total and "含まれるシナリオ" in describe_incremental(report.total, "ja")
