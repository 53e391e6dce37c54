"""RFM: 1–5 scores, named segments and a 7-rank summary (LTV-Lab style).

R = ``recency_days`` (fewer days is better), F = ``frequency`` (purchase
occasions), M = ``monetary`` (total spend, currency units) from
:func:`saleor_ltv_plugin.engine.summary.summarize_orders`. Scores are computed
within each currency (money is never compared across currencies).

Scoring rules (per dimension, :class:`RfmSettings`):

* ``"quantile"`` — score = 1 + ⌊5 × share of accounts strictly *worse*⌋, capped at 5.
  Tie policy: equal values always get equal scores (the score depends only on
  how many accounts are strictly worse), the worst value always scores 1, and a
  mass of ties never pushes better accounts down: with a quarter of accounts at
  F = 1, those score 1 and F = 2 already scores 2. Heavy ties may leave the top
  score unused rather than split equal accounts.
* ``"fixed"`` — four ascending bounds; score = 1 + number of bounds the value
  reaches (for R: 5 − number of bounds the days reach, so fewer days score
  higher). Default F bounds (2, 3, 5, 10) occasions; default R bounds
  (31, 91, 181, 366) days; M has no universal default (currency-specific).

Defaults: R quantile, F fixed, M quantile — purchase counts are small integers
whose quantiles are unstable, so F uses fixed bounds unless asked otherwise.

Segments (R score × FM score, FM = ⌊(F + M + 1) / 2⌋ i.e. mean rounded half up):

=====  ==============  ==================  ==================  =========  =========
R \\FM  1               2                   3                   4          5
=====  ==============  ==================  ==================  =========  =========
5      new             potential_loyalist  potential_loyalist  champions  champions
4      promising       potential_loyalist  potential_loyalist  loyal      champions
3      about_to_sleep  need_attention      need_attention      loyal      loyal
2      hibernating     about_to_sleep      at_risk             at_risk    cant_lose
1      lost            hibernating         at_risk             cant_lose  cant_lose
=====  ==============  ==================  ==================  =========  =========

7-rank summary (1 best … 7), after LTV-Lab's A–G table: 1 優良 (champions,
loyal), 2 有望 (potential_loyalist), 3 新規 (new, promising), 4 浮気予備軍
(need_attention), 5 悩み (about_to_sleep, at_risk, cant_lose), 6 浮気・不満
(hibernating), 7 離反 (lost).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._grouping import factorize

SEGMENT_GRID = (
    # FM score 1 … 5, for R = 1 (first row) … 5 (last row)
    ("lost", "hibernating", "at_risk", "cant_lose", "cant_lose"),
    ("hibernating", "about_to_sleep", "at_risk", "at_risk", "cant_lose"),
    ("about_to_sleep", "need_attention", "need_attention", "loyal", "loyal"),
    ("promising", "potential_loyalist", "potential_loyalist", "loyal", "champions"),
    ("new", "potential_loyalist", "potential_loyalist", "champions", "champions"),
)
SEGMENTS = (
    "champions", "loyal", "potential_loyalist", "new", "promising", "need_attention",
    "about_to_sleep", "at_risk", "cant_lose", "hibernating", "lost",
)
SEGMENT_LABELS_JA = {
    "champions": "チャンピオン", "loyal": "ロイヤル", "potential_loyalist": "ロイヤル予備軍",
    "new": "新規", "promising": "有望", "need_attention": "要注意", "about_to_sleep": "休眠予備軍",
    "at_risk": "離反リスク", "cant_lose": "失えない顧客", "hibernating": "休眠", "lost": "離反",
}
RANK_OF_SEGMENT = {
    "champions": 1, "loyal": 1, "potential_loyalist": 2, "new": 3, "promising": 3,
    "need_attention": 4, "about_to_sleep": 5, "at_risk": 5, "cant_lose": 5,
    "hibernating": 6, "lost": 7,
}
RANK_LABELS_JA = {1: "優良顧客", 2: "有望顧客", 3: "新規顧客", 4: "浮気予備軍顧客",
                  5: "悩み顧客", 6: "浮気・不満顧客", 7: "離反顧客"}


@dataclass(frozen=True)
class RfmSettings:
    """How each dimension is scored: ``"quantile"`` or ``"fixed"`` with four ascending bounds.

    ``r_bounds`` are days since the last purchase, ``f_bounds`` occasions,
    ``m_bounds`` currency units (one tuple for all currencies, or a mapping
    currency → tuple; a currency missing from the mapping is scored by quantile).
    """

    r_method: str = "quantile"
    f_method: str = "fixed"
    m_method: str = "quantile"
    r_bounds: tuple = (31, 91, 181, 366)
    f_bounds: tuple = (2, 3, 5, 10)
    m_bounds: object = None

    def __post_init__(self):
        for name in ("r", "f", "m"):
            method = getattr(self, f"{name}_method")
            if method not in ("quantile", "fixed"):
                raise ValueError(f"{name}_method must be 'quantile' or 'fixed', not {method!r}")
        if self.m_method == "fixed" and self.m_bounds is None:
            raise ValueError("m_method='fixed' needs m_bounds")


def quantile_scores(values, higher_is_better: bool = True) -> np.ndarray:
    """1–5 scores: 1 + ⌊5 × share strictly worse⌋ (see the module tie policy). NaN → 1."""
    values = np.asarray(values, dtype=np.float64)
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=np.int8)
    keyed = values if higher_is_better else -values
    keyed = np.where(np.isnan(keyed), -np.inf, keyed)
    return np.minimum(1 + (5 * strictly_below(keyed)) // n, 5).astype(np.int8)


def strictly_below(values: np.ndarray) -> np.ndarray:
    """For each value, how many values are strictly smaller (ties share the count).

    Small-range whole numbers (days, purchase counts) use a cumulative ``bincount``;
    other values one ``argsort``.
    """
    finite = np.isfinite(values)
    if finite.all() and np.array_equal(values, np.floor(values)):
        low, high = values.min(), values.max()
        if high - low <= 4 * len(values) + 1024:
            offset = (values - low).astype(np.int64)
            below = np.cumsum(np.bincount(offset)) - np.bincount(offset)
            return below[offset]
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    is_new = np.r_[True, ordered[1:] != ordered[:-1]]
    first_position = np.maximum.accumulate(np.where(is_new, np.arange(len(values)), 0))
    below = np.empty(len(values), dtype=np.int64)
    below[order] = first_position
    return below


def fixed_scores(values, bounds, higher_is_better: bool = True) -> np.ndarray:
    """1–5 scores from four ascending bounds: 1 + number of bounds reached (reversed for R)."""
    bounds = np.asarray(bounds, dtype=np.float64)
    if len(bounds) != 4 or np.any(bounds[1:] < bounds[:-1]):  # (inf bounds: no inf − inf)
        raise ValueError("fixed bounds must be four ascending numbers")
    values = np.asarray(values, dtype=np.float64)
    reached = np.searchsorted(bounds, values, side="right")
    reached = np.where(np.isnan(values), 0 if higher_is_better else 4, reached)
    return (1 + reached if higher_is_better else 5 - reached).astype(np.int8)


def rfm_scores(summary: pd.DataFrame, settings: RfmSettings | None = None) -> pd.DataFrame:
    """R, F, M scores, FM, segment, rank for each summary row (same order, same index).

    Columns: ``r_score``, ``f_score``, ``m_score`` (int8 1–5), ``fm_score``,
    ``rfm_segment`` (ASCII code), ``rfm_segment_ja``, ``rfm_rank`` (1 best … 7),
    ``rfm_rank_ja``. Quantile scores are computed within each currency.
    """
    settings = settings or RfmSettings()
    n = len(summary)
    columns = {name: summary[name].to_numpy(dtype=np.float64) if n else np.zeros(0)
               for name in ("recency_days", "frequency", "monetary")}
    r = np.empty(n, dtype=np.int8)
    f = np.empty(n, dtype=np.int8)
    m = np.empty(n, dtype=np.int8)
    codes, uniques = factorize(summary["currency"]) if n else (np.zeros(0, np.int64), [])
    for code, currency in enumerate(uniques):
        rows = slice(None) if len(uniques) == 1 else np.flatnonzero(codes == code)
        r[rows] = _score(columns["recency_days"][rows], settings.r_method, settings.r_bounds, False)
        f[rows] = _score(columns["frequency"][rows], settings.f_method, settings.f_bounds, True)
        m_bounds = _bounds_for(settings.m_bounds, currency)
        m_method = settings.m_method if m_bounds is not None else "quantile"
        m[rows] = _score(columns["monetary"][rows], m_method, m_bounds, True)
    return _with_segments(summary.index, r, f, m)


def _score(values: np.ndarray, method: str, bounds, higher_is_better: bool) -> np.ndarray:
    if method == "fixed":
        return fixed_scores(values, bounds, higher_is_better)
    return quantile_scores(values, higher_is_better)


def _bounds_for(bounds, currency):
    if bounds is None or not hasattr(bounds, "get"):
        return bounds
    return bounds.get(currency)


def _with_segments(index, r, f, m) -> pd.DataFrame:
    fm = ((f.astype(np.int16) + m + 1) // 2).astype(np.int8)
    cell = (r.astype(np.int64) - 1) * 5 + (fm - 1)
    rank = _CELL_RANK[cell]
    return pd.DataFrame(
        {
            "r_score": r, "f_score": f, "m_score": m, "fm_score": fm,
            # Categoricals: a million Python strings cost 0.3 s per column in pandas.
            "rfm_segment": pd.Categorical.from_codes(_CELL_SEGMENT_CODE[cell], categories=_SEGMENT_NAMES),
            "rfm_segment_ja": pd.Categorical.from_codes(_CELL_SEGMENT_CODE[cell], categories=_SEGMENT_NAMES_JA),
            "rfm_rank": rank,
            "rfm_rank_ja": _RANK_JA[rank],
        },
        index=index,
    )


_CELL_SEGMENT = np.array([s for row in SEGMENT_GRID for s in row], dtype=object)
_SEGMENT_NAMES = list(dict.fromkeys(_CELL_SEGMENT))
_SEGMENT_NAMES_JA = [SEGMENT_LABELS_JA[s] for s in _SEGMENT_NAMES]
_CELL_SEGMENT_CODE = np.array([_SEGMENT_NAMES.index(s) for s in _CELL_SEGMENT])
_CELL_RANK = np.array([RANK_OF_SEGMENT[s] for s in _CELL_SEGMENT], dtype=np.int8)
_RANK_JA = np.array([RANK_LABELS_JA.get(i, "") for i in range(8)], dtype=object)


def segment_of(r_score, fm_score) -> np.ndarray:
    """Segment code for R and FM scores (both 1–5), from :data:`SEGMENT_GRID`."""
    r_score = np.asarray(r_score, dtype=np.int64)
    fm_score = np.asarray(fm_score, dtype=np.int64)
    return _CELL_SEGMENT[(r_score - 1) * 5 + (fm_score - 1)]
