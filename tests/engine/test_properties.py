"""Properties over random shops (hypothesis): totals, order independence, one label each."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saleor_ltv_plugin.engine.cpm import CELLS, cpm_cells
from saleor_ltv_plugin.engine.cycle import purchase_rhythm
from saleor_ltv_plugin.engine.lifecycle import STAGES, lifecycle_stages
from saleor_ltv_plugin.engine.rfm import RfmSettings, fixed_scores, quantile_scores, rfm_scores
from saleor_ltv_plugin.engine.summary import summarize_orders

START = pd.Timestamp("2023-01-01")
FIXED = RfmSettings(r_method="fixed", f_method="fixed", m_method="fixed",
                    m_bounds=(1_000, 5_000, 20_000, 100_000))

order_rows = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c", "d", "e", "f"]),
        st.sampled_from(["JPY", "USD"]),
        st.integers(0, 800),          # day offset
        st.integers(0, 23),           # hour
        st.integers(-2_000, 150_000),  # whole currency units keep float sums exact
    ),
    min_size=1,
    max_size=60,
)
common = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def frame(rows) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "account_id": [r[0] for r in rows],
            "currency": [r[1] for r in rows],
            "created_at": [START + pd.Timedelta(days=r[2], hours=r[3]) for r in rows],
            "amount": [float(r[4]) for r in rows],
        }
    )


def as_of(rows, extra=30):
    return START + pd.Timedelta(days=max(r[2] for r in rows) + extra)


@common
@given(order_rows, st.integers(0, 500))
def test_one_stage_and_one_cpm_cell_per_account(rows, extra):
    summary = summarize_orders(frame(rows), as_of=as_of(rows, extra))
    stages = lifecycle_stages(summary, registered_account_ids=["a", "z"])
    bought = stages[stages["stage"] != "prospect"]
    assert len(bought) == len(summary)
    assert not stages.duplicated(["account_id", "currency"]).any()
    assert set(stages["stage"]) <= set(STAGES) and stages["stage"].notna().all()
    assert ("z" in set(stages["account_id"])) and stages.loc[stages.account_id == "z", "stage"].item() == "prospect"
    cells = cpm_cells(summary)
    assert len(cells) == len(summary) and set(cells["cpm_cell"]) <= set(CELLS)


@common
@given(order_rows, st.booleans())
def test_scores_are_one_to_five(rows, fixed):
    summary = summarize_orders(frame(rows))
    scores = rfm_scores(summary, FIXED if fixed else None)
    for column in ("r_score", "f_score", "m_score", "fm_score"):
        assert scores[column].between(1, 5).all()
    assert scores["rfm_rank"].between(1, 7).all()


@common
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=80), st.booleans())
def test_quantile_ties_share_a_score_and_order_is_kept(values, higher):
    values = np.array(values)
    scores = quantile_scores(values, higher)
    for v in np.unique(values):
        assert len(set(scores[values == v])) == 1
    order = np.argsort(values if higher else -values, kind="stable")
    assert np.all(np.diff(scores[order]) >= 0)
    assert scores[order][0] == 1


@common
@given(order_rows, st.integers(0, 59), st.integers(1, 200_000))
def test_more_spend_never_lowers_m_under_fixed_bounds(rows, pick, extra):
    account, currency, day, _, _ = rows[pick % len(rows)]
    before = summarize_orders(frame(rows))
    after = summarize_orders(frame(rows + [(account, currency, day, 12, extra)]))  # same day: same F
    key = (before["account_id"] == account) & (before["currency"] == currency)
    m_before = rfm_scores(before, FIXED)["m_score"][key].item()
    m_after = rfm_scores(after, FIXED)["m_score"][key.to_numpy()].item()
    assert m_after >= m_before
    assert fixed_scores([before["monetary"][key].item() + extra], FIXED.m_bounds)[0] == m_after


@common
@given(order_rows, st.integers(0, 59), st.integers(0, 800))
def test_an_extra_order_never_increases_recency(rows, pick, day):
    account, currency = rows[pick % len(rows)][:2]
    end = as_of(rows)
    before = summarize_orders(frame(rows), as_of=end).set_index(["account_id", "currency"])
    after = summarize_orders(frame(rows + [(account, currency, min(day, (end - START).days), 0, 1)]),
                             as_of=end).set_index(["account_id", "currency"])
    assert after.loc[(account, currency), "recency_days"] <= before.loc[(account, currency), "recency_days"]
    assert after.loc[(account, currency), "frequency"] >= before.loc[(account, currency), "frequency"]


@common
@given(order_rows, st.randoms(use_true_random=False), st.booleans())
def test_results_do_not_depend_on_row_order(rows, rnd, merge):
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    end = as_of(rows)
    one = summarize_orders(frame(rows), as_of=end, merge_same_day=merge)
    two = summarize_orders(frame(shuffled), as_of=end, merge_same_day=merge)
    pd.testing.assert_frame_equal(one, two)
    pd.testing.assert_frame_equal(rfm_scores(one), rfm_scores(two))
    pd.testing.assert_frame_equal(purchase_rhythm(one), purchase_rhythm(two))


@common
@given(order_rows, st.booleans())
def test_money_totals_equal_input_totals(rows, merge):
    orders = frame(rows)
    summary = summarize_orders(orders, merge_same_day=merge)
    by_currency = summary.groupby("currency")["monetary"].sum()
    expected = orders.groupby("currency")["amount"].sum()
    pd.testing.assert_series_equal(by_currency, expected, check_names=False)
    assert summary["orders"].sum() == len(orders)
    first_plus_repeats = summary["monetary"] - summary["repeat_average_value"] * (summary["frequency"] - 1)
    assert np.all(np.isfinite(first_plus_repeats))


@common
@given(order_rows, st.booleans())
def test_summary_matches_a_plain_pandas_computation(rows, merge):
    orders = frame(rows)
    summary = summarize_orders(orders, merge_same_day=merge).set_index(["account_id", "currency"])
    orders["day"] = orders["created_at"].dt.normalize()
    for (account, currency), part in orders.groupby(["account_id", "currency"]):
        days = np.sort(part["day"].unique() if merge else part["day"].to_numpy())
        gaps = np.diff(days).astype("timedelta64[D]").astype(int)
        row = summary.loc[(account, currency)]
        assert row["frequency"] == len(days)
        assert row["tenure_days"] == (days[-1] - days[0]).astype("timedelta64[D]").astype(int)
        assert row["interval_count"] == len(gaps)
        if len(gaps):
            assert row["interval_median_days"] == np.median(gaps)
            assert row["interval_mean_days"] == pytest.approx(np.mean(gaps))
        if len(gaps) > 1:
            assert row["interval_std_days"] == pytest.approx(np.std(gaps, ddof=1), abs=1e-6)
        if merge and len(days) > 1:
            first_total = part.loc[part["day"] == days[0], "amount"].sum()
            expected = (part["amount"].sum() - first_total) / (len(days) - 1)
            assert row["repeat_average_value"] == pytest.approx(expected)
