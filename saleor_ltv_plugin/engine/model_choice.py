"""Which purchase-count model a shop uses: BG/NBD, MBG/NBD or Pareto/NBD, by its own holdout.

The time split is the one of Fader, Hardie & Lee's CDNOW study (39 weeks to
calibrate, the next 39 to check): the orders up to the *cut* (as_of − holdout)
calibrate each model; every account that had bought by the cut gets its
predicted repeat occasions over the holdout (``conditional_expected_purchases``)
and is compared with the occasions it really had after the cut (same-day orders
merged when the shop merges them).

Criterion (:data:`CRITERION`): the lowest mean absolute error per account among
the models that let a one-order account drop out (:data:`CHOOSABLE`: MBG/NBD and
Pareto/NBD). BG/NBD is fitted and scored beside them, and its score is in the
reason, but it is used only when neither of them fits: it reads P(alive) = 1 for
every account without a repeat purchase however long ago it bought (issue 20:
a company gone since 2023 must not read 100 % alive). A model within
:data:`TIE_SHARE` of the best MAE ties with it, and ties go to the earlier model
of :data:`PREFERENCE` (MBG/NBD: BG/NBD's cost; Pareto/NBD is slower to fit). A
model whose calibration fit is not ``ok`` cannot be chosen, except one that ends at its
no-heterogeneity limit (:func:`at_its_limit`: shops whose accounts drop out at one common
rate drive MBG/NBD's a, b or Pareto/NBD's s, β up a flat ridge to the search bound). When there is no usable holdout
(a short history, too few accounts before the cut, no fit ok) the first model of
:data:`PREFERENCE` that fits the full history is used, and the reason says so.

Large shops are scored on a stable sample of accounts (by a hash of the
account id, :data:`SAMPLE_ACCOUNTS`): the MAE over 20 000 accounts has a standard
error of about 1 % of itself, enough to rank the models, at a small part of the cost. The chosen model is
then fitted on every account's full history.
Days throughout.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from .bgnbd import BetaGeoModel, fit_bgnbd
from .mbgnbd import ModifiedBetaGeoModel, fit_mbgnbd
from .pareto_nbd import ParetoNbdModel, fit_pareto_nbd
from .summary import bgnbd_inputs, summarize_orders

MODELS = {cls.name: (cls, fit) for cls, fit in (
    (BetaGeoModel, fit_bgnbd), (ModifiedBetaGeoModel, fit_mbgnbd), (ParetoNbdModel, fit_pareto_nbd))}
PREFERENCE = ("mbgnbd", "pareto_nbd", "bgnbd")
CHOOSABLE = ("mbgnbd", "pareto_nbd")  # BG/NBD only when neither fits (see the module docstring)
CRITERION = "mae"
TIE_SHARE = 0.01  # within 1 % of the best MAE is a tie
MIN_HOLDOUT_DAYS = 28
MAX_HOLDOUT_DAYS = 365
SAMPLE_ACCOUNTS = 20_000


@dataclass(frozen=True)
class ModelChoice:
    """The chosen model's name, why (``reason`` in English, ``reason_ja`` in Japanese), and
    every model's holdout score (JSON-ready via :meth:`to_dict`).

    ``scores``: name → {label, status, reason, params, mae, rmse, predicted_total} (errors None
    when the calibration fit was not ok); ``holdout``: cut, days, accounts, sampled,
    actual_total (empty when there was no holdout).
    """

    name: str
    reason: str
    reason_ja: str
    criterion: str = CRITERION
    holdout: dict = field(default_factory=dict)
    scores: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return MODELS[self.name][0].label

    def to_dict(self) -> dict:
        return {**asdict(self), "label": self.label}


def holdout_days_for(span_days: int, requested: int | None = None) -> int:
    """Half the shop's history, within 28 … 365 days, unless the setting asks for a length."""
    if requested:
        return int(requested)
    return int(min(MAX_HOLDOUT_DAYS, max(MIN_HOLDOUT_DAYS, span_days // 2)))


def _default(why: str, why_ja: str, **extra) -> ModelChoice:
    label = MODELS[PREFERENCE[0]][0].label
    return ModelChoice(PREFERENCE[0], f"{why}: the default model, {label}",
                       f"{why_ja}ため、既定の {label} を使います", **extra)


def choose_model(orders: pd.DataFrame, as_of=None, *, merge_same_day: bool = True, tz: str | None = None,
                 holdout_days: int | None = None, sample_accounts: int = SAMPLE_ACCOUNTS,
                 model: str = "auto") -> ModelChoice:
    """Fit the three models on the calibration period and keep the best on the holdout.

    ``orders`` as for :func:`.summary.summarize_orders`; ``holdout_days`` None = half
    the history (28 … 365 days); ``model`` a name of :data:`MODELS` skips the contest
    (a channel setting). Never raises for lack of data: see the module docstring.
    """
    if model != "auto":
        label = MODELS[model][0].label  # KeyError: callers validate the setting
        return ModelChoice(model, f"{label} is set in the channel's settings",
                           f"チャネル設定で {label} が指定されています")
    sample = _sample(orders, sample_accounts)
    full = summarize_orders(sample, as_of, merge_same_day=merge_same_day, tz=tz)
    if full.empty:
        return _default("no purchases yet", "購入がまだない")
    end = full.attrs["as_of"]
    span = int((end - np.datetime64(full["first_purchase_at"].min(), "D")).astype(np.int64))
    days = holdout_days_for(span, holdout_days)
    if span < 2 * MIN_HOLDOUT_DAYS or days >= span:
        return _default(f"a history of {span} days is too short for a holdout (needs {2 * MIN_HOLDOUT_DAYS})",
                        f"購入履歴が {span} 日で、検証期間を取るには短い（{2 * MIN_HOLDOUT_DAYS} 日以上必要）")
    cut = end - np.timedelta64(days, "D")
    calibration = summarize_orders(sample, cut, merge_same_day=merge_same_day, tz=tz)
    actual = _holdout_occasions(calibration, full)
    inputs = bgnbd_inputs(calibration, unit="days")
    x, t_x, T = (inputs[c].to_numpy(np.float64) for c in ("frequency", "recency", "T"))
    holdout = {"cut": str(cut), "days": days, "accounts": int(len(x)), "sampled": len(sample) < len(orders),
               "actual_total": int(actual.sum())}
    scores = {name: _score(name, x, t_x, T, actual, days) for name in PREFERENCE}
    return _decide(scores, holdout)


def _sample(orders: pd.DataFrame, limit: int) -> pd.DataFrame:
    """Every order of a stable ~``limit`` accounts (all of them in a smaller shop)."""
    ids = orders["account_id"]
    n = ids.nunique()
    if n <= limit:
        return orders
    hashed = pd.util.hash_array(ids.to_numpy())
    return orders[hashed < np.uint64(limit / n * 2.0**64)]


def _holdout_occasions(calibration: pd.DataFrame, full: pd.DataFrame) -> np.ndarray:
    """Occasions after the cut per calibration row: full-history occasions − calibration ones."""
    keys = ["account_id", "currency"]
    later = calibration[keys].merge(full[keys + ["frequency"]], on=keys, how="left")["frequency"]
    return later.to_numpy(np.float64) - calibration["frequency"].to_numpy(np.float64)


def at_its_limit(model) -> bool:
    """A ``boundary`` fit whose only bounded parameters are its ``limit_params`` at their upper
    bound (MBG/NBD's a, b; Pareto/NBD's s, β; accepted for the :data:`CHOOSABLE` models only): the likelihood still rises toward the model
    without heterogeneity in dropout, which these parameters approximate to within the
    flat ridge's last digits — a usable model, unlike one stopped at any other bound."""
    bounded = getattr(model, "bounded", ())
    return (model.status == "boundary" and bool(bounded) and set(bounded) <= set(model.limit_params)
            and all(getattr(model, k) > 1.0 for k in bounded))


def _score(name, x, t_x, T, actual, days) -> dict:
    model = MODELS[name][1](x, t_x, T)
    out = {"label": model.label, "status": model.status, "reason": model.reason, "params": model.params,
           "bounded": list(getattr(model, "bounded", ())), "mae": None, "rmse": None, "predicted_total": None}
    if model.ok or (name in CHOOSABLE and at_its_limit(model)):
        predicted = model.conditional_expected_purchases(float(days), x, t_x, T)
        error = predicted - actual
        out.update(mae=float(np.mean(np.abs(error))), rmse=float(np.sqrt(np.mean(error**2))),
                   predicted_total=float(predicted.sum()))
    return out


def _decide(scores: dict, holdout: dict) -> ModelChoice:
    usable = {name: s["mae"] for name, s in scores.items() if s["mae"] is not None and np.isfinite(s["mae"])}
    if not usable:
        why = ", ".join(f"{MODELS[n][0].label} {s['status']}" for n, s in scores.items())
        return _default(f"no model fitted the calibration period ({why})",
                        f"検証期間より前のデータでどのモデルも推定できなかった（{why}）",
                        holdout=holdout, scores=scores)
    ranking = ", ".join(f"{MODELS[n][0].label} {usable[n]:.4f}" for n in sorted(usable, key=usable.get))
    choosable = {n: mae for n, mae in usable.items() if n in CHOOSABLE} or usable
    best = min(choosable.values())
    tied = [name for name in PREFERENCE if name in choosable and choosable[name] <= best * (1 + TIE_SHARE)]
    name = tied[0]
    label = MODELS[name][0].label
    days, accounts = holdout["days"], holdout["accounts"]
    reason = (f"lowest mean absolute error of holdout purchases per account over the last "
              f"{days} days ({accounts} accounts) of the models that let a one-order account drop out: "
              f"{ranking}")
    reason_ja = (f"直近 {days} 日を検証期間とし、その前の購入から予測した購入回数の誤差"
                 f"（{accounts} 件の1件あたり平均絶対誤差）が、1回購入の顧客の離脱を扱うモデル"
                 f"（MBG/NBD・Pareto/NBD）の中で最も小さいモデル: {ranking}")
    if name == "bgnbd":  # neither of the choosable models fitted the calibration period
        why = ", ".join(f"{MODELS[n][0].label} {scores[n]['status']}" for n in CHOOSABLE if n in scores)
        reason = (f"neither MBG/NBD nor Pareto/NBD fitted the calibration period ({why}), so BG/NBD "
                  f"(mean absolute error {usable[name]:.4f} of holdout purchases per account over the last "
                  f"{days} days, {accounts} accounts), which reads P(alive) = 1 for an account without a "
                  "repeat purchase")
        reason_ja = (f"検証期間より前のデータで MBG/NBD・Pareto/NBD が推定できなかった（{why}）ため BG/NBD"
                     f"（直近 {days} 日の購入回数の1件あたり平均絶対誤差 {usable[name]:.4f}、{accounts} 件）。"
                     "BG/NBD ではリピート購入のない顧客の生存確率は常に 100 % です")
        return ModelChoice(name, reason, reason_ja, holdout=holdout, scores=scores)
    if scores[name]["status"] == "boundary":  # scored only at its limit (at_its_limit)
        reason += (f"; its calibration fit ends at the model's no-heterogeneity limit "
                   f"({scores[name].get('reason', '')}: one dropout rate for all accounts)")
        bound = "、".join(scores[name].get("bounded", []))
        reason_ja += f"。検証用の推定は異質性のない極限（パラメータ {bound} が探索範囲の上限：離脱率が全顧客で共通）に達しています"
    if usable[name] > best:
        reason += f"; within {TIE_SHARE:.0%} of the best, {label} is preferred"
        reason_ja += f"。最良との差が {TIE_SHARE:.0%} 以内のため {label} を優先"
    if "bgnbd" in usable and usable["bgnbd"] < usable[name]:
        reason += (f"; BG/NBD scored {usable['bgnbd']:.4f} but reads P(alive) = 1 for every account "
                   "without a repeat purchase, so it is used only when neither of the others fits")
        reason_ja += (f"。BG/NBD の誤差は {usable['bgnbd']:.4f} ですが、リピート購入のない顧客を常に生存確率 "
                      "100 % とするため、他のモデルが推定できない場合にのみ使います")
    return ModelChoice(name, reason, reason_ja, holdout=holdout, scores=scores)


def fit_chosen(choice: ModelChoice, frequency, recency, T) -> tuple:
    """(model, note, note_ja): the chosen model fitted on the full history; if that fit is not
    ok, the next model by holdout rank (then by preference) that fits, and the notes say so
    (empty when the choice stands). Each fit starts from its own default: a calibration
    estimate near the model's edge (Pareto/NBD's s → ∞) made the full fit slower, not faster."""
    ranked = sorted(PREFERENCE, key=lambda n: (
        n != choice.name, _mae_or_inf(choice.scores.get(n)), PREFERENCE.index(n)))
    failed, tried = [], []
    for name in ranked:
        cls, fit = MODELS[name]
        model = fit(frequency, recency, T)
        tried.append(model)
        if model.ok or (name in CHOOSABLE and at_its_limit(model)):
            if not failed:
                return model, "", ""
            why = ", ".join(failed)
            return (model, f"; on the full history {why}, so {cls.label}",
                    f"。全期間では {why} のため {cls.label} を使います")
        failed.append(f"{cls.label} {model.status} ({model.reason})")
    why = ", ".join(failed)
    return tried[0], f"; on the full history no model fitted: {why}", f"。全期間ではどのモデルも推定できません: {why}"


def _mae_or_inf(score) -> float:
    return score["mae"] if score and score.get("mae") is not None else float("inf")


def model_from_params(params: dict):
    """A model object from stored parameters {name, <its parameters>, status, reason} (None → NaN)."""
    cls, _ = MODELS[params.get("name") or "bgnbd"]
    values = [float("nan") if params.get(k) is None else float(params[k]) for k in cls.param_names]
    return cls(*values, log_likelihood=float("nan"), status=params.get("status", "ok"),
               reason=params.get("reason", ""))
