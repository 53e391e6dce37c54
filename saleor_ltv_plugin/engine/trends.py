"""Trends (定点観測): counts per stage, CPM cell and RFM segment over the daily snapshots, and the
stage movement between two days (from-stage × to-stage accounts).

Snapshot rows (``day``, ``value``, ``accounts``, ``revenue``) are one dimension's counts as each
recompute stored them; a value absent on a snapshot day held no account that day and reads 0.
Stage changes (``account_id``, ``day``, ``stage``) are each account's stage from that day on
until its next row; '' or no row yet = not scored (no counted purchase) on that day.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

NOT_SCORED = ""
SERIES_COLUMNS = ["day", "value", "accounts", "revenue", "share"]
MOVEMENT_COLUMNS = ["from_stage", "to_stage", "accounts"]


def series(snapshots: pd.DataFrame) -> pd.DataFrame:
    """One row per (snapshot day, value seen on any day), zeros filled; ``share`` = accounts ÷
    the day's accounts in the dimension. Sorted by day, then value."""
    if snapshots.empty:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    frame = snapshots.assign(accounts=snapshots["accounts"].astype(np.int64),
                             revenue=pd.to_numeric(snapshots["revenue"]).astype(np.float64))
    frame = frame.groupby(["day", "value"], as_index=False)[["accounts", "revenue"]].sum()
    full = pd.MultiIndex.from_product([sorted(frame["day"].unique()), sorted(frame["value"].unique())],
                                      names=["day", "value"])
    out = frame.set_index(["day", "value"]).reindex(full, fill_value=0).reset_index()
    totals = out.groupby("day")["accounts"].transform("sum")
    out["share"] = out["accounts"] / totals.where(totals > 0)
    return out[SERIES_COLUMNS]


def stages_on(changes: pd.DataFrame, day: dt.date) -> pd.Series:
    """Each scored account's stage on ``day`` (its latest row on or before it), by account id."""
    before = changes[changes["day"] <= day]
    latest = before.sort_values(["account_id", "day"]).drop_duplicates("account_id", keep="last")
    latest = latest[latest["stage"] != NOT_SCORED]
    return pd.Series(latest["stage"].to_numpy(), index=latest["account_id"].to_numpy(), dtype=object)


def movement(changes: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Accounts per (stage on ``start``, stage on ``end``), the non-empty pairs; '' on either
    side = not scored that day (acquired since, or dropped out). Sorted by from, then to."""
    before, after = stages_on(changes, start), stages_on(changes, end)
    accounts = before.index.union(after.index)
    if len(accounts) == 0:
        return pd.DataFrame(columns=MOVEMENT_COLUMNS)
    pairs = pd.DataFrame({"from_stage": before.reindex(accounts).fillna(NOT_SCORED).to_numpy(),
                          "to_stage": after.reindex(accounts).fillna(NOT_SCORED).to_numpy()})
    out = pairs.groupby(["from_stage", "to_stage"]).size().rename("accounts").reset_index()
    return out[MOVEMENT_COLUMNS].astype({"accounts": np.int64})


def stage_changes(previous: pd.Series, current: pd.Series, pinned_next: pd.Index | None = None
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows a recompute on day d adds to the stage history: ``(at_day, at_next)``.

    ``previous``: each account's stage read just before d; ``current``: every scored account's
    stage on d (both by account id). An account whose stage differs gets a row on d (''
    when it is no longer scored). ``pinned_next`` (when a later snapshot day d' exists: a run
    replayed out of order) lists the accounts with a row on d'; each changed account without
    one gets a row on d' with its old stage, so readings from d' on stay what they were.
    """
    accounts = previous.index.union(current.index)
    before = previous.reindex(accounts).fillna(NOT_SCORED).astype(str)
    now = current.reindex(accounts).fillna(NOT_SCORED).astype(str)
    changed = before.index[(before != now).to_numpy()]
    at_day = pd.DataFrame({"account_id": changed.to_numpy(np.int64), "stage": now[changed].to_numpy()})
    if pinned_next is None:
        return at_day, at_day.iloc[0:0]
    keep = changed.difference(pinned_next)
    return at_day, pd.DataFrame({"account_id": keep.to_numpy(np.int64), "stage": before[keep].to_numpy()})
