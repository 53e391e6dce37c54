"""Every analysis threshold per sales channel (issue 20 #6): RFM scoring, CPM bounds, lifecycle days,
the churn grace factor and the per-unit SKU rhythm — read by the recompute and the re-score, proposed
from the channel's own distribution, previewed on the stored metrics before a save.

A channel's record (models.ChannelThresholds) holds only what it sets; everything else is its
default. The lifecycle days default to the host's settings (conf.ChannelSettings: the Plugins page,
Django's LTV_PLUGIN or the App's Settings page), so a shop that set them there keeps them; the rest
default to the engine's. The record lives in the app's own table, so it is editable in every host.

Applied at the next re-score: a full recompute uses all of it; the incremental re-score of one
account uses it too, except RFM dimensions scored by quantile (their cut points come from the last
full run: one account cannot move the shop's quantiles).
"""

from __future__ import annotations

import math
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from django.db import transaction
from django.utils import timezone

from . import conf, db
from .engine.cpm import CELLS, CpmBounds, _two_significant, cpm_cells, propose_bounds
from .engine.cycle import RhythmSettings
from .engine.lifecycle import STAGES, LifecycleThresholds, lifecycle_stages
from .engine.rfm import SEGMENTS, RfmSettings, rfm_scores
from .queries.errors import InputError

METHODS = ("quantile", "fixed")
LIFECYCLE = ("new_customer_days", "dormant_after_days", "lost_after_days", "loyal_min_repeats")
_ENGINE = {
    "rfm_r_method": RfmSettings.r_method, "rfm_f_method": RfmSettings.f_method,
    "rfm_m_method": RfmSettings.m_method, "rfm_r_bounds": list(RfmSettings.r_bounds),
    "rfm_f_bounds": list(RfmSettings.f_bounds), "rfm_m_bounds": None,
    "cpm_lapsed_after_days": CpmBounds.lapsed_after_days,
    "cpm_toddler_max_tenure_days": CpmBounds.toddler_max_tenure_days,
    "cpm_excellent_min_tenure_days": CpmBounds.excellent_min_tenure_days,
    "cpm_high_spend": {"JPY": 70_000},
    "churn_grace_factor": RhythmSettings.grace_factor,
    "sku_per_unit": True,
}
FIELDS = (*_ENGINE, *LIFECYCLE)  # the names a record, the API and the page know, in the page's order
GROUPS = (("rfm", tuple(n for n in FIELDS if n.startswith("rfm_"))),
          ("cpm", tuple(n for n in FIELDS if n.startswith("cpm_"))),
          ("lifecycle", LIFECYCLE), ("rhythm", ("churn_grace_factor", "sku_per_unit")))
MAX_DAYS = 3650

# Each reason in both languages; {…} filled from the error.
REASONS: dict[str, tuple[str, str]] = {
    "unknown": ("unknown threshold", "未知のしきい値です"),
    "method": ("must be quantile or fixed", "quantile か fixed を指定してください"),
    "bounds": ("must be four numbers", "4つの数値を指定してください"),
    "increase": ("must increase (each bound above the one before)", "前の値より大きくなるように指定してください"),
    "positive": ("must be a positive number", "正の数を指定してください"),
    "whole": ("must be a whole number of days from 1 to 3650", "1〜3650 の整数（日数）を指定してください"),
    "needs_bounds": ("fixed M scoring needs rfm_m_bounds", "M を fixed で採点するには rfm_m_bounds が必要です"),
    "above": ("must be above {other}", "{other} より大きくしてください"),
    "spend": ("must be a positive amount, or {{currency: amount}}", "正の金額、または {{通貨: 金額}} を指定してください"),
    "currency": ("currency codes are three capital letters (JPY)", "通貨コードは大文字3文字です（JPY など）"),
    "grace": ("must be a number from 1 to 10 (1: due date, 1.5: half a cycle late)",
              "1〜10 の数値を指定してください（1：予定日ちょうど、1.5：半周期遅れ）"),
    "boolean": ("must be true or false", "true か false を指定してください"),
    "repeats": ("must be a whole number from 2 to 100", "2〜100 の整数を指定してください"),
    "object": ("must be an object: {threshold: value}", "{しきい値名: 値} の形のオブジェクトにしてください"),
    "channel": ("must be a channel slug of 1 to 128 characters", "1〜128 文字のチャネルのスラッグを指定してください"),
}


