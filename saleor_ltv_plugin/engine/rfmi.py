"""RFMi (LTV-Lab): R, F and M scores plus I, the account's purchase interval, as a fourth.

I = the account's mean days between purchases = tenure ÷ (frequency − 1), scored 1–5 by
quantile among accounts with two or more purchases (shorter interval scores higher, as a more
recent R does); accounts with one purchase have no interval and I = 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .rfm import quantile_scores

COLUMNS = ["r_score", "f_score", "m_score", "i_score", "accounts", "revenue", "mean_interval_days"]
BOUND_COLUMNS = ["i_score", "accounts", "min_interval_days", "max_interval_days"]


def mean_interval(accounts: pd.DataFrame) -> np.ndarray:
    frequency = accounts["frequency"].to_numpy(np.float64)
    tenure = pd.to_numeric(accounts["tenure_days"], errors="coerce").to_numpy(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(frequency >= 2, tenure / (frequency - 1), np.nan)


def interval_scores(accounts: pd.DataFrame) -> np.ndarray:
    interval = mean_interval(accounts)
    scores = np.zeros(len(accounts), np.int8)
    known = ~np.isnan(interval)
    scores[known] = quantile_scores(interval[known], higher_is_better=False)
    return scores


def rfmi(accounts: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(cells, bounds): accounts and spend per non-empty (R, F, M, I) cell; and per I score the
    range of intervals it holds. Input: ``r_score``, ``f_score``, ``m_score``, ``frequency``,
    ``tenure_days``, ``monetary`` per account."""
    frame = pd.DataFrame({name: accounts[name].fillna(0).astype(np.int64).to_numpy()
                          for name in ("r_score", "f_score", "m_score")})
    frame["i_score"] = interval_scores(accounts)
    frame["interval"] = mean_interval(accounts)
    frame["monetary"] = pd.to_numeric(accounts["monetary"]).astype(np.float64).to_numpy()
    if frame.empty:
        return pd.DataFrame(columns=COLUMNS), pd.DataFrame(columns=BOUND_COLUMNS)
    cells = frame.groupby(["r_score", "f_score", "m_score", "i_score"]).agg(
        accounts=("monetary", "size"), revenue=("monetary", "sum"),
        mean_interval_days=("interval", "mean")).reset_index()
    bounds = frame.groupby("i_score").agg(accounts=("monetary", "size"), min_interval_days=("interval", "min"),
                                          max_interval_days=("interval", "max")).reset_index()
    return cells[COLUMNS], bounds[BOUND_COLUMNS]
