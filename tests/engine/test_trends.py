"""engine.trends against a pandas computation over dense per-day data: every account's stage on
every day, which the change history must reproduce however the days were written (in order, or
a day replayed between two others)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from saleor_ltv_plugin.engine import trends

STAGES = ["new", "first_repeat", "repeat", "loyal", "dormant", "lost"]
DAY0 = dt.date(2026, 1, 1)


def dense_stages(seed: int, accounts: int = 400, days: int = 12) -> pd.DataFrame:
    """accounts × snapshot days; None = not scored that day. Stages persist with some moves."""
    rng = np.random.default_rng(seed)
    columns = [DAY0 + dt.timedelta(days=7 * k) for k in range(days)]
    state = rng.choice(STAGES + [None] * 3, size=accounts).astype(object)
    out = {}
    for day in columns:
        move = rng.random(accounts) < 0.25
        state = np.where(move, rng.choice(STAGES + [None], size=accounts).astype(object), state)
        out[day] = state.copy()
    return pd.DataFrame(out, index=pd.Index(np.arange(1, accounts + 1, dtype=np.int64) * 3, name="account_id"))


def history_from(dense: pd.DataFrame, order: list[dt.date]) -> pd.DataFrame:
    """Write the days in `order` as the recompute does: previous = reading just before the day."""
    log = pd.DataFrame({"account_id": pd.Series(dtype=np.int64), "day": pd.Series(dtype=object),
                        "stage": pd.Series(dtype=object)})
    written: list[dt.date] = []
    for day in order:
        earlier = log[log["day"] < day]
        previous = trends.stages_on(earlier, day)
        current = dense[day].dropna()
        later = sorted(d for d in written if d > day)
        pinned = pd.Index(log.loc[log["day"] == later[0], "account_id"]) if later else None
        at_day, at_next = trends.stage_changes(previous, current, pinned)
        log = pd.concat([log, at_day.assign(day=day), at_next.assign(day=later[0] if later else None)],
                        ignore_index=True)
        written.append(day)
    return log


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_history_reads_back_every_day_and_movements_equal_a_crosstab(seed):
    dense = dense_stages(seed)
    days = list(dense.columns)
    shuffled = list(np.random.default_rng(seed).permutation(len(days)))
    for order in (days, [days[i] for i in shuffled]):
        log = history_from(dense, order)
        assert len(log) < dense.size  # changes, not a row per account and day
        for day in days:
            expected = dense[day].dropna().sort_index()
            assert trends.stages_on(log, day).sort_index().to_dict() == expected.to_dict(), (order, day)
        # Between two snapshot days, and from a day between snapshots (reads the one before).
        for start, end in ((days[0], days[-1]), (days[3], days[7]), (days[2] + dt.timedelta(days=3), days[5])):
            read_start = max(d for d in days if d <= start)
            pair = dense[[read_start, end]].fillna("")
            pair = pair[(pair[read_start] != "") | (pair[end] != "")]
            expected = pd.crosstab(pair[read_start], pair[end]).stack()
            expected = expected[expected > 0].sort_index()
            got = trends.movement(log, start, end).set_index(["from_stage", "to_stage"])["accounts"].sort_index()
            assert got.to_dict() == expected.to_dict()
            assert got.sum() == len(pair)


def test_series_fills_missing_values_with_zero_and_shares_sum_to_one():
    rng = np.random.default_rng(5)
    rows = [(DAY0 + dt.timedelta(days=d), v, int(rng.integers(1, 50)), float(rng.integers(0, 10**6)))
            for d in range(0, 30, 3) for v in STAGES if rng.random() < 0.7]
    snapshots = pd.DataFrame(rows, columns=["day", "value", "accounts", "revenue"])
    out = trends.series(snapshots)
    wide = snapshots.pivot_table(index="day", columns="value", values="accounts", aggfunc="sum", fill_value=0)
    assert len(out) == wide.size
    got = out.pivot(index="day", columns="value", values="accounts")
    pd.testing.assert_frame_equal(got, wide, check_dtype=False, check_names=False)
    assert out.groupby("day")["share"].sum().to_numpy() == pytest.approx(1.0)
    revenue = snapshots.groupby("day")["revenue"].sum()
    assert out.groupby("day")["revenue"].sum().to_dict() == pytest.approx(revenue.to_dict())
    assert trends.series(snapshots.iloc[0:0]).empty and trends.movement(
        pd.DataFrame(columns=["account_id", "day", "stage"]), DAY0, DAY0).empty


def test_an_account_that_stops_being_scored_leaves_the_stages():
    previous = pd.Series({1: "new", 2: "repeat"})
    current = pd.Series({2: "repeat", 3: "new"})
    at_day, at_next = trends.stage_changes(previous, current)
    assert sorted(map(tuple, at_day.to_numpy().tolist())) == [(1, ""), (3, "new")] and at_next.empty