class ThresholdsError(InputError):
    """Invalid thresholds: each field with its reason in en (``errors``) and ja (``ja``)."""

    def __init__(self, problems: dict[str, tuple[str, dict]]):
        en = {f: REASONS[code][0].format(**args) for f, (code, args) in problems.items()}
        ja = {f: REASONS[code][1].format(**args) for f, (code, args) in problems.items()}
        super().__init__(en, "invalid", ja)


# --- reading -------------------------------------------------------------------------------------
def defaults(channel: str) -> dict[str, Any]:
    """The values a channel has before it sets any: the engine's, lifecycle days from the host."""
    host = conf.channel_settings(channel)
    return {**_ENGINE, **{name: getattr(host, name) for name in LIFECYCLE}}


def stored(channel: str) -> dict[str, Any]:
    from .models import ChannelThresholds

    return ChannelThresholds.objects.filter(channel=channel).values_list("values", flat=True).first() or {}


def in_force(channel: str) -> dict[str, Any]:
    return {**defaults(channel), **{k: v for k, v in stored(channel).items() if k in FIELDS}}


@dataclass(frozen=True)
class EngineThresholds:
    """The thresholds as the engine takes them (engine/ stays free of settings)."""

    rfm: RfmSettings
    cpm: CpmBounds
    lifecycle: LifecycleThresholds
    rhythm: RhythmSettings
    sku_per_unit: bool


def for_engine(values: dict[str, Any]) -> EngineThresholds:
    return EngineThresholds(
        rfm=RfmSettings(r_method=values["rfm_r_method"], f_method=values["rfm_f_method"],
                        m_method=values["rfm_m_method"], r_bounds=tuple(values["rfm_r_bounds"]),
                        f_bounds=tuple(values["rfm_f_bounds"]), m_bounds=_m_bounds(values["rfm_m_bounds"])),
        cpm=CpmBounds(lapsed_after_days=values["cpm_lapsed_after_days"],
                      toddler_max_tenure_days=values["cpm_toddler_max_tenure_days"],
                      excellent_min_tenure_days=values["cpm_excellent_min_tenure_days"],
                      high_spend=_spend_value(values["cpm_high_spend"])),
        lifecycle=LifecycleThresholds(**{name: values[name] for name in LIFECYCLE}),
        rhythm=RhythmSettings(grace_factor=float(values["churn_grace_factor"])),
        sku_per_unit=bool(values["sku_per_unit"]),
    )


def engine_thresholds(channel: str) -> EngineThresholds:
    """What the recompute and the re-score of ``channel`` use now."""
    return for_engine(in_force(channel))


def _spend_value(value):
    return dict(value) if isinstance(value, dict) else float(value)  # one amount: every currency


def _m_bounds(value):
    if value is None:
        return None
    return {c: tuple(v) for c, v in value.items()} if isinstance(value, dict) else tuple(value)


# --- validation ----------------------------------------------------------------------------------
def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _bounds(value, field: str, problems: dict) -> list[float] | None:
    """Four increasing positive numbers (RFM bounds: days, orders or money)."""
    if not isinstance(value, (list, tuple)) or len(value) != 4 or any(_number(v) is None for v in value):
        problems[field] = ("bounds", {})
        return None
    numbers = [_number(v) for v in value]
    if numbers[0] <= 0:
        problems[field] = ("positive", {})
        return None
    if any(b <= a for a, b in zip(numbers, numbers[1:])):
        problems[field] = ("increase", {})
        return None
    return [int(n) if n == int(n) else n for n in numbers]


def _days(value, field: str, problems: dict) -> int | None:
    number = _number(value)
    if number is None or number != int(number) or not 1 <= number <= MAX_DAYS:
        problems[field] = ("whole", {})
        return None
    return int(number)


def _spend(value, field: str, problems: dict):
    if isinstance(value, dict):
        out = {}
        for currency, amount in value.items():
            if not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha() and currency.isupper()):
                problems[f"{field}.{currency}"] = ("currency", {})
                continue
            number = _number(amount)
            if number is None or number <= 0:
                problems[f"{field}.{currency}"] = ("positive", {})
            else:
                out[currency] = number
        return out
    number = _number(value)
    if number is None or number <= 0:
        problems[field] = ("spend", {})
        return None
    return number  # one amount for every currency


def validate(values: Any) -> dict[str, Any]:
    """``values`` (a whole record: {name: value}) checked and normalised, or ThresholdsError naming each
    field at fault."""
    if not isinstance(values, dict):
        raise ThresholdsError({"input": ("object", {})})
    problems: dict[str, tuple[str, dict]] = {f: ("unknown", {}) for f in values if f not in FIELDS}
    clean: dict[str, Any] = {}
    for dim in "rfm":
        method = values.get(f"rfm_{dim}_method")
        if method not in METHODS:
            problems[f"rfm_{dim}_method"] = ("method", {})
        clean[f"rfm_{dim}_method"] = method
    clean["rfm_r_bounds"] = _bounds(values.get("rfm_r_bounds"), "rfm_r_bounds", problems)
    clean["rfm_f_bounds"] = _bounds(values.get("rfm_f_bounds"), "rfm_f_bounds", problems)
    m = values.get("rfm_m_bounds")
    if m is None:
        clean["rfm_m_bounds"] = None
        if values.get("rfm_m_method") == "fixed":
            problems["rfm_m_bounds"] = ("needs_bounds", {})
    elif isinstance(m, dict):
        clean["rfm_m_bounds"] = {c: _bounds(v, f"rfm_m_bounds.{c}", problems) for c, v in m.items()}
    else:
        clean["rfm_m_bounds"] = _bounds(m, "rfm_m_bounds", problems)
    for name in ("cpm_lapsed_after_days", "cpm_toddler_max_tenure_days", "cpm_excellent_min_tenure_days",
                 "new_customer_days", "dormant_after_days", "lost_after_days"):
        clean[name] = _days(values.get(name), name, problems)
    _above(clean, problems, "cpm_excellent_min_tenure_days", "cpm_toddler_max_tenure_days")
    _above(clean, problems, "lost_after_days", "dormant_after_days")
    clean["cpm_high_spend"] = _spend(values.get("cpm_high_spend"), "cpm_high_spend", problems)
    repeats = _number(values.get("loyal_min_repeats"))
    if repeats is None or repeats != int(repeats) or not 2 <= repeats <= 100:
        problems["loyal_min_repeats"] = ("repeats", {})
    else:
        clean["loyal_min_repeats"] = int(repeats)
    grace = _number(values.get("churn_grace_factor"))
    if grace is None or not 1 <= grace <= 10:
        problems["churn_grace_factor"] = ("grace", {})
    clean["churn_grace_factor"] = grace
    if not isinstance(values.get("sku_per_unit"), bool):
        problems["sku_per_unit"] = ("boolean", {})
    clean["sku_per_unit"] = values.get("sku_per_unit")
    if problems:
        raise ThresholdsError(problems)
    return clean


def _above(clean: dict, problems: dict, high: str, low: str) -> None:
    if clean.get(high) is not None and clean.get(low) is not None and clean[high] <= clean[low]:
        problems[high] = ("above", {"other": low})


def merged(channel: str, changes: Any) -> dict[str, Any]:
    """The record in force with ``changes`` applied (null: back to the default), validated."""
    if not isinstance(channel, str) or not 0 < len(channel.strip()) <= 128:
        raise ThresholdsError({"channel": ("channel", {})})
    if not isinstance(changes, dict):
        raise ThresholdsError({"input": ("object", {})})
    base = defaults(channel)
    values = in_force(channel)
    for name, value in changes.items():
        values[name] = base.get(name) if value is None and name in base else value
    return validate(values)


# --- writing -------------------------------------------------------------------------------------
def update(channel: str, changes: Any, by: str) -> list[str]:
    """Apply ``changes`` to the channel's record; returns the names changed. Only names that differ
    from the default are stored, so a later change of a default (the host's lifecycle days) reaches
    every channel that did not set its own."""
    from .models import ChannelThresholds

    merged(channel, changes)  # refused before the table is touched
    with db.writer(), transaction.atomic():
        ChannelThresholds.objects.bulk_create([ChannelThresholds(channel=channel)], ignore_conflicts=True)
        row = ChannelThresholds.objects.select_for_update().get(channel=channel)
        before = in_force(channel)
        values = merged(channel, changes)
        base = defaults(channel)
        row.values = {k: v for k, v in values.items() if v != base.get(k)}
        row.updated_at, row.updated_by = timezone.now(), by
        row.save()
    return [k for k in FIELDS if values.get(k) != before.get(k)]


def updated(channel: str) -> tuple[Any, str]:
    from .models import ChannelThresholds

    row = ChannelThresholds.objects.filter(channel=channel).values_list("updated_at", "updated_by").first()
    return row or (None, "")


# --- the stored metrics: proposal and preview ------------------------------------------------------
def stored_metrics(channel: str, now: datetime | None = None) -> pd.DataFrame:
    """The channel's stored metric rows as the engine's summary columns (one row per account), aged to
    the shop's today: each row's days since the last order (and so its overdue ratio) grow by the days
    since it was scored, as a re-score today would count them."""
    from .metrics.load import load_scored

    tz = conf.channel_settings(channel).timezone
    frame = load_scored(channel, tz)
    today = (now or timezone.now()).astimezone(zoneinfo.ZoneInfo(tz)).date()
    age = np.maximum((today - date(1970, 1, 1)).days - frame["scored_on"].to_numpy(), 0)
    frame["recency_days"] = frame["recency_days"].to_numpy() + age
    typical = frame["typical_interval_days"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        frame["overdue_ratio"] = np.where(typical > 0, frame["recency_days"].to_numpy() / typical,
                                          frame["overdue_ratio"].to_numpy())
    return frame


DIMENSIONS = ("stage", "cpm_cell", "rfm_segment", "churn_risk")
_VALUES = {"stage": list(STAGES), "cpm_cell": list(CELLS), "rfm_segment": list(SEGMENTS),
           "churn_risk": ["False", "True"]}


def classify(frame: pd.DataFrame, thresholds: EngineThresholds) -> dict[str, np.ndarray]:
    """Stage, CPM cell, RFM segment and churn flag of each stored row under ``thresholds``, by the
    engine's own functions (what a re-score on the same day gives), as codes into _VALUES."""
    if not len(frame):
        return {dim: np.zeros(0, np.int64) for dim in DIMENSIONS}
    codes = {
        "stage": lifecycle_stages(frame, thresholds.lifecycle)["stage"],
        "cpm_cell": cpm_cells(frame, thresholds.cpm)["cpm_cell"],
        "rfm_segment": rfm_scores(frame, thresholds.rfm)["rfm_segment"],
    }
    out = {dim: pd.Categorical(values, categories=_VALUES[dim]).codes.astype(np.int64)
           for dim, values in codes.items()}
    out["churn_risk"] = (frame["overdue_ratio"].to_numpy(dtype=float) > thresholds.rhythm.grace_factor).astype(np.int64)
    return out


def preview(channel: str, changes: Any, now: datetime | None = None) -> dict[str, Any]:
    """How many accounts each change moves: per dimension, the counts before (thresholds in force) and
    after (with ``changes``), and every move from → to with its count; on the stored metrics aged to
    today, so a re-score today with no new orders gives the same. SKU rhythm is not previewed (it
    changes reorder dates, not any account's class)."""
    after_values = merged(channel, changes)
    frame = stored_metrics(channel, now)
    before = classify(frame, engine_thresholds(channel))
    after = classify(frame, for_engine(after_values))
    out: dict[str, Any] = {"channel": channel, "accounts": int(len(frame)), "dimensions": {}}
    for dim in DIMENSIONS:
        names, b, a = _VALUES[dim], before[dim], after[dim]
        k = len(names)
        pairs = np.bincount(b * k + a, minlength=k * k).reshape(k, k)
        moves = [{"from": names[i], "to": names[j], "accounts": int(pairs[i, j])}
                 for i in range(k) for j in range(k) if i != j and pairs[i, j]]
        out["dimensions"][dim] = {
            "changed": int(pairs.sum() - np.trace(pairs)),
            "before": {names[i]: int(n) for i, n in enumerate(pairs.sum(axis=1)) if n},
            "after": {names[j]: int(n) for j, n in enumerate(pairs.sum(axis=0)) if n},
            "moves": moves,
        }
    return out


PROPOSAL_QUANTILES = {
    "cpm_lapsed_after_days": "90th percentile of repeat accounts' typical interval (at least 60 days)",
    "cpm_toddler_max_tenure_days": "40th percentile of repeat accounts' tenure",
    "cpm_excellent_min_tenure_days": "70th percentile of repeat accounts' tenure",
    "cpm_high_spend": "80th percentile of repeat accounts' total spend, per currency",
    "rfm_r_bounds": "20th, 40th, 60th, 80th percentiles of days since the last purchase",
    "rfm_f_bounds": "60th, 70th, 80th, 90th percentiles of purchase counts (kept increasing)",
    "rfm_m_bounds": "20th, 40th, 60th, 80th percentiles of total spend, per currency",
}
PROPOSAL_QUANTILES_JA = {
    "cpm_lapsed_after_days": "リピート顧客の購買間隔の90パーセンタイル（最低60日）",
    "cpm_toddler_max_tenure_days": "リピート顧客の在籍日数の40パーセンタイル",
    "cpm_excellent_min_tenure_days": "リピート顧客の在籍日数の70パーセンタイル",
    "cpm_high_spend": "リピート顧客の累計購入金額の80パーセンタイル（通貨ごと）",
    "rfm_r_bounds": "最終購入からの日数の20・40・60・80パーセンタイル",
    "rfm_f_bounds": "購入回数の60・70・80・90パーセンタイル（増加するよう調整）",
    "rfm_m_bounds": "累計購入金額の20・40・60・80パーセンタイル（通貨ごと）",
}


def propose(channel: str) -> dict[str, Any]:
    """Bounds from the channel's own stored distribution (PROPOSAL_QUANTILES says which); the CPM ones
    are the engine's propose_bounds, with each account's typical interval standing in for its median
    gap (the stored metrics keep the former)."""
    frame = stored_metrics(channel)
    if not len(frame):
        return {}
    summary = frame.assign(interval_median_days=frame["typical_interval_days"].astype(float))
    cpm = propose_bounds(summary)
    r = _increasing(np.percentile(frame["recency_days"], [20, 40, 60, 80]), step=1, start=1)
    f = _increasing(np.percentile(frame["frequency"], [60, 70, 80, 90]), step=1, start=2)
    m = {str(c): _increasing([_two_significant(v) for v in np.percentile(part["monetary"], [20, 40, 60, 80])],
                             step=None, start=None)
         for c, part in frame.groupby("currency", sort=True)}
    return {
        "cpm_lapsed_after_days": cpm.lapsed_after_days, "cpm_toddler_max_tenure_days": cpm.toddler_max_tenure_days,
        "cpm_excellent_min_tenure_days": cpm.excellent_min_tenure_days,
        "cpm_high_spend": dict(cpm.high_spend),
        "rfm_r_bounds": r, "rfm_f_bounds": f, "rfm_m_bounds": m,
    }


def _increasing(values, step, start) -> list:
    """Round up to whole numbers (step 1) and push each above the one before, so the bounds validate."""
    out: list = []
    for v in values:
        v = float(v)
        if step:
            v = max(math.ceil(v), start if not out else out[-1] + step)
        elif out and v <= out[-1]:
            v = out[-1] * 1.1
        out.append(int(v) if step else v)
    if not step and out and out[0] <= 0:
        out = [max(v, i + 1.0) for i, v in enumerate(out)]
    return out
